// The mount-namespace lab: a mount table of one's own (a tmpfs the host never sees), a read-only /proc that is
// read-only only here, and mount propagation between two lab namespaces: shared peers, private, slave, unbindable.
// Everything happens in the lab's namespaces: namespace A is private from the host, its scratch space is a
// tmpfs over /mnt (nothing is created on the host's disk), and namespace B is made from inside A.
import { accessSync, constants } from 'node:fs';
import { readMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { describeMount, mountAt, mountsFrom, propagationLink, propagationTags } from '../../src/kernel/mount-propagation.js';
import { nsInode } from '../../src/kernel/proc.js';
import { bindMountProbeArgv, errnoOfExit, openForWriteProbeArgv } from '../../src/kernel/syscall-probe.js';
import { enter, init, proc, run, type Into } from '../../src/lab/build.js';
import { startInside } from '../../src/lab/build-inside.js';
import type { ActionSpec, CheckContext, LabContext, LabSpec, Verdict } from '../../src/lab/spec.js';
import { bilingual, inChinese, inEnglish, type Say } from '../../src/common/vocabulary.js';

/** The file the lab tries to open for writing through /proc: the hostname, which nothing here writes. */
const HOSTNAME_FILE = '/proc/sys/kernel/hostname';

/** The unbindable step's directories in A's tmpfs: a small tree of two mounts, and where copies of it are tried. */
const TREE = '/mnt/tree';
const UNBINDABLE = `${TREE}/unbindable`;
const BINDABLE = `${TREE}/bindable`;
const TREE_COPY = '/mnt/tree-copy';
const ONE_COPY = '/mnt/one-copy';

/** Where commands in namespace B run (`enter` alone runs them in A, the way `lab shell mount-namespace` does). */
const B: Into = { into: 'ns-b' };

/** Show the lab's own mounts (every source the lab names starts with lab-) in the mount tables of A and B. */
const showBoth: ActionSpec = run(['grep', 'lab-', proc('ns-a', 'mountinfo'), proc('ns-b', 'mountinfo')]);

/** The mount table of a lab process's mount namespace, as the kernel lists it. */
function tableOf(ctx: LabContext, name: 'ns-a' | 'ns-b'): MountEntry[] {
  const pid = ctx.proc(name).pid;
  const table = readMountinfo(pid);
  if (!table) throw new Error(`/proc/${pid}/mountinfo cannot be read: the lab's process ${name} is gone`);
  return table;
}

/** The mount table of the harness's own mount namespace: the host's. */
const hostTable = (): MountEntry[] => readMountinfo('self') ?? [];

/** The first mount of this source, or undefined. */
const firstFrom = (table: MountEntry[], source: string): MountEntry | undefined => mountsFrom(table, source)[0];

const shown = (entry: MountEntry | undefined, none: string): string => (entry ? describeMount(entry) : none);

/**
 * A mount the harness made in one namespace, and whether the other namespace holds the kernel's copy of it.
 * `expect`: which link the copy must have (`none`: the other namespace must not have it at all).
 */
function propagated(ctx: CheckContext, source: string, from: 'ns-a' | 'ns-b', expect: 'peer' | 'slave' | 'none'): Verdict {
  const to = from === 'ns-a' ? 'ns-b' : 'ns-a';
  const original = firstFrom(tableOf(ctx, from), source);
  const copy = firstFrom(tableOf(ctx, to), source);
  const link = original && copy ? propagationLink(original, copy) : undefined;
  const ok = original !== undefined && (expect === 'none' ? copy === undefined : link === expect);
  const name = (p: string): string => (p === 'ns-a' ? 'A' : 'B');
  return {
    ok,
    found: {
      en: `${source} in ${name(from)}: ${shown(original, 'not mounted')}; in ${name(to)}: ${shown(copy, 'not mounted')}`,
      zh: `${source} 在 ${name(from)} 中：${shown(original, '没有挂载')}；在 ${name(to)} 中：${shown(copy, '没有挂载')}`,
    },
  };
}

export default {
  format: 1,
  id: 'mount-namespace',
  order: 3,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'perl', 'ns-mnt'],
  shell: { target: 'ns-a', namespaces: ['mnt'] },
  steps: [
    {
      id: 'create',
      kind: 'demo',
      actions: [
        init('ns-a', { namespaces: ['mnt'], fork: true }),
        run(['readlink', '/proc/self/ns/mnt', proc('ns-a', 'ns/mnt')]),
        enter(['mount', '-t', 'tmpfs', 'lab-mnt', '/mnt']),
        run(['grep', 'lab-mnt', proc('ns-a', 'mountinfo')]),
        run(['grep', '-c', 'lab-mnt', '/proc/self/mountinfo'], { expect: 'fail' }),
      ],
      checks: [
        {
          id: 'tmpfs-inside',
          title: {
            en: 'A has a mount namespace of its own, and its mount table lists the tmpfs lab-mnt at /mnt',
            zh: 'A 有自己的挂载命名空间，它的挂载表里有挂在 /mnt 上的 tmpfs lab-mnt',
          },
          verify: (ctx) => {
            const pid = ctx.proc('ns-a').pid;
            const own = nsInode(pid, 'mnt');
            const host = nsInode('self', 'mnt');
            const mount = mountsFrom(tableOf(ctx, 'ns-a'), 'lab-mnt').find((m) => m.mountPoint === '/mnt' && m.fsType === 'tmpfs');
            return {
              ok: own !== undefined && own !== host && mount !== undefined,
              found: {
                en: `host mnt:[${host}], A mnt:[${own}]; in A: ${mount ? `mount ID ${mount.id}, /mnt tmpfs lab-mnt` : 'no lab-mnt at /mnt'}`,
                zh: `宿主机 mnt:[${host}]，A mnt:[${own}]；A 中：${mount ? `挂载 ID ${mount.id}，/mnt tmpfs lab-mnt` : '/mnt 上没有 lab-mnt'}`,
              },
            };
          },
        },
        {
          id: 'absent-on-host',
          title: {
            en: "the host's mount table has no lab-mnt: the mount exists only in A's namespace",
            zh: '宿主机的挂载表里没有 lab-mnt：这个挂载只存在于 A 的命名空间里',
          },
          verify: (ctx) => {
            const lab = tableOf(ctx, 'ns-a');
            const host = hostTable();
            const inLab = mountsFrom(lab, 'lab-mnt').length;
            const onHost = mountsFrom(host, 'lab-mnt').length;
            return {
              ok: inLab > 0 && onHost === 0,
              found: {
                en: `host: ${host.length} mounts, ${onHost} from lab-mnt; A: ${lab.length} mounts, ${inLab} from lab-mnt`,
                zh: `宿主机：${host.length} 个挂载，其中 lab-mnt ${onHost} 个；A：${lab.length} 个挂载，其中 lab-mnt ${inLab} 个`,
              },
            };
          },
        },
        {
          id: 'all-private',
          title: {
            en: 'every mount of A is private (no shared:N, no master:N), so no mount event crosses between A and the host',
            zh: 'A 的所有挂载都是私有的（没有 shared:N，也没有 master:N），A 与宿主机之间不会传播任何挂载事件',
          },
          verify: (ctx) => {
            const lab = tableOf(ctx, 'ns-a');
            const linked = lab.filter((m) => propagationTags(m) !== 'private');
            const hostRoot = mountAt(hostTable(), '/');
            const labRoot = mountAt(lab, '/');
            const roots = (say: Say): string => `${shown(hostRoot, '/ ?')}${say('; A ', '；A ')}${shown(labRoot, '/ ?')}`;
            const notPrivate = linked.map(describeMount).join(', ');
            return {
              ok: linked.length === 0,
              found: linked.length
                ? { en: `host ${roots(inEnglish)}; not private in A: ${notPrivate}`, zh: `宿主机 ${roots(inChinese)}；A 中不是私有的：${notPrivate}` }
                : {
                    en: `host ${roots(inEnglish)}; all ${lab.length} mounts of A private`,
                    zh: `宿主机 ${roots(inChinese)}；A 的 ${lab.length} 个挂载全部私有`,
                  },
            };
          },
        },
      ],
    },
    {
      id: 'proc-readonly',
      kind: 'demo',
      actions: [
        enter(['mount', '-o', 'remount,bind,ro', '/proc']),
        run(['grep', ' /proc ', '/proc/self/mountinfo', proc('ns-a', 'mountinfo')]),
        enter(openForWriteProbeArgv(HOSTNAME_FILE), { expect: 'fail', record: 'proc-write' }),
      ],
      checks: [
        {
          id: 'ro-here-rw-there',
          title: {
            en: "A's /proc mount is ro, the host's is still rw, and both show the same procfs (same device, same superblock options)",
            zh: 'A 的 /proc 挂载是 ro（只读），宿主机的仍是 rw，而两者是同一个 procfs（设备号相同，超级块选项相同）',
          },
          verify: (ctx) => {
            const lab = mountAt(tableOf(ctx, 'ns-a'), '/proc');
            const host = mountAt(hostTable(), '/proc');
            const flags = (m: MountEntry | undefined): string[] => m?.options.split(',') ?? [];
            const fact = (m: MountEntry | undefined, superblock: string): string => (m ? `${m.device} ${m.options} (${superblock} ${m.superOptions})` : '?');
            return {
              ok: flags(lab).includes('ro') && flags(host).includes('rw') && lab?.device === host?.device,
              found: {
                en: `host /proc: ${fact(host, 'superblock')}; A /proc: ${fact(lab, 'superblock')}`,
                zh: `宿主机 /proc：${fact(host, '超级块')}；A 的 /proc：${fact(lab, '超级块')}`,
              },
            };
          },
        },
        {
          id: 'write-refused',
          title: {
            en: "opening a file for writing through A's /proc failed with EROFS (the probe's exit status is the errno), while the host may still write there",
            zh: '通过 A 的 /proc 以写方式打开文件失败，错误是 EROFS（探针的退出状态就是 errno），而宿主机仍然可以写',
          },
          verify: (ctx) => {
            const status = ctx.get('proc-write');
            const errno = errnoOfExit(status);
            let host = 'ok';
            try {
              accessSync(HOSTNAME_FILE, constants.W_OK);
            } catch (error) {
              host = (error as { code?: string }).code ?? 'error';
            }
            return {
              ok: errno === 'EROFS' && host === 'ok',
              found: {
                en: `open ${HOSTNAME_FILE} for writing in A: ${status} (${errno ?? 'no errno'}); access(2) W_OK on the host: ${host}`,
                zh: `在 A 中以写方式打开 ${HOSTNAME_FILE}：${status}（${errno ?? '没有 errno'}）；宿主机上 access(2) W_OK：${host}`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'peers',
      kind: 'demo',
      actions: [
        enter(['mkdir', '/mnt/shared', '/mnt/private']),
        enter(['mount', '--bind', '/mnt/shared', '/mnt/shared']),
        enter(['mount', '--make-shared', '/mnt/shared']),
        enter(['mount', '--bind', '/mnt/private', '/mnt/private']),
        enter(['mount', '--make-private', '/mnt/private']),
        // Made from inside A; `--propagation unchanged` keeps the types, so B's /mnt/shared joins A's peer group.
        startInside('ns-b', ['unshare', '--mount', '--fork', '--kill-child', '--propagation', 'unchanged', 'sleep', 'infinity'], { pidOf: 'child' }),
        showBoth,
        enter(['mkdir', '/mnt/shared/new', '/mnt/private/new']),
        enter(['mount', '-t', 'tmpfs', 'lab-shared-new', '/mnt/shared/new']),
        enter(['mount', '-t', 'tmpfs', 'lab-private-new', '/mnt/private/new']),
        showBoth,
      ],
      checks: [
        {
          id: 'one-peer-group',
          title: {
            en: "B's copy of /mnt/shared is in the same peer group as A's (the same shared:N); both copies of /mnt/private are private",
            zh: 'B 中 /mnt/shared 的副本与 A 的在同一个对等组里（shared:N 相同）；/mnt/private 的两个副本都是私有的',
          },
          verify: (ctx) => {
            const a = tableOf(ctx, 'ns-a');
            const b = tableOf(ctx, 'ns-b');
            const aShared = mountAt(a, '/mnt/shared');
            const bShared = mountAt(b, '/mnt/shared');
            const aPrivate = mountAt(a, '/mnt/private');
            const bPrivate = mountAt(b, '/mnt/private');
            const privateBoth = [aPrivate, bPrivate].every((m) => m !== undefined && propagationTags(m) === 'private');
            const ok =
              nsInode(ctx.proc('ns-b').pid, 'mnt') !== ctx.proc('ns-a').ns.mnt &&
              aShared !== undefined &&
              bShared !== undefined &&
              propagationLink(aShared, bShared) === 'peer' &&
              privateBoth;
            const none = { en: 'not a mount', zh: '不是挂载点' };
            const side = (lang: 'en' | 'zh', s?: MountEntry, p?: MountEntry): string =>
              `${shown(s, `/mnt/shared ${none[lang]}`)}, ${shown(p, `/mnt/private ${none[lang]}`)}`;
            return {
              ok,
              found: {
                en: `A: ${side('en', aShared, aPrivate)}; B: ${side('en', bShared, bPrivate)}`,
                zh: `A：${side('zh', aShared, aPrivate)}；B：${side('zh', bShared, bPrivate)}`,
              },
            };
          },
        },
        {
          id: 'shared-reaches-b',
          title: {
            en: 'the tmpfs A mounted under /mnt/shared appeared in B by itself, as a peer (same shared:N)',
            zh: 'A 挂在 /mnt/shared 下的 tmpfs 自动出现在 B 中，两者是对等的（shared:N 相同）',
          },
          verify: (ctx) => propagated(ctx, 'lab-shared-new', 'ns-a', 'peer'),
        },
        {
          id: 'private-stays',
          title: {
            en: 'the tmpfs A mounted under /mnt/private is in A only',
            zh: 'A 挂在 /mnt/private 下的 tmpfs 只存在于 A 中',
          },
          verify: (ctx) => propagated(ctx, 'lab-private-new', 'ns-a', 'none'),
        },
      ],
    },
    {
      id: 'slave',
      kind: 'demo',
      actions: [
        enter(['mount', '--make-slave', '/mnt/shared'], B),
        showBoth,
        enter(['mkdir', '/mnt/shared/from-a']),
        enter(['mount', '-t', 'tmpfs', 'lab-from-a', '/mnt/shared/from-a']),
        enter(['mkdir', '/mnt/shared/from-b'], B),
        enter(['mount', '-t', 'tmpfs', 'lab-from-b', '/mnt/shared/from-b'], B),
        showBoth,
        enter(['ls', '/mnt/shared']),
      ],
      checks: [
        {
          id: 'b-is-slave',
          title: {
            en: "B's /mnt/shared left the peer group and became its slave: master:N, where N is A's shared:N",
            zh: 'B 的 /mnt/shared 离开了对等组，成为它的从属（slave）：master:N，N 就是 A 的 shared:N',
          },
          verify: (ctx) => {
            const a = mountAt(tableOf(ctx, 'ns-a'), '/mnt/shared');
            const b = mountAt(tableOf(ctx, 'ns-b'), '/mnt/shared');
            const link = a && b ? propagationLink(a, b) : undefined;
            return {
              ok: link === 'slave' && b !== undefined && propagationTags(b).startsWith('master:'),
              found: bilingual((say) => {
                const none = say('no /mnt/shared', '没有 /mnt/shared');
                return `A${say(': ', '：')}${shown(a, none)}${say('; B: ', '；B：')}${shown(b, none)}`;
              }),
            };
          },
        },
        {
          id: 'master-to-slave',
          title: {
            en: "a mount made in A under /mnt/shared reached B, as a slave copy (B's master:N is A's shared:N)",
            zh: 'A 在 /mnt/shared 下的挂载传到了 B，成为从属副本（B 的 master:N 就是 A 的 shared:N）',
          },
          verify: (ctx) => propagated(ctx, 'lab-from-a', 'ns-a', 'slave'),
        },
        {
          id: 'not-back-to-master',
          title: {
            en: 'a mount made in B under its /mnt/shared did not reach A',
            zh: 'B 在它的 /mnt/shared 下的挂载没有传到 A',
          },
          verify: (ctx) => propagated(ctx, 'lab-from-b', 'ns-b', 'none'),
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'rslave-volume',
      answer: { choice: 1 },
    },
    {
      id: 'unbindable',
      kind: 'demo',
      actions: [
        enter(['mkdir', TREE, UNBINDABLE, BINDABLE, TREE_COPY, ONE_COPY]),
        enter(['mount', '-t', 'tmpfs', 'lab-unbindable', UNBINDABLE]),
        enter(['mount', '--make-unbindable', UNBINDABLE]),
        enter(['mount', '-t', 'tmpfs', 'lab-bindable', BINDABLE]),
        run(['grep', 'bindable', proc('ns-a', 'mountinfo')]),
        enter(['mount', '--bind', UNBINDABLE, ONE_COPY], { expect: 'fail' }),
        enter(bindMountProbeArgv(UNBINDABLE, ONE_COPY), { expect: 'fail', record: 'bind-unbindable' }),
        enter(['mount', '--rbind', TREE, TREE_COPY]),
        run(['grep', 'bindable', proc('ns-a', 'mountinfo')]),
      ],
      checks: [
        {
          id: 'is-unbindable',
          title: {
            en: `A's mountinfo tags the tmpfs at ${UNBINDABLE} unbindable, and the one at ${BINDABLE} private`,
            zh: `A 的 mountinfo 把 ${UNBINDABLE} 上的 tmpfs 标为 unbindable，把 ${BINDABLE} 上的标为私有`,
          },
          verify: (ctx) => {
            const table = tableOf(ctx, 'ns-a');
            const unbindable = mountAt(table, UNBINDABLE);
            const bindable = mountAt(table, BINDABLE);
            return {
              ok:
                unbindable?.source === 'lab-unbindable' &&
                propagationTags(unbindable) === 'unbindable' &&
                bindable?.source === 'lab-bindable' &&
                propagationTags(bindable) === 'private',
              found: {
                en: `A: ${shown(unbindable, `${UNBINDABLE} not a mount`)}; ${shown(bindable, `${BINDABLE} not a mount`)}`,
                zh: `A：${shown(unbindable, `${UNBINDABLE} 不是挂载点`)}；${shown(bindable, `${BINDABLE} 不是挂载点`)}`,
              },
            };
          },
        },
        {
          id: 'bind-refused',
          title: {
            en: `the kernel refused to bind-mount the unbindable mount: mount(2) failed with EINVAL (the probe's exit status is the errno), and nothing is mounted at ${ONE_COPY}`,
            zh: `内核拒绝绑定挂载这个 unbindable 挂载：mount(2) 以 EINVAL 失败（探针的退出状态就是 errno），${ONE_COPY} 上什么也没有挂载`,
          },
          verify: (ctx) => {
            const status = ctx.get('bind-unbindable');
            const errno = errnoOfExit(status);
            const copy = mountAt(tableOf(ctx, 'ns-a'), ONE_COPY);
            return {
              ok: errno === 'EINVAL' && copy === undefined,
              found: {
                en: `mount(2) MS_BIND ${UNBINDABLE} ${ONE_COPY}: ${status} (${errno ?? 'no errno'}); ${ONE_COPY}: ${copy ? `${copy.source} mounted` : 'no mount'}`,
                zh: `mount(2) MS_BIND ${UNBINDABLE} ${ONE_COPY}：${status}（${errno ?? '没有 errno'}）；${ONE_COPY}：${copy ? `挂着 ${copy.source}` : '没有挂载'}`,
              },
            };
          },
        },
        {
          id: 'rbind-prunes',
          title: {
            en: `the recursive bind of ${TREE} copied the private mount under it and left out the unbindable one`,
            zh: `对 ${TREE} 的递归绑定挂载复制了它下面的私有挂载，却略过了那个 unbindable 挂载`,
          },
          verify: (ctx) => {
            const table = tableOf(ctx, 'ns-a');
            const root = mountAt(table, TREE_COPY);
            const bindable = mountAt(table, `${TREE_COPY}/bindable`);
            const unbindable = mountAt(table, `${TREE_COPY}/unbindable`);
            const copies = mountsFrom(table, 'lab-unbindable').length;
            const none = { en: 'no mount', zh: '没有挂载' };
            const at = (lang: 'en' | 'zh', m: MountEntry | undefined): string => (m ? m.source : none[lang]);
            return {
              ok: root !== undefined && bindable?.source === 'lab-bindable' && unbindable === undefined && copies === 1,
              found: {
                en: `${TREE_COPY}: ${at('en', root)}; ${TREE_COPY}/bindable: ${at('en', bindable)}; ${TREE_COPY}/unbindable: ${at('en', unbindable)}; mounts of lab-unbindable in A: ${copies}`,
                zh: `${TREE_COPY}：${at('zh', root)}；${TREE_COPY}/bindable：${at('zh', bindable)}；${TREE_COPY}/unbindable：${at('zh', unbindable)}；A 中 lab-unbindable 的挂载：${copies} 个`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'propagate',
      kind: 'task',
      shell: 'lab',
      solution: [enter(['mkdir', '/mnt/shared/task']), enter(['mount', '-t', 'tmpfs', 'lab-task', '/mnt/shared/task'])],
      checks: [
        {
          id: 'in-a-not-host',
          title: {
            en: "A's mount table has your tmpfs lab-task, the host's has none",
            zh: 'A 的挂载表里有你的 tmpfs lab-task，宿主机的挂载表里没有',
          },
          verify: (ctx) => {
            const mine = firstFrom(tableOf(ctx, 'ns-a'), 'lab-task');
            const onHost = mountsFrom(hostTable(), 'lab-task').length;
            return {
              ok: mine !== undefined && onHost === 0,
              found: {
                en: `A: ${shown(mine, 'no lab-task')}; host: ${onHost} mount(s) from lab-task`,
                zh: `A：${shown(mine, '没有 lab-task')}；宿主机：lab-task 的挂载 ${onHost} 个`,
              },
            };
          },
        },
        {
          id: 'received-by-b',
          title: {
            en: "B holds the kernel's copy of that mount, linked to A's by propagation (same group number), not a mount of its own",
            zh: 'B 里有内核复制过去的那个挂载，通过传播与 A 的相连（组号相同），而不是 B 自己另外挂的',
          },
          verify: (ctx) => {
            const original = firstFrom(tableOf(ctx, 'ns-a'), 'lab-task');
            const copy = firstFrom(tableOf(ctx, 'ns-b'), 'lab-task');
            const link = original && copy ? propagationLink(original, copy) : undefined;
            const facts = (say: Say): string => {
              const none = say('no lab-task', '没有 lab-task');
              return `A${say(': ', '：')}${shown(original, none)}${say('; B: ', '；B：')}${shown(copy, none)}`;
            };
            return {
              ok: link !== undefined,
              found: link
                ? { en: `${facts(inEnglish)} (${link})`, zh: `${facts(inChinese)}（${link === 'peer' ? '对等' : '从属'}）` }
                : { en: `${facts(inEnglish)}: B holds no copy propagated from A`, zh: `${facts(inChinese)}：B 中没有从 A 传播过来的副本` },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
