// `lab container run` and `lab container exec`: their flags (Docker's names) and what they print.
import type { Lang } from '../common/vocabulary.js';
import { runExec } from '../runtime/exec.js';
import { runError } from '../runtime/errors.js';
import { runDetached, runForeground } from '../runtime/run.js';
import { listOf, on, parseContainerArgs, usageError, valueOf, type FlagSpec } from './container-args.js';

const RUN_FLAGS: FlagSpec[] = [
  { key: 'rm', names: ['--rm'], kind: 'switch' },
  { key: 'detach', names: ['-d', '--detach'], kind: 'switch' },
  { key: 'interactive', names: ['-i', '--interactive'], kind: 'switch' },
  { key: 'tty', names: ['-t', '--tty'], kind: 'switch' },
  { key: 'name', names: ['--name'], kind: 'value' },
  { key: 'hostname', names: ['-h', '--hostname'], kind: 'value' },
  { key: 'memory', names: ['-m', '--memory'], kind: 'value' },
  { key: 'cpus', names: ['--cpus'], kind: 'value' },
  { key: 'pidsLimit', names: ['--pids-limit'], kind: 'value' },
  { key: 'network', names: ['--network', '--net'], kind: 'value' },
  { key: 'publish', names: ['-p', '--publish'], kind: 'list' },
  { key: 'ipc', names: ['--ipc'], kind: 'value' },
  { key: 'uts', names: ['--uts'], kind: 'value' },
  { key: 'volume', names: ['-v', '--volume'], kind: 'list' },
  { key: 'env', names: ['-e', '--env'], kind: 'list' },
  { key: 'workdir', names: ['-w', '--workdir'], kind: 'value' },
  { key: 'capAdd', names: ['--cap-add'], kind: 'list' },
  { key: 'capDrop', names: ['--cap-drop'], kind: 'list' },
  { key: 'privileged', names: ['--privileged'], kind: 'switch' },
  { key: 'securityOpt', names: ['--security-opt'], kind: 'list' },
  { key: 'user', names: ['-u', '--user'], kind: 'value' },
  { key: 'groupAdd', names: ['--group-add'], kind: 'list' },
  { key: 'bundle', names: ['--bundle'], kind: 'value' },
];

/** The flags config.json replaces under --bundle. */
const CONFIG_FLAGS = [
  'hostname',
  'memory',
  'cpus',
  'pidsLimit',
  'network',
  'publish',
  'ipc',
  'uts',
  'volume',
  'env',
  'workdir',
  'capAdd',
  'capDrop',
  'privileged',
  'securityOpt',
  'user',
  'groupAdd',
];

