// `lab container <subcommand>`: Docker's container commands on lab's runtime (src/runtime). One table of
// subcommands, {name, run, usage}; each gets its own --help in both languages, which says its exit statuses. One
// rule, Docker's (src/cli/container-args.ts): a usage error exits 125 in every subcommand; run and exec exit 125
// for every error of lab itself (126 and 127 are the command's); the others exit 1 for an operational error.
import { LabError } from '../common/errors.js';
import type { Lang } from '../common/vocabulary.js';
import { commitCommand, exportCommand, inspectCommand, logsCommand, MANAGE_USAGE, psCommand, rmCommand, stopCommand } from './container-manage.js';
import { IMAGE_COMMANDS } from './container-images.js';
import { NETWORK_USAGE, networkCommand } from './container-network.js';
import { EXEC_USAGE, execCommand, RUN_USAGE, runCommand } from './container-run.js';

/** One subcommand: its name, what runs it (resolves to the exit status), its --help text. */
export interface ContainerSubcommand {
  name: string;
  run(args: string[], lang: Lang): Promise<number>;
  usage: Record<Lang, string>;
}

/** Every subcommand, in the order the help lists them. */
export const SUBCOMMANDS: ContainerSubcommand[] = [
  { name: 'run', run: runCommand, usage: RUN_USAGE },
  { name: 'exec', run: (args) => execCommand(args), usage: EXEC_USAGE },
  { name: 'ps', run: (args) => psCommand(args), usage: MANAGE_USAGE.ps },
  { name: 'logs', run: (args) => logsCommand(args), usage: MANAGE_USAGE.logs },
  { name: 'stop', run: (args) => stopCommand(args), usage: MANAGE_USAGE.stop },
  { name: 'rm', run: (args) => rmCommand(args), usage: MANAGE_USAGE.rm },
  { name: 'inspect', run: (args) => inspectCommand(args), usage: MANAGE_USAGE.inspect },
  { name: 'commit', run: (args) => commitCommand(args), usage: MANAGE_USAGE.commit },
  { name: 'export', run: (args) => exportCommand(args), usage: MANAGE_USAGE.export },
  { name: 'network', run: (args) => networkCommand(args), usage: NETWORK_USAGE },
  ...(['images', 'import', 'load', 'rmi'] as const).map((name) => ({ name, run: IMAGE_COMMANDS[name].run, usage: IMAGE_COMMANDS[name].help })),
];

/** `lab container --help`: the usage line, then each subcommand's first line. */
function overview(lang: Lang): string {
  const lines = SUBCOMMANDS.map((s) => `  ${s.usage[lang].split('\n')[0]!.replace(/^(Usage: |用法：)lab container /, '')}`);
  return lang === 'zh'
    ? `用法：lab container <subcommand> [args...] [--lang en|zh]\n\n容器，和 Docker 的容器命令一样（镜像只在本地，不从仓库拉取）：\n${lines.join('\n')}\n\n每个子命令的 --help 说明它的选项和退出状态：用法错误一律为 125；run 和 exec 的其他错误也为 125，其余子命令为 1。`
    : `Usage: lab container <subcommand> [args...] [--lang en|zh]\n\nContainers, as Docker's container commands (images are local only, nothing is pulled):\n${lines.join('\n')}\n\nEach subcommand's --help gives its options and exit statuses: 125 for a usage error in all of them; for other\nerrors of lab, 125 in run and exec, 1 in the others.`;
}

/** Both languages of `lab container --help`. */
export const help: Record<Lang, string> = { en: overview('en'), zh: overview('zh') };

/** Whether the arguments ask for help before any positional word (after it they are the container command's). */
function wantsHelp(name: string, args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--help' || (arg === '-h' && name !== 'run')) return true;
    if (!arg.startsWith('-') || arg === '--') return false;
  }
  return false;
}

/** Run `lab container ...`. */
export async function run(args: string[], lang: Lang): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${overview(lang)}\n`);
    return name === undefined ? 2 : 0;
  }
  const sub = SUBCOMMANDS.find((s) => s.name === name);
  if (!sub) {
    throw new LabError({
      operation: `lab container ${name}`,
      code: 'usage',
      meaning: {
        en: `Unknown subcommand. Subcommands: ${SUBCOMMANDS.map((s) => s.name).join(', ')}.`,
        zh: `未知子命令。可用子命令：${SUBCOMMANDS.map((s) => s.name).join('、')}。`,
      },
      fix: { en: 'See `lab container --help`.', zh: '参见 `lab container --help`。' },
      exitCode: 125,
    });
  }
  if (wantsHelp(name, rest)) {
    process.stdout.write(`${sub.usage[lang]}\n`);
    return 0;
  }
  return sub.run(rest, lang);
}
