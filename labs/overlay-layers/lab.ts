// The overlay-layers lab: an image as read-only overlayfs lower layers and a container as the writable upper layer,
// built the way image layers record changes (a whiteout is a character device 0/0, an opaque directory has the xattr
// trusted.overlay.opaque=y): copy-up on the first write, a whiteout on delete, an opaque directory, two containers
// that do not see each other's writes, `commit` of an upper layer as a new layer, `export` of the merged view as a
// tar. Everything lives in a tmpfs mounted in the lab's own (private) mount namespace: its death removes it all.
import { readMountinfo } from '../../src/kernel/mountinfo.js';
import { nsInode } from '../../src/kernel/proc.js';
import { opaqueArgvPython, whiteoutArgv } from '../../src/kernel/image-format.js';
import { enter, init, proc, run } from '../../src/lab/build.js';
import type { ActionSpec, CheckContext, LabContext, LabSpec, Verdict } from '../../src/lab/spec.js';
import { bilingual, type Say } from '../../src/common/vocabulary.js';
import { contentsOf, entriesOf, inBox, isWhiteout, kindOf, opaqueValue, overlayOf, statOf, superOption } from './facts.js';
import {
  ADD,
  BASE,
  C1,
  C1_LINE,
  C2,
  C2_LINE,
  C3,
  COMMITTED,
  DELETE,
  EXPORT_TAR,
  HELLO,
  IMAGE,
  MOTD,
  OPAQUE,
  ROOT,
  TMPFS_SOURCE,
  overlayOptions,
  readOpaqueArgv,
  type Box,
} from './layout.js';

/** The lab's process: `sleep infinity` holding the mount namespace everything lives in (`lab shell` enters it). */
const BOX = 'box';

/** A path of the lab's namespace seen from the host. */
const at = (ctx: LabContext, path: string): string => inBox(ctx, BOX, path);

/** Make a container's directories and mount its overlay over these layers (lowest first). */
function mountContainer(box: Box, layers: readonly string[]): ActionSpec[] {
  return [
    enter(['mkdir', '-p', box.upper, box.work, box.merged]),
    enter(['mount', '-t', 'overlay', box.source, '-o', overlayOptions(layers, box), box.merged]),
    run(['grep', box.source, proc(BOX, 'mountinfo')]),
  ];
}

/** The image with the committed layer on top. */
const COMMITTED_IMAGE = [...IMAGE, COMMITTED];

/** Whether a container's overlay is mounted over exactly these layers (the top one first in lowerdir), and a fact. */
function mountedOver(ctx: LabContext, box: Box, layers: readonly string[]): { ok: boolean; fact: string } {
  const mount = overlayOf(ctx, BOX, box);
  const lower = superOption(mount, 'lowerdir');
  const upper = superOption(mount, 'upperdir');
  const want = [...layers].reverse().join(':');
  return {
    ok: mount !== undefined && lower === want && upper === box.upper && superOption(mount, 'workdir') === box.work,
    fact: mount ? `${box.merged}: overlay ${box.source} lowerdir=${lower} upperdir=${upper}` : `${box.merged}: -`,
  };
}

/** The mounts of this lab (the tmpfs, the containers' overlays) on the host's own mount table: there must be none. */
const onHost = (): number => (readMountinfo('self') ?? []).filter((m) => /^lab-(c\d|layers)$/.test(m.source)).length;

/** A directory's entries in a fact: `[a b]`, `[]` when empty. */
const listed = (entries: string[] | undefined, say: Say): string => (entries ? `[${entries.join(' ')}]` : say('(no such directory)', '（没有这个目录）'));

/** A file's contents shown in a fact, with its newlines visible. */
const shown = (text: string | undefined): string => (text === undefined ? '-' : JSON.stringify(text));

