// The pivot-root lab: the root switch container runtimes make, step by step, in a new mount and PID namespace. Its
// mounts made private, a busybox rootfs built in its own tmpfs, pivot_root(2) refused twice (EBUSY on the current root's
// mount, EINVAL on a directory that is not a mount point), the rootfs bound onto itself, then the learner runs runc's
// `pivot_root . .` and `umount -l .`: PID 1's root is the rootfs (device and inode) and no mount of the host's
// filesystems is left in the namespace's mountinfo. The chroot escape of rootfs-chroot then ends where it started.
import { readdirSync, statSync } from 'node:fs';
import { readMountinfo, propagationOf, type MountEntry } from '../../src/kernel/mountinfo.js';
import { describeMount, mountAt } from '../../src/kernel/mount-propagation.js';
import { pidsInNamespace, ppid } from '../../src/kernel/proc.js';
import { errnoOfExit } from '../../src/kernel/syscall-probe.js';
import { enter, init, proc, run } from '../../src/lab/build.js';
import { startInside } from '../../src/lab/build-inside.js';
import { noting } from '../../src/lab/build-note.js';
import type { CheckContext, LabContext, LabSpec, Text, Verdict } from '../../src/lab/spec.js';
import { bilingual, type Say } from '../../src/common/vocabulary.js';

/** The lab's process: `sleep infinity`, PID 1 of a new PID namespace, in a new mount namespace; `lab shell` joins both. */
const BOX = 'box';

/** Where the root filesystem is built, in the tmpfs the lab mounts over /mnt of its own namespace. */
const ROOTFS = '/mnt/rootfs';

/**
 * The numbers of pivot_root(2), which perl has no function for: arch/x86/entry/syscalls/syscall_64.tbl, and
 * include/uapi/asm-generic/unistd.h for arm64, riscv64 and loongarch64.
 */
const PIVOT_ROOT_NR: Record<string, number> = { x64: 155, arm64: 41, riscv64: 41, loong64: 41 };

/** pivot_root(".", ".") after chdir(dir), the call runc makes; exits with the kernel's errno when refused. */
function pivotProbeArgv(dir: string): string[] {
  const nr = PIVOT_ROOT_NR[process.arch];
  if (nr === undefined) throw new Error(`the number of pivot_root(2) on ${process.arch} is not known to lab`);
  return ['perl', '-e', `chdir $ARGV[0] or die "chdir: $!\\n"; syscall(${nr}, $ARGV[1], $ARGV[1]) == 0 or die "pivot_root: $!\\n"`, dir, '.'];
}

/**
 * The escape of the rootfs-chroot lab, from a shell inside the namespace: chroot(2) into /escape with the working
 * directory left outside (busybox nsenter -r -w.), `..` as far as it goes, `chroot .`. Each shell ends with `exit` so
 * that it waits as the parent instead of executing its last command.
 */
const ESCAPE = 'mkdir -p /escape; cd /; nsenter -r/escape -w. bin/busybox sh -c "cd ../../../../../../../..; chroot . sleep infinity; exit"; exit';

