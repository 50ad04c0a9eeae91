// The README's command table and its Chinese list are what the table of commands (src/cli/commands.ts) makes: this
// fails when a command, an argument or a description changed there and `node scripts/readme-commands.mjs` was not run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { commandsMarkdown, MARKERS, withCommands } from '../../src/cli/commands-readme.js';
import { COMMANDS, synopsis } from '../../src/cli/commands.js';
import { ROOT } from '../helpers.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

t.test('the README holds the command table the table of commands makes', async (t) => {
  for (const lang of ['en', 'zh'] as const) {
    const { start, end } = MARKERS[lang];
    t.ok(readme.includes(`${start}\n${commandsMarkdown(lang)}\n${end}`), `${lang}: up to date (else run \`node scripts/readme-commands.mjs\`)`);
  }
  t.equal(withCommands(readme), readme, 'writing it again changes nothing');
  for (const command of COMMANDS) t.match(readme, `\`lab ${synopsis(command).replace(/\|/g, '\\|')}\``, `${command.name} is in the table`);
});

t.test('a README whose table is out of date is found out', async (t) => {
  const stale = readme.replace('| `lab reset [<id>]` |', '| `lab reset` |');
  t.not(stale, readme);
  t.not(withCommands(stale), stale);
  t.throws(() => withCommands(readme.replace(MARKERS.zh.end, '')), /markers/, 'a missing marker is an error, not a silent skip');
});
