// Whether a lab's English and Chinese prose have the same shape: the same steps in the same order, the same number
// of hints (and of a quiz's choices) per step, the same code blocks (what the learner types) and the same commands quoted inline. The words
// differ; what a learner is told to type must not. Pure: the test of every lab and `lab` authors both use it.
import { parseProse, type StepProse } from './prose.js';

/** The commands a piece of prose shows: its code blocks (indented four spaces or fenced), each as one string. */
export function codeBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  let current: string[] | undefined;
  let fenced = false;
  const close = (): void => {
    if (current && current.some((line) => line.trim())) blocks.push(current.join('\n').trimEnd());
    current = undefined;
  };
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      if (fenced) close();
      else {
        close();
        current = [];
      }
      fenced = !fenced;
    } else if (fenced) {
      current!.push(line);
    } else if (/^ {4}/.test(line) || (current && line.trim() === '')) {
      (current ??= []).push(line.replace(/^ {4}/, ''));
    } else {
      close();
    }
  }
  close();
  return blocks;
}

/** A command with its placeholders set aside: `<init PID>` and `<init 的 PID>` name the same thing. */
function shape(command: string): string {
  return command
    .replace(/<[^>]*>/g, '<>')
    .replace(/[\p{Script=Han}\u3000-\u303f\uff00-\uffef]+/gu, '\u2026')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Whether a command quoted in the Chinese prose is the one quoted in the English: the same, once placeholders are
 * set aside, where an English placeholder in capitals (`NAME`, `QUOTA PERIOD`) may be a Chinese word (`名字`).
 * Capitals that are names (`EBUSY`, `SIGKILL`, `CAP_SYS_ADMIN`) are compared as they are, since no Chinese word
 * can stand for them.
 */
export function sameCommand(en: string, zh: string): boolean {
  const target = shape(zh);
  if (shape(en) === target) return true;
  const placeholders = shape(en).replace(/\b[A-Z][A-Z]+\b/g, (word) => (/^(SIG|E[A-Z]{3,})/.test(word) ? word : '\u2026'));
  return placeholders === target;
}

/**
 * The inline code spans of a piece of prose that a learner could type or look for: commands, paths, flags, file
 * names (a span may wrap onto the next line). `lab` alone is left out: the Chinese writes the tool's name as code so
 * that it is not read as 实验.
 */
export function inlineCode(markdown: string): string[] {
  const prose = markdown
    .split('\n')
    .filter((line) => !/^ {4}/.test(line))
    .join('\n');
  const spans: string[] = [];
  for (const m of prose.matchAll(/`([^`]+)`/g)) {
    const span = m[1]!.replace(/\s+/g, ' ').trim();
    if (span !== 'lab') spans.push(span);
  }
  return spans;
}

/** Sorted and without repeats: the same command may be quoted once in one language and twice in the other. */
const distinct = (spans: string[]): string[] => [...new Set(spans)].sort();

/** What differs between the shape of two texts of one step, as sentences naming the step. */
function stepDifferences(id: string, en: StepProse, zh: StepProse): string[] {
  const problems: string[] = [];
  if (en.hints.length !== zh.hints.length) {
    problems.push(`step "${id}": ${en.hints.length} hints in en.md, ${zh.hints.length} in zh.md`);
  }
  if (en.choices.length !== zh.choices.length) {
    problems.push(`step "${id}": ${en.choices.length} choices in en.md, ${zh.choices.length} in zh.md`);
  }
  if (Boolean(en.why) !== Boolean(zh.why)) problems.push(`step "${id}": "### Why" in ${en.why ? 'en.md' : 'zh.md'} only ("### 解释" in zh.md)`);
  const enBlocks = [...codeBlocks(en.body), ...codeBlocks(en.why)];
  const zhBlocks = [...codeBlocks(zh.body), ...codeBlocks(zh.why)];
  if (enBlocks.length !== zhBlocks.length) {
    problems.push(`step "${id}": ${enBlocks.length} code blocks in en.md, ${zhBlocks.length} in zh.md`);
  } else {
    enBlocks.forEach((block, i) => {
      if (!sameCommand(block, zhBlocks[i]!)) problems.push(`step "${id}": code block ${i + 1} differs:\n  en: ${block}\n  zh: ${zhBlocks[i]}`);
    });
  }
  const enCode = distinct([...inlineCode(en.body), ...inlineCode(en.why), ...[...en.hints, ...en.choices].flatMap(inlineCode)]);
  const zhCode = distinct([...inlineCode(zh.body), ...inlineCode(zh.why), ...[...zh.hints, ...zh.choices].flatMap(inlineCode)]);
  const onlyEn = enCode.filter((span) => !zhCode.some((other) => sameCommand(span, other)));
  const onlyZh = zhCode.filter((span) => !enCode.some((other) => sameCommand(other, span)));
  if (onlyEn.length > 0) problems.push(`step "${id}": inline code only in en.md: ${onlyEn.map((s) => `\`${s}\``).join(', ')}`);
  if (onlyZh.length > 0) problems.push(`step "${id}": inline code only in zh.md: ${onlyZh.map((s) => `\`${s}\``).join(', ')}`);
  return problems;
}

/** Every difference in shape between a lab's en.md and zh.md (given as text); empty when they agree. */
export function proseDifferences(enText: string, zhText: string): string[] {
  const en = parseProse(enText);
  const zh = parseProse(zhText);
  const problems: string[] = [];
  const enIds = [...en.steps.keys()];
  const zhIds = [...zh.steps.keys()];
  if (enIds.join(' ') !== zhIds.join(' ')) {
    problems.push(`steps differ: en.md has ${enIds.join(', ') || 'none'}; zh.md has ${zhIds.join(', ') || 'none'}`);
  }
  const summaryEn = distinct(inlineCode(en.summary));
  const summaryZh = distinct(inlineCode(zh.summary));
  const summaryOnlyEn = summaryEn.filter((s) => !summaryZh.some((other) => sameCommand(s, other)));
  const summaryOnlyZh = summaryZh.filter((s) => !summaryEn.some((other) => sameCommand(other, s)));
  if (summaryOnlyEn.length > 0) problems.push(`summary: inline code only in en.md: ${summaryOnlyEn.map((s) => `\`${s}\``).join(', ')}`);
  if (summaryOnlyZh.length > 0) problems.push(`summary: inline code only in zh.md: ${summaryOnlyZh.map((s) => `\`${s}\``).join(', ')}`);
  if (!sameCommand(codeBlocks(en.summary).join('\n'), codeBlocks(zh.summary).join('\n'))) problems.push('summary: code blocks differ');
  for (const id of enIds) {
    const zhStep = zh.steps.get(id);
    if (zhStep) problems.push(...stepDifferences(id, en.steps.get(id)!, zhStep));
  }
  return problems;
}
