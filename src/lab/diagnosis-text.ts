// The words of `lab doctor`, in English and Simplified Chinese (terms from GLOSSARY.md): each finding, why a lab
// needs the thing, and how to get it.
import type { CgroupMode } from '../kernel/cgroup-mode.js';
import type { DelegationProbe, NamespaceProbe, OverlaySource } from '../host/probe.js';
import type { CgroupManager, InitSystem } from '../kernel/init-system.js';
import { requirement } from './requirements.js';
import { blockingUsernsSysctls, type SysctlValue } from '../kernel/userns-sysctl.js';
import { describeUsernsSysctls, usernsAdvice } from './userns-advice.js';
import type { NamespaceType, Text } from './spec.js';

const t = (en: string, zh: string): Text => ({ en, zh });
const list = (items: readonly string[]): Text => t(items.join(', '), items.join('、'));
const code = (argv: readonly string[]): string => `\`${argv.join(' ')}\``;
const VM: Text = t("the project's VM (`vagrant up`, or `npm run vm`)", '项目的虚拟机（`vagrant up` 或 `npm run vm`）');

export const root = {
  yes: t('root: running as root (uid 0)', 'root：以 root 身份运行（uid 0）'),
  no: (uid: number | undefined): Text =>
    t(
      `root: not root (uid ${uid ?? '?'}); most namespace probes below fail with EPERM`,
      `root：不是 root（uid ${uid ?? '?'}），下面大多数命名空间检查会因 EPERM 失败`,
    ),
  why: requirement('root').why,
  fix: t('Run as root: `sudo lab doctor`, `sudo lab run <id>`.', '以 root 身份运行：`sudo lab doctor`、`sudo lab run <id>`。'),
};

export const kernel = (release: string): Text => t(`kernel: Linux ${release}`, `内核：Linux ${release}`);

export const utilLinux = {
  found: (version: string): Text => t(`util-linux: ${version} (\`unshare --version\`)`, `util-linux 版本：${version}（\`unshare --version\`）`),
  missing: t('util-linux: `unshare --version` did not run', 'util-linux：`unshare --version` 无法运行'),
  why: t(
    'unshare, nsenter and setpriv come from util-linux: labs create, enter and guard namespaces with them.',
    'unshare、nsenter 和 setpriv 都来自 util-linux：实验用它们创建、进入并看管命名空间。',
  ),
  fix: requirement('unshare').fix,
};

const NAMESPACE_NAME: Record<NamespaceType, Text> = {
  pid: t('PID namespace', 'PID 命名空间'),
  mnt: t('mount namespace', '挂载（mount）命名空间'),
  uts: t('UTS namespace', 'UTS 命名空间（主机名）'),
  ipc: t('IPC namespace', 'IPC 命名空间'),
  net: t('network namespace', '网络命名空间'),
  user: t('user namespace', '用户命名空间'),
  cgroup: t('cgroup namespace', 'cgroup 命名空间'),
  time: t('time namespace', '时间命名空间'),
};

const NAMESPACE_PURPOSE: Record<NamespaceType, Text> = {
  pid: t('A PID namespace gives processes their own PID numbers and their own PID 1.', 'PID 命名空间让进程拥有自己的 PID 编号和自己的 1 号进程（init 进程）。'),
  mnt: t(
    'A mount namespace gives processes their own mount table (a private /proc, later a root filesystem).',
    '挂载命名空间让进程拥有自己的挂载表（私有的 /proc，之后还有根文件系统（rootfs））。',
  ),
  uts: t('A UTS namespace gives a container its own hostname.', 'UTS 命名空间让容器拥有自己的主机名。'),
  ipc: t('An IPC namespace isolates System V IPC objects and POSIX message queues.', 'IPC 命名空间隔离 System V IPC 对象和 POSIX 消息队列。'),
  net: t('A network namespace gives a container its own network interfaces, routes and ports.', '网络命名空间让容器拥有自己的网卡（网络接口）、路由和端口。'),
  user: t('A user namespace maps UIDs: root inside a container, an ordinary user outside.', '用户命名空间做 UID 映射：容器里是 root，宿主机上只是普通用户。'),
  cgroup: t('A cgroup namespace shows a container only its own part of the cgroup tree.', 'cgroup 命名空间让容器只看到自己那一部分 cgroup 树。'),
  time: t(
    'A time namespace gives a container its own CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets.',
    '时间命名空间让容器拥有自己的 CLOCK_MONOTONIC 和 CLOCK_BOOTTIME 偏移。',
  ),
};

