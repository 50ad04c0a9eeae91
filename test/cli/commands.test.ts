// The table of commands (src/cli/commands.ts) is the one source: `lab --help` lists every row under its audience,
// the dispatch runs every row's module and refuses any other word, and each command's own `--help` starts with the
// usage line the table gives it (so a new option shows up in both or fails here).
import t from 'tap';
import { COMMANDS, mainUsage, synopsis, usageLine } from '../../src/cli/commands.js';
import type { Lang } from '../../src/common/vocabulary.js';
import { cli } from '../helpers.js';

const LANGS: Lang[] = ['en', 'zh'];

/** A text matched as it is inside a regular expression. */
const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

t.test("lab --help lists every command with its summary, the authors' commands apart", async (t) => {
  for (const lang of LANGS) {
    const r = cli(['--help', '--lang', lang]);
    t.equal(r.status, 0);
    t.equal(r.stdout, `${mainUsage(lang)}\n`, `${lang}: the text made from the table`);
    const [learners, authors] = r.stdout.split(lang === 'zh' ? '供实验作者使用' : 'For lab authors');
    for (const command of COMMANDS) {
      const line = new RegExp(`^  ${literal(synopsis(command))} +${literal(command.summary[lang])}$`, 'm');
      t.match(command.audience === 'author' ? authors : learners, line, `${lang}: ${command.name}, under its audience`);
    }
  }
  t.match(cli(['--help', '--lang', 'en']).stdout, /For lab authors[^\n]*\n  new <id> /, '`lab new` is an author command');
});

t.test('every row runs a module with run() and help in both languages', async (t) => {
  t.same(new Set(COMMANDS.map((c) => c.name)).size, COMMANDS.length, 'names are unique');
  for (const command of COMMANDS) {
    const module = await command.load();
    t.type(module.run, 'function', `${command.name}: run`);
    for (const lang of LANGS) t.ok(module.help[lang].trim(), `${command.name}: help in ${lang}`);
  }
});

t.test("each command's --help has the usage line the table gives it", async (t) => {
  for (const command of COMMANDS) {
    const module = await command.load();
    for (const lang of LANGS) {
      const prefix = lang === 'zh' ? '用法：' : 'Usage: ';
      const line = module.help[lang].split('\n').find((l) => l.startsWith(prefix));
      // A command whose help leaves `[--lang en|zh]` unsaid takes it all the same.
      const expected = usageLine(command, lang);
      t.ok(line === expected || `${line} [--lang en|zh]` === expected, `${command.name} (${lang}): ${line} is ${expected}`);
    }
  }
});

t.test('an unknown command is refused with the list of commands', async (t) => {
  const r = cli(['frobnicate', '--lang', 'en']);
  t.equal(r.status, 2);
  t.match(r.stderr, `Unknown command. Commands: ${COMMANDS.map((c) => c.name).join(', ')}.`);
});
