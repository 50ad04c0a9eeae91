// `lab`: dispatches to one module per subcommand, loaded only when used so that `lab list` starts fast. The
// commands, their summaries and `lab --help` come from one table, src/cli/commands.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../lab/paths.js';
import { usage } from './args.js';
import { COMMANDS, findCommand, mainUsage } from './commands.js';
import { runEntry } from './entry.js';

/** The version in the package's package.json. */
function labVersion(): string {
  const file = join(projectRoot(), 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** What every subcommand module exports (defined beside the table of commands). */
export type { Command } from './commands.js';

/** Entry point: parse, dispatch, print expected errors without a stack trace, set the exit status. */
export async function main(argv: string[]): Promise<void> {
  await runEntry(argv, async (rest, lang) => {
    const [name, ...args] = rest;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(`${mainUsage(lang)}\n`);
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-V') {
      if (args.length > 0) throw usage(`lab ${rest.join(' ')}`, { en: '--version takes no arguments.', zh: '--version 不接受参数。' });
      process.stdout.write(`lab ${labVersion()}\n`);
      return 0;
    }
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
      return 0;
    }
    return command.run(args, lang);
  });
}
