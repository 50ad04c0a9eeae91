// The uts-namespace lab: a hostname and a NIS domain name of the container's own, set inside while the host keeps
// its own; two sibling namespaces with two names; box-b's namespace kept alive with no process in it, by a bind
// mount (in a mount namespace of the lab's own, never the host's) and by an open file descriptor, then freed; and
// the learner naming their own "container".
import { readlinkSync } from 'node:fs';
import { dieWithHarness, nsenterArgv, unshareArgv } from '../../src/kernel/namespaces.js';
import { describeReferences, inodeAt, nsMountsOf, nsName, nsReferences } from '../../src/kernel/ns-pins.js';
import { isAlive, nsInode, pidsInNamespace } from '../../src/kernel/proc.js';
import { readUtsName, utsNameArgv, type UtsName } from '../../src/kernel/uts.js';
import type { Action, CheckContext, LabContext, LabSpec, Verdict } from '../../src/lab/spec.js';
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

/** Run a command inside the UTS namespace of a lab process, the way `docker exec` would. */
const inside = (ctx: LabContext, name: string, command: string[]): string[] =>
  nsenterArgv(ctx.proc(name).pid, ['uts'], command);

/** Start a process that holds a new UTS namespace of its own. */
const startHolder = (name: string): Action => ({
  kind: 'start',
  name,
  argv: dieWithHarness(unshareArgv({ namespaces: ['uts'], fork: true }, ['sleep', 'infinity'])),
  pidOf: 'child',
});

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
const inPins = (ctx: LabContext, command: string[]): string[] => nsenterArgv(ctx.proc('pins').pid, ['mnt'], command);

/** The bind-mounted namespace file, reached from the host through the mount namespace of the `pins` process. */
const pinnedPath = (ctx: LabContext): string => `/proc/${ctx.proc('pins').pid}/root${PIN_FILE}`;

/** The holder's open descriptor of the namespace file, as a path `nsenter` can open again. */
const fdPath = (ctx: LabContext): string => `/proc/${ctx.proc('holder').pid}/fd/${PIN_FD}`;

/** `nsenter` into the UTS namespace a file refers to (not a process's), and print its hostname. */
const hostnameThrough = (path: string): string[] => ['nsenter', `--uts=${path}`, '--', 'hostname'];

/** The hostname the UTS namespace behind `path` holds, asked of the kernel through `nsenter`. */
async function nameThrough(ctx: CheckContext, path: string): Promise<string> {
  const result = await ctx.probe(hostnameThrough(path));
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
      actions: [
        startHolder('box'),
        (ctx) => ({ kind: 'run', argv: ['readlink', '/proc/self/ns/uts', `/proc/${ctx.proc('box').pid}/ns/uts`] }),
        { kind: 'run', argv: ['hostname'] },
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['hostname']) }),
      ],
      checks: [
        ownNamespace('uts', 'box', {
            en: 'the lab\'s process lives in a UTS namespace other than the host\'s',
            zh: '实验的进程所在的 UTS 命名空间与宿主机的不同',
          }),
        {
          id: 'copied-name',
          title: {
            en: 'the new namespace started with a copy of the host\'s hostname',
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
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['hostname', NAME_A]) }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['domainname', DOMAIN]) }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['uname', '-n']) }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['cat', '/proc/sys/kernel/hostname', '/proc/sys/kernel/domainname']) }),
        { kind: 'run', argv: ['cat', '/proc/sys/kernel/hostname', '/proc/sys/kernel/domainname'] },
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
      id: 'siblings',
      kind: 'demo',
      actions: [
        startHolder('sibling'),
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'sibling', ['hostname', NAME_B]) }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['hostname']) }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, 'sibling', ['hostname']) }),
        { kind: 'run', argv: ['hostname'] },
        (ctx) => ({
          kind: 'run',
          argv: ['readlink', '/proc/self/ns/uts', `/proc/${ctx.proc('box').pid}/ns/uts`, `/proc/${ctx.proc('sibling').pid}/ns/uts`],
        }),
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
            return { ok: distinct === 3, found: {
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
        {
          kind: 'start',
          name: 'pins',
          argv: dieWithHarness(unshareArgv({ namespaces: ['mnt'] }, ['sleep', 'infinity'])),
          execs: 'sleep',
        },
        (ctx) => ({ kind: 'run', argv: inPins(ctx, ['mount', '-t', 'tmpfs', 'lab-pins', PIN_DIR]) }),
        (ctx) => ({ kind: 'run', argv: inPins(ctx, ['touch', PIN_FILE]) }),
        (ctx) => ({ kind: 'run', argv: inPins(ctx, ['mount', '--bind', `/proc/${ctx.proc('sibling').pid}/ns/uts`, PIN_FILE]) }),
        (ctx) => ({
          kind: 'start',
          name: 'holder',
          argv: dieWithHarness(['sh', '-c', `exec sleep infinity ${PIN_FD}</proc/${ctx.proc('sibling').pid}/ns/uts`]),
          execs: 'sleep',
        }),
        (ctx) => ({ kind: 'run', argv: ['readlink', `/proc/${ctx.proc('sibling').pid}/ns/uts`, fdPath(ctx)] }),
        (ctx) => ({ kind: 'run', argv: inPins(ctx, ['ls', '-i', PIN_FILE]) }),
        (ctx) => ({ kind: 'run', argv: ['kill', '-KILL', String(ctx.proc('sibling').leader), String(ctx.proc('sibling').pid)] }),
        (ctx) => ({ kind: 'run', argv: hostnameThrough(pinnedPath(ctx)) }),
        (ctx) => ({ kind: 'run', argv: hostnameThrough(fdPath(ctx)) }),
      ],
      checks: [
        {
          id: 'no-process-left',
          title: {
            en: 'no process is left in box-b\'s UTS namespace: both of its processes are gone',
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
            return { ok: link === wanted, found: bilingual((say) => `${fdPath(ctx)} -> ${link ?? say('(not open)', '（没有打开）')}${say('; box-b was ', '；box-b 原来的命名空间是 ')}${wanted}`) };
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
      actions: [
        (ctx) => ({ kind: 'run', argv: inPins(ctx, ['umount', PIN_FILE]) }),
        (ctx) => ({ kind: 'run', argv: inPins(ctx, ['ls', '-i', PIN_FILE]) }),
        (ctx) => ({ kind: 'run', argv: hostnameThrough(fdPath(ctx)) }),
        (ctx) => ({ kind: 'run', argv: ['kill', String(ctx.proc('holder').pid)] }),
      ],
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
              found: mounts === undefined
                ? { en: `the process holding the lab's mount namespace (${pins}) is gone`, zh: `撑住实验挂载命名空间的进程（${pins}）已经不在了` }
                : { en: `mounts of ${nsName('uts', inode)}: ${mounts.map((m) => m.mountPoint).join(' ') || 'none'}`, zh: `${nsName('uts', inode)} 的挂载：${mounts.map((m) => m.mountPoint).join(' ') || '无'}` },
            };
          },
        },
        {
          id: 'freed',
          title: {
            en: 'nothing refers to box-b\'s namespace any more: no process, no open descriptor, no mount in any mount namespace',
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
      solution: [(ctx) => ({ kind: 'run', argv: inside(ctx, 'box', ['hostname', 'web-1']) })],
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
