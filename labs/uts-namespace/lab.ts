// The uts-namespace lab: a hostname and a NIS domain name of the container's own, set inside while the host keeps
// its own; two sibling namespaces with two names; box-b's namespace kept alive with no process in it, by a bind
// mount (in a mount namespace of the lab's own, never the host's) and by an open file descriptor, then freed; and
// the learner naming their own "container".
import { readlinkSync } from 'node:fs';
import { describeReferences, inodeAt, nsMountsOf, nsName, nsReferences } from '../../src/kernel/ns-pins.js';
import { isAlive, nsInode, pidsInNamespace } from '../../src/kernel/proc.js';
import { readUtsName, utsNameArgv, type UtsName } from '../../src/kernel/uts.js';
import { argvOf, enter, init, pid, proc, run, type Word } from '../../src/lab/build.js';
import { hostProcess } from '../../src/lab/build-process.js';
import { leader, word } from '../../src/lab/build-words.js';
import type { CheckContext, LabContext, LabSpec, Verdict } from '../../src/lab/spec.js';
import { bilingual } from '../../src/common/vocabulary.js';
import { ownNamespace } from '../../src/lab/checks.js';

/** The names the lab gives its two "containers" and the domain name of the first. */
const NAME_A = 'box-a';
const NAME_B = 'box-b';
const DOMAIN = 'lab.example';
/** Where the pin step bind-mounts box-b's namespace file: a tmpfs in the lab's own mount namespace, never the host's. */
const PIN_DIR = '/mnt';
const PIN_FILE = `${PIN_DIR}/uts`;
/** The descriptor the holder process keeps box-b's namespace file open on. */
const PIN_FD = 3;

/** Start a process that holds a new UTS namespace of its own. */
const startHolder = (name: string) => init(name, { namespaces: ['uts'], fork: true });

/** A name as the UTS namespace of a lab process holds it, read through `nsenter` (a kernel answer, not a file of ours). */
async function nameInside(ctx: CheckContext, name: string, field: UtsName): Promise<string> {
  const result = await ctx.probe(utsNameArgv(ctx.proc(name).pid, field));
  return result.exitCode === 0 ? result.stdout.trim() : `(exit ${result.exitCode})`;
}

/** The inode of box-b's UTS namespace, read when its process started: it names the namespace after that process is gone. */
function siblingNs(ctx: LabContext): number {
  const inode = ctx.proc('sibling').ns.uts;
  if (inode === undefined) throw new Error('the UTS namespace of box-b was not read when it started');
  return inode;
}

/** Run a command in the lab's pinning mount namespace (the one the `pins` process holds). */
const inPins = (command: Word[]) => enter(command, { into: 'pins', ns: ['mnt'] });

/** box-b's namespace file, as its process shows it. */
const siblingNsFile = proc('sibling', 'ns/uts');

/** The bind-mounted namespace file, reached from the host through the mount namespace of the `pins` process. */
const pinnedPath = proc('pins', `root${PIN_FILE}`);

/** The holder's open descriptor of the namespace file, as a path `nsenter` can open again. */
const fdPath = proc('holder', `fd/${PIN_FD}`);

/** `nsenter` into the UTS namespace a file refers to (not a process's), and print its hostname. */
const hostnameThrough = (path: Word): Word[] => ['nsenter', word`--uts=${path}`, '--', 'hostname'];

/** The hostname the UTS namespace behind `path` holds, asked of the kernel through `nsenter`. */
async function nameThrough(ctx: CheckContext, path: Word): Promise<string> {
  const result = await ctx.probe(argvOf(ctx, hostnameThrough(path)));
  return result.exitCode === 0 ? result.stdout.trim() : `(exit ${result.exitCode})`;
}

/** The link of an open descriptor (`uts:[4026532174]` for a namespace file); undefined when it is not open. */
function fdLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** Whether the lab set `wanted` as a name inside while the host's name stayed different. */
async function setInsideOnly(ctx: CheckContext, field: UtsName, wanted: string): Promise<Verdict> {
  const lab = await nameInside(ctx, 'box', field);
  const host = readUtsName(field) ?? '?';
  return {
    ok: lab === wanted && host !== wanted,
    found: { en: `inside: ${lab}; host: ${host}`, zh: `命名空间内：${lab}；宿主机：${host}` },
  };
}

