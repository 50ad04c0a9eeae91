// README.md and README.zh-CN.md are one document in two languages: the same `##` and `###` sections in the same
// order (README.md's own "中文说明", a pointer to the Chinese file, aside), the same commands in the same code
// blocks, the same figures in every table and in the speed section, and Chinese that follows the glossary. A change
// to one README without the other fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { MARKERS, README_FILES } from '../../src/cli/commands-readme.js';
import { firstUseProblems } from '../../src/lab/glossary.js';
import { ROOT } from '../helpers.js';

const en = readFileSync(join(ROOT, README_FILES.en), 'utf8');
const zh = readFileSync(join(ROOT, README_FILES.zh), 'utf8');

/** README.md's section that only points to the Chinese file: it has no counterpart there. */
const POINTER = '## 中文说明';

/** The lines outside fenced code blocks. */
function prose(text: string): string[] {
  let fenced = false;
  return text.split('\n').filter((line) => {
    if (line.startsWith('```')) fenced = !fenced;
    return !fenced && !line.startsWith('```');
  });
}

/** The text with the pointer section and everything after it left out. */
const withoutPointer = (text: string): string => (text.includes(`\n${POINTER}\n`) ? text.slice(0, text.indexOf(`\n${POINTER}\n`)) : text);

/** The `##` and `###` headings, each as its level and the inline code it names (the words are in each language). */
function outline(text: string): string[] {
  return prose(withoutPointer(text))
    .filter((line) => /^#{2,3} /.test(line))
    .map((line) => `${line.split(' ')[0]} ${(line.match(/`[^`]+`/g) ?? []).join(' ')}`.trim());
}

/** Every fenced block: its language and its commands (a `sh` block's lines without their comments; for any other
 * block, the first word of each line that does not continue the one before). */
function codeBlocks(text: string): string[][] {
  const blocks: string[][] = [];
  let current: string[] | undefined;
  let lang = '';
  for (const line of withoutPointer(text).split('\n')) {
    if (line.startsWith('```')) {
      if (current) {
        blocks.push([lang, ...current]);
        current = undefined;
      } else {
        lang = line.slice(3).trim();
        current = [];
      }
    } else if (current) {
      if (lang === 'sh') current.push(line.replace(/\s+#\s.*$/, '').trimEnd());
      else if (/^\S/.test(line)) current.push(line.split(/\s+/)[0] ?? '');
    }
  }
  return blocks;
}

/** The numbers in a piece of text, sorted: the figures, whatever the order the language puts them in. */
const figures = (text: string): string[] => (text.match(/\d+(?:\.\d+)?/g) ?? []).sort();

/** Every markdown table outside the generated command tables, as rows of figures. */
function tables(text: string): string[][][] {
  const lines = prose(withoutPointer(text));
  const result: string[][][] = [];
  let inTable = false;
  let generated = false;
  for (const line of lines) {
    if (line === MARKERS.en.start || line === MARKERS.zh.start) generated = true;
    if (line === MARKERS.en.end || line === MARKERS.zh.end) generated = false;
    if (generated || !line.startsWith('|')) {
      inTable = false;
      continue;
    }
    if (!inTable) result.push([]);
    inTable = true;
    if (!/^\|[\s|:-]+\|$/.test(line)) result.at(-1)!.push(figures(line.split('|').slice(1).join('|')));
  }
  return result.map((rows) => rows.slice(1));
}

/** The section of a level-2 heading, found by its position among the `##` headings (the headings are translated). */
function section(text: string, index: number): string {
  const lines = withoutPointer(text).split('\n');
  const starts = lines.flatMap((line, i) => (line.startsWith('## ') ? [i] : []));
  return lines.slice(starts[index], starts[index + 1]).join('\n');
}

