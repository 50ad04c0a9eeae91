// The rootfs-chroot lab: a root filesystem built from busybox in the lab's own tmpfs, a process chrooted into it (its
// /proc/<pid>/root is the rootfs, compared by device and inode), the same processes, hostname and network seen from
// inside (chroot changes the root directory and nothing else), then the classic escape: a root process inside makes
// a directory, chroots into it while its working directory stays outside, walks up with `cd ..` and chroots into
// the real root of the lab's mount namespace. Everything lives in that namespace, which dies with the lab.
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { readMountinfo } from '../../src/kernel/mountinfo.js';
import { mountAt } from '../../src/kernel/mount-propagation.js';
import { nsInode, parseStat, pidsInNamespace, ppid, startTime } from '../../src/kernel/proc.js';
import { enter, init, proc, run } from '../../src/lab/build.js';
import { startInside } from '../../src/lab/build-inside.js';
import type { CheckContext, LabContext, LabSpec, NamespaceType, Verdict } from '../../src/lab/spec.js';
import { NAMESPACE_TYPES, bilingual } from '../../src/common/vocabulary.js';

/** The lab's process: `sleep infinity` in a private mount namespace of its own; `lab shell` joins it. */
const BOX = 'box';

/** Where the root filesystem is built, in the tmpfs the lab mounts over /mnt of its own namespace. */
const ROOTFS = '/mnt/rootfs';

/** The file the lab writes into the rootfs: a hostname the chroot does not apply (a file is not a namespace). */
const MARKER = `${ROOTFS}/etc/hostname`;

/**
 * The escape, run by a shell inside the chroot. busybox's `chroot` calls chdir("/") after chroot(2), so it cannot
 * leave the working directory outside; `nsenter -r/escape -w.` calls chroot(2) on /escape and then goes back to the
 * directory it started in, which is outside the new root. From there `..` climbs to the real root, and the `chroot`
 * applet (run by ash without a lookup in the empty /escape) makes it the root again. Each shell ends with `exit`, so it waits
 * as the parent (ash would execute a last command in its own place), as the learner's shells do.
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

/** The rootfs directory as the lab's mount namespace has it, read through box's root. */
const rootfsId = (ctx: LabContext): string | undefined => devIno(`/proc/${ctx.proc(BOX).pid}/root${ROOTFS}`);

/** The real root of the lab's mount namespace: box's root. */
const nsRootId = (ctx: LabContext): string | undefined => devIno(`/proc/${ctx.proc(BOX).pid}/root`);

/** The /proc a process inside the chroot sees: the one mounted at /mnt/rootfs/proc, read through box's root. */
const procInRootfs = (ctx: LabContext): string => `/proc/${ctx.proc(BOX).pid}/root${ROOTFS}/proc`;

const shown = (value: string | undefined): string => value ?? '?';

