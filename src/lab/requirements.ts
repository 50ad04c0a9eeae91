// What labs need from the host, each with a fast probe (file reads only: `lab list` runs every probe), why a lab
// needs it and how to get it.
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { readCgroupLayout } from '../kernel/cgroup-mode.js';
import { readInitSystem, type CgroupManager } from '../kernel/init-system.js';
import { blockingUsernsSysctls, readUsernsSysctls } from '../kernel/userns-sysctl.js';
import { delimiter, join } from 'node:path';
import type { Text } from '../common/vocabulary.js';
import { usernsAdvice } from './userns-advice.js';
import { labInitPath } from '../host/install.js';

/** One entry of the table: how to tell whether the host has it, and what to say when it does not. */
interface RequirementSpec {
  /** What is needed, as the learner would say it. */
  what: Text;
  /** Why labs need it. */
  why: Text;
  /** How to get it. */
  fix: Text;
  /**
   * Something a host need not have for lab to be ready: a large download that only one lab uses (qemu and a kernel
   * for the lab that boots a VM). `lab doctor` lists it, with the fix, without counting its lab as blocked.
   */
  optional?: boolean;
  met(): boolean;
}

/** A requirement, with its id (its key in the table). */
export interface Requirement extends RequirementSpec {
  id: RequirementId;
}

/** Programs already looked for, by PATH and name: `lab list` asks for the same few for every lab. */
const found = new Map<string, boolean>();

/** Whether an executable of this name is on PATH (or in the sbin directories root has). */
export function onPath(name: string): boolean {
  const path = process.env.PATH ?? '';
  const key = `${path}\u0000${name}`;
  const known = found.get(key);
  if (known !== undefined) return known;
  const dirs = path.split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  const here = dirs.some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  found.set(key, here);
  return here;
}

const UTIL_LINUX: Text = {
  en: 'Install util-linux: `sudo apt-get install util-linux` (or `sudo scripts/provision.sh`).',
  zh: '安装 util-linux：`sudo apt-get install util-linux`（或运行 `sudo scripts/provision.sh`）。',
};

const DISTRO_KERNEL: Text = {
  en: 'Use a distribution kernel (Debian, Ubuntu) or the Vagrant VM.',
  zh: '使用发行版内核（Debian、Ubuntu）或 Vagrant 虚拟机。',
};

/** A namespace type the kernel offers, seen as /proc/self/ns/<file>. */
function namespaceRequirement(file: string, what: Text, why: Text, fix: Text = DISTRO_KERNEL): RequirementSpec {
  return { what, why, fix, met: () => existsSync(`/proc/self/ns/${file}`) };
}

/** How this host mounts cgroups, read once per process: every cgroup requirement of every lab asks. */
let layout: ReturnType<typeof readCgroupLayout> | undefined;
const cgroupLayout = (): ReturnType<typeof readCgroupLayout> => (layout ??= readCgroupLayout());

