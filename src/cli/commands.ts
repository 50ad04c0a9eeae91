// The subcommands, once: name, arguments, options, one-line summary and README text in both languages, who the
// command is for, and the module that runs it. `lab --help`, the dispatch in main.ts, each command's usage line and
// the README's command table (scripts/readme-commands.mjs) are all made from this table. Light on purpose: it
// imports no command module, so `lab list` loads only its own.
import type { Lang, Text } from '../common/vocabulary.js';

/** What every subcommand module exports. */
export interface Command {
  /** Run with the arguments after the subcommand name; resolves to the exit status. */
  run(args: string[], lang: Lang): Promise<number>;
  /** `lab <command> --help`; its usage line agrees with the table (test/cli/commands.test.ts). */
  help: Record<Lang, string>;
}

/** One row of the table. */
export interface CommandEntry {
  /** The word after `lab`; the module is src/cli/<name>.ts. */
  name: string;
  /** Its arguments as the usage line writes them (`<id>`, `<id>... | --all`); empty when it takes none. */
  args: string;
  /** Its own options as the usage line writes them (`[--json]`); `--lang` and `--help` go without saying. */
  options: string;
  /** One line in `lab --help`. */
  summary: Text;
  /** What the READMEs say of it (markdown, one paragraph): its row of the table in README.md and in README.zh-CN.md. */
  readme: Text;
  /** `learner`: under "Commands" in `lab --help`; `author`: under "For lab authors", for people writing labs. */
  audience: 'learner' | 'author';
  /** The module that runs it, loaded only when the command is used. */
  load(): Promise<Command>;
}

