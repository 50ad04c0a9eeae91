// The READMEs' command tables (README.md in English, README.zh-CN.md in Chinese) are what the table of commands
// (src/cli/commands.ts) makes: this fails when a command, an argument or a description changed there and
// `node scripts/readme-commands.mjs` was not run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { commandsMarkdown, MARKERS, README_FILES, withCommands } from '../../src/cli/commands-readme.js';
import { COMMANDS, synopsis } from '../../src/cli/commands.js';
import { ROOT } from '../helpers.js';

const LANGS = ['en', 'zh'] as const;
const readmes = { en: readFileSync(join(ROOT, README_FILES.en), 'utf8'), zh: readFileSync(join(ROOT, README_FILES.zh), 'utf8') };

t.test('each README holds the command table the table of commands makes', async (t) => {
  for (const lang of LANGS) {
    const readme = readmes[lang];
    const { start, end } = MARKERS[lang];
    t.ok(readme.includes(`${start}\n${commandsMarkdown(lang)}\n${end}`), `${README_FILES[lang]}: up to date (else run \`node scripts/readme-commands.mjs\`)`);
    t.equal(withCommands(readme, lang), readme, `${README_FILES[lang]}: writing it again changes nothing`);
    for (const command of COMMANDS)
      t.match(readme, `\`lab ${synopsis(command).replace(/\|/g, '\\|')}\``, `${README_FILES[lang]}: ${command.name} is in the table`);
  }
  t.notOk(readmes.en.includes(MARKERS.zh.start), 'the Chinese table lives in README.zh-CN.md only');
  t.notOk(readmes.zh.includes(MARKERS.en.start), 'the English table lives in README.md only');
});

t.test('a README whose table is out of date is found out', async (t) => {
  for (const lang of LANGS) {
    const readme = readmes[lang];
    const stale = readme.replace('| `lab reset [<id>]` |', '| `lab reset` |');
    t.not(stale, readme, `${lang}: the stale copy differs`);
    t.not(withCommands(stale, lang), stale, `${lang}: writing it again repairs it`);
    t.throws(() => withCommands(readme.replace(MARKERS[lang].end, ''), lang), /markers/, `${lang}: a missing marker is an error, not a silent skip`);
  }
});