/** `lab container run --help`. */
export const RUN_USAGE: Record<Lang, string> = {
  en: `Usage: lab container run [OPTIONS] IMAGE [COMMAND] [ARG...]

Create and run a container from a local image (busybox is built on first use), as docker run:
cgroup and limits, namespaces, the image's layers as an overlay with a writable layer on top, pivot_root,
then the command as PID 1. Exit status: the command's own; 128+N when a signal ended it (137: SIGKILL or
OOM-killed); 125 for any error of lab itself (a usage error such as an unknown flag, a bad value or a missing
argument; an unknown image, a name in use, a setup failure); 126 when the command cannot run; 127 when it is
not found.

  -d, --detach            run in the background (a supervisor keeps it) and print the full id
      --rm                remove the container when it ends
      --name NAME         a name (unique); one is made up otherwise
  -h, --hostname NAME     the UTS namespace's hostname (default: the short id)
  -m, --memory SIZE       memory.max, e.g. 20m (needs the v2 memory controller: refused otherwise)
      --cpus N            cpu.max, e.g. 0.5 (v2 cpu controller)
      --pids-limit N      pids.max (v2 pids controller)
      --network NET       bridge (default: eth0 on lab-br0, 172.17.0.0/16, NAT to lab-internet), a network
                          made with \`lab container network create\`, none (only lo), host, container:NAME
  -p, --publish [IP:]HOSTPORT:PORT   publish a TCP port (IP: 127.0.0.1 unless given) through a proxy
      --ipc MODE          private (default) or container:NAME (share its IPC namespace, as a pod's)
      --uts MODE          private (default) or container:NAME (share its UTS namespace: its hostname)
  -v, --volume HOST:DIR[:ro]   bind a host directory (read-only with :ro)
  -e, --env K=V           set a variable (-e K copies it from here)
  -w, --workdir DIR       the working directory inside
      --cap-add CAP       a capability beyond Docker's 14 (SYS_ADMIN or CAP_SYS_ADMIN, any case; ALL)
      --cap-drop CAP      a capability less (ALL: none left but those --cap-add names)
      --privileged        every capability and no seccomp filter; unlike Docker's, lab's --privileged changes
                          only these (devices, /proc and /sys stay as without it)
      --security-opt OPT  seccomp=unconfined (no seccomp filter; by default Docker's profile refuses mount,
                          unshare, keyctl, reboot... with EPERM), no-new-privileges (NoNewPrivs: 1)
  -u, --user UID[:GID]    run the command as this user and group (numbers; GID 0 if not given)
      --group-add GID     a supplementary group (numbers; repeat for more)
  -i, --interactive       keep stdin open
  -t, --tty               a pseudo-terminal (with -i: an interactive shell, job control, window size)
      --bundle DIR        run an OCI runtime bundle (DIR/config.json and its root) instead of an image; then
                          no IMAGE, COMMAND or config flag: everything comes from config.json`,
  zh: `用法：lab container run [选项] 镜像 [命令] [参数...]

从本地镜像创建并运行一个容器（busybox 在第一次使用时构建），和 docker run 一样：cgroup 与限制、
命名空间、镜像的层作为 overlay 再加一个可写层、pivot_root，然后把命令作为 PID 1 运行。退出状态：命令自己的；
被信号结束时为 128+N（137：SIGKILL 或被 OOM 杀死）；lab 自身的任何错误为 125（用法错误，如未知选项、无效的值、
缺少参数；未知镜像、名称已被占用、准备失败）；命令无法执行为 126；找不到命令为 127。

  -d, --detach            在后台运行（由一个监管进程看管），打印完整 ID
      --rm                容器结束时移除它
      --name 名称          名称（唯一）；不指定则自动生成
  -h, --hostname 名称      UTS 命名空间的主机名（默认：短 ID）
  -m, --memory 大小        memory.max，如 20m（需要 v2 的 memory 控制器，否则拒绝）
      --cpus N            cpu.max，如 0.5（v2 的 cpu 控制器）
      --pids-limit N      pids.max（v2 的 pids 控制器）
      --network 网络       bridge（默认：eth0 接在 lab-br0 上，172.17.0.0/16，经 NAT 通往 lab-internet）、
                          用 \`lab container network create\` 创建的网络、none（只有 lo）、host、container:名称
  -p, --publish [IP:]主机端口:端口   发布一个 TCP 端口（IP 不指定则为 127.0.0.1），经由代理进程
      --ipc 模式           private（默认）或 container:名称（共享它的 IPC 命名空间，和 pod 一样）
      --uts 模式           private（默认）或 container:名称（共享它的 UTS 命名空间，即主机名）
  -v, --volume 宿主机目录:目录[:ro]   绑定一个宿主机目录（加 :ro 为只读）
  -e, --env K=V           设置环境变量（-e K 从当前环境复制）
  -w, --workdir 目录       容器内的工作目录
      --cap-add 能力       在 Docker 默认的 14 个能力之外再加一个（SYS_ADMIN 或 CAP_SYS_ADMIN，大小写均可；ALL）
      --cap-drop 能力      去掉一个能力（ALL：全部去掉，只留 --cap-add 指定的）
      --privileged        拥有全部能力，并且没有 seccomp 过滤；和 Docker 不同，lab 的 --privileged 只改变这两项
                          （设备、/proc 和 /sys 与不加时相同）
      --security-opt 选项  seccomp=unconfined（不加 seccomp 过滤；默认时 Docker 的配置以 EPERM 拒绝 mount、
                          unshare、keyctl、reboot 等）、no-new-privileges（NoNewPrivs: 1）
  -u, --user UID[:GID]    以这个用户和组运行命令（数字；不给 GID 则为 0）
      --group-add GID     一个附加组（数字；可重复）
  -i, --interactive       保持标准输入打开
  -t, --tty               伪终端（配合 -i：交互式 shell、作业控制、窗口大小）
      --bundle 目录        运行一个 OCI 运行时 bundle（目录/config.json 及其根目录），而不是镜像；此时不能给
                          镜像、命令或配置选项：一切来自 config.json`,
};