/** Every subcommand, in the order `lab --help` and the README list them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'list',
    args: '',
    options: '[--json]',
    summary: { en: 'the labs, whether this host can run them, and your progress', zh: '列出实验、本机能否运行、你的进度' },
    readme: {
      en: 'the labs, whether this host can run each one (and what is missing), and your progress; `--json`',
      zh: '列出实验、本机能否运行（缺什么）和你的进度（progress）；`--json`。',
    },
    audience: 'learner',
    load: () => import('./list.js'),
  },
  {
    name: 'run',
    args: '<id>',
    options: '[--yes] [--plain | --tap | --json]',
    summary: {
      en: 'walk through a lab step by step (--yes: no pauses; --plain, --tap, --json)',
      zh: '一步一步完成一个实验（--yes：不停顿；--plain、--tap、--json）',
    },
    readme: {
      en:
        'walk through a lab; on a terminal in the full-screen [terminal UI](#the-terminal-ui). `--plain` keeps the line ' +
        'prompt (on a task, `Enter` opens a shell, `c` checks, `h` gives a hint, `q` quits). `--yes` runs straight ' +
        'through in plain text (tasks with their reference solution); `--tap`, `--json` choose the output',
      zh:
        '一步一步完成实验；在终端上是全屏的[终端界面](#终端界面)；`--plain` 使用逐行提示：动手任务（task）中按回车' +
        '打开 shell，`c` 检查（check），`h` 提示（hint），`q` 退出。`--yes` 不停顿地以纯文本运行到底（动手任务用参考答案完成）；' +
        '`--tap`、`--json` 选择输出格式。',
    },
    audience: 'learner',
    load: () => import('./run.js'),
  },
  {
    name: 'verify',
    args: '<id>... | --all',
    options: '[--tap | --json | --plain] [--prove-checks]',
    summary: {
      en: 'run labs with their reference solutions and check every step (--tap, --json, --prove-checks)',
      zh: '用参考答案运行实验并检查每一步（--tap、--json、--prove-checks）',
    },
    readme: {
      en:
        'run labs with their reference solutions and check every step; exit 0 only when every check passed. A lab this ' +
        'host cannot run is skipped with the reason (in TAP a `# SKIP` point with what is missing, why and the fix) and ' +
        "listed at the end; skips leave `--all`'s exit status alone, while a skipped lab named explicitly makes it 1. " +
        '`--tap` prints TAP 14, where a command that fails carries the last 20 lines of its output in its diagnostic. ' +
        "`--prove-checks` also reads each step's checks before its commands, where every one must fail: proof, on this " +
        'host, that no check passes whatever the kernel holds',
      zh:
        '用参考答案运行实验并检查每一步，全部通过时退出状态为 0。加上 `--prove-checks` 时，每一步的检查还会在它的命令之前读一次，' +
        '这时必须全部失败：在本机上证明没有哪项检查无论内核状态如何都会通过。本机无法运行的实验会被跳过并说明原因（TAP 中是带原因的 ' +
        '`# SKIP` 测试点），汇总中列出；`--all` 时跳过不影响退出状态，明确指定的实验被跳过时退出状态为 1。',
    },
    audience: 'learner',
    load: () => import('./verify.js'),
  },
  {
    name: 'shell',
    args: '<id>',
    options: '',
    summary: { en: "a shell inside a running lab's namespaces", zh: '进入正在运行的实验的命名空间，打开一个 shell' },
    readme: {
      en:
        "a shell inside a running lab's namespaces, from another terminal (it is what `docker exec -it` does: `nsenter` " +
        "with the host PID of the lab's init)",
      zh: '在另一个终端进入正在运行的实验的命名空间（这就是 `docker exec -it` 做的事：用实验 init 进程在宿主机上的 PID 运行 `nsenter`）。',
    },
    audience: 'learner',
    load: () => import('./shell.js'),
  },
  {
    name: 'hint',
    args: '<id> [<step>]',
    options: '[--all]',
    summary: { en: 'the next hint for the step you are on (--all: every hint)', zh: '当前步骤的下一条提示（--all：所有提示）' },
    readme: {
      en:
        'the next hint of the step you are on (or of the step named): each call shows one more, from a nudge to the ' +
        'command ("hint 2 of 3"); your progress keeps the count, `lab reset` clears it; `--all` shows every hint',
      zh: '显示你所在步骤（也可以指定步骤）的下一条提示：每运行一次多显示一条，从点拨到具体命令；进度会记住看过几条，`lab reset` 会清除；`--all` 显示所有提示。',
    },
    audience: 'learner',
    load: () => import('./hint.js'),
  },
  {
    name: 'progress',
    args: '',
    options: '[--json]',
    summary: { en: 'where you stand in each lab, your last run, hints used', zh: '你在每个实验中的进度、最近一次运行、看过的提示' },
    readme: {
      en:
        'where you stand in each lab: complete (one run passed every check), every step passed but not in one run, in ' +
        'progress (k of n steps) or not started; the last run; hints used; `--json`',
      zh: '你在每个实验中的进度（progress）：已完成（同一次运行通过了所有检查）、每个步骤都通过了但不是在同一次运行中、进行中（n 个步骤中通过了 k 个）或未开始；最近一次运行；看过的提示；`--json`。',
    },
    audience: 'learner',
    load: () => import('./progress.js'),
  },
  {
    name: 'report',
    args: '[<id>...]',
    options: '[--format json|junit|tap] [--output FILE]',
    summary: { en: 'your progress as a file for an instructor (JSON, JUnit XML, TAP)', zh: '把你的进度生成一份交给讲师的文件（JSON、JUnit XML、TAP）' },
    readme: {
      en:
        'your progress as a file for an instructor who collects files: labs, steps and checks with their times, the ' +
        "machine's facts from `lab doctor`, your name if you joined a class; `--format json` (default), `junit` or " +
        '`tap`; `--output FILE`',
      zh: '为收集文件的讲师生成进度报告：实验、步骤和检查及其时间，`lab doctor` 检测到的本机情况，加入课堂时还有你的名字；`--format json`（默认）、`junit` 或 `tap`；`--output FILE`。',
    },
    audience: 'learner',
    load: () => import('./report.js'),
  },
  {
    name: 'solution',
    args: '<id> [<step>]',
    options: '',
    summary: { en: "a lab's reference solution, per task step", zh: '实验每个任务步骤的参考答案' },
    readme: {
      en: "the reference solution of a lab's task steps, the commands `lab verify` applies; words known only while the lab runs are placeholders (`<PID>`, `$LAB_CGROUP`). The capstone hides its solution until asked here",
      zh: '显示实验各个任务步骤的参考答案，即 `lab verify` 执行的命令；只有实验运行时才知道的词用占位符表示（`<PID>`、`$LAB_CGROUP`）。综合实验（capstone）在你在这里查看之前不显示答案。',
    },
    audience: 'learner',
    load: () => import('./solution.js'),
  },
  {
    name: 'doctor',
    args: '',
    options: '[--json]',
    summary: { en: 'what this host offers and what each lab needs', zh: '本机具备什么、每个实验需要什么' },
    readme: {
      en:
        'what this host offers: root, kernel, util-linux, which namespaces `unshare` can create, the cgroup mode ' +
        '(unified, hybrid or legacy) and the controllers the v2 hierarchy really has, the init system and, on systemd, ' +
        'the controllers a delegated scope really gets (it asks systemd for one), overlayfs, busybox, qemu, KVM; why a ' +
        'lab needs each missing item and how to fix it, for this host',
      zh: '检查本机：root、内核、util-linux、能创建哪些命名空间、cgroup 模式与 v2 控制器（controller）等，并说明缺什么、怎么解决。',
    },
    audience: 'learner',
    load: () => import('./doctor.js'),
  },
  {
    name: 'container',
    args: '<subcommand> [args...]',
    options: '',
    summary: {
      en: 'containers as Docker runs them: run, exec, ps, logs, stop, rm, inspect, commit, export, images, network',
      zh: '像 Docker 一样运行和管理容器：run、exec、ps、logs、stop、rm、inspect、commit、export、images、network',
    },
    readme: {
      en:
        "Docker's container commands on lab's own runtime, so what you type transfers: `run [--rm] [-d] [-it] [--name N] " +
        '[--hostname H] [--memory M] [--cpus C] [--pids-limit P] [--cap-add C] [--cap-drop C] [--privileged] ' +
        '[--security-opt seccomp=unconfined|no-new-privileges] [-u UID[:GID]] [--group-add GID] ' +
        '[--network bridge|NET|none|host|container:N] [-p [IP:]HOSTPORT:PORT] [--ipc container:N] [--uts container:N] [-v HOST:DIR[:ro]] ' +
        '[-e K=V] [-w DIR] IMAGE [CMD...]`, `exec [-it] [-e] [-w]`, `ps [-a] [-q]`, `logs [-f]`, `stop [-t N]`, `rm [-f]`, ' +
        "`network create|ls|rm|inspect` (bridges with NAT, kept in lab's own namespace lab-host-net), " +
        '`inspect`, `commit CONTAINER NAME[:TAG]` (the writable layer as a new top layer), `export [-o FILE]` (the merged ' +
        "view as a tar), `run --bundle DIR` (an OCI runtime bundle), `images`, `import`, `load`, `rmi`; exit status the command's own, " +
        '128+N for a signal (137: SIGKILL or OOM), 125 for a usage error and for any error of lab in `run` and `exec` ' +
        '(1 for the other subcommands), 126/127 for a command that cannot run or is not found; a detached container is kept by a small supervisor ' +
        'and journaled, so `rm` and `lab clean` remove it; `busybox` is built offline on first use',
      zh:
        '在 lab 自己的运行时上提供 Docker 的容器命令，敲的命令可以直接迁移：`run`（默认接入网桥网络，`-p` 发布端口）、`exec`、`ps`、`logs`、`stop`、`rm`、`inspect`、' +
        '`network create|ls|rm|inspect`（带 NAT 的网桥，放在 lab 自己的命名空间 lab-host-net 里）、' +
        '`commit`（把可写层作为新的顶层）、`export`（把合并视图写成 tar）、`run --bundle`（OCI 运行时 bundle）、`images`、`import`、`load`、`rmi`，' +
        '选项与退出状态和 Docker 相同（命令自己的状态；信号为 128+N，137 表示 SIGKILL 或 OOM；用法错误为 125，`run` 和 `exec` 中 lab 自身的任何错误也是 125，其他子命令为 1；' +
        '命令无法执行或找不到为 126/127）；后台容器由一个小的监管进程看管并记入日志（journal），`rm` 和 `lab clean` 会移除它；' +
        '`busybox` 镜像在第一次使用时离线构建。',
    },
    audience: 'learner',
    load: () => import('./container.js'),
  },
  {
    name: 'inspect',
    args: '<pid | container>',
    options: '[--json]',
    summary: {
      en: 'an X-ray of a running process: its namespaces, cgroup, root, capabilities',
      zh: '给运行中的进程拍 X 光片：命名空间、cgroup、根目录、能力',
    },
    readme: {
      en:
        'an X-ray of any running process (a PID, or a `lab container` by name or id): what makes it a container, read ' +
        "from the kernel only: each namespace against the host's PID 1 (its own or the host's, and which processes share " +
        'it; NSpid, uid_map, gid_map), its cgroup v2 path and the limits in its files, the mount at its `/` and an ' +
        "overlay's layers, CapEff/CapPrm/CapBnd by name and what it lacks, Seccomp and NoNewPrivs; the verdict on the " +
        'first line; `--json`. Works on runc, crun, Docker and Podman containers too',
      zh:
        '给任何运行中的进程（PID，或按名称、id 指定的 `lab container` 容器）拍 X 光片，只从内核读取：每个命名空间与宿主机 PID 1 ' +
        '的对照（自己的还是宿主机的、还有谁在其中；NSpid、uid_map、gid_map）、cgroup v2 路径及其文件中的限制、`/` 处的挂载和叠加文件系统的各层、' +
        '按名称列出的能力（capability）及缺少的能力、Seccomp 与 NoNewPrivs；第一行是结论；`--json`。对 runc、crun、Docker、Podman 的容器同样有效。',
    },
    audience: 'learner',
    load: () => import('./inspect.js'),
  },
  {
    name: 'class',
    args: '<serve|join|leave|status> [args...]',
    options: '',
    summary: {
      en: 'for workshops: a live class view (serve on the instructor machine, join on each learner machine)',
      zh: '用于工作坊：实时课堂视图（讲师机器上 serve，每台学员机器上 join）',
    },
    readme: {
      en:
        "for workshops: `serve [--port 8080] [--host 127.0.0.1|0.0.0.0] [--title T] [--dir DIR]` on the instructor's machine " +
        "prints the join line with a class code and the page (live, English and Chinese) showing every learner's lab, step, " +
        "passes, failures and who is stuck; `join <url> --name N --code C` on a learner's machine makes every `lab run` report " +
        'its progress (never commands, output or file contents; queued on disk while the server is unreachable); `leave`, `status`',
      zh:
        '用于工作坊：在讲师机器上运行 `serve [--port 8080] [--host 127.0.0.1|0.0.0.0] [--title T] [--dir DIR]`，打印带课堂码的加入命令' +
        '和课堂页面（实时，中英文），显示每位学员的实验、步骤、通过、失败以及谁卡住了；在学员机器上运行 `join <url> --name N --code C` 后，' +
        '每次 `lab run` 都会报告进度（从不发送命令、输出或文件内容；服务器连不上时先在磁盘上排队）；`leave`、`status`。',
    },
    audience: 'learner',
    load: () => import('./class.js'),
  },
  {
    name: 'clean',
    args: '',
    options: '',
    summary: { en: 'remove everything a lab left behind (after a crash or kill -9)', zh: '清理实验留下的一切（崩溃或 kill -9 之后）' },
    readme: {
      en: 'remove everything any lab left behind, newest first, from the journals; a run in progress is left to its harness',
      zh: '按日志从新到旧清理（clean up）实验留下的一切；正在进行的运行留给它自己的 `lab` 进程。',
    },
    audience: 'learner',
    load: () => import('./clean.js'),
  },
  {
    name: 'reset',
    args: '[<id>]',
    options: '',
    summary: { en: 'forget progress (of one lab or all) and clean up', zh: '清除进度（某个实验或全部）并清理' },
    readme: { en: 'clean up and forget your progress', zh: '清理并清除进度。' },
    audience: 'learner',
    load: () => import('./reset.js'),
  },
  {
    name: 'new',
    args: '<id>',
    options: '[--dir DIR]',
    summary: { en: 'write a skeleton lab to start a new one from (labs/<id>/)', zh: '写出一个新实验的骨架（labs/<id>/），从它开始编写' },
    readme: {
      en:
        'for lab authors: writes `labs/<id>/lab.ts`, `en.md` and `zh.md`, a commented skeleton that validates and whose ' +
        'one check fails until you write its step; see [CONTRIBUTING.md](CONTRIBUTING.md)',
      zh: '供实验作者使用：写出 `labs/<id>/lab.ts`、`en.md` 和 `zh.md`，一个带注释、能通过校验的骨架，它唯一的检查在你写好这一步之前一直失败；见 [CONTRIBUTING.md](CONTRIBUTING.md)。',
    },
    audience: 'author',
    load: () => import('./new.js'),
  },
  {
    name: 'dev',
    args: 'check [<id>...]',
    options: '[--static] [--json]',
    summary: {
      en: 'check labs: ids unique, both languages in step, every check able to fail, the host left as it was',
      zh: '检查实验：id 不重复、两种语言一致、每项检查都能失败、宿主机保持原样',
    },
    readme: {
      en:
        'for lab authors: finds ids or orders used twice, en.md and zh.md out of step, a step without a check, a check ' +
        'that passes before its step, and (unless `--static`) runs each lab this host can run to prove every check and ' +
        'that the host is left as it was; `npm test` runs it too',
      zh: '供实验作者使用：找出重复的 id 或顺序号、不一致的 en.md 和 zh.md、没有检查的步骤、在步骤之前就通过的检查；除非加 `--static`，还会运行本机能运行的每个实验，证明每项检查有效、宿主机保持原样；`npm test` 也会运行它。',
    },
    audience: 'author',
    load: () => import('./dev.js'),
  },
];

/** The options every command takes, as `lab --help` lists them. */
export const GLOBAL_OPTIONS: readonly { flag: string; text: Text }[] = [
  { flag: '--lang en|zh', text: { en: 'language (default: from LANG / LC_ALL)', zh: '语言（默认取自 LANG / LC_ALL）' } },
  { flag: '--help', text: { en: 'help for lab or for a command', zh: '查看 lab 或某个命令的帮助' } },
  { flag: '--version', text: { en: "lab's version", zh: 'lab 的版本' } },
];