/** Numeric entries of a /proc directory. */
function pidsIn(dir: string): number[] {
  try {
    return readdirSync(dir)
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/** The start time of a process from a stat file at any path, e.g. through the rootfs's /proc. */
function readStart(path: string): number | undefined {
  try {
    return parseStat(readFileSync(path, 'utf8'))?.start;
  } catch {
    return undefined;
  }
}

/** The namespace link of a process, as a /proc directory has it (`uts:[4026531838]`). */
function nsLinkIn(procDir: string, pid: number, type: NamespaceType): string | undefined {
  try {
    return readlinkSync(`${procDir}/${pid}/ns/${type}`);
  } catch {
    return undefined;
  }
}

/** The first process of the lab's mount namespace whose root is the namespace's real root while an ancestor's root is the rootfs. */
function escapedProcess(ctx: CheckContext): { pid: number; from: number } | undefined {
  const rootfs = rootfsId(ctx);
  const real = nsRootId(ctx);
  const mnt = ctx.proc(BOX).ns.mnt;
  if (rootfs === undefined || real === undefined || mnt === undefined) return undefined;
  for (const pid of pidsInNamespace('mnt', mnt)) {
    if (devIno(`/proc/${pid}/root`) !== real) continue;
    for (let up = ppid(pid), hops = 0; up !== undefined && up > 1 && hops < 16; up = ppid(up), hops++) {
      if (devIno(`/proc/${up}/root`) === rootfs) return { pid, from: up };
    }
  }
  return undefined;
}

export default {
  format: 1,
  id: 'rootfs-chroot',
  order: 14,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'busybox', 'ns-mnt'],
  shell: { target: BOX, namespaces: ['mnt'] },
  steps: [
    {
      id: 'build',
      kind: 'demo',
      actions: [
        init(BOX, { namespaces: ['mnt'], fork: true }),
        enter(['mount', '-t', 'tmpfs', 'lab-rootfs', '/mnt']),
        enter(['mkdir', '-p', `${ROOTFS}/bin`, `${ROOTFS}/proc`, `${ROOTFS}/etc`]),
        enter(['cp', '/bin/busybox', `${ROOTFS}/bin/busybox`]),
        enter([`${ROOTFS}/bin/busybox`, '--install', `${ROOTFS}/bin`]),
        enter(['sh', '-c', `echo lab-rootfs > ${MARKER}`]),
        enter(['ls', '-l', `${ROOTFS}/bin/sh`, `${ROOTFS}/bin/busybox`, MARKER]),
      ],
      checks: [
        {
          id: 'rootfs-built',
          title: {
            en: 'in the tmpfs lab-rootfs at /mnt of the lab: /mnt/rootfs/bin/busybox, /bin/sh a hard link to it, an empty /proc and /etc/hostname',
            zh: '在实验的 /mnt 上的 tmpfs lab-rootfs 里：有 /mnt/rootfs/bin/busybox、它的硬链接 /bin/sh、一个空的 /proc 和 /etc/hostname',
          },
          verify: (ctx) => {
            const base = `/proc/${ctx.proc(BOX).pid}/root${ROOTFS}`;
            const mnt = mountAt(readMountinfo(ctx.proc(BOX).pid) ?? [], '/mnt');
            const stat = (path: string): ReturnType<typeof statSync> | undefined => {
              try {
                return statSync(path);
              } catch {
                return undefined;
              }
            };
            const busybox = stat(`${base}/bin/busybox`);
            const sh = stat(`${base}/bin/sh`);
            const linked = busybox !== undefined && sh !== undefined && sh.ino === busybox.ino && sh.dev === busybox.dev;
            const procEntries = stat(`${base}/proc`)?.isDirectory() ? readdirSync(`${base}/proc`).length : undefined;
            const marker = stat(`${base}/etc/hostname`)?.isFile() ?? false;
            const onTmpfs = mnt?.source === 'lab-rootfs' && mnt.fsType === 'tmpfs';
            return {
              ok: onTmpfs && busybox?.isFile() === true && linked && procEntries === 0 && marker,
              found: bilingual((say) =>
                [
                  `/mnt: ${mnt ? `${mnt.fsType} ${mnt.source}` : say('no mount', '没有挂载')}`,
                  `bin/busybox: ${busybox?.isFile() ? say(`${busybox.size} bytes`, `${busybox.size} 字节`) : say('missing', '不存在')}`,
                  `bin/sh: ${linked ? say(`inode ${sh.ino}, the same file`, `inode ${sh.ino}，同一个文件`) : say('not busybox', '不是 busybox')}`,
                  `proc: ${procEntries === undefined ? say('missing', '不存在') : say(`${procEntries} entries`, `${procEntries} 项`)}`,
                  `etc/hostname: ${marker ? say('present', '存在') : say('missing', '不存在')}`,
                ].join(say('; ', '；')),
              ),
            };
          },
        },
        {
          id: 'not-on-host',
          title: {
            en: "the host's mount table has no lab-rootfs: the rootfs exists only in the lab's mount namespace",
            zh: '宿主机的挂载表里没有 lab-rootfs：这个根文件系统只存在于实验的挂载命名空间里',
          },
          verify: (ctx) => {
            const inLab = (readMountinfo(ctx.proc(BOX).pid) ?? []).filter((m) => m.source === 'lab-rootfs').length;
            const onHost = (readMountinfo('self') ?? []).filter((m) => m.source === 'lab-rootfs').length;
            return {
              ok: inLab > 0 && onHost === 0,
              found: { en: `lab-rootfs mounts: ${inLab} in the lab, ${onHost} on the host`, zh: `lab-rootfs 挂载：实验中 ${inLab} 个，宿主机上 ${onHost} 个` },
            };
          },
        },
      ],
    },
    {
      id: 'chroot',
      kind: 'demo',
      actions: [
        startInside('jail', ['chroot', ROOTFS, '/bin/sleep', 'infinity'], { execs: 'sleep' }),
        run(['readlink', proc('jail', 'root'), proc('jail', 'cwd')]),
        enter(['chroot', ROOTFS, '/bin/ls', '/']),
      ],
      checks: [
        {
          id: 'root-is-rootfs',
          title: {
            en: "the chrooted sleep's root, /proc/<pid>/root, is the rootfs directory (same device and inode), not the namespace's /",
            zh: '被 chroot 的 sleep 的根目录 /proc/<pid>/root 就是 rootfs 目录（设备号和 inode 相同），而不是命名空间的 /',
          },
          verify: (ctx): Verdict => {
            const jail = devIno(`/proc/${ctx.proc('jail').pid}/root`);
            const rootfs = rootfsId(ctx);
            const real = nsRootId(ctx);
            return {
              ok: jail !== undefined && jail === rootfs && jail !== real,
              found: bilingual(
                (say) =>
                  `${say('root of sleep', 'sleep 的根目录')} ${shown(jail)}${say('; /mnt/rootfs ', '；/mnt/rootfs ')}${shown(rootfs)}${say("; the namespace's / ", '；命名空间的 / ')}${shown(real)}`,
              ),
            };
          },
        },
        {
          id: 'same-namespaces',
          title: {
            en: 'chroot made no namespace: the chrooted sleep is in every namespace box is in',
            zh: 'chroot 没有创建任何命名空间：被 chroot 的 sleep 所在的每个命名空间都和 box 的相同',
          },
          verify: (ctx) => {
            const jail = ctx.proc('jail').pid;
            const box = ctx.proc(BOX).pid;
            const types = NAMESPACE_TYPES.filter((type) => nsInode(box, type) !== undefined);
            const differ = types.filter((type) => nsInode(jail, type) !== nsInode(box, type));
            return {
              ok: differ.length === 0 && types.length > 0 && nsInode(jail, 'mnt') !== undefined,
              found: differ.length
                ? { en: `different from box: ${differ.join(', ')}`, zh: `与 box 不同的：${differ.join(', ')}` }
                : {
                    en: `the same ${types.length} namespaces as box: ${types.join(', ')}`,
                    zh: `与 box 相同的 ${types.length} 个命名空间：${types.join(', ')}`,
                  },
            };
          },
        },
      ],
    },
    {
      id: 'same-world',
      kind: 'demo',
      actions: [
        enter(['mount', '-t', 'proc', 'proc', `${ROOTFS}/proc`]),
        enter(['chroot', ROOTFS, 'sh', '-c', 'ps -o pid,comm | head -n 6; ls -d /proc/[0-9]* | wc -l']),
        enter(['chroot', ROOTFS, 'hostname']),
        run(['hostname']),
        enter(['chroot', ROOTFS, 'ip', 'link']),
      ],
      checks: [
        {
          id: 'ps-sees-host',
          title: {
            en: "the /proc inside the rootfs lists the host's processes: the host's PID 1 (same start time) and lab's own PID",
            zh: 'rootfs 里的 /proc 列出的是宿主机的进程：宿主机的 1 号进程（启动时间相同）和 lab 自己的 PID',
          },
          verify: (ctx) => {
            const dir = procInRootfs(ctx);
            const pids = pidsIn(dir);
            const initSame = pids.includes(1) && devIno(`${dir}/1`) !== undefined && readStart(`${dir}/1/stat`) === startTime(1);
            const harness = pids.includes(process.pid);
            return {
              ok: initSame && harness,
              found: bilingual(
                (say) =>
                  `${say('/proc in the rootfs', 'rootfs 中的 /proc')}${say(': ', '：')}${say(`${pids.length} PIDs`, `${pids.length} 个 PID`)}${say('; PID 1 ', '；1 号进程')}${
                    initSame ? say("is the host's", '就是宿主机的') : say('is not the host’s', '不是宿主机的')
                  }${say(`; lab's PID ${process.pid} `, `；lab 的 PID ${process.pid} `)}${harness ? say('listed', '在列') : say('not listed', '不在列')}`,
              ),
            };
          },
        },
        {
          id: 'same-uts-net',
          title: {
            en: "read through that /proc, the chrooted sleep's UTS and network namespaces are the host's: the same hostname, the same interfaces",
            zh: '通过这个 /proc 读到：被 chroot 的 sleep 的 UTS 和网络命名空间就是宿主机的：主机名相同，网卡也相同',
          },
          verify: (ctx) => {
            const dir = procInRootfs(ctx);
            const jail = ctx.proc('jail').pid;
            const facts = (['uts', 'net'] as const).map((type) => {
              const inside = nsLinkIn(dir, jail, type);
              const host = nsLinkIn('/proc', process.pid, type);
              return { type, inside, host, same: inside !== undefined && inside === host };
            });
            return {
              ok: facts.every((f) => f.same),
              found: bilingual((say) =>
                facts.map((f) => `${f.type}: ${say('inside', '里面')} ${f.inside ?? '?'}${say(', host ', '，宿主机 ')}${f.host ?? '?'}`).join(say('; ', '；')),
              ),
            };
          },
        },
      ],
    },
    {
      id: 'escape',
      kind: 'task',
      shell: 'lab',
      solution: [startInside('escaped', ['chroot', ROOTFS, '/bin/sh', '-c', ESCAPE])],
      checks: [
        {
          id: 'escaped',
          title: {
            en: "a process started inside the chroot now has the real root of the lab's mount namespace as its root (device and inode)",
            zh: '一个在 chroot 里启动的进程，现在的根目录是实验挂载命名空间真正的根（设备号和 inode 相同）',
          },
          settle: 3000,
          verify: (ctx) => {
            const found = escapedProcess(ctx);
            const real = nsRootId(ctx);
            const rootfs = rootfsId(ctx);
            return {
              ok: found !== undefined,
              found: found
                ? bilingual(
                    (say) =>
                      `${say('process', '进程')} ${found.pid}${say(': root ', '：根目录 ')}${shown(devIno(`/proc/${found.pid}/root`))} = ${say("the namespace's /", '命名空间的 /')}${say('; its ancestor ', '；它的祖先进程 ')}${found.from}${say(' has the rootfs ', ' 的根目录是 rootfs ')}${shown(rootfs)}`,
                  )
                : bilingual(
                    (say) =>
                      `${say('no process whose root is the namespace’s / ', '没有这样的进程：根目录是命名空间的 / ')}${shown(real)}${say(' and whose ancestor’s root is the rootfs ', '，而祖先进程的根目录是 rootfs ')}${shown(rootfs)}`,
                  ),
            };
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'why-escape',
      answer: { choice: 3 },
    },
  ],
} satisfies LabSpec;