export default {
  format: 1,
  id: 'overlay-layers',
  order: 16,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'ns-mnt', 'overlayfs', 'busybox', 'python3'],
  shell: { target: BOX, namespaces: ['mnt'] },
  steps: [
    {
      id: 'image',
      kind: 'demo',
      actions: [
        init(BOX, { namespaces: ['mnt'], fork: true }),
        enter(['mount', '-t', 'tmpfs', TMPFS_SOURCE, ROOT]),
        enter(['mkdir', '-p', `${BASE}/bin`, `${BASE}/etc`, `${BASE}/app/cache`, `${BASE}/data`, `${BASE}/tmp`]),
        enter(['cp', '/bin/busybox', `${BASE}/bin/busybox`]),
        enter(['ln', '-s', 'busybox', `${BASE}/bin/sh`]),
        enter(['sh', '-c', `echo '${MOTD}' > ${BASE}/etc/motd`]),
        enter(['touch', `${BASE}/app/cache/old`, `${BASE}/data/a`, `${BASE}/data/b`, `${BASE}/tmp/build.log`]),
        enter(['mkdir', '-p', `${ADD}/app`]),
        enter(['sh', '-c', `echo '${HELLO}' > ${ADD}/app/hello.txt`]),
        enter(['find', BASE, ADD]),
      ],
      checks: [
        {
          id: 'tmpfs-private',
          title: {
            en: 'box has a mount namespace of its own with the tmpfs lab-layers at /mnt; the host has no lab-layers',
            zh: 'box 有自己的挂载命名空间，/mnt 上挂着 tmpfs lab-layers；宿主机上没有 lab-layers',
          },
          verify: (ctx) => {
            const pid = ctx.proc(BOX).pid;
            const own = nsInode(pid, 'mnt');
            const host = nsInode('self', 'mnt');
            const mount = (readMountinfo(pid) ?? []).find((m) => m.source === TMPFS_SOURCE && m.mountPoint === ROOT && m.fsType === 'tmpfs');
            const hostMounts = onHost();
            return {
              ok: own !== undefined && own !== host && mount !== undefined && hostMounts === 0,
              found: bilingual(
                (say) =>
                  `${say('host', '宿主机')} mnt:[${host}], box mnt:[${own}]; box${say(': ', '：')}${mount ? `${ROOT} tmpfs ${TMPFS_SOURCE}` : say(`no ${TMPFS_SOURCE}`, `没有 ${TMPFS_SOURCE}`)}; ${say('lab mounts on the host', '宿主机上的实验挂载')}${say(': ', '：')}${hostMounts}`,
              ),
            };
          },
        },
        {
          id: 'two-layers',
          title: {
            en: 'the base layer holds busybox (the same size as /bin/busybox) and etc/motd; the second layer holds only app/hello.txt',
            zh: '基础层里有 busybox（与 /bin/busybox 大小相同）和 etc/motd；第二层里只有 app/hello.txt',
          },
          verify: (ctx) => {
            const busybox = statOf(at(ctx, `${BASE}/bin/busybox`));
            const host = statOf('/bin/busybox');
            const motd = contentsOf(at(ctx, `${BASE}/etc/motd`));
            const hello = contentsOf(at(ctx, `${ADD}/app/hello.txt`));
            const add = entriesOf(at(ctx, ADD));
            return {
              ok: busybox?.isFile() === true && busybox.size === host?.size && motd === `${MOTD}\n` && hello === `${HELLO}\n` && add?.join() === 'app',
              found: bilingual(
                (say) =>
                  `base/bin/busybox ${kindOf(busybox, say)}, ${busybox?.size ?? '-'}${say(' bytes', ' 字节')} (/bin/busybox ${host?.size ?? '-'}); base/etc/motd ${shown(motd)}; add/ ${listed(add, say)}; add/app/hello.txt ${shown(hello)}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'deletions',
      kind: 'demo',
      actions: [
        enter(['mkdir', '-p', `${DELETE}/tmp`]),
        enter(whiteoutArgv(`${DELETE}/tmp/build.log`)),
        enter(['mkdir', '-p', `${OPAQUE}/app/cache`]),
        enter(opaqueArgvPython(`${OPAQUE}/app/cache`)),
        enter(['touch', `${OPAQUE}/app/cache/fresh`]),
        enter(['ls', '-lR', DELETE, OPAQUE]),
        enter(readOpaqueArgv(`${OPAQUE}/app/cache`)),
      ],
      checks: [
        {
          id: 'whiteout-layer',
          title: {
            en: 'the third layer has tmp/build.log as a character device 0/0: the whiteout overlayfs reads as "deleted"',
            zh: '第三层里的 tmp/build.log 是设备号为 0/0 的字符设备：overlayfs 把这样的白化文件（whiteout）读作"已删除"',
          },
          verify: (ctx) => {
            const entry = statOf(at(ctx, `${DELETE}/tmp/build.log`));
            return { ok: isWhiteout(entry), found: bilingual((say) => `delete/tmp/build.log${say(': ', '：')}${kindOf(entry, say)}`) };
          },
        },
        {
          id: 'opaque-layer',
          title: {
            en: 'the fourth layer has app/cache with the xattr trusted.overlay.opaque = y (getxattr(2)), and the file fresh in it',
            zh: '第四层的 app/cache 带有扩展属性 trusted.overlay.opaque = y（getxattr(2) 读出），里面有文件 fresh',
          },
          verify: async (ctx) => {
            const xattr = await opaqueValue(ctx, readOpaqueArgv(at(ctx, `${OPAQUE}/app/cache`)));
            const entries = entriesOf(at(ctx, `${OPAQUE}/app/cache`));
            return {
              ok: xattr.ok && entries?.join() === 'fresh',
              found: bilingual((say) => `opaque/app/cache${say(': ', '：')}trusted.overlay.opaque ${xattr.fact}; opaque/app/cache/ ${listed(entries, say)}`),
            };
          },
        },
      ],
    },
    {
      id: 'mount',
      kind: 'demo',
      actions: [
        ...mountContainer(C1, IMAGE),
        enter(['find', C1.merged]),
        enter(['chroot', C1.merged, '/bin/busybox', 'cat', '/etc/motd']),
        enter(['ls', '-A', C1.upper]),
      ],
      checks: [
        {
          id: 'overlay-mounted',
          title: {
            en: "box's mount table has the overlay lab-c1 at /mnt/c1/merged, lowerdir the four layers top first, upperdir /mnt/c1/upper; the host's has none",
            zh: 'box 的挂载表里有挂在 /mnt/c1/merged 上的 overlay lab-c1，lowerdir 是四个层（最上层在前），upperdir 是 /mnt/c1/upper；宿主机的挂载表里没有',
          },
          verify: (ctx) => {
            const mounted = mountedOver(ctx, C1, IMAGE);
            const host = onHost();
            return {
              ok: mounted.ok && host === 0,
              found: bilingual((say) => `${mounted.fact}; ${say('lab mounts on the host', '宿主机上的实验挂载')}${say(': ', '：')}${host}`),
            };
          },
        },
        {
          id: 'merged-view',
          title: {
            en: 'the merged view has busybox and app/hello.txt, no tmp/build.log (whited out), only fresh in app/cache (opaque); the upper layer is empty',
            zh: '合并视图里有 busybox 和 app/hello.txt，没有 tmp/build.log（被白化），app/cache 里只有 fresh（不透明）；上层是空的',
          },
          verify: (ctx) => {
            const m = (p: string): string => at(ctx, `${C1.merged}/${p}`);
            const busybox = statOf(m('bin/busybox'));
            const hello = contentsOf(m('app/hello.txt'));
            const log = statOf(m('tmp/build.log'));
            const cache = entriesOf(m('app/cache'));
            const upper = entriesOf(at(ctx, C1.upper));
            return {
              ok:
                busybox?.isFile() === true &&
                hello === `${HELLO}\n` &&
                log === undefined &&
                cache?.join() === 'fresh' &&
                upper !== undefined &&
                upper.length === 0,
              found: bilingual(
                (say) =>
                  `c1/merged/bin/busybox ${kindOf(busybox, say)}; c1/merged/app/hello.txt ${shown(hello)}; c1/merged/tmp/build.log ${kindOf(log, say)}; c1/merged/app/cache/ ${listed(cache, say)}; c1/upper/ ${listed(upper, say)}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'copy-up',
      kind: 'demo',
      actions: [
        enter(['stat', '-c', '%n dev=%d ino=%i size=%s', `${BASE}/etc/motd`, `${C1.merged}/etc/motd`]),
        enter(['sh', '-c', `echo '${C1_LINE}' >> ${C1.merged}/etc/motd`]),
        enter(['find', C1.upper]),
        enter(['stat', '-c', '%n dev=%d ino=%i size=%s', `${BASE}/etc/motd`, `${C1.upper}/etc/motd`, `${C1.merged}/etc/motd`]),
        enter(['cat', `${BASE}/etc/motd`]),
        enter(['cat', `${C1.merged}/etc/motd`]),
      ],
      checks: [
        {
          id: 'copied-up',
          title: {
            en: 'etc/motd was copied up: the upper layer has its own file (another inode) with the new line, and the container reads that one',
            zh: 'etc/motd 被复制到上层（copy-up）：上层有自己的文件（另一个 inode），带着新加的一行，容器读到的就是它',
          },
          verify: (ctx) => {
            const lower = statOf(at(ctx, `${BASE}/etc/motd`));
            const upper = statOf(at(ctx, `${C1.upper}/etc/motd`));
            const text = contentsOf(at(ctx, `${C1.upper}/etc/motd`));
            const merged = contentsOf(at(ctx, `${C1.merged}/etc/motd`));
            const want = `${MOTD}\n${C1_LINE}\n`;
            return {
              ok: upper?.isFile() === true && lower !== undefined && upper.ino !== lower.ino && upper.dev === lower.dev && text === want && merged === want,
              found: bilingual(
                (say) => `base/etc/motd ${kindOf(lower, say)}; c1/upper/etc/motd ${kindOf(upper, say)} ${shown(text)}; c1/merged/etc/motd ${shown(merged)}`,
              ),
            };
          },
        },
        {
          id: 'lower-untouched',
          title: {
            en: "the base layer's etc/motd still holds only its one line, while the container sees two",
            zh: '基础层的 etc/motd 仍然只有原来的一行，而容器看到的是两行',
          },
          verify: (ctx) => {
            const lower = contentsOf(at(ctx, `${BASE}/etc/motd`));
            const merged = contentsOf(at(ctx, `${C1.merged}/etc/motd`));
            return {
              ok: lower === `${MOTD}\n` && merged === `${MOTD}\n${C1_LINE}\n`,
              found: `base/etc/motd ${shown(lower)}; c1/merged/etc/motd ${shown(merged)}`,
            };
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'why-whole-file',
      answer: { choice: 1 },
    },
    {
      id: 'whiteout',
      kind: 'task',
      shell: 'lab',
      solution: [enter(['rm', `${C1.merged}/app/hello.txt`]), enter(['ls', '-l', `${C1.upper}/app`])],
      checks: [
        {
          id: 'whiteout-in-upper',
          title: {
            en: 'the upper layer has app/hello.txt as a character device 0/0: the delete was recorded as a whiteout',
            zh: '上层里的 app/hello.txt 是设备号为 0/0 的字符设备：删除被记录成了白化文件',
          },
          verify: (ctx) => {
            const entry = statOf(at(ctx, `${C1.upper}/app/hello.txt`));
            return { ok: isWhiteout(entry), found: bilingual((say) => `c1/upper/app/hello.txt${say(': ', '：')}${kindOf(entry, say)}`) };
          },
        },
        {
          id: 'lower-keeps-it',
          title: {
            en: 'the container no longer sees app/hello.txt, while the second layer still holds it, unchanged',
            zh: '容器再也看不到 app/hello.txt，而第二层里它仍然在，原样未动',
          },
          verify: (ctx) => {
            const merged = statOf(at(ctx, `${C1.merged}/app/hello.txt`));
            const lower = contentsOf(at(ctx, `${ADD}/app/hello.txt`));
            return {
              ok: merged === undefined && lower === `${HELLO}\n`,
              found: bilingual((say) => `c1/merged/app/hello.txt${say(': ', '：')}${kindOf(merged, say)}; add/app/hello.txt ${shown(lower)}`),
            };
          },
        },
      ],
    },
    {
      id: 'opaque',
      kind: 'demo',
      actions: [
        enter(['rm', '-r', `${C1.merged}/data`]),
        enter(['mkdir', `${C1.merged}/data`]),
        enter(['ls', '-lA', `${C1.upper}`]),
        enter(readOpaqueArgv(`${C1.upper}/data`)),
        enter(['ls', '-A', `${C1.merged}/data`, `${BASE}/data`]),
      ],
      checks: [
        {
          id: 'opaque-in-upper',
          title: {
            en: 'the new data directory in the upper layer has trusted.overlay.opaque = y (getxattr(2))',
            zh: '上层里新建的 data 目录带有 trusted.overlay.opaque = y（getxattr(2) 读出）',
          },
          verify: async (ctx) => {
            const xattr = await opaqueValue(ctx, readOpaqueArgv(at(ctx, `${C1.upper}/data`)));
            return { ok: xattr.ok, found: bilingual((say) => `c1/upper/data${say(': ', '：')}trusted.overlay.opaque ${xattr.fact}`) };
          },
        },
        {
          id: 'opaque-hides',
          title: {
            en: "the container's data is empty, while the base layer's data still holds a and b",
            zh: '容器里的 data 是空的，而基础层的 data 里仍然有 a 和 b',
          },
          verify: (ctx) => {
            const merged = entriesOf(at(ctx, `${C1.merged}/data`));
            const lower = entriesOf(at(ctx, `${BASE}/data`));
            return {
              ok: merged !== undefined && merged.length === 0 && lower?.join() === 'a,b',
              found: bilingual((say) => `c1/merged/data/ ${listed(merged, say)}; base/data/ ${listed(lower, say)}`),
            };
          },
        },
      ],
    },
    {
      id: 'two-containers',
      kind: 'demo',
      actions: [
        ...mountContainer(C2, IMAGE),
        enter(['sh', '-c', `echo '${C2_LINE}' > ${C2.merged}/tmp/c2.txt`]),
        enter(['cat', `${C1.merged}/etc/motd`, `${C2.merged}/etc/motd`]),
        enter(['ls', `${C1.merged}/app`, `${C2.merged}/app`, `${C1.merged}/tmp`, `${C2.merged}/tmp`]),
      ],
      checks: [
        {
          id: 'same-lowers',
          title: {
            en: 'lab-c2 is a second overlay over the same four layers, with an upper directory of its own',
            zh: 'lab-c2 是叠在同样四个层之上的第二个 overlay，有自己的上层目录',
          },
          verify: (ctx) => {
            const one = mountedOver(ctx, C1, IMAGE);
            const two = mountedOver(ctx, C2, IMAGE);
            return { ok: one.ok && two.ok, found: `${one.fact}; ${two.fact}` };
          },
        },
        {
          id: 'not-shared',
          title: {
            en: 'each container sees only its own writes: c2 has the original motd and hello.txt, c1 has no tmp/c2.txt',
            zh: '每个容器只看到自己写的东西：c2 里是原来的 motd 和 hello.txt，c1 里没有 tmp/c2.txt',
          },
          verify: (ctx) => {
            const motd2 = contentsOf(at(ctx, `${C2.merged}/etc/motd`));
            const hello2 = statOf(at(ctx, `${C2.merged}/app/hello.txt`));
            const data2 = entriesOf(at(ctx, `${C2.merged}/data`));
            const mine = contentsOf(at(ctx, `${C2.merged}/tmp/c2.txt`));
            const theirs = statOf(at(ctx, `${C1.merged}/tmp/c2.txt`));
            return {
              ok: motd2 === `${MOTD}\n` && hello2?.isFile() === true && data2?.join() === 'a,b' && mine === `${C2_LINE}\n` && theirs === undefined,
              found: bilingual(
                (say) =>
                  `c2/merged/etc/motd ${shown(motd2)}; c2/merged/app/hello.txt ${kindOf(hello2, say)}; c2/merged/data/ ${listed(data2, say)}; c2/merged/tmp/c2.txt ${shown(mine)}; c1/merged/tmp/c2.txt ${kindOf(theirs, say)}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'commit',
      kind: 'demo',
      actions: [
        enter(['cp', '-a', C1.upper, COMMITTED]),
        enter(['ls', '-lR', COMMITTED]),
        ...mountContainer(C3, COMMITTED_IMAGE),
        enter(['cat', `${C3.merged}/etc/motd`]),
        enter(['ls', '-A', `${C3.merged}/app`, `${C3.merged}/data`]),
      ],
      checks: [
        {
          id: 'layer-keeps-changes',
          title: {
            en: 'the committed layer holds the changed etc/motd, app/hello.txt as a whiteout 0/0, and data opaque (trusted.overlay.opaque = y)',
            zh: '提交出的层里有改过的 etc/motd、作为白化文件 0/0 的 app/hello.txt，以及不透明的 data（trusted.overlay.opaque = y）',
          },
          verify: async (ctx) => {
            const motd = contentsOf(at(ctx, `${COMMITTED}/etc/motd`));
            const hello = statOf(at(ctx, `${COMMITTED}/app/hello.txt`));
            const xattr = await opaqueValue(ctx, readOpaqueArgv(at(ctx, `${COMMITTED}/data`)));
            return {
              ok: motd === `${MOTD}\n${C1_LINE}\n` && isWhiteout(hello) && xattr.ok,
              found: bilingual(
                (say) =>
                  `commit/etc/motd ${shown(motd)}; commit/app/hello.txt${say(': ', '：')}${kindOf(hello, say)}; commit/data${say(': ', '：')}trusted.overlay.opaque ${xattr.fact}`,
              ),
            };
          },
        },
        {
          id: 'new-container-sees',
          title: {
            en: "c3, mounted with the committed layer on top, starts with c1's changes and an empty upper layer",
            zh: '以提交出的层为最上层挂载的 c3，一开始就带着 c1 的修改，上层却是空的',
          },
          verify: (ctx) => {
            const mounted = mountedOver(ctx, C3, COMMITTED_IMAGE);
            const motd = contentsOf(at(ctx, `${C3.merged}/etc/motd`));
            const hello = statOf(at(ctx, `${C3.merged}/app/hello.txt`));
            const data = entriesOf(at(ctx, `${C3.merged}/data`));
            const upper = entriesOf(at(ctx, C3.upper));
            return {
              ok: mounted.ok && motd === `${MOTD}\n${C1_LINE}\n` && hello === undefined && data?.length === 0 && upper?.length === 0,
              found: bilingual(
                (say) =>
                  `${mounted.fact}; c3/merged/etc/motd ${shown(motd)}; c3/merged/app/hello.txt ${kindOf(hello, say)}; c3/merged/data/ ${listed(data, say)}; c3/upper/ ${listed(upper, say)}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'export',
      kind: 'demo',
      actions: [enter(['tar', '-C', C1.merged, '-cf', EXPORT_TAR, '.']), enter(['tar', '-tvf', EXPORT_TAR])],
      checks: [
        {
          id: 'flat-tree',
          title: {
            en: "the tar's members (tar -tf) are the merged view: etc/motd, bin/busybox, app/cache/fresh, and nothing deleted or hidden, no whiteout",
            zh: 'tar 的成员（tar -tf）就是合并视图：有 etc/motd、bin/busybox、app/cache/fresh，没有被删除或被遮住的文件，也没有白化文件',
          },
          verify: async (ctx: CheckContext): Promise<Verdict> => {
            const list = await ctx.probe(['tar', '-tf', at(ctx, EXPORT_TAR)]);
            const members = list.exitCode === 0 ? list.stdout.split('\n').filter(Boolean) : [];
            const present = ['./etc/motd', './bin/busybox', './app/cache/fresh', './data/'];
            const absent = ['./app/hello.txt', './tmp/build.log', './app/cache/old', './data/a', './data/b'];
            const missing = present.filter((p) => !members.includes(p));
            const extra = absent.filter((p) => members.includes(p));
            const marked = members.filter((p) => p.includes('.wh.'));
            return {
              ok: list.exitCode === 0 && missing.length === 0 && extra.length === 0 && marked.length === 0,
              found: bilingual(
                (say) =>
                  `tar -tf: ${list.exitCode === 0 ? `${members.length} ${say('members', '个成员')}` : `exit ${list.exitCode}`}; ${say('missing', '缺少')} [${missing.join(' ')}]; ${say('deleted or hidden but present', '已删除或被遮住却在')} [${extra.join(' ')}]; .wh. [${marked.join(' ')}]`,
              ),
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
