// The mount-namespace lab: a mount table of one's own (a tmpfs the host never sees), a read-only /proc that is
// read-only only here, and mount propagation between two lab namespaces: shared peers, private, slave.
// Everything happens in the lab's namespaces: namespace A is private from the host, its scratch space is a
// tmpfs over /mnt (nothing is created on the host's disk), and namespace B is made from inside A.
import { accessSync, constants } from 'node:fs';
import { readMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { describeMount, mountAt, mountsFrom, propagationLink, propagationTags } from '../../src/kernel/mount-propagation.js';
import { dieWithHarness, nsenterArgv, unshareArgv } from '../../src/kernel/namespaces.js';
import { nsInode } from '../../src/kernel/proc.js';
import type { CheckContext, LabContext, LabSpec, Verdict } from '../../src/lab/spec.js';

/** Run a command in namespace A, the way `lab shell mount-namespace` does. */
const inA = (ctx: LabContext, command: string[]): string[] => nsenterArgv(ctx.proc('ns-a').pid, ['mnt'], command);

/** Run a command in namespace B. */
const inB = (ctx: LabContext, command: string[]): string[] => nsenterArgv(ctx.proc('ns-b').pid, ['mnt'], command);

/** Show the lab's own mounts (every source the lab names starts with lab-) in the mount tables of A and B. */
const showBoth = (ctx: LabContext): string[] => [
  'grep', 'lab-', `/proc/${ctx.proc('ns-a').pid}/mountinfo`, `/proc/${ctx.proc('ns-b').pid}/mountinfo`,
];

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
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'ns-mnt'],
  shell: { target: 'ns-a', namespaces: ['mnt'] },
  steps: [
    {
      id: 'create',
      kind: 'demo',
      actions: [
        {
          kind: 'start',
          name: 'ns-a',
          argv: dieWithHarness(unshareArgv({ namespaces: ['mnt'], fork: true }, ['sleep', 'infinity'])),
          pidOf: 'child',
        },
        (ctx) => ({ kind: 'run', argv: ['readlink', '/proc/self/ns/mnt', `/proc/${ctx.proc('ns-a').pid}/ns/mnt`] }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mount', '-t', 'tmpfs', 'lab-mnt', '/mnt']) }),
        (ctx) => ({ kind: 'run', argv: ['grep', 'lab-mnt', `/proc/${ctx.proc('ns-a').pid}/mountinfo`] }),
        { kind: 'run', argv: ['grep', '-c', 'lab-mnt', '/proc/self/mountinfo'], expect: 'fail' },
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
            en: 'the host\'s mount table has no lab-mnt: the mount exists only in A\'s namespace',
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
            const roots = `${shown(hostRoot, '/ ?')}; A ${shown(labRoot, '/ ?')}`;
            const notPrivate = linked.map(describeMount).join(', ');
            return {
              ok: linked.length === 0,
              found: linked.length
                ? { en: `host ${roots}; not private in A: ${notPrivate}`, zh: `宿主机 ${roots}；A 中不是私有的：${notPrivate}` }
                : { en: `host ${roots}; all ${lab.length} mounts of A private`, zh: `宿主机 ${roots}；A 的 ${lab.length} 个挂载全部私有` },
            };
          },
        },
      ],
    },
    {
      id: 'proc-readonly',
      kind: 'demo',
      actions: [
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mount', '-o', 'remount,bind,ro', '/proc']) }),
        (ctx) => ({ kind: 'run', argv: ['grep', ' /proc ', '/proc/self/mountinfo', `/proc/${ctx.proc('ns-a').pid}/mountinfo`] }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['touch', '-c', '/proc/sys/kernel/hostname']), expect: 'fail' }),
      ],
      checks: [
        {
          id: 'ro-here-rw-there',
          title: {
            en: 'A\'s /proc mount is ro, the host\'s is still rw, and both show the same procfs (same device, same superblock options)',
            zh: 'A 的 /proc 挂载是 ro（只读），宿主机的仍是 rw，而两者是同一个 procfs（设备号相同，超级块选项相同）',
          },
          verify: (ctx) => {
            const lab = mountAt(tableOf(ctx, 'ns-a'), '/proc');
            const host = mountAt(hostTable(), '/proc');
            const flags = (m: MountEntry | undefined): string[] => m?.options.split(',') ?? [];
            const fact = (m: MountEntry | undefined, superblock: string): string =>
              (m ? `${m.device} ${m.options} (${superblock} ${m.superOptions})` : '?');
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
            en: 'the kernel refuses writes through A\'s /proc (access(2) says EROFS), while the host may still write there',
            zh: '内核拒绝通过 A 的 /proc 写入（access(2) 返回 EROFS），而宿主机仍然可以写',
          },
          verify: async (ctx) => {
            const file = '/proc/sys/kernel/hostname';
            const inside = await ctx.probe(inA(ctx, ['test', '-w', file]));
            let hostWritable = true;
            try {
              accessSync(file, constants.W_OK);
            } catch {
              hostWritable = false;
            }
            return {
              ok: inside.exitCode !== 0 && hostWritable,
              found: {
                en: `test -w ${file} in A: exit status ${inside.exitCode}; on the host: ${hostWritable ? 'writable' : 'not writable'}`,
                zh: `在 A 中 test -w ${file}：退出状态 ${inside.exitCode}；在宿主机上：${hostWritable ? '可写' : '不可写'}`,
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
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mkdir', '/mnt/shared', '/mnt/private']) }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mount', '--bind', '/mnt/shared', '/mnt/shared']) }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mount', '--make-shared', '/mnt/shared']) }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mount', '--bind', '/mnt/private', '/mnt/private']) }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mount', '--make-private', '/mnt/private']) }),
        (ctx) => ({
          kind: 'start',
          name: 'ns-b',
          argv: dieWithHarness(inA(ctx, ['unshare', '--mount', '--fork', '--kill-child', '--propagation', 'unchanged', 'sleep', 'infinity'])),
          pidOf: 'child',
        }),
        (ctx) => ({ kind: 'run', argv: showBoth(ctx) }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mkdir', '/mnt/shared/new', '/mnt/private/new']) }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mount', '-t', 'tmpfs', 'lab-shared-new', '/mnt/shared/new']) }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mount', '-t', 'tmpfs', 'lab-private-new', '/mnt/private/new']) }),
        (ctx) => ({ kind: 'run', argv: showBoth(ctx) }),
      ],
      checks: [
        {
          id: 'one-peer-group',
          title: {
            en: 'B\'s copy of /mnt/shared is in the same peer group as A\'s (the same shared:N); both copies of /mnt/private are private',
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
            const ok = nsInode(ctx.proc('ns-b').pid, 'mnt') !== ctx.proc('ns-a').ns.mnt
              && aShared !== undefined && bShared !== undefined && propagationLink(aShared, bShared) === 'peer' && privateBoth;
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
        (ctx) => ({ kind: 'run', argv: inB(ctx, ['mount', '--make-slave', '/mnt/shared']) }),
        (ctx) => ({ kind: 'run', argv: showBoth(ctx) }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mkdir', '/mnt/shared/from-a']) }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mount', '-t', 'tmpfs', 'lab-from-a', '/mnt/shared/from-a']) }),
        (ctx) => ({ kind: 'run', argv: inB(ctx, ['mkdir', '/mnt/shared/from-b']) }),
        (ctx) => ({ kind: 'run', argv: inB(ctx, ['mount', '-t', 'tmpfs', 'lab-from-b', '/mnt/shared/from-b']) }),
        (ctx) => ({ kind: 'run', argv: showBoth(ctx) }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['ls', '/mnt/shared']) }),
      ],
      checks: [
        {
          id: 'b-is-slave',
          title: {
            en: 'B\'s /mnt/shared left the peer group and became its slave: master:N, where N is A\'s shared:N',
            zh: 'B 的 /mnt/shared 离开了对等组，成为它的从属（slave）：master:N，N 就是 A 的 shared:N',
          },
          verify: (ctx) => {
            const a = mountAt(tableOf(ctx, 'ns-a'), '/mnt/shared');
            const b = mountAt(tableOf(ctx, 'ns-b'), '/mnt/shared');
            const link = a && b ? propagationLink(a, b) : undefined;
            return {
              ok: link === 'slave' && b !== undefined && propagationTags(b).startsWith('master:'),
              found: `A: ${shown(a, '/mnt/shared ?')}; B: ${shown(b, '/mnt/shared ?')}`,
            };
          },
        },
        {
          id: 'master-to-slave',
          title: {
            en: 'a mount made in A under /mnt/shared reached B, as a slave copy (B\'s master:N is A\'s shared:N)',
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
      id: 'propagate',
      kind: 'task',
      shell: 'lab',
      solution: [
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mkdir', '/mnt/shared/task']) }),
        (ctx) => ({ kind: 'run', argv: inA(ctx, ['mount', '-t', 'tmpfs', 'lab-task', '/mnt/shared/task']) }),
      ],
      checks: [
        {
          id: 'in-a-not-host',
          title: {
            en: 'A\'s mount table has your tmpfs lab-task, the host\'s has none',
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
            en: 'B holds the kernel\'s copy of that mount, linked to A\'s by propagation (same group number), not a mount of its own',
            zh: 'B 里有内核复制过去的那个挂载，通过传播与 A 的相连（组号相同），而不是 B 自己另外挂的',
          },
          verify: (ctx) => {
            const original = firstFrom(tableOf(ctx, 'ns-a'), 'lab-task');
            const copy = firstFrom(tableOf(ctx, 'ns-b'), 'lab-task');
            const link = original && copy ? propagationLink(original, copy) : undefined;
            const facts = (none: string): string => `A: ${shown(original, none)}; B: ${shown(copy, none)}`;
            return {
              ok: link !== undefined,
              found: link
                ? { en: `${facts('')} (${link})`, zh: `${facts('')}（${link === 'peer' ? '对等' : '从属'}）` }
                : { en: `${facts('no lab-task')}: B holds no copy propagated from A`, zh: `${facts('没有 lab-task')}：B 中没有从 A 传播过来的副本` },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
