// `lab`: dispatches to one module per subcommand, loaded only when used so that `lab list` starts fast. The
// commands, their summaries and `lab --help` come from one table, src/cli/commands.ts.
import { LabError } from '../common/errors.js';
import { reportError } from '../ui/error.js';
import { pickLang } from '../ui/lang.js';
import { usage } from './args.js';
import { COMMANDS, findCommand, mainUsage } from './commands.js';

/** What every subcommand module exports (defined beside the table of commands). */
export type { Command } from './commands.js';

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
      process.stdout.write(`${mainUsage(lang)}\n`);
      code = name === undefined ? 2 : 0;
    } else {
      const entry = findCommand(name);
      if (!entry) {
        const names = COMMANDS.map((c) => c.name);
        throw usage(`lab ${name}`, {
          en: `Unknown command. Commands: ${names.join(', ')}.`,
          zh: `未知命令。可用命令：${names.join('、')}。`,
        });
      }
      const command = await entry.load();
      // `lab container` reads its own --help: after IMAGE or CONTAINER the words are the container command's.
      if (entry.name !== 'container' && (args.includes('--help') || args.includes('-h'))) {
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
