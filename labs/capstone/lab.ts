// The capstone lab: the learner builds a container from nothing, in a host shell, with only the commands the labs
// taught. The lab lays out a busybox lower layer, empty upper, work and mount point directories, a network namespace
// lab-capnet and a cgroup with the memory and pids controllers enabled for its children. The learner mounts the
// overlay, makes the cgroup lab-box with its limits, starts PID 1 of new PID, mount, UTS, IPC and network namespaces
// inside it with unshare, pivots into the overlay and mounts /proc, joins it to lab-capnet with a veth pair, and runs
// a command in all of it. Every check reads the kernel: mountinfo, /proc/<pid>/root, NSpid, namespace inodes, cgroup
// files, the veth's peer index, addresses, a ping from inside. The container is found by a rule, never by what the
// learner typed: the process in $LAB_CGROUP/lab-box that is PID 1 of its own PID namespace.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ipv4Of, isUp, parseIpJson, type IpLink } from '../../src/kernel/net.js';
import { readMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { nsInode } from '../../src/kernel/proc.js';
import { readCgroupProcs } from '../../src/kernel/cgroup-path.js';
import { dieWithHarness } from '../../src/kernel/namespaces.js';
import { pingArgv } from '../../src/kernel/net-commands.js';
import { run, start, write } from '../../src/lab/build.js';
import { delegation, labCgroup, mkdirCgroup } from '../../src/lab/cgroup-lab.js';
import { enable, labPath } from '../../src/lab/build-cgroup.js';
import type { Action, ActionSpec, CheckContext, LabContext, LabSpec, NamespaceType, Verdict } from '../../src/lab/spec.js';
import { bilingual } from '../../src/common/vocabulary.js';
import { staticBusybox } from '../../src/lab/requirements.js';

/** Where the lab lays out the container's layers, on the host: removed, with all under it, at the end. */
const ROOT = '/run/lab-capstone';
const LOWER = `${ROOT}/lab-lower`;
const UPPER = `${ROOT}/lab-upper`;
const WORK = `${ROOT}/lab-work`;
/** The overlay's mount point: the container's root once it has pivoted. */
const ROOTFS = `${ROOT}/lab-rootfs`;
/** The tmpfs the layers live on, mounted at ROOT. */
const TMPFS_SOURCE = 'lab-capstone-layers';
/** The overlay's source, as mountinfo shows it. */
const OVERLAY_SOURCE = 'lab-capstone';
/** The container's cgroup under the run's cgroup ($LAB_CGROUP/lab-box) and its limits. */
const BOX = 'lab-box';
const MEMORY_MAX = '64M';
const MEMORY_MAX_BYTES = String(64 * 1024 * 1024);
const PIDS_MAX = '32';
/** The container's hostname. */
const HOSTNAME = 'lab-box';
/** The network namespace the lab makes, the veth's end there, and the name of the other end until it is eth0. */
const NETNS = 'lab-capnet';
const LAB_END = 'lab-cap0';
const BOX_END = 'lab-cap1';
/** A /30 from TEST-NET-2 (RFC 5737): the lab's side and the container's. */
const LAB_IP = '198.51.100.1';
const BOX_IP = '198.51.100.2';
const PREFIX = 30;
/** The file the last step's command writes at the container's root. */
const REPORT = 'lab-report';

/** The namespaces the container must have of its own. */
const OWN: readonly NamespaceType[] = ['pid', 'mnt', 'uts', 'ipc', 'net'];

/** The container's PID 1 and the commands that make it, as the learner types them (shown by hints and the solution). */
const INIT_SCRIPT = `hostname ${HOSTNAME} && cd ${ROOTFS} && pivot_root . . && umount -l . && mount -t proc proc /proc && exec sleep 1000000`;
const unshareCommand = `unshare --pid --fork --mount --uts --ipc --net sh -c "${INIT_SCRIPT}"`;

/** The overlay mount the first task makes. */
const OVERLAY_ARGV = ['mount', '-t', 'overlay', OVERLAY_SOURCE, '-o', `lowerdir=${LOWER},upperdir=${UPPER},workdir=${WORK}`, ROOTFS];

/** A long-lived host process, the target of `lab shell` (a host shell: the learner works in the host's namespaces). */
const HOLDER = 'holder';

/** The container's cgroup as it is in this run. */
const boxCgroup = (ctx: LabContext): string => join(labCgroup(ctx), BOX);

/** The NSpid line of a process: its PID in each PID namespace it is in, outermost first. */
function nspid(pid: number): number[] | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^NSpid:\s*(.*)$/m)?.[1];
    return line?.trim().split(/\s+/).map(Number);
  } catch {
    return undefined;
  }
}

