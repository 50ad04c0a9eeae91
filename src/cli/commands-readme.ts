// The READMEs' command tables, made from the table of commands (src/cli/commands.ts): the English table in README.md
// and the Chinese one in README.zh-CN.md, each between two marker comments. scripts/readme-commands.mjs writes them;
// test/cli/readme.test.ts fails when a README does not hold what this makes.
import type { Lang } from '../common/vocabulary.js';
import { COMMANDS, synopsis } from './commands.js';

/** The README of each language, relative to the repository's root. */
export const README_FILES: Record<Lang, string> = { en: 'README.md', zh: 'README.zh-CN.md' };

/** The comments around each generated table, which say where it comes from. */
export const MARKERS: Record<Lang, { start: string; end: string }> = {
  en: {
    start: '<!-- commands: written by `node scripts/readme-commands.mjs` from src/cli/commands.ts; edit them there -->',
    end: '<!-- /commands -->',
  },
  zh: {
    start: '<!-- commands-zh: written by `node scripts/readme-commands.mjs` from src/cli/commands.ts; edit them there -->',
    end: '<!-- /commands-zh -->',
  },
};

/** A cell of a markdown table: a `|` would end it, even inside code. */
const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The header of each language's table. */
const HEADER: Record<Lang, string> = { en: '| command | what it does |', zh: '| 命令 | 作用 |' };

/** The commands in one language, as a table: a row per command, its synopsis and its README text. */
export function commandsMarkdown(lang: Lang): string {
  const rows = COMMANDS.map((c) => `| ${cell(`\`lab ${synopsis(c)}\``)} | ${cell(c.readme[lang])} |`);
  return [HEADER[lang], '| --- | --- |', ...rows].join('\n');
}

/** The README of `lang` with its generated table replaced; throws when a marker is missing. */
export function withCommands(readme: string, lang: Lang = 'en'): string {
  const { start, end } = MARKERS[lang];
  const from = readme.indexOf(start);
  const to = readme.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error(`${README_FILES[lang]}: the markers ${start} ... ${end} are missing`);
  return `${readme.slice(0, from + start.length)}\n${commandsMarkdown(lang)}\n${readme.slice(to)}`;
}
