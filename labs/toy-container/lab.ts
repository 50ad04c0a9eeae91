// The toy-container lab: `docker run` taken apart. The plan `lab container run` follows (src/kernel/container-plan.ts)
// is run stage by stage, each stage as its commands with checks after it: a cgroup, a process in six new namespaces
// joined to it, the image's busybox layer mounted as an overlay with a writable layer, /proc, /dev and /sys, the
// pivot_root into it, and the command exec'd as PID 1. Everything is made in the workspace's tmpfs, in a mount
// namespace of the lab's own; the one host resource, the cgroup, is journaled before it is made. Then the same plan
// all at once with `lab container run -d`, and the lifecycle after it (lifecycle.ts): exec against attach, stop, rm.
import { join } from 'node:path';
import { readCgroupProcs, readProcCgroup, v2PathOf } from '../../src/kernel/cgroup-path.js';
import { readMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { cmdline, comm, nsInode, nspid } from '../../src/kernel/proc.js';
import { MASKED_PATHS } from '../../src/kernel/container-plan.js';
import { fallbackTunnel } from '../../src/kernel/fallback-tunnels.js';
import { nsenterArgv } from '../../src/kernel/namespaces.js';
import { readUtsName, utsNameArgv } from '../../src/kernel/uts.js';
import { enter, init, proc, run, start } from '../../src/lab/build.js';
import { delegation, fromSystemd, labCgroup, labParent, v2Root } from '../../src/lab/cgroup-lab.js';
import type { Action, ActionSpec, CheckContext, LabContext, LabSpec } from '../../src/lab/spec.js';
import { bilingual, type Say } from '../../src/common/vocabulary.js';
import {
  COMMAND,
  CONTAINER_NS,
  DIRS,
  HOSTNAME,
  INIT,
  LAYER,
  PIDS_LIMIT,
  READY_FIFO,
  START_FIFO,
  TMPFS,
  WORKSPACE,
  containerTexts,
  harnessActions,
  initArgv,
  intoContainer,
  pidsEnabled,
  pidsMaxOf,
  pidsOffered,
  planOf,
  stepArgv,
} from './plan.js';
import { LIFECYCLE } from './lifecycle.js';
import { fileFacts, readEnviron, readExe, readFib, rootDevice, statIn } from './read.js';
import { CONTAINER_RUN_REQUIRES } from '../../src/lab/requirements.js';

/** The filesystems a container's mount table may hold after the pivot: its own, none of the host's. */
const CONTAINER_FS = new Set(['overlay', 'proc', 'tmpfs', 'devpts', 'mqueue', 'sysfs', 'cgroup2']);

/** A mount table as the kernel lists it for a lab process (empty once the process is gone). */
const tableOf = (ctx: LabContext, name: string): MountEntry[] => readMountinfo(ctx.proc(name).pid) ?? [];

/** The last mount at a mount point (the one on top). */
const at = (table: MountEntry[], point: string): MountEntry | undefined => table.filter((m) => m.mountPoint === point).at(-1);

/** A mount, in a few words: `/mnt/container/merged overlay (0:52)`. */
const shown = (m: MountEntry | undefined, say: Say): string => (m ? `${m.mountPoint} ${m.fsType} (${m.device})` : say('no mount', '没有挂载'));

/** The container's rootfs stage, before the pivot: every `container` step of it until `cd <merged>`. */
function rootfsTexts(ctx: LabContext): { mounts: string[]; pivot: string[] } {
  const texts = containerTexts(ctx, 'rootfs');
  const from = texts.findIndex((t) => t.startsWith('cd '));
  return { mounts: texts.slice(0, from), pivot: texts.slice(from) };
}

/** Run each of the stage's steps inside the container, one command each, as its script would. */
const insideEach =
  (texts: (ctx: LabContext) => string[]): ActionSpec =>
  (ctx) =>
    texts(ctx).map((text): Action => ({ kind: 'run', argv: intoContainer(ctx, stepArgv(text)) }));

/** On a systemd host whose v2 hierarchy has pids, `+pids` for the run's cgroup in its delegated scope. */
const enablePids: ActionSpec = (ctx) =>
  fromSystemd() && pidsOffered() ? [{ kind: 'write', path: join(labParent(ctx), 'cgroup.subtree_control'), value: '+pids' }] : [];

/** The v2 path of a process's cgroup as a reader in `pid`'s cgroup namespace sees it (nsenter --cgroup, then cat). */
async function cgroupInside(ctx: CheckContext, pid: number): Promise<string> {
  const result = await ctx.probe(nsenterArgv(pid, ['cgroup'], ['cat', `/proc/${pid}/cgroup`]));
  const lines = result.stdout.split('\n').filter((l) => l.startsWith('0::'));
  return result.exitCode === 0 && lines[0] ? lines[0].slice(3) : '?';
}

export default {
  format: 1,
  id: 'toy-container',
  order: 17,
  requires: [...CONTAINER_RUN_REQUIRES, 'unshare', 'nsenter', 'setpriv', 'iproute2'],
  shell: { target: WORKSPACE, namespaces: ['mnt'] },
  cgroup: 'toy',
  steps: [
    {
      id: 'workspace',
      kind: 'demo',
      actions: [
        init(WORKSPACE, { namespaces: ['mnt'], fork: true }),
        enter(['mount', '-t', 'tmpfs', TMPFS, '/mnt']),
        run(['grep', TMPFS, proc(WORKSPACE, 'mountinfo')]),
      ],
      checks: [
        {
          id: 'tmpfs-here-only',
          title: {
            en: `the workspace has a mount namespace of its own with the tmpfs ${TMPFS} at /mnt; the host's mount table has no ${TMPFS}`,
            zh: `工作区有自己的挂载命名空间，/mnt 上挂着 tmpfs ${TMPFS}；宿主机的挂载表里没有 ${TMPFS}`,
          },
          verify: (ctx) => {
            const pid = ctx.proc(WORKSPACE).pid;
            const mine = at(tableOf(ctx, WORKSPACE), '/mnt');
            const onHost = (readMountinfo('self') ?? []).filter((m) => m.source === TMPFS).length;
            const own = nsInode(pid, 'mnt') !== nsInode('self', 'mnt');
            return {
              ok: own && mine?.fsType === 'tmpfs' && mine.source === TMPFS && onHost === 0,
              found: bilingual(
                (say) =>
                  `${say('host', '宿主机')} mnt:[${nsInode('self', 'mnt')}]${say(', workspace', '，工作区')} mnt:[${nsInode(pid, 'mnt')}]${say('; workspace /mnt: ', '；工作区 /mnt：')}${mine ? `${mine.fsType} ${mine.source}` : say('no mount', '没有挂载')}${say(`; ${TMPFS} mounts on the host: `, `；宿主机上 ${TMPFS} 的挂载：`)}${onHost}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'layer',
      kind: 'task',
      shell: 'lab',
      solution: [
        enter(['mkdir', '-p', ...['bin', 'dev', 'etc', 'proc', 'root', 'sys', 'tmp'].map((d) => `${LAYER}/${d}`)]),
        enter(['cp', '/bin/busybox', `${LAYER}/bin/busybox`]),
        enter(['chroot', LAYER, '/bin/busybox', '--install', '-s', '/bin']),
      ],
      checks: [
        {
          id: 'busybox-copied',
          title: {
            en: `${LAYER}/bin/busybox is an executable regular file with the same bytes as the host's /bin/busybox`,
            zh: `${LAYER}/bin/busybox 是一个可执行的普通文件，内容与宿主机的 /bin/busybox 逐字节相同`,
          },
          verify: (ctx) => {
            const copy = fileFacts(ctx.proc(WORKSPACE).pid, `${LAYER}/bin/busybox`, '/bin/busybox');
            return {
              ok: copy?.sameAsReference === true && copy.executable,
              found: copy?.text ?? { en: `${LAYER}/bin/busybox: absent`, zh: `${LAYER}/bin/busybox：不存在` },
            };
          },
        },
        {
          id: 'applets-linked',
          title: {
            en: 'sh, sleep and umount in the layer are symbolic links to /bin/busybox: a path that means the layer\'s own busybox once the layer is "/"',
            zh: '层里的 sh、sleep 和 umount 是指向 /bin/busybox 的符号链接：等这个层成为 "/" 时，这个路径指的就是层里自己的 busybox',
          },
          verify: (ctx) => {
            const pid = ctx.proc(WORKSPACE).pid;
            const links = ['sh', 'sleep', 'umount'].map((name) => ({ name, target: statIn(pid, `${LAYER}/bin/${name}`)?.link }));
            return {
              ok: links.every((l) => l.target === '/bin/busybox'),
              found: bilingual((say) => links.map((l) => `bin/${l.name} -> ${l.target ?? say('(no link)', '（不是链接）')}`).join(', ')),
            };
          },
        },
      ],
    },
    {
      id: 'cgroup',
      kind: 'demo',
      actions: [...delegation([]), enablePids, (ctx) => harnessActions(ctx, 'cgroup')],
      checks: [
        {
          id: 'cgroup-ready',
          title: {
            en: `the container's cgroup exists in the cgroup v2 hierarchy, with no process in it yet; where the host's v2 hierarchy has the pids controller, pids.max is ${PIDS_LIMIT}`,
            zh: `容器的 cgroup 已经在 cgroup v2 层级中建好，里面还没有进程；宿主机的 v2 层级有 pids 控制器时，pids.max 是 ${PIDS_LIMIT}`,
          },
          verify: (ctx) => {
            const cgroup = labCgroup(ctx);
            const procs = readCgroupProcs(cgroup);
            const pidsMax = pidsMaxOf(cgroup);
            const limitOk = pidsMax === undefined ? !pidsEnabled(ctx) : pidsMax === String(PIDS_LIMIT);
            return {
              ok: procs !== undefined && procs.length === 0 && limitOk,
              found: bilingual((say) => {
                const where =
                  procs === undefined
                    ? say(`${cgroup}: no such cgroup`, `${cgroup}：没有这个 cgroup`)
                    : `${cgroup}/cgroup.procs${say(': ', '：')}${procs.join(' ') || say('(empty)', '（空）')}`;
                const limit =
                  pidsMax !== undefined
                    ? `pids.max: ${pidsMax}`
                    : pidsOffered()
                      ? pidsEnabled(ctx)
                        ? say('no pids.max', '没有 pids.max')
                        : say(
                            `no pids.max: ${labParent(ctx)} does not pass the pids controller down, so no limit is written`,
                            `没有 pids.max：${labParent(ctx)} 没有把 pids 控制器传给下级，所以没有写限制`,
                          )
                      : say(
                          `no pids.max: ${v2Root()} offers no pids controller here (cgroup v1 holds it), so no limit is written, and \`lab container run --pids-limit\` would refuse`,
                          `没有 pids.max：这里的 ${v2Root()} 不提供 pids 控制器（它被 cgroup v1 占用），所以没有写限制，\`lab container run --pids-limit\` 也会拒绝`,
                        );
                return `${where}${say('; ', '；')}${limit}`;
              }),
            };
          },
        },
      ],
    },
    {
      id: 'namespaces',
      kind: 'demo',
      actions: [
        enter(['mkdir', '/mnt/container']),
        enter(['mkfifo', START_FIFO, READY_FIFO]),
        start(INIT, initArgv, { pidOf: 'child', execs: 'unshare' }),
        // PID 1 runs, but its script may still be setting up its namespaces: wait until it says it is done (at most
        // 10 s: if it died first, nothing would ever write to the pipe).
        enter(['timeout', '10', 'cat', READY_FIFO]),
        run(['grep', 'NSpid', proc(INIT, 'status')]),
        run(['cat', proc(INIT, 'cgroup')]),
        run(['ls', '-l', proc(INIT, 'ns')]),
      ],
      checks: [
        {
          id: 'six-namespaces',
          title: {
            en: "PID 1 of the container is in new pid, mnt, uts, ipc, net and cgroup namespaces, and in the host's user and time namespaces",
            zh: '容器的 1 号进程在新的 pid、mnt、uts、ipc、net 和 cgroup 命名空间里，user 和 time 命名空间仍是宿主机的',
          },
          verify: (ctx) => {
            const pid = ctx.proc(INIT).pid;
            const own = CONTAINER_NS.filter((type) => nsInode(pid, type) !== undefined && nsInode(pid, type) !== nsInode('self', type));
            const shared = (['user', 'time'] as const).filter((type) => nsInode(pid, type) === nsInode('self', type));
            return {
              ok: own.length === CONTAINER_NS.length && shared.length === 2,
              found: bilingual(
                (say) =>
                  `${say('new: ', '新的：')}${own.map((type) => `${type}:[${nsInode(pid, type)}]`).join(' ') || say('none', '无')}${say("; the host's: ", '；与宿主机相同的：')}${shared.join(' ') || say('none', '无')}`,
              ),
            };
          },
        },
        {
          id: 'pid-1-in-cgroup',
          title: {
            en: "it is PID 1 inside (NSpid ends in 1), listed in the container cgroup's cgroup.procs, and that cgroup is / for its cgroup namespace",
            zh: '它在容器里是 1 号进程（NSpid 以 1 结尾），出现在容器 cgroup 的 cgroup.procs 中，而这个 cgroup 在它的 cgroup 命名空间里就是 /',
          },
          verify: async (ctx) => {
            const pid = ctx.proc(INIT).pid;
            const ids = nspid(pid) ?? [];
            const cgroup = labCgroup(ctx);
            const procs = readCgroupProcs(cgroup) ?? [];
            const onHost = v2PathOf(readProcCgroup(pid));
            const inside = await cgroupInside(ctx, pid);
            return {
              ok: ids.at(-1) === 1 && ids.length === 2 && procs.includes(pid) && onHost === cgroup.slice(v2Root().length) && inside === '/',
              found: bilingual(
                (say) =>
                  `NSpid: ${ids.join(' ')}${say('; cgroup.procs: ', '；cgroup.procs：')}${procs.join(' ') || say('(empty)', '（空）')}${say('; on the host 0::', '；宿主机上 0::')}${onHost ?? '?'}${say(', inside 0::', '，容器内 0::')}${inside}`,
              ),
            };
          },
        },
        {
          id: 'hostname-and-lo',
          title: {
            en: `its UTS namespace holds the hostname ${HOSTNAME} (the host's is unchanged), and its network namespace has no interface but lo, up (the kernel gave it 127.0.0.1), and a host module's fallback tunnels`,
            zh: `它的 UTS 命名空间里主机名是 ${HOSTNAME}（宿主机的没变），它的网络命名空间里除了 lo（已启用，内核给了它 127.0.0.1）和回退隧道设备外没有别的网络接口`,
          },
          verify: async (ctx) => {
            const pid = ctx.proc(INIT).pid;
            const result = await ctx.probe(utsNameArgv(pid, 'hostname'));
            const name = result.exitCode === 0 ? result.stdout.trim() : '?';
            const host = readUtsName('hostname');
            const fib = readFib(pid);
            // A tunnel module loaded on the host puts its fallback device (tunl0, gre0...) in every new namespace.
            const others = fib.links.filter((link) => link !== 'lo' && fallbackTunnel(link) === undefined);
            return {
              ok: name === HOSTNAME && host !== HOSTNAME && fib.links.includes('lo') && others.length === 0 && fib.loopbackUp,
              found: bilingual(
                (say) =>
                  `${say('hostname inside: ', '容器内主机名：')}${name}${say(', on the host: ', '，宿主机上：')}${host ?? '?'}${say('; interfaces: ', '；网络接口：')}${fib.links.join(' ') || say('(none)', '（无）')}${say('; 127.0.0.1 in the local routes: ', '；本地路由里有 127.0.0.1：')}${fib.loopbackUp ? say('yes', '有') : say('no', '没有')}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'rootfs',
      kind: 'demo',
      actions: [(ctx) => harnessActions(ctx, 'rootfs'), insideEach((ctx) => rootfsTexts(ctx).mounts), run(['grep', DIRS.merged, proc(INIT, 'mountinfo')])],
      checks: [
        {
          id: 'overlay-inside-only',
          title: {
            en: `an overlay is mounted at ${DIRS.merged} in the container's mount namespace, over the layer with the upper and work directories; the workspace and the host have none there`,
            zh: `容器的挂载命名空间里 ${DIRS.merged} 上挂着一个 overlay，下层是镜像层，另有 upper 和 work 目录；工作区和宿主机在那里都没有挂载`,
          },
          verify: (ctx) => {
            const mine = at(tableOf(ctx, INIT), DIRS.merged);
            const workspace = at(tableOf(ctx, WORKSPACE), DIRS.merged);
            const host = (readMountinfo('self') ?? []).filter((m) => m.fsType === 'overlay' && m.superOptions.includes(LAYER));
            const options = mine?.superOptions.split(',') ?? [];
            const layered = [`lowerdir=${LAYER}`, `upperdir=${DIRS.upper}`, `workdir=${DIRS.work}`].every((o) => options.includes(o));
            return {
              ok: mine?.fsType === 'overlay' && layered && workspace === undefined && host.length === 0,
              found: bilingual(
                (say) =>
                  `${say('container: ', '容器：')}${shown(mine, say)} ${options.filter((o) => /^(lower|upper|work)dir=/.test(o)).join(',')}${say('; workspace: ', '；工作区：')}${shown(workspace, say)}${say('; host overlays over the layer: ', '；宿主机上以这个层为下层的 overlay：')}${host.length}`,
              ),
            };
          },
        },
        {
          id: 'kernel-filesystems',
          title: {
            en: "under it: /proc (of the new PID namespace), a tmpfs /dev with null as character device 1:3, devpts, a read-only sysfs, and a cgroup2 whose root is the container's cgroup",
            zh: '它下面有：/proc（属于新的 PID 命名空间）、tmpfs 的 /dev（其中 null 是字符设备 1:3）、devpts、只读的 sysfs，以及以容器 cgroup 为根的 cgroup2',
          },
          verify: (ctx) => {
            const table = tableOf(ctx, INIT);
            const want: [string, string][] = [
              ['/proc', 'proc'],
              ['/dev', 'tmpfs'],
              ['/dev/pts', 'devpts'],
              ['/sys', 'sysfs'],
              ['/sys/fs/cgroup', 'cgroup2'],
            ];
            const seen = want.map(([path, type]) => ({ path, type, m: at(table, `${DIRS.merged}${path}`) }));
            const sysRo = seen[3]?.m?.options.split(',').includes('ro') === true;
            const cgroupRoot = seen[4]?.m?.root;
            const devNull = statIn(ctx.proc(INIT).pid, `${DIRS.merged}/dev/null`);
            return {
              ok: seen.every((s) => s.m?.fsType === s.type) && sysRo && cgroupRoot === labCgroup(ctx).slice(v2Root().length) && devNull?.device === 'c 1:3',
              found: bilingual(
                (say) =>
                  `${seen.map((s) => `${s.path} ${s.m?.fsType ?? say('none', '无')}`).join(', ')}${say('; /sys ', '；/sys ')}${sysRo ? 'ro' : 'rw'}${say('; cgroup2 root ', '；cgroup2 的根 ')}${cgroupRoot ?? '?'}${say('; ', '；')}/dev/null ${devNull?.device ?? say('absent', '不存在')}`,
              ),
            };
          },
        },
        {
          id: 'masked-paths',
          title: {
            en: "the kernel files runc masks (/proc/keys, /proc/timer_list...) are the container's /dev/null wherever this kernel has them, and /proc/sys is read-only, as runc does with Docker's default spec",
            zh: 'runc 要遮住的内核文件（/proc/keys、/proc/timer_list……）只要这个内核有，就都被换成了容器自己的 /dev/null，/proc/sys 是只读的，和 runc 按 Docker 默认配置做的一样',
          },
          verify: (ctx) => {
            const pid = ctx.proc(INIT).pid;
            const table = tableOf(ctx, INIT);
            const devFs = at(table, `${DIRS.merged}/dev`);
            const files = MASKED_PATHS.filter((p) => !p.dir).map((p) => ({ path: p.path, m: at(table, `${DIRS.merged}${p.path}`) }));
            const masked = files.filter((f) => f.m !== undefined && f.m.device === devFs?.device && f.m.root === '/null');
            // A file the kernel lacks (no /proc/kcore without CONFIG_PROC_KCORE) is not there to mask, as runc skips it.
            const open = files.filter((f) => !masked.includes(f) && statIn(pid, `${DIRS.merged}${f.path}`) !== undefined);
            const sys = at(table, `${DIRS.merged}/proc/sys`);
            return {
              ok: masked.length > 0 && open.length === 0 && sys?.options.split(',').includes('ro') === true,
              found: bilingual(
                (say) =>
                  `${say('masked with /dev/null: ', '被 /dev/null 遮住的：')}${masked.map((f) => f.path).join(' ') || say('none', '无')}${say('; readable, not masked: ', '；没遮住、仍可读的：')}${open.map((f) => f.path).join(' ') || say('none', '无')}${say('; ', '；')}/proc/sys${say(': ', '：')}${sys ? sys.options : say('not a mount', '不是挂载点')}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'pivot',
      kind: 'demo',
      actions: [(ctx) => ({ kind: 'run', argv: intoContainer(ctx, ['sh', '-c', rootfsTexts(ctx).pivot.join(' && ')]) }), run(['cat', proc(INIT, 'mountinfo')])],
      checks: [
        {
          id: 'root-is-overlay',
          title: {
            en: "the container's / is the overlay now, and PID 1's root directory moved onto it although PID 1 did not call pivot_root",
            zh: '容器的 / 现在就是那个 overlay，而 1 号进程的根目录也跟着移到了它上面，尽管 1 号进程自己并没有调用 pivot_root',
          },
          verify: (ctx) => {
            const root = at(tableOf(ctx, INIT), '/');
            const dev = rootDevice(ctx.proc(INIT).pid);
            return {
              ok: root?.fsType === 'overlay' && root.superOptions.includes(`lowerdir=${LAYER}`) && dev === root.device,
              found: bilingual(
                (say) =>
                  `${say('mount at /: ', '/ 上的挂载：')}${shown(root, say)}${say("; PID 1's root directory is on device ", '；1 号进程的根目录所在设备 ')}${dev ?? '?'}`,
              ),
            };
          },
        },
        {
          id: 'no-host-path',
          title: {
            en: "no filesystem of the host is left in the container's mount table: the old root is detached, and the workspace's tmpfs with the layer is out of reach",
            zh: '容器的挂载表里已经没有宿主机的任何文件系统：旧的根已经分离，工作区里放着镜像层的 tmpfs 也够不着了',
          },
          verify: (ctx) => {
            const table = tableOf(ctx, INIT);
            const foreign = table.filter((m) => !CONTAINER_FS.has(m.fsType) || m.source === TMPFS);
            const layerInside = statIn(ctx.proc(INIT).pid, LAYER);
            return {
              ok: table.length > 0 && foreign.length === 0 && layerInside === undefined,
              found: bilingual(
                (say) =>
                  `${table.length} ${say('mounts: ', '个挂载：')}${[...new Set(table.map((m) => m.fsType))].join(' ')}${say("; not the container's own: ", '；不属于容器自己的：')}${foreign.map((m) => `${m.mountPoint} ${m.fsType}`).join(', ') || say('none', '无')}${say('; ', '；')}${LAYER} ${say('inside: ', '在容器内：')}${layerInside ? say('reachable', '可以访问') : say('absent', '不存在')}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'process',
      kind: 'demo',
      actions: [
        enter(['sh', '-c', `echo go > ${START_FIFO}`]),
        run(['sleep', '0.2']),
        enter(['ps'], { into: INIT, ns: CONTAINER_NS }),
        run(['readlink', proc(INIT, 'exe')]),
      ],
      checks: [
        {
          id: 'command-is-pid-1',
          settle: 3000,
          title: {
            en: `the same process, still PID 1 inside, now runs the image's busybox as ${COMMAND.join(' ')}: exec replaced the shell, it did not start a child`,
            zh: `还是同一个进程，在容器里仍是 1 号进程，现在运行的是镜像里的 busybox（${COMMAND.join(' ')}）：exec 替换了 shell，而不是新建子进程`,
          },
          verify: (ctx) => {
            const pid = ctx.proc(INIT).pid;
            const args = cmdline(pid) ?? [];
            const exe = readExe(pid);
            return {
              ok: comm(pid) === COMMAND[0] && args.join(' ') === COMMAND.join(' ') && nspid(pid)?.at(-1) === 1 && exe === '/bin/busybox',
              found: bilingual(
                (say) =>
                  `PID ${pid} (NSpid ${nspid(pid)?.join(' ') ?? '?'})${say(': ', '：')}comm ${comm(pid) ?? '?'}${say(', ', '，')}cmdline ${args.join(' ') || '?'}${say(', ', '，')}exe ${exe ?? '?'}`,
              ),
            };
          },
        },
        {
          id: 'own-environment',
          title: {
            en: "its environment is exactly the container's (PATH, HOSTNAME, HOME): nothing of the harness's environment leaked in",
            zh: '它的环境变量恰好就是容器的那几个（PATH、HOSTNAME、HOME）：lab 自己的环境变量一个也没有带进去',
          },
          verify: (ctx) => {
            const env = readEnviron(ctx.proc(INIT).pid) ?? [];
            const want = planOf(ctx).env;
            const extra = env.filter((e) => !want.includes(e));
            return {
              ok: want.every((e) => env.includes(e)) && extra.length === 0,
              found: bilingual((say) => `environ${say(': ', '：')}${env.join(' ') || say('(unreadable)', '（读不到）')}`),
            };
          },
        },
      ],
    },
    ...LIFECYCLE,
  ],
} satisfies LabSpec;