/** The kernel option that builds each namespace type in. */
const NAMESPACE_CONFIG: Record<NamespaceType, string> = {
  pid: 'CONFIG_PID_NS',
  mnt: 'CONFIG_NAMESPACES',
  uts: 'CONFIG_UTS_NS',
  ipc: 'CONFIG_IPC_NS',
  net: 'CONFIG_NET_NS',
  user: 'CONFIG_USER_NS',
  cgroup: 'CONFIG_CGROUPS',
  time: 'CONFIG_TIME_NS',
};

const join2 = (a: Text, b: Text): Text => t(`${a.en} ${b.en}`, `${a.zh}${b.zh}`);

/** Why the namespace could not be created, and what to do, from the failure and whether we are root. */
function failureAdvice(probe: NamespaceProbe, isRoot: boolean): { why: Text; fix: Text } {
  const { type, argv } = probe;
  switch (probe.failure) {
    case 'EPERM':
      if (isRoot) {
        return {
          why: t(
            'EPERM even for root: a security policy (seccomp, AppArmor, SELinux) or the container lab runs in forbids it.',
            '连 root 都得到 EPERM：安全策略（seccomp、AppArmor、SELinux）或 lab 所在的容器禁止了它。',
          ),
          fix: t(`Run lab on a machine you control, or in ${VM.en}.`, `在你能完全控制的机器上运行 lab，或使用${VM.zh}。`),
        };
      }
      if (type === 'user') {
        return {
          why: t(
            'EPERM: unprivileged user namespaces are turned off here (kernel.unprivileged_userns_clone=0 or kernel.apparmor_restrict_unprivileged_userns=1).',
            'EPERM：这里禁止了非特权用户创建用户命名空间（kernel.unprivileged_userns_clone=0 或 kernel.apparmor_restrict_unprivileged_userns=1）。',
          ),
          fix: t('Run as root (`sudo lab doctor`).', '以 root 身份运行（`sudo lab doctor`）。'),
        };
      }
      return {
        why: t(
          'EPERM: creating it needs root (CAP_SYS_ADMIN); only a user namespace can be created without.',
          'EPERM：创建它需要 root 权限（CAP_SYS_ADMIN）；只有用户命名空间不需要。',
        ),
        fix: t('Run as root: `sudo lab doctor`.', '以 root 身份运行：`sudo lab doctor`。'),
      };
    case 'EINVAL':
      return {
        why: t(
          `EINVAL: this kernel does not support it (built without ${NAMESPACE_CONFIG[type]}, or too old: cgroup namespaces need Linux 4.6, time namespaces 5.6).`,
          `EINVAL：这个内核不支持它（编译时没有启用 ${NAMESPACE_CONFIG[type]}，或者太旧：cgroup 命名空间需要 Linux 4.6，时间命名空间需要 5.6）。`,
        ),
        fix: t(`Use a newer distribution kernel, or ${VM.en}.`, `换用较新的发行版内核，或使用${VM.zh}。`),
      };
    case 'ENOSPC':
      return {
        why: t(
          `ENOSPC: the limit /proc/sys/user/max_${type}_namespaces is reached (0 turns this type off).`,
          `ENOSPC：已达到上限 /proc/sys/user/max_${type}_namespaces（为 0 表示禁用这种类型）。`,
        ),
        fix: t(`Raise it: \`sudo sysctl user.max_${type}_namespaces=10000\`.`, `调高上限：\`sudo sysctl user.max_${type}_namespaces=10000\`。`),
      };
    case 'unsupported-option':
      return {
        why: t(
          'This unshare is too old to know an option of the command (`--kill-child` needs util-linux 2.32, `--time` needs util-linux 2.36).',
          '这个 unshare 版本太旧，不认识命令里的某个选项（`--kill-child` 需要 util-linux 2.32，`--time` 需要 2.36）。',
        ),
        fix: t(
          `Install a newer util-linux (Debian 11+, Ubuntu 22.04+), or use ${VM.en}.`,
          `安装较新的 util-linux（Debian 11+、Ubuntu 22.04+），或使用${VM.zh}。`,
        ),
      };
    case 'missing':
      return { why: t('unshare is not installed.', '没有安装 unshare。'), fix: utilLinux.fix };
    default:
      return {
        why: t(`unshare failed (${probe.failure ?? 'failed'}).`, `unshare 失败了（${probe.failure ?? 'failed'}）。`),
        fix: t(`Run it by hand to see the whole message: ${code(argv)}.`, `手动运行它查看完整信息：${code(argv)}。`),
      };
  }
}

