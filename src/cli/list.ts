// `lab list`: every lab with its summary, whether this host can run it, and the learner's progress. Reads files
// only (no subprocess, no lab module: the build's catalogue), so it starts about as fast as node itself.
import { readCatalogue } from '../lab/catalogue.js';
import { lossNotice, readProgress, standing, takeUntoldLosses, type LabState } from '../lab/progress.js';
import { oneLine } from '../lab/prose.js';
import { unmet } from '../lab/requirements.js';
import type { Lang } from '../lab/spec.js';
import { parse } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab list [--json] [--lang en|zh]

Lists the labs in order: id, title, a one-line summary, whether this host meets the lab's requirements (and
what is missing), and your progress: steps passed, \`done\` when one run passed every check, or \`not in one
run\` when every step passed but over several runs (\`lab progress\` says more).`,
  zh: `用法：lab list [--json] [--lang en|zh]

按顺序列出实验：id、标题、一句话简介、本机是否满足实验的条件（缺什么），以及你的进度：已通过的步骤数；同一次运行通过了
所有检查时为“已完成”；每个步骤都通过了、但分散在几次运行中时注明“不是在同一次运行中”（\`lab progress\` 说得更详细）。`,
};

export async function run(args: string[], lang: Lang): Promise<number> {
  const { values } = parse('list', args, { json: { type: 'boolean' } }, { maxArgs: 0 });
  const labs = await readCatalogue();
  const progress = readProgress();
  for (const loss of takeUntoldLosses(progress)) process.stderr.write(`${lossNotice(loss, lang)}\n`);
  const rows = labs.map((lab) => {
    const missing = unmet(lab.requires);
    const stand = standing(progress, lab.id, lab.steps);
    return {
      id: lab.id,
      order: lab.order,
      title: lab.title[lang],
      summary: oneLine(lab.summary[lang]),
      ready: missing.length === 0,
      missing: missing.map((r) => r.id),
      /** Those of `missing` that are optional (qemu and a VM kernel): `lab doctor` does not count them. */
      missingOptional: missing.filter((r) => r.optional === true).map((r) => r.id),
      missingText: missing.map((r) => r.what[lang]),
      steps: lab.steps.length,
      passed: stand.passed,
      /** complete (every check passed in one run), pieces (every step passed, not in one run), in-progress, not-started. */
      status: stand.state,
      completed: progress.labs[lab.id]?.completed ?? null,
    };
  });
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify(
        rows.map(({ missingText: _, ...row }) => row),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const words = lang === 'zh' ? { ready: '可运行', missing: '缺少' } : { ready: 'ready', missing: 'missing' };
  const width = Math.max(...rows.map((r) => r.id.length));
  for (const row of rows) {
    const progressText = progressWords(row.status, row.passed, row.steps, lang);
    const status = row.ready ? `✓ ${words.ready}` : `✗ ${words.missing}: ${row.missingText.join(', ')}`;
    process.stdout.write(`${String(row.order).padStart(2)}  ${row.id.padEnd(width)}  ${row.title}  [${progressText}]\n`);
    process.stdout.write(`    ${' '.repeat(width)}  ${row.summary}\n`);
    process.stdout.write(`    ${' '.repeat(width)}  ${status}\n`);
  }
  return 0;
}

/** A lab's progress in a few words: done, every step but not in one run, or steps passed of all. */
export function progressWords(state: LabState, passed: number, steps: number, lang: Lang): string {
  if (state === 'complete') return lang === 'zh' ? '已完成' : 'done';
  if (state === 'pieces') return lang === 'zh' ? `${passed}/${steps}，但不是在同一次运行中` : `${passed}/${steps}, not in one run`;
  return `${passed}/${steps}`;
}