export default {
  format: 1,
  id: 'uts-namespace',
  order: 2,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'ns-uts'],
  shell: { target: 'box', namespaces: ['uts'] },
  steps: [
    {
      id: 'create',
      kind: 'demo',
      actions: [startHolder('box'), run(['readlink', '/proc/self/ns/uts', proc('box', 'ns/uts')]), run(['hostname']), enter(['hostname'])],
      checks: [
        ownNamespace('uts', 'box', {
          en: "the lab's process lives in a UTS namespace other than the host's",
          zh: '实验的进程所在的 UTS 命名空间与宿主机的不同',
        }),
        {
          id: 'copied-name',
          title: {
            en: "the new namespace started with a copy of the host's hostname",
            zh: '新命名空间一开始的主机名是宿主机主机名的一份拷贝',
          },
          verify: async (ctx) => {
            const lab = await nameInside(ctx, 'box', 'hostname');
            const host = readUtsName('hostname') ?? '?';
            return { ok: lab === host, found: { en: `inside: ${lab}; host: ${host}`, zh: `命名空间内：${lab}；宿主机：${host}` } };
          },
        },
      ],
    },
    {
      id: 'set-names',
      kind: 'demo',
      actions: [
        enter(['hostname', NAME_A]),
        enter(['domainname', DOMAIN]),
        enter(['uname', '-n']),
        enter(['cat', '/proc/sys/kernel/hostname', '/proc/sys/kernel/domainname']),
        run(['cat', '/proc/sys/kernel/hostname', '/proc/sys/kernel/domainname']),
      ],
      checks: [
        {
          id: 'hostname-inside-only',
          title: {
            en: `the hostname inside is ${NAME_A}, and the host's hostname is not`,
            zh: `命名空间内的主机名是 ${NAME_A}，宿主机的主机名并没有变成它`,
          },
          verify: (ctx) => setInsideOnly(ctx, 'hostname', NAME_A),
        },
        {
          id: 'domainname-inside-only',
          title: {
            en: `the NIS domain name inside is ${DOMAIN}, and the host's is not`,
            zh: `命名空间内的 NIS 域名是 ${DOMAIN}，宿主机的域名并没有变成它`,
          },
          verify: (ctx) => setInsideOnly(ctx, 'domainname', DOMAIN),
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'why-run-sets-it',
      answer: { choice: 3 },
    },
    {
      id: 'siblings',
      kind: 'demo',
      actions: [
        startHolder('sibling'),
        enter(['hostname', NAME_B], { into: 'sibling' }),
        enter(['hostname']),
        enter(['hostname'], { into: 'sibling' }),
        run(['hostname']),
        run(['readlink', '/proc/self/ns/uts', proc('box', 'ns/uts'), siblingNsFile]),
      ],
      checks: [
        {
          id: 'three-namespaces',
          title: {
            en: 'the host, box-a and box-b are in three different UTS namespaces',
            zh: '宿主机、box-a 和 box-b 分别在三个不同的 UTS 命名空间里',
          },
          verify: (ctx) => {
            const inodes = [nsInode('self', 'uts'), nsInode(ctx.proc('box').pid, 'uts'), nsInode(ctx.proc('sibling').pid, 'uts')];
            const distinct = new Set(inodes.filter((inode) => inode !== undefined)).size;
            return {
              ok: distinct === 3,
              found: {
                en: `host uts:[${inodes[0]}], box uts:[${inodes[1]}], sibling uts:[${inodes[2]}]`,
                zh: `宿主机 uts:[${inodes[0]}]，box uts:[${inodes[1]}]，sibling uts:[${inodes[2]}]`,
              },
            };
          },
        },
        {
          id: 'own-names',
          title: {
            en: `each namespace keeps its own hostname: ${NAME_A}, ${NAME_B}, and the host's`,
            zh: `每个命名空间各自保留自己的主机名：${NAME_A}、${NAME_B}，以及宿主机自己的`,
          },
          verify: async (ctx) => {
            const a = await nameInside(ctx, 'box', 'hostname');
            const b = await nameInside(ctx, 'sibling', 'hostname');
            const host = readUtsName('hostname') ?? '?';
            return {
              ok: a === NAME_A && b === NAME_B && host !== NAME_A && host !== NAME_B,
              found: { en: `box: ${a}; sibling: ${b}; host: ${host}`, zh: `box：${a}；sibling：${b}；宿主机：${host}` },
            };
          },
        },
      ],
    },
    {
      id: 'pin',
      kind: 'demo',
      actions: [
        init('pins', { namespaces: ['mnt'] }, ['sleep', 'infinity'], { execs: 'sleep' }),
        inPins(['mount', '-t', 'tmpfs', 'lab-pins', PIN_DIR]),
        inPins(['touch', PIN_FILE]),
        inPins(['mount', '--bind', siblingNsFile, PIN_FILE]),
        hostProcess('holder', ['sh', '-c', word`exec sleep infinity ${PIN_FD}<${siblingNsFile}`], { execs: 'sleep' }),
        run(['readlink', siblingNsFile, fdPath]),
        inPins(['ls', '-i', PIN_FILE]),
        // Only unshare, and its --kill-child takes the sleep along. Naming both races either way: unshare killed first,
        // its sleep dies with it and may be reaped before kill(1) gets to it; the sleep killed first, unshare exits with
        // it and the harness may reap it first (ESRCH both times, seen on Debian 12 and here).
        run(['kill', '-KILL', leader('sibling')]),
        run(hostnameThrough(pinnedPath)),
        run(hostnameThrough(fdPath)),
      ],
      checks: [
        {
          id: 'no-process-left',
          title: {
            en: "no process is left in box-b's UTS namespace: both of its processes are gone",
            zh: 'box-b 的 UTS 命名空间里已经没有进程：它的两个进程都不在了',
          },
          settle: 2000,
          verify: (ctx) => {
            const inode = siblingNs(ctx);
            const { pid, leader } = ctx.proc('sibling');
            const alive = [leader, pid].filter((p) => isAlive(p));
            const inside = pidsInNamespace('uts', inode);
            return {
              ok: alive.length === 0 && inside.length === 0,
              found: {
                en: `processes in ${nsName('uts', inode)}: ${inside.join(' ') || 'none'}; box-b's still running: ${alive.join(' ') || 'none'}`,
                zh: `${nsName('uts', inode)} 中的进程：${inside.join(' ') || '无'}；box-b 仍在运行的进程：${alive.join(' ') || '无'}`,
              },
            };
          },
        },
        {
          id: 'pinned-by-mount',
          title: {
            en: `${PIN_FILE} in the lab's own mount namespace is a bind mount of box-b's namespace (same inode), and the host's mount table has no such mount`,
            zh: `实验自己的挂载命名空间里，${PIN_FILE} 是 box-b 命名空间的绑定挂载（inode 相同），宿主机的挂载表里没有这样的挂载`,
          },
          verify: (ctx) => {
            const inode = siblingNs(ctx);
            const mounts = nsMountsOf(ctx.proc('pins').pid, 'uts', inode) ?? [];
            const host = nsMountsOf('self', 'uts', inode) ?? [];
            const pinned = inodeAt(pinnedPath(ctx));
            const points = (list: { mountPoint: string }[], none: string): string => list.map((m) => m.mountPoint).join(' ') || none;
            return {
              ok: mounts.length === 1 && mounts[0]!.mountPoint === PIN_FILE && pinned === inode && host.length === 0,
              found: {
                en: `mounts of ${nsName('uts', inode)}: lab ${points(mounts, 'none')}, host ${points(host, 'none')}; inode of ${PIN_FILE}: ${pinned ?? '?'}`,
                zh: `${nsName('uts', inode)} 的挂载：实验 ${points(mounts, '无')}，宿主机 ${points(host, '无')}；${PIN_FILE} 的 inode：${pinned ?? '?'}`,
              },
            };
          },
        },
        {
          id: 'pinned-by-fd',
          title: {
            en: `the holder process has box-b's namespace open on descriptor ${PIN_FD}`,
            zh: `持有者进程在文件描述符 ${PIN_FD} 上打开着 box-b 的命名空间`,
          },
          verify: (ctx) => {
            const wanted = nsName('uts', siblingNs(ctx));
            const link = fdLink(fdPath(ctx));
            return {
              ok: link === wanted,
              found: bilingual(
                (say) => `${fdPath(ctx)} -> ${link ?? say('(not open)', '（没有打开）')}${say('; box-b was ', '；box-b 原来的命名空间是 ')}${wanted}`,
              ),
            };
          },
        },
        {
          id: 'still-answers',
          title: {
            en: `through either pin, the namespace still answers ${NAME_B}`,
            zh: `通过任意一个钉住它的文件，这个命名空间仍然回答 ${NAME_B}`,
          },
          verify: async (ctx) => {
            const byMount = await nameThrough(ctx, pinnedPath(ctx));
            const byFd = await nameThrough(ctx, fdPath(ctx));
            return {
              ok: byMount === NAME_B && byFd === NAME_B,
              found: { en: `through the mount: ${byMount}; through the fd: ${byFd}`, zh: `经由挂载：${byMount}；经由文件描述符：${byFd}` },
            };
          },
        },
      ],
    },
    {
      id: 'unpin',
      kind: 'demo',
      actions: [inPins(['umount', PIN_FILE]), inPins(['ls', '-i', PIN_FILE]), run(hostnameThrough(fdPath)), run(['kill', pid('holder')])],
      checks: [
        {
          id: 'unmounted',
          title: {
            en: `the lab's mount namespace no longer has box-b's namespace mounted on ${PIN_FILE}`,
            zh: `实验的挂载命名空间里，${PIN_FILE} 上不再挂载着 box-b 的命名空间`,
          },
          verify: (ctx) => {
            const inode = siblingNs(ctx);
            const pins = ctx.proc('pins').pid;
            const mounts = isAlive(pins) ? nsMountsOf(pins, 'uts', inode) : undefined;
            return {
              ok: mounts !== undefined && mounts.length === 0,
              found:
                mounts === undefined
                  ? { en: `the process holding the lab's mount namespace (${pins}) is gone`, zh: `撑住实验挂载命名空间的进程（${pins}）已经不在了` }
                  : {
                      en: `mounts of ${nsName('uts', inode)}: ${mounts.map((m) => m.mountPoint).join(' ') || 'none'}`,
                      zh: `${nsName('uts', inode)} 的挂载：${mounts.map((m) => m.mountPoint).join(' ') || '无'}`,
                    },
            };
          },
        },
        {
          id: 'freed',
          title: {
            en: "nothing refers to box-b's namespace any more: no process, no open descriptor, no mount in any mount namespace",
            zh: '再没有任何东西引用 box-b 的命名空间：没有进程，没有打开的文件描述符，任何挂载命名空间里也没有挂载',
          },
          settle: 2000,
          verify: (ctx) => {
            const inode = siblingNs(ctx);
            const refs = nsReferences('uts', inode);
            const facts = describeReferences(refs);
            return {
              ok: refs.processes.length === 0 && refs.fds.length === 0 && refs.mounts.length === 0,
              found: { en: `${nsName('uts', inode)}: ${facts.en}`, zh: `${nsName('uts', inode)}：${facts.zh}` },
            };
          },
        },
      ],
    },
    {
      id: 'name-it',
      kind: 'task',
      shell: 'lab',
      solution: [enter(['hostname', 'web-1'])],
      checks: [
        {
          id: 'named',
          title: {
            en: `the lab's UTS namespace has a hostname of your choice: neither ${NAME_A} nor the host's`,
            zh: `实验的 UTS 命名空间有了你起的主机名：既不是 ${NAME_A}，也不是宿主机的`,
          },
          verify: async (ctx) => {
            const lab = await nameInside(ctx, 'box', 'hostname');
            const host = readUtsName('hostname') ?? '?';
            return {
              ok: lab !== '' && !lab.startsWith('(exit') && lab !== NAME_A && lab !== host,
              found: { en: `inside: ${lab}; host: ${host}`, zh: `命名空间内：${lab}；宿主机：${host}` },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