export const namespace = {
  works: (probe: NamespaceProbe): Text => {
    const name = NAMESPACE_NAME[probe.type];
    return t(`${name.en}: ${code(probe.argv)} works`, `${name.zh}：${code(probe.argv)} 可以运行`);
  },
  fails: (probe: NamespaceProbe): Text => {
    const name = NAMESPACE_NAME[probe.type];
    const message = probe.message ? `: ${probe.message}` : '';
    return t(`${name.en}: ${code(probe.argv)} failed${message}`, `${name.zh}：${code(probe.argv)} 失败${probe.message ? `：${probe.message}` : ''}`);
  },
  advice: (probe: NamespaceProbe, isRoot: boolean): { why: Text; fix: Text } => {
    const { why, fix } = failureAdvice(probe, isRoot);
    return { why: join2(NAMESPACE_PURPOSE[probe.type], why), fix };
  },
};

/** Whether an ordinary user may be root in a user namespace of its own, from the sysctls that decide it. */
export const userns = {
  allowed: (values: readonly SysctlValue[]): Text => {
    const found = describeUsernsSysctls(values);
    return found
      ? t(`unprivileged user namespaces: allowed (${found})`, `普通用户的用户命名空间：允许（${found}）`)
      : t(
          'unprivileged user namespaces: allowed (this kernel has none of the sysctls that restrict them)',
          '普通用户的用户命名空间：允许（这个内核没有限制它的 sysctl）',
        );
  },
  blocked: (values: readonly SysctlValue[]): Text => {
    const names = blockingUsernsSysctls(values)
      .map((v) => v.name)
      .join(', ');
    const found = describeUsernsSysctls(values) ?? '';
    return t(`unprivileged user namespaces: forbidden by ${names} (${found})`, `普通用户的用户命名空间：被 ${names} 禁止（${found}）`);
  },
  advice: (values: readonly SysctlValue[]): { why: Text; fix: Text } => usernsAdvice(values),
};

const MODE: Record<CgroupMode, Text> = {
  unified: t('unified (cgroup v2 only)', 'unified（只有 cgroup v2）'),
  hybrid: t('hybrid (cgroup v2 beside cgroup v1 hierarchies)', 'hybrid（cgroup v2 与 cgroup v1 层级并存）'),
  legacy: t('legacy (cgroup v1 only)', 'legacy（只有 cgroup v1）'),
  none: t('none (no cgroup filesystem is mounted)', 'none（没有挂载任何 cgroup 文件系统）'),
};