/** The row of a command, or undefined for a word that names none. */
export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((command) => command.name === name);
}

/** `<name> <args>`: how `lab --help` and the README name a command. */
export function synopsis(command: CommandEntry): string {
  return [command.name, command.args].filter(Boolean).join(' ');
}

/** The usage line of a command, as its own `--help` begins: `Usage: lab verify <id>... | --all [--tap ...] [--lang en|zh]`. */
export function usageLine(command: CommandEntry, lang: Lang): string {
  const words = ['lab', synopsis(command), command.options, '[--lang en|zh]'].filter(Boolean).join(' ');
  return `${lang === 'zh' ? '用法：' : 'Usage: '}${words}`;
}

const HEAD: Record<Lang, { title: string; usage: string; commands: string; authors: string; options: string; start: string }> = {
  en: {
    title: 'lab: guided exercises that show how Linux containers work (container = namespaces + cgroups + a rootfs)',
    usage: 'Usage: lab <command> [options]',
    commands: 'Commands:',
    authors: 'For lab authors (see CONTRIBUTING.md):',
    options: 'Options:',
    start: 'Start with: sudo lab run pid-namespace',
  },
  zh: {
    title: 'lab：动手实验，看清 Linux 容器的原理（容器 = 命名空间 + cgroup + 根文件系统）',
    usage: '用法：lab <命令> [选项]',
    commands: '命令：',
    authors: '供实验作者使用（见 CONTRIBUTING.md）：',
    options: '选项：',
    start: '从这里开始：sudo lab run pid-namespace',
  },
};

/** `lab --help`: the learner's commands, the authors' commands, the options every command takes. */
export function mainUsage(lang: Lang): string {
  const head = HEAD[lang];
  // Summaries start in one column, three spaces after the longest name.
  const width = Math.max(...COMMANDS.map((c) => synopsis(c).length), ...GLOBAL_OPTIONS.map((o) => o.flag.length)) + 3;
  const row = (left: string, text: string): string => `  ${left.padEnd(width)}${text}`;
  const rows = (audience: CommandEntry['audience']): string[] => COMMANDS.filter((c) => c.audience === audience).map((c) => row(synopsis(c), c.summary[lang]));
  return [
    head.title,
    '',
    head.usage,
    '',
    head.commands,
    ...rows('learner'),
    '',
    head.authors,
    ...rows('author'),
    '',
    head.options,
    ...GLOBAL_OPTIONS.map((o) => row(o.flag, o.text[lang])),
    '',
    head.start,
  ].join('\n');
}
