// `lab verify [<id>...|--all]`: run labs straight through with their reference solutions and prove every check
// against the kernel. Exit 0 only when every check of every lab asked for passed.
import { loadAllLabs, loadLab, type LoadedLab } from '../lab/load.js';
import { runLab } from '../lab/runner.js';
import type { Lang } from '../lab/spec.js';
import { jsonReporter } from '../ui/json.js';
import { plainReporter, wantsColor } from '../ui/plain.js';
import { TapWriter } from '../ui/tap.js';
import { parse, resolveLabId, usage } from './args.js';
import { endAfterHangup, loadRunnable, unmetReason, withInterrupts } from './start-lab.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab verify <id>... | --all [--tap | --json | --plain] [--lang en|zh]

Runs each lab without pauses, doing every task with its reference solution, and checks every step by reading
kernel state. Exit status 0 only when every check passed.
With --all, a lab whose requirements this host lacks is skipped, and the summary says why; a lab named
explicitly fails instead.`,
  zh: `用法：lab verify <id>... | --all [--tap | --json | --plain] [--lang en|zh]

不停顿地运行每个实验，用参考答案完成每个动手任务，并通过读取内核状态检查每一步。
只有全部检查通过时退出状态才是 0。
使用 --all 时，本机不满足条件的实验会被跳过，汇总中会说明原因；明确指定的实验则算作失败。`,
};

interface Tally {
  passed: string[];
  failed: string[];
  skipped: { lab: string; reason: string }[];
}

export async function run(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse('verify', args, {
    all: { type: 'boolean' },
    plain: { type: 'boolean' },
    tap: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (!values.all && positionals.length === 0) {
    throw usage('lab verify', { en: 'Name one or more labs, or use --all.', zh: '请指定一个或多个实验，或使用 --all。' });
  }
  const labs: LoadedLab[] = values.all
    ? await loadAllLabs()
    : await Promise.all(positionals.map((id) => loadLab(resolveLabId(id, 'verify'))));
  const tally: Tally = { passed: [], failed: [], skipped: [] };
  const tap = values.tap ? new TapWriter(lang) : undefined;
  const json = values.json ? jsonReporter(lang) : undefined;
  tap?.begin();
  let interrupted = false;
  for (const lab of labs) {
    const reason = unmetReason(lab, lang);
    if (reason && values.all) {
      tally.skipped.push({ lab: lab.spec.id, reason });
      tap?.skip(lab.spec.id, reason);
      if (json) process.stdout.write(`${JSON.stringify({ type: 'lab-skip', lab: lab.spec.id, reason })}\n`);
      continue;
    }
    const runnable = await loadRunnable(lab.spec.id, lang);
    const reporter = tap?.lab() ?? json ?? plainReporter({ lang, explain: false, color: wantsColor(process.stdout) });
    const result = await withInterrupts((signal) => runLab(runnable, { mode: 'verify', lang, signal }, reporter));
    endAfterHangup(result.by);
    (result.value.status === 'passed' ? tally.passed : tally.failed).push(lab.spec.id);
    if (result.interrupted) {
      interrupted = true;
      break;
    }
  }
  tap?.end();
  printSummary(tally, lang, Boolean(values.tap || values.json));
  if (interrupted) return 130;
  return tally.failed.length === 0 ? 0 : 1;
}

/** The closing summary: counts, then each skip with its reason. As TAP comments when the output is TAP or JSON. */
function printSummary(tally: Tally, lang: Lang, quiet: boolean): void {
  const prefix = quiet ? '# ' : '';
  const out = quiet ? process.stderr : process.stdout;
  const total = tally.passed.length + tally.failed.length + tally.skipped.length;
  const labsWord = lang === 'zh' ? '个实验' : total === 1 ? 'lab' : 'labs';
  const lines = [
    lang === 'zh'
      ? `${total} ${labsWord}：通过 ${tally.passed.length}，失败 ${tally.failed.length}，跳过 ${tally.skipped.length}`
      : `${total} ${labsWord}: ${tally.passed.length} passed, ${tally.failed.length} failed, ${tally.skipped.length} skipped`,
    ...tally.failed.map((id) => (lang === 'zh' ? `  失败：${id}` : `  failed: ${id}`)),
    ...tally.skipped.map((s) => (lang === 'zh' ? `  跳过：${s.lab}（缺少：${s.reason}）` : `  skipped: ${s.lab} (missing: ${s.reason})`)),
  ];
  out.write(`\n${lines.map((l) => prefix + l).join('\n')}\n`);
}