export const cgroup = {
  mode: (mode: CgroupMode, v2Path: string | undefined, v1: string[]): Text => {
    const v2 = v2Path ? t(`; v2 at ${v2Path}`, `；v2 挂载在 ${v2Path}`) : t('', '');
    const onV1 = v1.length ? t(`; v1 controllers: ${list(v1).en}`, `；v1 控制器：${list(v1).zh}`) : t('', '');
    return t(`cgroup mode: ${MODE[mode].en}${v2.en}${onV1.en}`, `cgroup 模式：${MODE[mode].zh}${v2.zh}${onV1.zh}`);
  },
  controllers: (v2Path: string, controllers: string[] | undefined): Text => {
    const file = `${v2Path}/cgroup.controllers`;
    if (controllers === undefined) return t(`cgroup v2 controllers: cannot read ${file}`, `cgroup v2 的控制器：无法读取 ${file}`);
    const found = controllers.length ? list(controllers) : t('(none)', '（没有）');
    return t(`cgroup v2 controllers (${file}): ${found.en}`, `cgroup v2 的控制器（${file}）：${found.zh}`);
  },
  init: (init: InitSystem): Text => {
    const pid1 = init.pid1 ?? t('(unreadable)', '（读不到）').en;
    if (init.manager === 'systemd') {
      return t(
        `init system: systemd (PID 1: ${pid1}) owns the cgroup tree; the labs ask it for a delegated scope (systemd-run --scope --property=Delegate=yes) and write only below it`,
        `init 系统：systemd（1 号进程：${pid1}）管理整棵 cgroup 树；实验向它申请一个委派（delegation）的 scope（systemd-run --scope --property=Delegate=yes），只在 scope 之下写入`,
      );
    }
    const why = init.systemdBooted
      ? t('systemd runs, but systemd-run is not installed', '有 systemd，但没有安装 systemd-run')
      : t('no systemd', '没有 systemd');
    return t(
      `init system: ${pid1} (${why.en}); the labs make their cgroups right under the cgroup v2 root`,
      `init 系统：${pid1}（${why.zh}）；实验直接在 cgroup v2 的根下创建自己的 cgroup`,
    );
  },
  delegated: (controllers: string[]): Text =>
    t(`a delegated systemd scope gets these controllers: ${list(controllers).en}`, `委派（delegation）给 systemd scope 的控制器：${list(controllers).zh}`),
  notDelegated: (probe: DelegationProbe, lacking: string[]): Text =>
    probe.controllers === undefined
      ? t(`a delegated systemd scope could not be had: ${probe.message ?? '?'}`, `无法得到委派的 systemd scope：${probe.message ?? '?'}`)
      : t(
          `a delegated systemd scope gets ${list(probe.controllers).en}, not ${list(lacking).en}`,
          `委派给 systemd scope 的控制器有 ${list(probe.controllers).zh}，但没有 ${list(lacking).zh}`,
        ),
  delegationWhy: t(
    'On a systemd host the cgroup labs get their cgroups from systemd: a transient scope with Delegate=yes, for which systemd enables the controllers from the root down. A controller the scope does not get is one this systemd does not delegate (cpuset needs systemd 244 or later) or this kernel does not offer.',
    '在 systemd 主机上，cgroup 实验从 systemd 那里得到自己的 cgroup：一个 Delegate=yes 的临时 scope 单元（transient scope），systemd 会从根往下为它启用控制器。scope 没有得到的控制器，要么是这个 systemd 不委派的（cpuset 需要 systemd 244 或更新版本），要么是这个内核没有提供的。',
  ),
  delegationFix: t(
    `Update systemd (Debian 12, Ubuntu 22.04 and later delegate every controller the labs use), or use ${VM.en}. Writing to the root's cgroup.subtree_control by hand does not last: systemd undoes it.`,
    `升级 systemd（Debian 12、Ubuntu 22.04 及以后的版本会委派实验用到的所有控制器），或使用${VM.zh}。手工写根 cgroup 的 cgroup.subtree_control 不会长久：systemd 会把它改回去。`,
  ),
  ready: (v2Path: string, manager: CgroupManager): Text =>
    manager === 'systemd'
      ? t(
          `cgroup v2 labs: memory, cpu, cpuset, pids and io are on the v2 hierarchy at ${v2Path}, and systemd delegates them to the labs' scopes`,
          `cgroup v2 实验：memory、cpu、cpuset、pids、io 控制器都在 v2 层级（${v2Path}）上，systemd 会把它们委派给实验的 scope`,
        )
      : t(
          `cgroup v2 labs: memory, cpu, cpuset, pids and io are on the v2 hierarchy at ${v2Path}, enabled in the root's cgroup.subtree_control`,
          `cgroup v2 实验：memory、cpu、cpuset、pids、io 控制器都在 v2 层级（${v2Path}）上，并已在根 cgroup 的 cgroup.subtree_control 中启用`,
        ),
  notReady: (lacking: string[], onV1: string[], notPassed: string[] = []): Text => {
    const absent = lacking.filter((c) => !onV1.includes(c) && !notPassed.includes(c));
    const parts: Text[] = [];
    if (onV1.length) parts.push(t(`${list(onV1).en} live on cgroup v1 here`, `${list(onV1).zh} 在这里属于 cgroup v1`));
    if (absent.length) parts.push(t(`${list(absent).en} not in the v2 hierarchy`, `v2 层级中没有 ${list(absent).zh}`));
    if (notPassed.length)
      parts.push(
        t(`${list(notPassed).en} not enabled in the root's cgroup.subtree_control`, `根 cgroup 的 cgroup.subtree_control 没有启用 ${list(notPassed).zh}`),
      );
    return t(
      `cgroup v2 labs cannot run on this host: ${parts.map((p) => p.en).join('; ')}`,
      `cgroup v2 实验无法在这台宿主机上运行：${parts.map((p) => p.zh).join('；')}`,
    );
  },
  why: t(
    'The cgroup labs set resource limits through memory.max, cpu.max, cpuset.cpus, pids.max and io.max, files that exist only where a cgroup v2 hierarchy holds these controllers.',
    'cgroup 实验通过 memory.max、cpu.max、cpuset.cpus、pids.max 和 io.max 设置资源限制，这些文件只存在于拥有这些控制器的 cgroup v2 层级中。',
  ),
  notPassedWhy: t(
    "No systemd manages cgroups here, so the labs make their cgroups right under the root, and a cgroup has a controller's files only when its parent enables the controller in cgroup.subtree_control.",
    '这里没有 systemd 管理 cgroup，所以实验直接在根下创建 cgroup；而只有父 cgroup 在 cgroup.subtree_control 中启用了某个控制器，子 cgroup 里才会有它的文件。',
  ),
  notPassedFix: (v2Path: string, controllers: string[]): Text =>
    t(
      `\`echo "${controllers.map((c) => `+${c}`).join(' ')}" > ${v2Path}/cgroup.subtree_control\` as root (no init system rewrites it here).`,
      `以 root 身份运行 \`echo "${controllers.map((c) => `+${c}`).join(' ')}" > ${v2Path}/cgroup.subtree_control\`（这里没有 init 系统会改回它）。`,
    ),
  fix: t(
    `Boot with \`systemd.unified_cgroup_hierarchy=1\` on the kernel command line (add it to GRUB_CMDLINE_LINUX in /etc/default/grub, run \`sudo update-grub\`, reboot), or use ${VM.en}.`,
    `在内核命令行加上 \`systemd.unified_cgroup_hierarchy=1\` 启动（加到 /etc/default/grub 的 GRUB_CMDLINE_LINUX，运行 \`sudo update-grub\` 后重启），或使用${VM.zh}。`,
  ),
};