/** The container: the process in $LAB_CGROUP/lab-box that is PID 1 of a PID namespace of its own. */
export function findContainer(ctx: LabContext): number | undefined {
  for (const pid of readCgroupProcs(boxCgroup(ctx)) ?? []) {
    const ids = nspid(pid);
    if (ids !== undefined && ids.length > 1 && ids.at(-1) === 1) return pid;
  }
  return undefined;
}

/** The container, or a verdict saying it was not found. */
function container(ctx: LabContext): { pid: number } | { verdict: Verdict } {
  const pid = findContainer(ctx);
  if (pid !== undefined) return { pid };
  return {
    verdict: {
      ok: false,
      found: bilingual(
        (say) =>
          `${say(`no process in ${boxCgroup(ctx)}/cgroup.procs is PID 1 of its own PID namespace`, `${boxCgroup(ctx)}/cgroup.procs 里没有哪个进程是它自己 PID 命名空间的 1 号进程`)}`,
      ),
    },
  };
}

/** The device and inode of what a path names, `dev:ino`. */
function devIno(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

const entries = (path: string): string[] | undefined => {
  try {
    return readdirSync(path).sort();
  } catch {
    return undefined;
  }
};

/** One mount as mountinfo states it. */
const mountFact = (m: MountEntry): string => `${m.mountPoint} ${m.fsType} ${m.source}`;

/** The option of an overlay's super options: lowerdir, upperdir, workdir. */
const superOption = (m: MountEntry | undefined, key: string): string | undefined =>
  m?.superOptions
    .split(',')
    .find((o) => o.startsWith(`${key}=`))
    ?.slice(key.length + 1);

/** The overlay at ROOTFS in the host's mount table (the last mount there, the one a path lookup sees). */
const hostOverlay = (): MountEntry | undefined => (readMountinfo('self') ?? []).filter((m) => m.mountPoint === ROOTFS).at(-1);

/** What `ip -j <args>` reports inside the container's network namespace (by PID) or in lab-capnet. */
async function ipJson(ctx: CheckContext, where: number | 'lab', args: string[]): Promise<IpLink[]> {
  const argv = where === 'lab' ? ['ip', '-n', NETNS, '-j', ...args] : ['nsenter', '--target', String(where), '--net', '--', 'ip', '-j', ...args];
  const result = await ctx.probe(argv);
  return result.exitCode === 0 ? parseIpJson(result.stdout) : [];
}

/** Names the learner's commands create on the host, reserved: journaled now, so that the end of the run removes them. */
const reserveLink = (name: string): ActionSpec => run(['ip', 'link', 'show', name], { expect: 'fail', creates: { kind: 'link', name } });

/** The container's PID for the solution's commands, noted when their turn comes (shown as <PID> by `lab solution`). */
const withPid =
  (make: (pid: string, ctx: LabContext) => Action[]): ActionSpec =>
  (ctx) => {
    ctx.set('PID', String(findContainer(ctx) ?? '?'));
    return make(ctx.get('PID'), ctx);
  };

/** `nsenter -t PID -n ...`: a command in the container's network namespace only (the host's programs). */
const inNet = (pid: string, argv: string[]): Action => ({ kind: 'run', argv: ['nsenter', '-t', pid, '-n', ...argv] });

export default {
  format: 1,
  id: 'capstone',
  order: 22,
  requires: [
    'linux',
    'root',
    'unshare',
    'nsenter',
    'setpriv',
    'procps',
    'iproute2',
    'busybox',
    'busybox-static',
    'overlayfs',
    'cgroup2',
    'cgroup2-memory',
    'cgroup2-pids',
    'ns-pid',
    'ns-mnt',
    'ns-uts',
    'ns-ipc',
    'ns-net',
  ],
  shell: { target: HOLDER, namespaces: [] },
  cgroup: 'capstone',
  hideSolution: true,
  steps: [
    {
      id: 'prepare',
      kind: 'demo',
      actions: [
        // First the layers: everything the learner makes in them goes before they are removed (newest first).
        run(['mkdir', ROOT], { creates: { kind: 'path', path: ROOT } }),
        // A tmpfs of its own: nothing goes to disk, and busybox may run from it (Debian's initramfs mounts /run noexec).
        run(['mount', '-t', 'tmpfs', '-o', 'mode=0755', TMPFS_SOURCE, ROOT], { creates: { kind: 'mount', target: ROOT } }),
        run(['mkdir', '-p', `${LOWER}/bin`, `${LOWER}/proc`, `${LOWER}/tmp`, UPPER, WORK]),
        // A static busybox: after the pivot there is no library to load in the new root.
        () => ({ kind: 'run', argv: ['cp', staticBusybox() ?? '/bin/busybox', `${LOWER}/bin/busybox`] }),
        run([`${LOWER}/bin/busybox`, '--install', `${LOWER}/bin`]),
        // The learner's overlay will be mounted here, on the host: declared now, unmounted at the end.
        run(['mkdir', ROOTFS], { creates: { kind: 'mount', target: ROOTFS } }),
        // What `ip netns add` does, without the bind mount of /run/netns onto itself that it leaves on the host for good.
        run(['mkdir', '-p', '/run/netns']),
        run(['touch', `/run/netns/${NETNS}`], { creates: { kind: 'netns', name: NETNS } }),
        run(['unshare', `--net=/run/netns/${NETNS}`, 'true']),
        reserveLink(LAB_END),
        reserveLink(BOX_END),
        // Last the cgroup: removed first, it kills the container, which still holds the overlay and the veth.
        ...delegation(['memory', 'pids']),
        (ctx) => mkdirCgroup(labCgroup(ctx)),
        enable(labPath(), ['memory', 'pids']),
        start(HOLDER, dieWithHarness(['sleep', 'infinity'])),
        run(['ls', ROOT]),
      ],
      checks: [
        {
          id: 'layers-ready',
          title: {
            en: 'lab-lower holds busybox and its applets; lab-upper, lab-work and lab-rootfs are empty, and lab-rootfs is not a mount point',
            zh: 'lab-lower 里有 busybox 和它的各个命令；lab-upper、lab-work 和 lab-rootfs 都是空的，lab-rootfs 不是挂载点',
          },
          verify: () => {
            const applets = entries(`${LOWER}/bin`)?.length ?? 0;
            const empty = [UPPER, WORK, ROOTFS].map((dir) => ({ dir, list: entries(dir) }));
            const mounted = hostOverlay();
            return {
              ok: applets > 100 && empty.every((e) => e.list?.length === 0) && mounted === undefined,
              found: bilingual(
                (say) =>
                  `lab-lower/bin: ${applets}${say(' files', ' 个文件')}; ${empty.map((e) => `${e.dir}: ${e.list === undefined ? '-' : `[${e.list.join(' ')}]`}`).join('; ')}; ${ROOTFS}${say(': ', '：')}${mounted ? mountFact(mounted) : say('no mount', '没有挂载')}`,
              ),
            };
          },
        },
        {
          id: 'netns-ready',
          title: {
            en: 'the network namespace lab-capnet exists (/run/netns/lab-capnet) and differs from the host’s',
            zh: '网络命名空间 lab-capnet 存在（/run/netns/lab-capnet），而且与宿主机的不同',
          },
          verify: () => {
            const own = devIno(`/run/netns/${NETNS}`);
            const host = devIno('/proc/self/ns/net');
            return { ok: own !== undefined && own !== host, found: `/run/netns/${NETNS} ${own ?? '-'}, host net ${host ?? '-'}` };
          },
        },
        {
          id: 'controllers-enabled',
          title: {
            en: '$LAB_CGROUP/cgroup.subtree_control holds memory and pids: a cgroup made under it gets memory.max and pids.max',
            zh: '$LAB_CGROUP/cgroup.subtree_control 里有 memory 和 pids：在它下面创建的 cgroup 会有 memory.max 和 pids.max',
          },
          verify: (ctx) => {
            const control = read(join(labCgroup(ctx), 'cgroup.subtree_control'));
            const words = control?.split(/\s+/) ?? [];
            return { ok: words.includes('memory') && words.includes('pids'), found: `${labCgroup(ctx)}/cgroup.subtree_control: ${control ?? '-'}` };
          },
        },
      ],
    },
    {
      id: 'rootfs',
      kind: 'task',
      shell: 'host',
      solution: [run(OVERLAY_ARGV), run(['ls', ROOTFS])],
      checks: [
        {
          id: 'overlay-mounted',
          title: {
            en: 'the host’s mountinfo has an overlay at /run/lab-capstone/lab-rootfs with lowerdir lab-lower, upperdir lab-upper and workdir lab-work',
            zh: '宿主机的 mountinfo 里，/run/lab-capstone/lab-rootfs 上挂着一个 overlay，lowerdir 是 lab-lower，upperdir 是 lab-upper，workdir 是 lab-work',
          },
          verify: () => {
            const m = hostOverlay();
            const [lower, upper, work] = ['lowerdir', 'upperdir', 'workdir'].map((key) => superOption(m, key));
            return {
              ok: m?.fsType === 'overlay' && lower === LOWER && upper === UPPER && work === WORK,
              found: m
                ? `${mountFact(m)} lowerdir=${lower ?? '-'} upperdir=${upper ?? '-'} workdir=${work ?? '-'}`
                : { en: `${ROOTFS} is not a mount point`, zh: `${ROOTFS} 不是挂载点` },
            };
          },
        },
        {
          id: 'merged-view',
          title: {
            en: 'lab-rootfs shows the lower layer: its bin/busybox is the same file as lab-lower/bin/busybox (size), and nothing was copied up',
            zh: 'lab-rootfs 显示的是下层：它的 bin/busybox 与 lab-lower/bin/busybox 是同一个文件（大小相同），而且没有发生复制（copy-up）',
          },
          verify: () => {
            const merged = statSafe(`${ROOTFS}/bin/busybox`);
            const lower = statSafe(`${LOWER}/bin/busybox`);
            const up = entries(UPPER);
            return {
              ok: hostOverlay()?.fsType === 'overlay' && merged !== undefined && merged === lower && up?.length === 0,
              found: bilingual(
                (say) =>
                  `lab-rootfs/bin/busybox ${merged ?? '-'}${say(' bytes', ' 字节')}, lab-lower/bin/busybox ${lower ?? '-'}${say(' bytes', ' 字节')}; lab-upper: [${up?.join(' ') ?? '-'}]`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'cgroup',
      kind: 'task',
      shell: 'host',
      solution: [
        (ctx) => ({ kind: 'run', argv: ['mkdir', boxCgroup(ctx)] }),
        write((ctx) => join(boxCgroup(ctx), 'memory.max'), MEMORY_MAX),
        write((ctx) => join(boxCgroup(ctx), 'pids.max'), PIDS_MAX),
      ],
      checks: [
        {
          id: 'memory-max',
          title: { en: '$LAB_CGROUP/lab-box/memory.max is 67108864 (64M)', zh: '$LAB_CGROUP/lab-box/memory.max 是 67108864（64M）' },
          verify: (ctx) => {
            const value = read(join(boxCgroup(ctx), 'memory.max'));
            return { ok: value === MEMORY_MAX_BYTES, found: `${boxCgroup(ctx)}/memory.max: ${value ?? '-'}` };
          },
        },
        {
          id: 'pids-max',
          title: { en: '$LAB_CGROUP/lab-box/pids.max is 32', zh: '$LAB_CGROUP/lab-box/pids.max 是 32' },
          verify: (ctx) => {
            const value = read(join(boxCgroup(ctx), 'pids.max'));
            return { ok: value === PIDS_MAX, found: `${boxCgroup(ctx)}/pids.max: ${value ?? '-'}` };
          },
        },
      ],
    },
    {
      id: 'container',
      kind: 'task',
      shell: 'host',
      solution: [
        (ctx) => ({
          kind: 'start',
          name: 'container',
          argv: ['sh', '-c', `echo $$ > ${join(boxCgroup(ctx), 'cgroup.procs')} && exec ${unshareCommand}`],
        }),
      ],
      checks: [
        {
          id: 'pid1-in-box',
          title: {
            en: 'a process in $LAB_CGROUP/lab-box is PID 1 of a PID namespace of its own: its NSpid line ends in 1',
            zh: '$LAB_CGROUP/lab-box 里有一个进程是它自己 PID 命名空间的 1 号进程：它的 NSpid 行以 1 结尾',
          },
          settle: 3000,
          verify: (ctx) => {
            const found = container(ctx);
            if ('verdict' in found) return found.verdict;
            return { ok: true, found: `${found.pid}: NSpid ${nspid(found.pid)?.join(' ') ?? '-'}` };
          },
        },
        {
          id: 'own-namespaces',
          title: {
            en: "its pid, mnt, uts, ipc and net namespaces are all new (inodes other than the host's), and its hostname is lab-box",
            zh: '它的 pid、mnt、uts、ipc 和 net 命名空间都是新的（inode 与宿主机的不同），主机名是 lab-box',
          },
          settle: 3000,
          verify: async (ctx) => {
            const found = container(ctx);
            if ('verdict' in found) return found.verdict;
            const same = OWN.filter((type) => nsInode(found.pid, type) === undefined || nsInode(found.pid, type) === nsInode('self', type));
            const name = await ctx.probe(['nsenter', '--target', String(found.pid), '--uts', '--', 'cat', '/proc/sys/kernel/hostname']);
            const hostname = name.stdout.trim();
            return {
              ok: same.length === 0 && hostname === HOSTNAME,
              found: bilingual(
                (say) =>
                  `${OWN.map((type) => `${type}:[${nsInode(found.pid, type) ?? '?'}]`).join(' ')}${say('; the host’s: ', '；宿主机的：')}${OWN.map((type) => `${type}:[${nsInode('self', type) ?? '?'}]`).join(' ')}${say('; hostname ', '；主机名 ')}${hostname || '-'}`,
              ),
            };
          },
        },
        {
          id: 'root-is-overlay',
          title: {
            en: "its root is the overlay: / in its mountinfo is overlay lab-capstone, /proc/<pid>/root is lab-rootfs (device and inode), and no mount of the host's is left",
            zh: '它的根是那个 overlay：它的 mountinfo 里 / 是 overlay lab-capstone，/proc/<pid>/root 就是 lab-rootfs（设备号和 inode 相同），宿主机的挂载一个也没有留下',
          },
          settle: 3000,
          verify: (ctx) => {
            const found = container(ctx);
            if ('verdict' in found) return found.verdict;
            const table = readMountinfo(found.pid) ?? [];
            const top = table.filter((m) => m.mountPoint === '/').at(-1);
            const hostDevices = new Set((readMountinfo('self') ?? []).filter((m) => m.mountPoint !== ROOTFS).map((m) => m.device));
            const left = table.filter((m) => hostDevices.has(m.device));
            const root = devIno(`/proc/${found.pid}/root`);
            const rootfs = devIno(ROOTFS);
            return {
              ok: top?.fsType === 'overlay' && top.source === OVERLAY_SOURCE && root !== undefined && root === rootfs && left.length === 0,
              found: bilingual(
                (say) =>
                  `/: ${top ? mountFact(top) : '-'}; /proc/${found.pid}/root ${root ?? '-'}, ${ROOTFS} ${rootfs ?? '-'}; ${say("the host's mounts left", '留下的宿主机挂载')}${say(': ', '：')}${left.length ? left.map(mountFact).join(', ') : 0}`,
              ),
            };
          },
        },
        {
          id: 'proc-inside',
          title: {
            en: 'a proc of its PID namespace is mounted at /proc inside: there, PID 1 is the container itself',
            zh: '容器里的 /proc 挂载的是它自己 PID 命名空间的 proc：在那里，1 号进程就是容器本身',
          },
          settle: 3000,
          verify: (ctx) => {
            const found = container(ctx);
            if ('verdict' in found) return found.verdict;
            const proc = (readMountinfo(found.pid) ?? []).filter((m) => m.mountPoint === '/proc').at(-1);
            const one = devIno(`/proc/${found.pid}/root/proc/1/ns/pid`);
            const own = devIno(`/proc/${found.pid}/ns/pid`);
            return {
              ok: proc?.fsType === 'proc' && one !== undefined && one === own,
              found: bilingual(
                (say) =>
                  `/proc: ${proc ? mountFact(proc) : say('no mount', '没有挂载')}; /proc/1/ns/pid ${one ?? '-'}, ${say('the container’s', '容器的')} ${own ?? '-'}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'network',
      kind: 'task',
      shell: 'host',
      solution: [
        run(['ip', 'link', 'add', LAB_END, 'type', 'veth', 'peer', 'name', BOX_END]),
        run(['ip', 'link', 'set', LAB_END, 'netns', NETNS]),
        withPid((pid) => [{ kind: 'run', argv: ['ip', 'link', 'set', BOX_END, 'netns', pid] }]),
        run(['ip', '-n', NETNS, 'addr', 'add', `${LAB_IP}/${PREFIX}`, 'dev', LAB_END]),
        run(['ip', '-n', NETNS, 'link', 'set', LAB_END, 'up']),
        withPid((pid) => [
          inNet(pid, ['ip', 'link', 'set', BOX_END, 'name', 'eth0']),
          inNet(pid, ['ip', 'addr', 'add', `${BOX_IP}/${PREFIX}`, 'dev', 'eth0']),
          inNet(pid, ['ip', 'link', 'set', 'eth0', 'up']),
          inNet(pid, ['ip', 'link', 'set', 'lo', 'up']),
          inNet(pid, pingArgv(LAB_IP)),
        ]),
      ],
      checks: [
        {
          id: 'veth-pair',
          title: {
            en: "the container's eth0 is a veth whose peer is lab-cap0 in lab-capnet: each one's iflink is the other's ifindex",
            zh: '容器的 eth0 是一个 veth，它的对端是 lab-capnet 里的 lab-cap0：每一端的 iflink 都是另一端的 ifindex',
          },
          settle: 1000,
          verify: async (ctx) => {
            const found = container(ctx);
            if ('verdict' in found) return found.verdict;
            const eth0 = (await ipJson(ctx, found.pid, ['-d', 'link', 'show'])).find((l) => l.ifname === 'eth0');
            const end = (await ipJson(ctx, 'lab', ['-d', 'link', 'show'])).find((l) => l.ifname === LAB_END);
            const ok =
              eth0?.linkinfo?.info_kind === 'veth' &&
              end?.linkinfo?.info_kind === 'veth' &&
              eth0.link_index === end.ifindex &&
              end.link_index === eth0.ifindex &&
              eth0.link_netnsid !== undefined &&
              end.link_netnsid !== undefined;
            const side = (l: IpLink | undefined, name: string): string =>
              l ? `${name} ifindex ${l.ifindex} iflink ${l.link_index ?? '-'} ${l.linkinfo?.info_kind ?? '-'}` : `${name} -`;
            return { ok, found: `${side(eth0, 'eth0')}; ${NETNS}: ${side(end, LAB_END)}` };
          },
        },
        {
          id: 'addresses-up',
          title: {
            en: 'eth0 has 198.51.100.2/30 and lab-cap0 has 198.51.100.1/30, both up, and the container’s lo is up',
            zh: 'eth0 的地址是 198.51.100.2/30，lab-cap0 的地址是 198.51.100.1/30，两端都已启用，容器的 lo 也已启用',
          },
          settle: 1000,
          verify: async (ctx) => {
            const found = container(ctx);
            if ('verdict' in found) return found.verdict;
            const links = await ipJson(ctx, found.pid, ['addr', 'show']);
            const eth0 = links.find((l) => l.ifname === 'eth0');
            const lo = links.find((l) => l.ifname === 'lo');
            const end = (await ipJson(ctx, 'lab', ['addr', 'show'])).find((l) => l.ifname === LAB_END);
            const ok = isUp(eth0) && isUp(end) && isUp(lo) && ipv4Of(eth0).includes(`${BOX_IP}/${PREFIX}`) && ipv4Of(end).includes(`${LAB_IP}/${PREFIX}`);
            const show = (l: IpLink | undefined, name: string): string => (l ? `${name} <${l.flags.join(',')}> ${ipv4Of(l).join(' ') || '-'}` : `${name} -`);
            return { ok, found: `${show(eth0, 'eth0')}; ${show(lo, 'lo')}; ${NETNS}: ${show(end, LAB_END)}` };
          },
        },
        {
          id: 'ping',
          title: {
            en: "from inside the container's network namespace, 198.51.100.1 (lab-cap0) answers a ping",
            zh: '从容器的网络命名空间里 ping 198.51.100.1（lab-cap0），有回应',
          },
          verify: async (ctx) => {
            const found = container(ctx);
            if ('verdict' in found) return found.verdict;
            // Only inside namespaces the lab made: no packet is sent unless both ends exist there.
            const end = (await ipJson(ctx, 'lab', ['link', 'show'])).find((l) => l.ifname === LAB_END);
            if (!isUp(end))
              return { ok: false, found: { en: `${LAB_END} is not up in ${NETNS}: no ping sent`, zh: `${NETNS} 里的 ${LAB_END} 没有启用：没有发 ping` } };
            const result = await ctx.probe(['nsenter', '--target', String(found.pid), '--net', '--', ...pingArgv(LAB_IP)]);
            const line = result.stdout
              .split('\n')
              .find((l) => /transmitted/.test(l))
              ?.trim();
            return { ok: result.exitCode === 0, found: `ping ${LAB_IP}: exit ${result.exitCode}${line ? `, ${line}` : ''}` };
          },
        },
      ],
    },
    {
      id: 'run',
      kind: 'task',
      shell: 'host',
      solution: [
        withPid((pid, ctx) => [
          {
            kind: 'run',
            argv: [
              'sh',
              '-c',
              `echo $$ > ${join(boxCgroup(ctx), 'cgroup.procs')} && exec nsenter -t ${pid} -p -m -u -i -n sh -c "hostname > /${REPORT} && cat /proc/self/cgroup >> /${REPORT}"`,
            ],
          },
        ]),
        run(['cat', `${UPPER}/${REPORT}`]),
      ],
      checks: [
        {
          id: 'report-in-upper',
          title: {
            en: 'the container’s /lab-report is a file of the upper layer (lab-upper/lab-report), and the lower layer has no such file',
            zh: '容器里的 /lab-report 是上层的文件（lab-upper/lab-report），下层没有这个文件',
          },
          verify: (ctx) => {
            const found = container(ctx);
            if ('verdict' in found) return found.verdict;
            const inside = devIno(`/proc/${found.pid}/root/${REPORT}`);
            const upper = existsSync(`${UPPER}/${REPORT}`);
            const lower = existsSync(`${LOWER}/${REPORT}`);
            return {
              ok: inside !== undefined && upper && !lower,
              found: bilingual(
                (say) =>
                  `/proc/${found.pid}/root/${REPORT}: ${inside ? say('present', '存在') : say('absent', '不存在')}; lab-upper/${REPORT}: ${upper ? say('present', '存在') : say('absent', '不存在')}; lab-lower/${REPORT}: ${lower ? say('present', '存在') : say('absent', '不存在')}`,
              ),
            };
          },
        },
        {
          id: 'ran-inside',
          title: {
            en: 'what the command read there: hostname lab-box (the container’s UTS namespace) and the cgroup $LAB_CGROUP/lab-box (its limits)',
            zh: '命令在那里读到的：主机名 lab-box（容器的 UTS 命名空间），cgroup 是 $LAB_CGROUP/lab-box（受它的限制）',
          },
          verify: (ctx) => {
            const text = read(`${UPPER}/${REPORT}`);
            const lines = text?.split('\n') ?? [];
            const cgroup = lines.find((l) => l.startsWith('0::'))?.slice(3);
            const want = boxCgroup(ctx);
            const ok = lines[0] === HOSTNAME && cgroup !== undefined && cgroup !== '/' && want.endsWith(cgroup);
            return {
              ok,
              found: text === undefined ? { en: `no ${UPPER}/${REPORT}`, zh: `没有 ${UPPER}/${REPORT}` } : `${lines.join(' | ')} (${want})`,
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;

/** The size of a file, or undefined. */
function statSafe(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}