/** Problems that make the two READMEs not parallel; empty when they are. */
function parallelProblems(english: string, chinese: string): string[] {
  const problems: string[] = [];
  const [a, b] = [outline(english), outline(chinese)];
  if (a.join('\n') !== b.join('\n')) problems.push(`sections differ:\n  en: ${a.join(' | ')}\n  zh: ${b.join(' | ')}`);
  const [ca, cb] = [codeBlocks(english), codeBlocks(chinese)];
  if (ca.length !== cb.length) problems.push(`${ca.length} code blocks in English, ${cb.length} in Chinese`);
  ca.forEach((block, i) => {
    const other = cb[i];
    if (other && block.join('\n') !== other.join('\n')) problems.push(`code block ${i + 1} differs:\n  en: ${block.join(' / ')}\n  zh: ${other.join(' / ')}`);
  });
  const [ta, tb] = [tables(english), tables(chinese)];
  if (ta.length !== tb.length) problems.push(`${ta.length} tables in English, ${tb.length} in Chinese`);
  ta.forEach((rows, i) => {
    const other = tb[i];
    if (!other) return;
    if (rows.length !== other.length) problems.push(`table ${i + 1}: ${rows.length} rows in English, ${other.length} in Chinese`);
    rows.forEach((row, r) => {
      const theirs = other[r];
      if (theirs && row.join(' ') !== theirs.join(' '))
        problems.push(`table ${i + 1}, row ${r + 1}: figures ${row.join(' ')} in English, ${theirs.join(' ')} in Chinese`);
    });
  });
  const speedAt = prose(english)
    .filter((line) => line.startsWith('## '))
    .indexOf('## Speed');
  if (speedAt < 0) problems.push('no "## Speed" section in English');
  else {
    const [sa, sb] = [figures(section(english, speedAt)), figures(section(chinese, speedAt))];
    if (sa.join(' ') !== sb.join(' ')) {
      const only = (x: string[], y: string[]) =>
        x.filter((n) => {
          const at = y.indexOf(n);
          if (at < 0) return true;
          y = [...y.slice(0, at), ...y.slice(at + 1)];
          return false;
        });
      problems.push(`the speed sections' figures differ: only in English ${only(sa, sb).join(' ')}; only in Chinese ${only(sb, sa).join(' ')}`);
    }
  }
  return problems;
}

t.test('each README links to the other at the top', async (t) => {
  t.match(en.split('\n').slice(0, 4).join('\n'), '中文版: [README.zh-CN.md](README.zh-CN.md)');
  t.match(zh.split('\n').slice(0, 4).join('\n'), 'English: [README.md](README.md)');
  t.ok(en.includes(`\n${POINTER}\n`), 'README.md keeps a short "中文说明" pointing to the Chinese file');
  t.ok(
    en
      .slice(en.indexOf(`\n${POINTER}\n`))
      .trim()
      .split('\n').length < 10,
    '... of a few lines, the last section',
  );
});

t.test('the two READMEs are parallel', async (t) => {
  t.same(parallelProblems(en, zh), []);
  t.ok(outline(en).length > 15, `${outline(en).length} sections compared`);
  t.ok(codeBlocks(en).length >= 6, `${codeBlocks(en).length} code blocks compared`);
  t.ok(tables(en).length >= 6, `${tables(en).length} tables compared`);
});

t.test('a change to one README without the other is found', async (t) => {
  t.match(parallelProblems(en.replace('| 478.1 ms |', '| 470.2 ms |'), zh).join('\n'), /table \d+, row \d+: figures/, 'a figure of a speed table');
  t.match(parallelProblems(en.replace('took 218.1 s', 'took 219.1 s'), zh).join('\n'), /speed sections' figures differ/, 'a figure of the speed prose');
  t.match(parallelProblems(en, zh.replace('lab container exec -it web sh', 'lab container exec web sh')).join('\n'), /code block \d+ differs/, 'a command');
  t.match(parallelProblems(en.replace('## Vagrant', '## Vagrant\n\n### A new part'), zh).join('\n'), /sections differ/, 'a section');
  t.match(parallelProblems(en.replace('\n### After\n', '\n'), zh).join('\n'), /sections differ/, 'a section left out');
  t.same(parallelProblems(en, zh.replace('# 预演', '# the dry run')), [], 'a comment in a command block is free to be said in each language');
});

t.test('README.zh-CN.md follows the glossary', async (t) => {
  const { start, end } = MARKERS.zh;
  const withoutTable = zh.slice(0, zh.indexOf(start)) + zh.slice(zh.indexOf(end) + end.length);
  t.same(firstUseProblems(withoutTable), [], "the English in parentheses at a term's first use, and the glossary's words");
  t.notMatch(zh, /"[^"\n]*[\u4e00-\u9fff][^"\n]*"/, 'Chinese quotes “…” around Chinese words');
});