export const overlayfs = {
  found: (source: OverlaySource): Text =>
    source === 'module'
      ? t('overlayfs: available as a kernel module (loaded on first mount)', '叠加文件系统（overlayfs）：以内核模块形式提供（第一次挂载时加载）')
      : t('overlayfs: the kernel has it (/proc/filesystems lists overlay)', '叠加文件系统（overlayfs）：内核已支持（/proc/filesystems 中有 overlay）'),
  missing: (release: string): Text =>
    t(
      `overlayfs: not in /proc/filesystems, no module under /lib/modules/${release}`,
      `叠加文件系统（overlayfs）：/proc/filesystems 中没有，/lib/modules/${release} 下也没有模块`,
    ),
  why: t(
    'The image labs stack read-only image layers and a writable container layer with overlayfs, as Docker does.',
    '镜像实验用 overlayfs 把只读的镜像层和可写层（容器层）叠在一起，和 Docker 的做法一样。',
  ),
  fix: t(
    `\`sudo modprobe overlay\`; if there is no such module, use a distribution kernel or ${VM.en}.`,
    `运行 \`sudo modprobe overlay\`；如果没有这个模块，请换用发行版内核或使用${VM.zh}。`,
  ),
};

export const busybox = {
  found: (path: string): Text => t(`busybox: ${path}`, `busybox：已安装（${path}）`),
  missing: t('busybox: not found on PATH', 'busybox：PATH 中找不到'),
  why: t(
    'The rootfs labs build a tiny root filesystem from one static busybox binary.',
    '根文件系统实验用一个静态链接的 busybox 搭出最小的根文件系统（rootfs）。',
  ),
  fix: t('`sudo apt-get install busybox-static`.', '运行 `sudo apt-get install busybox-static`。'),
};

