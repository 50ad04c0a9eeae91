// The README's command table, made from the table of commands (src/cli/commands.ts): the English table and the
// Chinese list, each between two marker comments. scripts/readme-commands.mjs writes them; test/cli/readme.test.ts
// fails when the README does not hold what this makes.
import type { Lang } from '../common/vocabulary.js';
import { COMMANDS, synopsis } from './commands.js';

/** The comments around each generated part, which say where it comes from. */
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

/** The commands in one language: a table in English, a list in Chinese (as the README's Chinese half has it). */
export function commandsMarkdown(lang: Lang): string {
  if (lang === 'en') {
    const rows = COMMANDS.map((c) => `| ${cell(`\`lab ${synopsis(c)}\``)} | ${cell(c.readme.en)} |`);
    return ['| command | what it does |', '| --- | --- |', ...rows].join('\n');
  }
  return COMMANDS.map((c) => `- \`lab ${synopsis(c)}\`：${c.readme.zh}`).join('\n');
}

/** The README with both generated parts replaced; throws when a marker is missing. */
export function withCommands(readme: string): string {
  let text = readme;
  for (const lang of ['en', 'zh'] as const) {
    const { start, end } = MARKERS[lang];
    const from = text.indexOf(start);
    const to = text.indexOf(end, from);
    if (from < 0 || to < 0) throw new Error(`README.md: the markers ${start} ... ${end} are missing`);
    text = `${text.slice(0, from + start.length)}\n${commandsMarkdown(lang)}\n${text.slice(to)}`;
  }
  return text;
}
