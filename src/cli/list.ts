// `lab list`: every lab with its summary, whether this host can run it, and the learner's progress. Reads files
// only (no subprocess, no lab module: the build's catalogue), so it starts about as fast as node itself.
import { readCatalogue } from '../lab/catalogue.js';
import { readProgress } from '../lab/progress.js';
import { oneLine } from '../lab/prose.js';
import { unmet } from '../lab/requirements.js';
import type { Lang } from '../lab/spec.js';
import { parse } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab list [--json] [--lang en|zh]

Lists the labs in order: id, title, a one-line summary, whether this host meets the lab's requirements (and
what is missing), and your progress (steps passed, or done).`,
  zh: `用法：lab list [--json] [--lang en|zh]

按顺序列出实验：id、标题、一句话简介、本机是否满足实验的条件（缺什么），以及你的进度（已通过的步骤数，或已完成）。`,
};

export async function run(args: string[], lang: Lang): Promise<number> {
  const { values } = parse('list', args, { json: { type: 'boolean' } });
  const labs = await readCatalogue();
  const progress = readProgress();
  const rows = labs.map((lab) => {
    const missing = unmet(lab.requires);
    const done = progress[lab.id];
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
      passed: done?.passed.filter((s) => lab.steps.includes(s)).length ?? 0,
      completed: done?.completed ?? null,
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
  const words = lang === 'zh' ? { ready: '可运行', missing: '缺少', done: '已完成' } : { ready: 'ready', missing: 'missing', done: 'done' };
  const width = Math.max(...rows.map((r) => r.id.length));
  for (const row of rows) {
    const progressText = row.completed ? words.done : `${row.passed}/${row.steps}`;
    const status = row.ready ? `✓ ${words.ready}` : `✗ ${words.missing}: ${row.missingText.join(', ')}`;
    process.stdout.write(`${String(row.order).padStart(2)}  ${row.id.padEnd(width)}  ${row.title}  [${progressText}]\n`);
    process.stdout.write(`    ${' '.repeat(width)}  ${row.summary}\n`);
    process.stdout.write(`    ${' '.repeat(width)}  ${status}\n`);
  }
  return 0;
}