/** `lab container run`. */
export async function runCommand(args: string[], lang: Lang): Promise<number> {
  const parsed = parseContainerArgs('run', args, RUN_FLAGS, true);
  const bundle = valueOf(parsed, 'bundle');
  if (bundle !== undefined) {
    const extra = CONFIG_FLAGS.filter((key) => parsed.flags[key] !== undefined);
    if (extra.length > 0 || parsed.positionals.length > 0) {
      const what = [...extra.map((key) => `--${key}`), ...parsed.positionals].join(' ');
      throw runError('lab container run --bundle', 'invalid-argument', {
        en: `with --bundle everything comes from config.json: ${what} cannot be given`,
        zh: `使用 --bundle 时一切来自 config.json：不能再给 ${what}`,
      });
    }
  }
  const [image = '', ...command] = parsed.positionals;
  if (bundle === undefined && parsed.positionals.length === 0) {
    throw usageError('run', {
      en: '"lab container run" requires at least 1 argument (IMAGE)',
      zh: '"lab container run" 至少需要 1 个参数（镜像）',
    });
  }
  const request = {
    image,
    ...(bundle !== undefined ? { bundle } : {}),
    flags: {
      name: valueOf(parsed, 'name'),
      hostname: valueOf(parsed, 'hostname'),
      memory: valueOf(parsed, 'memory'),
      cpus: valueOf(parsed, 'cpus'),
      pidsLimit: valueOf(parsed, 'pidsLimit'),
      network: valueOf(parsed, 'network'),
      publish: listOf(parsed, 'publish'),
      ipc: valueOf(parsed, 'ipc'),
      uts: valueOf(parsed, 'uts'),
      volumes: listOf(parsed, 'volume'),
      env: listOf(parsed, 'env'),
      workdir: valueOf(parsed, 'workdir'),
      capAdd: listOf(parsed, 'capAdd'),
      capDrop: listOf(parsed, 'capDrop'),
      privileged: on(parsed, 'privileged'),
      securityOpt: listOf(parsed, 'securityOpt'),
      user: valueOf(parsed, 'user'),
      groupAdd: listOf(parsed, 'groupAdd'),
      command,
    },
    autoRemove: on(parsed, 'rm'),
    tty: on(parsed, 'tty'),
    interactive: on(parsed, 'interactive'),
    onNote: (text: { en: string; zh: string }) => void process.stderr.write(`${text[lang]}\n`),
  };
  if (on(parsed, 'detach')) {
    const { id, status } = await runDetached(request);
    if (status !== undefined) {
      process.stderr.write(
        lang === 'zh'
          ? `容器 ${id} 没能启动命令（退出状态 ${status}）：见 lab container logs ${id.slice(0, 12)}\n`
          : `container ${id} could not start its command (exit status ${status}): see lab container logs ${id.slice(0, 12)}\n`,
      );
      return status;
    }
    process.stdout.write(`${id}\n`);
    return 0;
  }
  return runForeground(request);
}

const EXEC_FLAGS: FlagSpec[] = [
  { key: 'interactive', names: ['-i', '--interactive'], kind: 'switch' },
  { key: 'tty', names: ['-t', '--tty'], kind: 'switch' },
  { key: 'env', names: ['-e', '--env'], kind: 'list' },
  { key: 'workdir', names: ['-w', '--workdir'], kind: 'value' },
  { key: 'privileged', names: ['--privileged'], kind: 'switch' },
  { key: 'user', names: ['-u', '--user'], kind: 'value' },
];

/** `lab container exec --help`. */
export const EXEC_USAGE: Record<Lang, string> = {
  en: `Usage: lab container exec [OPTIONS] CONTAINER COMMAND [ARG...]

Run a new process in a running container, as docker exec: it joins the container's cgroup, then its
namespaces and root (nsenter), with the container's environment. Exit status: the command's own; 126 when it
cannot run, 127 when it is not found, 125 for any error of lab itself (a usage error such as an unknown flag, a
bad value or a missing argument; no such container, one that is not running).

  -i, --interactive       keep stdin open
  -t, --tty               a pseudo-terminal
  -e, --env K=V           set a variable
  -w, --workdir DIR       the working directory inside
      --privileged        every capability (otherwise the container's: Docker's 14, --cap-add, --cap-drop)
  -u, --user UID[:GID]    run as this user (numbers; otherwise the container's --user, or root)`,
  zh: `用法：lab container exec [选项] 容器 命令 [参数...]

在正在运行的容器里运行一个新进程，和 docker exec 一样：它先加入容器的 cgroup，再进入容器的命名空间和根目录
（nsenter），使用容器的环境变量。退出状态：命令自己的；无法执行为 126，找不到为 127，lab 自身的任何错误为 125
（用法错误，如未知选项、无效的值、缺少参数；没有这个容器、容器没有在运行）。

  -i, --interactive       保持标准输入打开
  -t, --tty               伪终端
  -e, --env K=V           设置环境变量
  -w, --workdir 目录       容器内的工作目录
      --privileged        拥有全部能力（否则与容器相同：Docker 默认的 14 个，加上 --cap-add、减去 --cap-drop）
  -u, --user UID[:GID]    以这个用户运行（数字；否则为容器的 --user，或 root）`,
};

/** `lab container exec`. */
export async function execCommand(args: string[]): Promise<number> {
  const parsed = parseContainerArgs('exec', args, EXEC_FLAGS, true);
  const [container, ...command] = parsed.positionals;
  if (container === undefined || command.length === 0) {
    throw usageError('exec', {
      en: '"lab container exec" requires at least 2 arguments (CONTAINER COMMAND)',
      zh: '"lab container exec" 至少需要 2 个参数（容器 命令）',
    });
  }
  const workdir = valueOf(parsed, 'workdir');
  const user = valueOf(parsed, 'user');
  return runExec({
    ...(user !== undefined ? { user } : {}),
    container,
    command,
    env: listOf(parsed, 'env'),
    ...(workdir !== undefined ? { workdir } : {}),
    privileged: on(parsed, 'privileged'),
    interactive: on(parsed, 'interactive'),
    tty: on(parsed, 'tty'),
  });
}
