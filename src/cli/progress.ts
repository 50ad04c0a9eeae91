// `lab progress [--json]`: where the learner stands in each lab: complete (every check passed in one run), every
// step passed but not in one run, in progress (k of n steps) or not started; the last run; the hints used. Reads
// the build's catalogue and progress.json only.
import { readCatalogue } from '../lab/catalogue.js';
import { lossNotice, readProgress, standing, takeUntoldLosses, type LabState } from '../lab/progress.js';
import type { Lang } from '../lab/spec.js';
import { parse, usage } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab progress [--json] [--lang en|zh]

Where you stand in each lab: complete (one run passed every check), every step passed but not in one run (run
the lab again from the start to complete it), in progress (k of n steps passed), or not started; when the last
run started and how it ended; how many hints \`lab hint\` has shown you.

Options:
  --json    one JSON object: every lab with its state, and any progress file that could not be read`,
  zh: `用法：lab progress [--json] [--lang en|zh]

你在每个实验中的进度：已完成（同一次运行通过了所有检查）、每个步骤都通过了但不是在同一次运行中（从头再运行一次即可
完成）、进行中（n 个步骤中通过了 k 个）或未开始；最近一次运行何时开始、如何结束；\`lab hint\` 给你看过几条提示。

选项：
  --json    输出一个 JSON 对象：每个实验及其状态，以及无法读取的进度文件（如果有）`,
};

const STATE_WORDS: Record<LabState, Record<Lang, string>> = {
  complete: { en: 'complete', zh: '已完成' },
  pieces: { en: 'every step passed, not in one run', zh: '每个步骤都通过了，但不是在同一次运行中' },
  'in-progress': { en: 'in progress', zh: '进行中' },
  'not-started': { en: 'not started', zh: '未开始' },
};

const RUN_END: Record<string, Record<Lang, string>> = {
  passed: { en: 'passed', zh: '通过' },
  failed: { en: 'failed', zh: '失败' },
  error: { en: 'ended on an error', zh: '因错误结束' },
  quit: { en: 'quit', zh: '中途退出' },
  running: { en: 'running, or cut short', zh: '正在运行或被中断' },
};

/** `2026-12-05 16:49` from an ISO time, in UTC. */
const shortTime = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export async function run(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse('progress', args, { json: { type: 'boolean' } });
  if (positionals.length > 0) {
    throw usage(`lab progress ${positionals.join(' ')}`, { en: 'progress takes no arguments.', zh: 'progress 不接受参数。' });
  }
  const labs = await readCatalogue();
  const progress = readProgress();
  const rows = labs.map((lab) => {
    const stand = standing(progress, lab.id, lab.steps);
    const entry = progress.labs[lab.id];
    const last = stand.lastRun;
    return {
      id: lab.id,
      order: lab.order,
      title: lab.title[lang],
      state: stand.state,
      passed: stand.passed,
      steps: stand.steps,
      completed: entry?.completed ?? null,
      lastRun: last ? { runId: last.runId, start: last.start, end: last.end ?? null, status: last.status } : null,
      runs: entry?.runs.length ?? 0,
      hintsUsed: stand.hintsUsed,
    };
  });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ labs: rows, lost: progress.lost }, null, 2)}\n`);
    return 0;
  }
  takeUntoldLosses(progress);
  for (const loss of progress.lost) process.stdout.write(`! ${lossNotice(loss, lang)}\n\n`);
  const width = Math.max(...rows.map((r) => r.id.length));
  const zh = lang === 'zh';
  for (const row of rows) {
    const state =
      row.state === 'in-progress'
        ? zh
          ? `进行中（${row.steps} 个步骤中通过了 ${row.passed} 个）`
          : `in progress (${row.passed} of ${row.steps} steps)`
        : row.state === 'complete' && row.completed
          ? `${STATE_WORDS.complete[lang]} (${shortTime(row.completed)})`
          : STATE_WORDS[row.state][lang];
    const mark = row.state === 'complete' ? '✓' : row.state === 'not-started' ? ' ' : '…';
    process.stdout.write(`${String(row.order).padStart(2)}  ${mark} ${row.id.padEnd(width)}  ${state}\n`);
    const details: string[] = [];
    if (row.lastRun) {
      const end = RUN_END[row.lastRun.status]?.[lang] ?? row.lastRun.status;
      details.push(zh ? `最近一次运行：${shortTime(row.lastRun.start)}，${end}` : `last run: ${shortTime(row.lastRun.start)}, ${end}`);
    }
    if (row.hintsUsed > 0) details.push(zh ? `看过的提示：${row.hintsUsed} 条` : `hints used: ${row.hintsUsed}`);
    if (row.state === 'pieces')
      details.push(zh ? `完成它：\`lab run ${row.id}\`，一次通过所有步骤` : `to complete it: \`lab run ${row.id}\` and pass every step in one run`);
    if (details.length) process.stdout.write(`      ${' '.repeat(width)}  ${details.join(zh ? '；' : '; ')}\n`);
  }
  const done = rows.filter((r) => r.state === 'complete').length;
  process.stdout.write(zh ? `\n${rows.length} 个实验中已完成 ${done} 个。\n` : `\n${done} of ${rows.length} labs complete.\n`);
  return 0;
}