export const qemu = (path: string | undefined): Text =>
  path
    ? t(`qemu: ${path} (for \`npm run vm\`)`, `qemu：${path}（供 \`npm run vm\` 使用）`)
    : t('qemu: qemu-system-x86_64 is not on PATH (only `npm run vm` needs it)', 'qemu：PATH 中没有 qemu-system-x86_64（只有 `npm run vm` 需要它）');
export const labInit = (path: string | undefined): Text =>
  path
    ? t(`lab-init: ${path} (\`lab container run\` sets a container up in one process)`, `lab-init：${path}（\`lab container run\` 在一个进程里完成容器的准备）`)
    : t(
        'lab-init: not built; `lab container run` sets containers up with the shell, a process per command (slower, same result)',
        'lab-init：没有构建；`lab container run` 改用 shell 准备容器，每条命令一个进程（更慢，结果相同）',
      );
export const labInitFix = t(
  'Install a C compiler (`sudo apt-get install gcc libc6-dev`), then `npm run build`.',
  '安装 C 编译器（`sudo apt-get install gcc libc6-dev`），然后运行 `npm run build`。',
);
export const qemuFix = t('`sudo apt-get install qemu-system-x86`.', '运行 `sudo apt-get install qemu-system-x86`。');

export const kvm = ({ present, usable }: { present: boolean; usable: boolean }): Text => {
  if (usable)
    return t(
      '/dev/kvm: present; the test VM tries hardware acceleration first and falls back to TCG (slower) when KVM makes no progress',
      '/dev/kvm：存在；测试虚拟机先尝试硬件加速，KVM 没有进展时退回到 TCG（较慢）',
    );
  if (present) return t('/dev/kvm: present, but this user cannot open it (join the kvm group)', '/dev/kvm：存在，但当前用户无法打开（请加入 kvm 组）');
  return t('/dev/kvm: absent; a VM would run without hardware acceleration (slowly)', '/dev/kvm：不存在，虚拟机只能不用硬件加速运行（很慢）');
};

export const lab = {
  ready: (id: string): Text => t(`${id}: ready`, `${id}：可以运行`),
  notReady: (id: string, missing: Record<'en' | 'zh', string[]>): Text =>
    t(`${id}: not ready; missing: ${missing.en.join(', ')}`, `${id}：还不能运行，缺少：${missing.zh.join('、')}`),
  notReadyFix: t('Fix the requirements marked ✗ above.', '先解决上面标 ✗ 的要求。'),
  broken: (id: string): Text => t(`${id}: cannot be loaded`, `${id}：无法加载`),
  brokenFix: t('Fix the files named above in labs/<id>/, then `npm run build`.', '修正上面列出的 labs/<id>/ 中的文件，然后运行 `npm run build`。'),
};
