// `lab`: dispatches to one module per subcommand, loaded only when used so that `lab list` starts fast.
import { LabError } from '../common/errors.js';
import type { Lang } from '../lab/spec.js';
import { reportError } from '../ui/error.js';
import { pickLang } from '../ui/lang.js';
import { usage } from './args.js';

/** What every subcommand module exports. */
export interface Command {
  /** Run with the arguments after the subcommand name; resolves to the exit status. */
  run(args: string[], lang: Lang): Promise<number>;
  /** `lab <command> --help`. */
  help: Record<Lang, string>;
}

const COMMANDS = ['list', 'run', 'verify', 'shell', 'hint', 'doctor', 'clean', 'reset'] as const;
type CommandName = (typeof COMMANDS)[number];

const load = (name: CommandName): Promise<Command> => import(`./${name}.js`) as Promise<Command>;

const USAGE: Record<Lang, string> = {
  en: `lab: guided exercises that show how Linux containers work (container = namespaces + cgroups + a rootfs)

Usage: lab <command> [options]

Commands:
  list                 the labs, whether this host can run them, and your progress
  run <id>             walk through a lab step by step (--yes: no pauses; --plain, --tap, --json)
  verify [<id>...]     run labs with their reference solutions and check every step (--all, --tap, --json)
  shell <id>           a shell inside a running lab's namespaces
  hint <id> [<step>]   hints for the step you are on
  doctor               what this host offers and what each lab needs
  clean                remove everything a lab left behind (after a crash or kill -9)
  reset [<id>]         forget progress (of one lab or all) and clean up

Options:
  --lang en|zh         language (default: from LANG / LC_ALL)
  --help               help for lab or for a command

Start with: sudo lab run pid-namespace`,
  zh: `lab：动手实验，看清 Linux 容器的原理（容器 = 命名空间 + cgroup + 根文件系统）

用法：lab <命令> [选项]

命令：
  list                 列出实验、本机能否运行、你的进度
  run <id>             一步一步完成一个实验（--yes：不停顿；--plain、--tap、--json）
  verify [<id>...]     用参考答案运行实验并检查每一步（--all、--tap、--json）
  shell <id>           进入正在运行的实验的命名空间，打开一个 shell
  hint <id> [<step>]   当前步骤的提示
  doctor               本机具备什么、每个实验需要什么
  clean                清理实验留下的一切（崩溃或 kill -9 之后）
  reset [<id>]         清除进度（某个实验或全部）并清理

选项：
  --lang en|zh         语言（默认取自 LANG / LC_ALL）
  --help               查看 lab 或某个命令的帮助

从这里开始：sudo lab run pid-namespace`,
};

/** Take `--lang X` / `--lang=X` out of the arguments, wherever it stands. */
function extractLang(argv: string[]): { lang: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let lang: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--lang') lang = argv[++i] ?? '';
    else if (arg.startsWith('--lang=')) lang = arg.slice('--lang='.length);
    else rest.push(arg);
  }
  return { lang, rest };
}

/** Entry point: parse, dispatch, print expected errors without a stack trace, set the exit status. */
export async function main(argv: string[]): Promise<void> {
  // A closed terminal (EIO after SIGHUP) or pipe (EPIPE: `lab list | head`) must not crash a run before its cleanup.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  const { lang: langFlag, rest } = extractLang(argv);
  const lang = pickLang(langFlag);
  let code: number;
  try {
    if (langFlag !== undefined && langFlag !== 'en' && langFlag !== 'zh') {
      throw usage(`--lang ${langFlag}`, { en: '--lang takes en or zh.', zh: '--lang 只能是 en 或 zh。' });
    }
    const [name, ...args] = rest;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(`${USAGE[lang]}\n`);
      code = name === undefined ? 2 : 0;
    } else if (!(COMMANDS as readonly string[]).includes(name)) {
      throw usage(`lab ${name}`, {
        en: `Unknown command. Commands: ${COMMANDS.join(', ')}.`,
        zh: `未知命令。可用命令：${COMMANDS.join('、')}。`,
      });
    } else {
      const command = await load(name as CommandName);
      if (args.includes('--help') || args.includes('-h')) {
        process.stdout.write(`${command.help[lang]}\n`);
        code = 0;
      } else {
        code = await command.run(args, lang);
      }
    }
  } catch (error) {
    reportError(error, lang);
    code = error instanceof LabError ? error.exitCode : 70;
  }
  process.exitCode = code;
}