/** Controllers listed in a cgroup file of the v2 root (cgroup.controllers or cgroup.subtree_control). */
function rootList(v2: string, file: string): string[] {
  try {
    return readFileSync(`${v2}/${file}`, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * How to get a v2 controller on this host, said for the host as it is: a hybrid or legacy host needs cgroup v2 first;
 * a v2 host whose kernel does not offer the controller needs another kernel or VM; a v2 host without systemd needs the
 * root to pass it down (nobody else writes there, so it stays). A systemd host never needs a hand on the root: systemd
 * enables the controller itself for the lab's delegated scope. The layout and the root's controllers are this host's
 * unless given (`lab doctor` passes the facts it reports).
 */
export function controllerFix(
  controller: string,
  { mode, v2Path }: { mode: string; v2Path?: string | undefined } = cgroupLayout(),
  offered: readonly string[] = v2Path === undefined ? [] : rootList(v2Path, 'cgroup.controllers'),
): Text {
  const vm = { en: 'the Vagrant VM (`vagrant up`) or the test VM (`npm run vm`)', zh: 'Vagrant 虚拟机（`vagrant up`）或测试虚拟机（`npm run vm`）' };
  if (mode !== 'unified' || v2Path === undefined) {
    return {
      en: `Boot with \`systemd.unified_cgroup_hierarchy=1\` on the kernel command line (cgroup v2 only), or use ${vm.en}.`,
      zh: `在内核命令行加上 \`systemd.unified_cgroup_hierarchy=1\` 后重启（只用 cgroup v2），或使用${vm.zh}。`,
    };
  }
  if (!offered.includes(controller)) {
    return {
      en: `This kernel's cgroup v2 does not offer ${controller} (${v2Path}/cgroup.controllers lacks it): remove \`cgroup_disable=${controller}\` from the kernel command line if it is there; in a container, the runtime that started it must delegate ${controller}; or use ${vm.en}.`,
      zh: `这个内核的 cgroup v2 没有提供 ${controller}（${v2Path}/cgroup.controllers 里没有）：如果内核命令行里有 \`cgroup_disable=${controller}\`，去掉它；在容器里，需要启动该容器的运行时把 ${controller} 委派（delegate）进来；或者使用${vm.zh}。`,
    };
  }
  return {
    en: `No init system manages cgroups on this host, so the root passes controllers down only when told: \`echo +${controller} > ${v2Path}/cgroup.subtree_control\` (as root).`,
    zh: `这台宿主机上没有 init 系统管理 cgroup，根 cgroup 只有在被要求时才把控制器传下去：\`echo +${controller} > ${v2Path}/cgroup.subtree_control\`（以 root 身份）。`,
  };
}

/**
 * Whether the lab's cgroup can get `controller` (pure): the v2 root must offer it (cgroup.controllers); systemd then
 * enables it down to the lab's delegated scope, while without systemd the root must already pass it down
 * (cgroup.subtree_control).
 */
export function controllerAvailable(controller: string, root: { offered: readonly string[]; passed: readonly string[] }, manager: CgroupManager): boolean {
  return root.offered.includes(controller) && (manager === 'systemd' || root.passed.includes(controller));
}

/**
 * A controller the cgroup v2 hierarchy must really have, and hand to the lab's cgroup. On a systemd host it is enough
 * that the kernel offers it at the root (cgroup.controllers): systemd enables it down to the lab's delegated scope.
 * Without systemd the labs make their cgroups under the root, so the root must enable it in cgroup.subtree_control.
 */
function v2ControllerRequirement(controller: 'memory' | 'cpu' | 'pids' | 'io' | 'cpuset', files: Text): RequirementSpec {
  return {
    what: { en: `the ${controller} controller on cgroup v2`, zh: `cgroup v2 上的 ${controller} 控制器（controller）` },
    why: {
      en: `The lab sets and reads ${files.en}, which a cgroup has only where the cgroup v2 hierarchy holds this controller (on hybrid hosts cgroup v1 holds it instead) and the lab's cgroup is given it: by systemd through a delegated scope, or by the root's cgroup.subtree_control where no systemd runs.`,
      zh: `实验要设置和读取 ${files.zh}。只有 cgroup v2 层级持有这个控制器（混合模式（hybrid）的主机上它由 cgroup v1 持有），并且实验的 cgroup 得到了它，cgroup 里才会有这些文件：在 systemd 主机上由 systemd 通过委派（delegation）的 scope 交给实验，没有 systemd 时由根 cgroup 的 cgroup.subtree_control 传下来。`,
    },
    get fix() {
      return controllerFix(controller);
    },
    met: () => {
      const v2 = cgroupLayout().v2Path;
      if (v2 === undefined) return false;
      const root = { offered: rootList(v2, 'cgroup.controllers'), passed: rootList(v2, 'cgroup.subtree_control') };
      return controllerAvailable(controller, root, readInitSystem().manager);
    },
  };
}

/**
 * Everything a lab may require, keyed by the id a lab names in `requires`, in the order `lab doctor` lists them.
 * Adding a requirement is adding an entry here: the id type is the keys, so the compiler and the validator know it.
 */
const TABLE = {
  linux: {
    what: { en: 'a Linux kernel', zh: 'Linux 内核' },
    why: { en: 'Namespaces and cgroups are features of the Linux kernel.', zh: '命名空间和 cgroup 是 Linux 内核的功能。' },
    fix: { en: "Use a Linux machine or the project's Vagrant VM (`vagrant up`).", zh: '请使用 Linux 机器，或项目的 Vagrant 虚拟机（`vagrant up`）。' },
    met: () => process.platform === 'linux',
  },
  root: {
    what: { en: 'root privileges', zh: 'root 权限' },
    why: {
      en: 'Creating namespaces, mounting and writing cgroup files need CAP_SYS_ADMIN.',
      zh: '创建命名空间、挂载和写 cgroup 文件都需要 CAP_SYS_ADMIN 能力（capability）。',
    },
    fix: { en: 'Run lab with sudo: `sudo lab run <id>`.', zh: '用 sudo 运行：`sudo lab run <id>`。' },
    met: () => process.getuid?.() === 0,
  },
  unshare: {
    what: { en: 'the `unshare` command', zh: '`unshare` 命令' },
    why: { en: 'It creates the namespaces the labs explore.', zh: '实验用它创建命名空间。' },
    fix: UTIL_LINUX,
    met: () => onPath('unshare'),
  },
  nsenter: {
    what: { en: 'the `nsenter` command', zh: '`nsenter` 命令' },
    why: { en: "It enters a running lab's namespaces (what `docker exec` does).", zh: '用它进入正在运行的实验的命名空间（`docker exec` 做的正是这件事）。' },
    fix: UTIL_LINUX,
    met: () => onPath('nsenter'),
  },
  setpriv: {
    what: { en: 'the `setpriv` command', zh: '`setpriv` 命令' },
    why: {
      en: "It makes the kernel kill a lab's processes if the harness dies, so nothing is left behind.",
      zh: '它让内核在 lab 本身意外退出时杀掉实验的进程，不留任何残余。',
    },
    fix: UTIL_LINUX,
    met: () => onPath('setpriv'),
  },
  procps: {
    what: { en: 'the `ps` and `kill` commands', zh: '`ps` 和 `kill` 命令' },
    why: { en: 'Labs list and signal processes with them.', zh: '实验用它们列出进程、发送信号。' },
    fix: { en: 'Install procps: `sudo apt-get install procps`.', zh: '安装 procps：`sudo apt-get install procps`。' },
    met: () => onPath('ps') && onPath('kill'),
  },
  iproute2: {
    what: { en: 'the `ip` command', zh: '`ip` 命令' },
    why: { en: 'The network lab makes veth pairs, bridges and network namespaces with it.', zh: '网络实验用它创建 veth 设备对、网桥和网络命名空间。' },
    fix: { en: 'Install iproute2: `sudo apt-get install iproute2`.', zh: '安装 iproute2：`sudo apt-get install iproute2`。' },
    met: () => onPath('ip'),
  },
  nftables: {
    what: { en: 'the `nft` command (nftables)', zh: '`nft` 命令（nftables）' },
    why: {
      en: "Container networks masquerade the containers' traffic and keep networks apart with nftables rules, only ever inside lab's own network namespace lab-host-net, never in the host's ruleset.",
      zh: '容器网络用 nftables 规则对容器的流量做地址伪装（masquerade）并把网络彼此隔离，这些规则只放在 lab 自己的网络命名空间 lab-host-net 里，从不写进宿主机的规则集。',
    },
    fix: {
      en: 'Install it: `sudo apt-get install nftables` (or `sudo scripts/provision.sh`).',
      zh: '安装它：`sudo apt-get install nftables`（或运行 `sudo scripts/provision.sh`）。',
    },
    met: () => onPath('nft'),
  },
  'ipc-tools': {
    what: { en: 'the `ipcmk`, `ipcs` and `ipcrm` commands', zh: '`ipcmk`、`ipcs` 和 `ipcrm` 命令' },
    why: { en: 'The IPC lab creates and lists System V IPC objects with them.', zh: 'IPC 实验用它们创建和列出 System V IPC 对象。' },
    fix: UTIL_LINUX,
    met: () => onPath('ipcmk') && onPath('ipcs') && onPath('ipcrm'),
  },
  busybox: {
    what: { en: 'busybox', zh: 'busybox 工具集' },
    why: {
      en: 'Labs use its small servers and tools (nc, ping, httpd) inside namespaces.',
      zh: '实验在命名空间里使用它提供的小型服务器和工具（nc、ping、httpd）。',
    },
    fix: { en: 'Install it: `sudo apt-get install busybox-static`.', zh: '安装它：`sudo apt-get install busybox-static`。' },
    met: () => onPath('busybox'),
  },
  perl: {
    what: { en: 'perl', zh: 'perl 解释器' },
    why: {
      en: "Some commands of the labs are short perl programs: the memory lab's memory hog, the pids lab's fork bomb, and the one-line probes that make a single system call (kill, open, mount, umount) and exit with the errno the kernel returned; every Debian and Ubuntu system has perl (perl-base).",
      zh: '实验里有些命令是简短的 perl 程序：内存实验里吃内存的程序、pids 实验里的 fork 炸弹，以及只做一次系统调用（kill、open、mount、umount）并以内核返回的 errno 作为退出状态的单行探测程序；每个 Debian 和 Ubuntu 系统都自带 perl（perl-base）。',
    },
    fix: { en: 'Install it: `sudo apt-get install perl-base`.', zh: '安装它：`sudo apt-get install perl-base`。' },
    met: () => onPath('perl'),
  },
  loop: {
    what: { en: 'loop devices (`losetup`)', zh: 'loop 设备（`losetup`）' },
    why: {
      en: 'The io lab limits writes to a block device of its own: a loop device backed by a file, so no real disk is touched.',
      zh: 'io 实验限制对它自己的块设备的写入：一个由文件支撑的 loop 设备，因此不会碰任何真实磁盘。',
    },
    fix: {
      en: 'Load the loop driver: `sudo modprobe loop` (then /dev/loop-control exists); `losetup` is in util-linux (`sudo apt-get install mount`).',
      zh: '加载 loop 驱动：`sudo modprobe loop`（之后 /dev/loop-control 会出现）；`losetup` 在 util-linux 里（`sudo apt-get install mount`）。',
    },
    met: () => onPath('losetup') && existsSync('/dev/loop-control'),
  },
  cgroup2: {
    what: { en: 'a cgroup v2 hierarchy', zh: 'cgroup v2 层级' },
    why: {
      en: 'The lab makes a cgroup of its own in the v2 hierarchy (mounted at /sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts).',
      zh: '实验要在 cgroup v2 层级中创建自己的 cgroup（挂载在 /sys/fs/cgroup，混合模式的主机上在 /sys/fs/cgroup/unified）。',
    },
    fix: {
      en: 'Boot with `systemd.unified_cgroup_hierarchy=1`, or use the Vagrant VM.',
      zh: '用 `systemd.unified_cgroup_hierarchy=1` 启动系统，或使用 Vagrant 虚拟机。',
    },
    met: () => cgroupLayout().v2Path !== undefined,
  },
  'cgroup2-memory': v2ControllerRequirement('memory', { en: 'memory.max, memory.high and memory.events', zh: 'memory.max、memory.high 和 memory.events' }),
  'cgroup2-cpu': v2ControllerRequirement('cpu', { en: 'cpu.max, cpu.weight and cpu.stat', zh: 'cpu.max、cpu.weight 和 cpu.stat' }),
  'cgroup2-pids': v2ControllerRequirement('pids', { en: 'pids.max and pids.events', zh: 'pids.max 和 pids.events' }),
  'cgroup2-io': v2ControllerRequirement('io', { en: 'io.max', zh: 'io.max' }),
  'cgroup2-cpuset': v2ControllerRequirement('cpuset', { en: 'cpuset.cpus', zh: 'cpuset.cpus' }),
  'ns-pid': namespaceRequirement(
    'pid',
    { en: 'PID namespaces in the kernel', zh: '内核支持 PID 命名空间' },
    { en: 'The kernel must be built with CONFIG_PID_NS.', zh: '内核编译时需要启用 CONFIG_PID_NS。' },
  ),
  'ns-mnt': namespaceRequirement(
    'mnt',
    { en: 'mount namespaces in the kernel', zh: '内核支持挂载（mount）命名空间' },
    { en: "Labs mount a private /proc without touching the host's.", zh: '实验要挂载自己的 /proc，而不影响宿主机的。' },
  ),
  'ns-uts': namespaceRequirement(
    'uts',
    { en: 'UTS namespaces in the kernel', zh: '内核支持 UTS 命名空间' },
    { en: 'The kernel must be built with CONFIG_UTS_NS.', zh: '内核编译时需要启用 CONFIG_UTS_NS。' },
  ),
  'ns-ipc': namespaceRequirement(
    'ipc',
    { en: 'IPC namespaces in the kernel', zh: '内核支持 IPC 命名空间' },
    { en: 'The kernel must be built with CONFIG_IPC_NS.', zh: '内核编译时需要启用 CONFIG_IPC_NS。' },
  ),
  'ns-net': namespaceRequirement(
    'net',
    { en: 'network namespaces in the kernel', zh: '内核支持网络命名空间' },
    { en: 'The kernel must be built with CONFIG_NET_NS.', zh: '内核编译时需要启用 CONFIG_NET_NS。' },
  ),
  'ns-user': namespaceRequirement(
    'user',
    { en: 'user namespaces in the kernel', zh: '内核支持用户命名空间' },
    { en: 'The kernel must be built with CONFIG_USER_NS.', zh: '内核编译时需要启用 CONFIG_USER_NS。' },
  ),
  'ns-cgroup': namespaceRequirement(
    'cgroup',
    { en: 'cgroup namespaces in the kernel', zh: '内核支持 cgroup 命名空间' },
    { en: 'The kernel must be 4.6 or newer with CONFIG_CGROUPS.', zh: '内核需要 4.6 或更新版本，并启用 CONFIG_CGROUPS。' },
  ),
  'ns-time': namespaceRequirement(
    'time',
    { en: 'time namespaces in the kernel', zh: '内核支持时间命名空间' },
    { en: 'Time namespaces came with Linux 5.6 (CONFIG_TIME_NS).', zh: '时间命名空间自 Linux 5.6 起才有（CONFIG_TIME_NS）。' },
    {
      en: 'Use a kernel of 5.6 or newer (Debian 12, Ubuntu 22.04 and later), or the Vagrant VM.',
      zh: '使用 5.6 或更新的内核（Debian 12、Ubuntu 22.04 及以后），或 Vagrant 虚拟机。',
    },
  ),
  'userns-unprivileged': {
    what: { en: 'user namespaces for unprivileged users', zh: '允许普通用户创建用户命名空间' },
    // Read when asked: the message names the setting that forbids it here, with its value.
    get why(): Text {
      return usernsAdvice(readUsernsSysctls()).why;
    },
    get fix(): Text {
      return usernsAdvice(readUsernsSysctls()).fix;
    },
    met: () => blockingUsernsSysctls(readUsernsSysctls()).length === 0,
  },
  python3: {
    what: { en: 'python3', zh: 'python3 解释器' },
    why: {
      en: "The overlay lab sets and reads extended attributes (the opaque directory's trusted.overlay.opaque) with python3's os.setxattr and os.getxattr, the one tool for them every provisioned host has (provision.sh installs python3; getfattr needs the attr package).",
      zh: 'overlay 实验用 python3 的 os.setxattr 和 os.getxattr 设置和读取扩展属性（不透明目录的 trusted.overlay.opaque）：每台配置好的机器都有它（provision.sh 会安装 python3；getfattr 需要 attr 软件包）。',
    },
    fix: { en: 'Install it: `sudo apt-get install python3`.', zh: '安装它：`sudo apt-get install python3`。' },
    met: () => onPath('python3'),
  },
  overlayfs: {
    what: { en: 'overlayfs in the kernel', zh: '内核支持 overlayfs' },
    why: {
      en: "The overlay lab mounts image layers with overlayfs, the filesystem Docker and containerd use for a container's root (CONFIG_OVERLAY_FS, built in or the overlay module).",
      zh: 'overlay 实验用 overlayfs 挂载镜像层，Docker 和 containerd 也用它组成容器的根文件系统（CONFIG_OVERLAY_FS，内建或 overlay 模块）。',
    },
    fix: {
      en: 'Load the module: `sudo modprobe overlay`, or use a distribution kernel (Debian, Ubuntu) or the Vagrant VM.',
      zh: '加载模块：`sudo modprobe overlay`，或使用发行版内核（Debian、Ubuntu）或 Vagrant 虚拟机。',
    },
    met: () => overlayAvailable(),
  },
  'lab-on-path': {
    what: { en: 'the `lab` command on the PATH', zh: 'PATH 中有 `lab` 命令' },
    why: {
      en: 'The toy-container lab runs `lab container run`, `exec`, `stop` and `rm` as its commands, exactly as you would type them.',
      zh: '玩具容器实验把 `lab container run`、`exec`、`stop` 和 `rm` 作为它的命令来运行，和你自己输入的完全一样。',
    },
    fix: {
      en: 'Run `sudo scripts/provision.sh` (it links /usr/local/bin/lab to bin/lab.js), or `sudo ln -s "$PWD/bin/lab.js" /usr/local/bin/lab` in the checkout.',
      zh: '运行 `sudo scripts/provision.sh`（它会把 /usr/local/bin/lab 链接到 bin/lab.js），或在代码目录里运行 `sudo ln -s "$PWD/bin/lab.js" /usr/local/bin/lab`。',
    },
    met: () => onPath('lab'),
  },
  'lab-init': {
    what: { en: 'lab-init, built by `npm run build`', zh: '由 `npm run build` 构建的 lab-init' },
    why: {
      en: "`lab container run` drops the container's capabilities to Docker's default set, which only lab-init can do (without it lab refuses a container that is not --privileged).",
      zh: '`lab container run` 要把容器的能力（capability）降到 Docker 的默认集合，只有 lab-init 能做到（没有它，lab 会拒绝不带 --privileged 的容器）。',
    },
    fix: {
      en: 'Install a C compiler, `sudo apt-get install gcc libc6-dev`, then run `npm run build` in the checkout.',
      zh: '安装 C 编译器：`sudo apt-get install gcc libc6-dev`，然后在代码目录里运行 `npm run build`。',
    },
    met: () => labInitPath() !== undefined,
  },
  qemu: {
    what: { en: 'qemu-system-x86_64 (qemu-system-x86)', zh: 'qemu-system-x86_64（qemu-system-x86 软件包）' },
    why: {
      en: "The container-vs-vm lab boots a small virtual machine beside a container, with KVM when /dev/kvm works and qemu's own CPU emulation (TCG) otherwise.",
      zh: '容器与虚拟机实验要在容器旁边启动一台小虚拟机：/dev/kvm 可用时用 KVM，否则用 qemu 自己的 CPU 模拟（TCG）。',
    },
    fix: {
      en: 'Install it: `sudo apt-get install qemu-system-x86` (or `sudo scripts/provision.sh --with-vm`).',
      zh: '安装它：`sudo apt-get install qemu-system-x86`（或运行 `sudo scripts/provision.sh --with-vm`）。',
    },
    optional: true,
    met: () => onPath('qemu-system-x86_64'),
  },
  'vm-kernel': {
    what: { en: "the test VM's kernel, unpacked in the VM cache", zh: '测试虚拟机的内核（已解包到虚拟机缓存中）' },
    why: {
      en: "The container-vs-vm lab boots the test VM's kernel (Debian's linux-image package, unpacked, never installed) from /var/cache/lab-vm, the cache `node scripts/vm.mjs` fills.",
      zh: '容器与虚拟机实验启动的是测试虚拟机的内核（Debian 的 linux-image 软件包，只解包、不安装），它在 /var/cache/lab-vm 里，由 `node scripts/vm.mjs` 填充。',
    },
    fix: {
      en: 'In the checkout, run `sudo node scripts/vm.mjs run true` once: it downloads the kernel package with apt-get and unpacks it into the cache (`sudo scripts/provision.sh --with-vm` installs what it needs).',
      zh: '在代码目录里运行一次 `sudo node scripts/vm.mjs run true`：它用 apt-get 下载内核软件包并解包到缓存里（它所需的软件可用 `sudo scripts/provision.sh --with-vm` 安装）。',
    },
    optional: true,
    met: () => vmKernel() !== undefined,
  },
  'busybox-static': {
    what: { en: 'a statically linked busybox (busybox-static)', zh: '静态链接的 busybox（busybox-static）' },
    why: {
      en: "The container-vs-vm lab makes the VM's whole userspace from one busybox: in an initramfs there is no library to load, so it must be static.",
      zh: '容器与虚拟机实验只用一个 busybox 构成虚拟机的全部用户空间：initramfs 里没有可加载的库，所以它必须是静态链接的。',
    },
    fix: { en: 'Install it: `sudo apt-get install busybox-static`.', zh: '安装它：`sudo apt-get install busybox-static`。' },
    met: () => staticBusybox() !== undefined,
  },
} satisfies Record<string, RequirementSpec>;

/** Whether the kernel has overlayfs: registered in /proc/filesystems, or a module `mount -t overlay` loads. */
function overlayAvailable(): boolean {
  try {
    if (/\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'))) return true;
    const release = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
    return /(^|\/)overlay\.ko/m.test(readFileSync(`/lib/modules/${release}/modules.dep`, 'utf8'));
  } catch {
    return false;
  }
}

/** The kernel the test VM boots, as `node scripts/vm.mjs` keeps it in its cache (scripts/vm/kernel.mjs). */
export interface VmKernel {
  release: string;
  /** What qemu's -kernel gets (a vmlinux with a PVH entry point, or a vmlinuz). */
  image: string;
}

/** The VM cache: $LAB_VM_CACHE, else /var/cache/lab-vm for root, else ~/.cache/lab-vm (as scripts/vm/kernel.mjs). */
export function vmCacheRoot(): string {
  if (process.env.LAB_VM_CACHE) return process.env.LAB_VM_CACHE;
  if (process.getuid?.() === 0) return '/var/cache/lab-vm';
  return join(process.env.XDG_CACHE_HOME || join(process.env.HOME ?? '/root', '.cache'), 'lab-vm');
}

/** The newest kernel in the VM cache whose image is there, or undefined. */
export function vmKernel(): VmKernel | undefined {
  const root = vmCacheRoot();
  let names: string[];
  try {
    names = readdirSync(root).sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  } catch {
    return undefined;
  }
  for (const name of names) {
    try {
      const kernel = JSON.parse(readFileSync(join(root, name, 'kernel.json'), 'utf8')) as Partial<VmKernel>;
      if (typeof kernel.image === 'string' && typeof kernel.release === 'string' && existsSync(kernel.image))
        return { release: kernel.release, image: kernel.image };
    } catch {
      // not a kernel directory
    }
  }
  return undefined;
}

/** The first busybox on the PATH (or in /bin, /usr/bin) that is a statically linked ELF (no PT_INTERP), or undefined. */
export function staticBusybox(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean).concat(['/bin', '/usr/bin']);
  for (const dir of dirs) {
    const path = join(dir, 'busybox');
    if (existsSync(path)) return isStaticElf(path) ? path : undefined;
  }
  return undefined;
}

/** Whether a file is a 64-bit little-endian ELF without a program interpreter (a static executable). */
function isStaticElf(path: string): boolean {
  try {
    const head = Buffer.alloc(4096);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return false;
    const phoff = Number(head.readBigUInt64LE(0x20));
    const size = head.readUInt16LE(0x36);
    const count = head.readUInt16LE(0x38);
    for (let i = 0; i < count; i++) if (head.readUInt32LE(phoff + i * size) === 3) return false;
    return true;
  } catch {
    return false;
  }
}

/** The id of a requirement: a key of the table. */
export type RequirementId = keyof typeof TABLE;

/**
 * What `lab container run` itself needs, for the labs that run containers: root, busybox (the image), overlayfs,
 * lab-init (capabilities and seccomp), cgroup v2 and the six namespaces a container gets. A lab adds its own.
 */
export const CONTAINER_RUN_REQUIRES: readonly RequirementId[] = [
  'linux',
  'root',
  'busybox',
  'overlayfs',
  'lab-init',
  'cgroup2',
  'ns-pid',
  'ns-mnt',
  'ns-uts',
  'ns-ipc',
  'ns-net',
  'ns-cgroup',
];

/** Every requirement with its id, in table order (the entries themselves: their getters are read when asked). */
const REQUIREMENTS: readonly Requirement[] = Object.entries(TABLE).map(
  ([id, spec]) => Object.defineProperties({ id: id as RequirementId }, Object.getOwnPropertyDescriptors(spec)) as Requirement,
);

/** Every requirement id a lab may name. */
export const REQUIREMENT_IDS: readonly RequirementId[] = REQUIREMENTS.map((r) => r.id);

/** Whether a string is a requirement id (for a lab's `requires`, before it is typed). */
export function isRequirementId(id: unknown): id is RequirementId {
  return typeof id === 'string' && Object.hasOwn(TABLE, id);
}

/** The requirement of this id. */
export function requirement(id: RequirementId): Requirement {
  const found = REQUIREMENTS.find((r) => r.id === id);
  if (!found) throw new Error(`unknown requirement ${id}`);
  return found;
}

/** The requirements among `ids` this host does not meet. */
export function unmet(ids: readonly RequirementId[]): Requirement[] {
  return ids.map(requirement).filter((r) => !r.met());
}

/** Whether a requirement is optional (see RequirementSpec.optional). */
export function isOptional(id: RequirementId): boolean {
  return requirement(id).optional === true;
}

/** Every requirement, for `lab doctor`. */
export function allRequirements(): readonly Requirement[] {
  return REQUIREMENTS;
}