/** The device and inode of what a path names (`/proc/<pid>/root` follows the link to the directory), `dev:ino`. */
function devIno(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** The mount table of box's mount namespace, as box (its root) sees it. */
const tableOf = (ctx: LabContext): MountEntry[] => readMountinfo(ctx.proc(BOX).pid) ?? [];

const shown = (value: string | undefined): string => value ?? '?';

/** One mount as mountinfo states it, without the options: `/ 0:54 /rootfs tmpfs lab-rootfs`. */
const mountFact = (m: MountEntry): string => `${m.mountPoint} ${m.device} ${m.root} ${m.fsType} ${m.source}`;

/** The errno a probe recorded under this key, compared with the one expected. */
function refused(ctx: CheckContext, key: string, expected: string, where: string): Verdict {
  const status = ctx.get(key);
  const errno = errnoOfExit(status);
  return {
    ok: errno === expected,
    found: bilingual((say) => `pivot_root(".", ".") ${say('in', '在')} ${where}${say(': ', '：')}${status} (${errno ?? say('no errno', '没有 errno')})`),
  };
}

/**
 * Why PID 1's root is not the rootfs yet, from the mount table: what pivot_root(2) would answer in /mnt/rootfs now
 * (pivot_root(2), ERRORS), so that a learner whose command failed reads the reason in the check.
 */
function whyNotPivoted(table: MountEntry[]): Text {
  const bind = mountAt(table, ROOTFS);
  if (bind === undefined)
    return {
      en: `${ROOTFS} is not a mount point, so pivot_root . . there fails with EINVAL: bind it onto itself first (mount --bind ${ROOTFS} ${ROOTFS})`,
      zh: `${ROOTFS} 不是挂载点，在那里 pivot_root . . 会以 EINVAL 失败：先把它绑定挂载到自己身上（mount --bind ${ROOTFS} ${ROOTFS}）`,
    };
  const parent = table.find((m) => m.id === bind.parentId);
  const shared = [bind, parent].filter((m): m is MountEntry => m !== undefined && propagationOf(m).startsWith('shared'));
  if (shared.length > 0)
    return {
      en: `shared: ${shared.map(describeMount).join(', ')}; pivot_root fails with EINVAL while the new root or its parent is shared: mount --make-rprivate /`,
      zh: `共享的挂载：${shared.map(describeMount).join(', ')}；新的根或它的父挂载是共享的时候，pivot_root 以 EINVAL 失败：mount --make-rprivate /`,
    };
  return {
    en: `${ROOTFS} is a mount point and private: pivot_root . . must be run with ${ROOTFS} as the working directory (cd ${ROOTFS}); run in /, it fails with EBUSY`,
    zh: `${ROOTFS} 是挂载点，而且是私有的：pivot_root . . 要以 ${ROOTFS} 为当前目录运行（cd ${ROOTFS}）；在 / 里运行会以 EBUSY 失败`,
  };
}

/** The process of box's PID namespace whose parent's root is /escape (it tried the escape), and its own root. */
function afterEscape(ctx: CheckContext): { pid: number; root: string | undefined } | undefined {
  const box = ctx.proc(BOX);
  const escapeDir = devIno(`/proc/${box.pid}/root/escape`);
  if (escapeDir === undefined || box.ns.pid === undefined) return undefined;
  for (const pid of pidsInNamespace('pid', box.ns.pid)) {
    const parent = ppid(pid);
    if (parent !== undefined && parent > 0 && devIno(`/proc/${parent}/root`) === escapeDir) return { pid, root: devIno(`/proc/${pid}/root`) };
  }
  return undefined;
}

export default {
  format: 1,
  id: 'pivot-root',
  order: 15,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'busybox', 'perl', 'ns-mnt', 'ns-pid'],
  shell: { target: BOX, namespaces: ['mnt', 'pid'] },
  steps: [
    {
      id: 'prepare',
      kind: 'demo',
      actions: [
        init(BOX, { namespaces: ['mnt', 'pid'] }),
        enter(['mount', '--make-rprivate', '/']),
        enter(['mount', '-t', 'tmpfs', 'lab-rootfs', '/mnt']),
        enter(['mkdir', '-p', `${ROOTFS}/bin`, `${ROOTFS}/proc`]),
        enter(['cp', '/bin/busybox', `${ROOTFS}/bin/busybox`]),
        enter([`${ROOTFS}/bin/busybox`, '--install', `${ROOTFS}/bin`]),
      ],
      checks: [
        {
          id: 'all-private',
          title: {
            en: "every mount of the lab's mount namespace is private: nothing mounted or unmounted there reaches the host",
            zh: '实验挂载命名空间里的每个挂载都是私有的：在那里挂载或卸载的任何东西都不会传到宿主机',
          },
          verify: (ctx) => {
            const table = tableOf(ctx);
            const linked = table.filter((m) => propagationOf(m) !== 'private');
            return {
              ok: table.length > 0 && linked.length === 0,
              found: linked.length
                ? { en: `not private: ${linked.map(describeMount).join(', ')}`, zh: `不是私有的：${linked.map(describeMount).join(', ')}` }
                : { en: `${table.length} mounts, all private`, zh: `${table.length} 个挂载，全部私有` },
            };
          },
        },
        {
          id: 'rootfs-built',
          title: {
            en: '/mnt/rootfs holds busybox and its applets, on the tmpfs lab-rootfs, and is not a mount point yet',
            zh: '/mnt/rootfs 里有 busybox 和它的各个命令（applet），位于 tmpfs lab-rootfs 上，目前还不是挂载点',
          },
          verify: (ctx) => {
            const base = `/proc/${ctx.proc(BOX).pid}/root${ROOTFS}`;
            const table = tableOf(ctx);
            let applets = 0;
            try {
              applets = readdirSync(`${base}/bin`).length;
            } catch {
              applets = 0;
            }
            const mnt = mountAt(table, '/mnt');
            const own = mountAt(table, ROOTFS);
            return {
              ok: applets > 100 && mnt?.source === 'lab-rootfs' && own === undefined,
              found: bilingual(
                (say) =>
                  `/mnt: ${mnt ? mountFact(mnt) : say('no mount', '没有挂载')}${say('; files in bin: ', '；bin 中的文件：')}${applets}${say(`; ${ROOTFS}: `, `；${ROOTFS}：`)}${
                    own ? mountFact(own) : say('no mount of its own', '没有自己的挂载')
                  }`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'refusals',
      kind: 'demo',
      actions: [enter(pivotProbeArgv('/'), { expect: 'fail', record: 'at-root' }), enter(pivotProbeArgv(ROOTFS), { expect: 'fail', record: 'at-dir' })],
      checks: [
        {
          id: 'ebusy',
          title: {
            en: "pivot_root in / was refused with EBUSY: the new root is on the current root's own mount",
            zh: '在 / 里调用 pivot_root 被拒绝，错误是 EBUSY：新的根就在当前根所在的挂载上',
          },
          verify: (ctx) => refused(ctx, 'at-root', 'EBUSY', '/'),
        },
        {
          id: 'einval',
          title: {
            en: 'pivot_root in /mnt/rootfs was refused with EINVAL: a directory that is not a mount point cannot be the new root',
            zh: '在 /mnt/rootfs 里调用 pivot_root 被拒绝，错误是 EINVAL：不是挂载点的目录不能成为新的根',
          },
          verify: (ctx) => refused(ctx, 'at-dir', 'EINVAL', ROOTFS),
        },
      ],
    },
    {
      id: 'bind',
      kind: 'demo',
      actions: [
        // What PID 1's root must be after the pivot, noted while /mnt/rootfs can still be reached from the host's side.
        noting((ctx) => ctx.set('rootfs', devIno(`/proc/${ctx.proc(BOX).pid}/root${ROOTFS}`) ?? '?'), enter(['mount', '--bind', ROOTFS, ROOTFS])),
        enter(['mount', '-t', 'proc', 'proc', `${ROOTFS}/proc`]),
        run(['grep', 'lab-rootfs\\|proc', proc(BOX, 'mountinfo')]),
      ],
      checks: [
        {
          id: 'bind-mounted',
          title: {
            en: 'mountinfo lists /mnt/rootfs as a mount of its own: a bind of the directory /rootfs of lab-rootfs',
            zh: 'mountinfo 把 /mnt/rootfs 列为一个独立的挂载：lab-rootfs 中目录 /rootfs 的绑定挂载（bind mount）',
          },
          verify: (ctx) => {
            const bind = mountAt(tableOf(ctx), ROOTFS);
            return {
              ok: bind?.source === 'lab-rootfs' && bind.root === '/rootfs',
              found: bind ? mountFact(bind) : { en: `${ROOTFS} is not a mount point`, zh: `${ROOTFS} 不是挂载点` },
            };
          },
        },
        {
          id: 'proc-inside',
          title: {
            en: "a proc of the lab's PID namespace is mounted at /mnt/rootfs/proc: in it, PID 1 is box",
            zh: '/mnt/rootfs/proc 上挂载了实验 PID 命名空间的 proc：在里面，1 号进程就是 box',
          },
          verify: (ctx) => {
            const mount = mountAt(tableOf(ctx), `${ROOTFS}/proc`);
            const base = `/proc/${ctx.proc(BOX).pid}/root${ROOTFS}/proc`;
            const one = devIno(`${base}/1/ns/pid`);
            const box = devIno(`/proc/${ctx.proc(BOX).pid}/ns/pid`);
            return {
              ok: mount?.fsType === 'proc' && one !== undefined && one === box,
              found: bilingual(
                (say) =>
                  `${mount ? mountFact(mount) : say('no proc mount', '没有 proc 挂载')}${say('; its PID 1 is box: ', '；其中的 1 号进程是 box：')}${one !== undefined && one === box ? say('yes', '是') : say('no', '否')}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'pivot',
      kind: 'task',
      shell: 'lab',
      solution: [enter(['sh', '-c', `cd ${ROOTFS} && pivot_root . . && umount -l .`])],
      checks: [
        {
          id: 'root-is-rootfs',
          title: {
            en: "PID 1's root, /proc/<pid>/root, is the rootfs (device and inode), and the mount at / in its mountinfo is lab-rootfs",
            zh: '1 号进程的根目录 /proc/<pid>/root 就是 rootfs（设备号和 inode 相同），它的 mountinfo 里挂在 / 上的是 lab-rootfs',
          },
          verify: (ctx) => {
            const root = devIno(`/proc/${ctx.proc(BOX).pid}/root`);
            const rootfs = ctx.get('rootfs');
            const table = tableOf(ctx);
            const top = table.filter((m) => m.mountPoint === '/').at(0);
            const ok = root === rootfs && top?.source === 'lab-rootfs';
            const facts = (say: Say): string =>
              `${say('root of PID 1', '1 号进程的根目录')} ${shown(root)}${say('; the rootfs ', '；rootfs ')}${rootfs}${say('; at /: ', '；/ 上：')}${top ? mountFact(top) : '?'}`;
            if (ok) return { ok, found: bilingual(facts) };
            const why = whyNotPivoted(table);
            return { ok, found: { en: `${facts((en) => en)}. ${why.en}`, zh: `${facts((_en, zh) => zh)}。${why.zh}` } };
          },
        },
        {
          id: 'no-host-mounts',
          title: {
            en: "no mount of the host's filesystems is left in the namespace's mountinfo: every device there is one the host does not mount",
            zh: '命名空间的 mountinfo 里不再有宿主机文件系统的挂载：那里的每个设备都不是宿主机挂载的',
          },
          verify: (ctx) => {
            const table = tableOf(ctx);
            const hostDevices = new Set((readMountinfo('self') ?? []).map((m) => m.device));
            const left = table.filter((m) => hostDevices.has(m.device));
            return {
              ok: table.length > 0 && left.length === 0,
              found: left.length
                ? bilingual(
                    (say) =>
                      `${say(`${left.length} of ${table.length} mounts are the host's`, `${table.length} 个挂载中有 ${left.length} 个是宿主机的`)}${say(': ', '：')}${left
                        .slice(0, 3)
                        .map(mountFact)
                        .join(', ')}${left.length > 3 ? ' ...' : ''}${say('; the old root is still there: umount -l .', '；旧的根还在：umount -l .')}`,
                  )
                : bilingual((say) => `${table.map(mountFact).join(', ')}${say(' (none of them the host’s)', '（都不是宿主机的）')}`),
            };
          },
        },
      ],
    },
    {
      id: 'escape-fails',
      kind: 'demo',
      actions: [startInside('escaper', ['sh', '-c', ESCAPE]), enter(['ls', '/'])],
      checks: [
        {
          id: 'still-rootfs',
          title: {
            en: 'the process that climbed out of /escape and ran `chroot .` has the rootfs as its root again: there is nothing above it',
            zh: '从 /escape 往上爬、再运行 `chroot .` 的进程，根目录又是 rootfs：它上面什么也没有',
          },
          settle: 3000,
          verify: (ctx) => {
            const found = afterEscape(ctx);
            const rootfs = ctx.get('rootfs');
            return {
              ok: found !== undefined && found.root === rootfs,
              found: found
                ? bilingual(
                    (say) =>
                      `${say('process', '进程')} ${found.pid}${say(': root ', '：根目录 ')}${shown(found.root)}${say('; the rootfs ', '；rootfs ')}${rootfs}`,
                  )
                : { en: 'no process whose parent has /escape as its root', zh: '没有父进程以 /escape 为根目录的进程' },
            };
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'why-pivot-root',
      answer: { choice: 2 },
    },
  ],
} satisfies LabSpec;
