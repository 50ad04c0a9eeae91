// `lab verify [<id>...|--all]`: run labs straight through with their reference solutions and prove every check
// against the kernel. Exit 0 only when every lab that ran passed every check and no lab named was skipped.
import { loadAllLabs, loadLab, type LoadedLab } from '../lab/load.js';
import { unmet } from '../lab/requirements.js';
import { runLab } from '../lab/runner.js';
import type { Lang } from '../lab/spec.js';
import { formatError } from '../ui/error.js';
import { jsonReporter } from '../ui/json.js';
import { plainReporter, wantsColor } from '../ui/plain.js';
import { TapWriter } from '../ui/tap.js';
import { parse, resolveLabId, usage } from './args.js';
import { endAfterHangup, loadRunnable, missingError, unmetReason, withInterrupts } from './start-lab.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab verify <id>... | --all [--tap | --json | --plain] [--prove-checks] [--lang en|zh]

Runs each lab without pauses, doing every task with its reference solution, and checks every step by reading
kernel state. With --prove-checks each step's checks are also read before its commands run, where every one
must fail (a check that passes before its step proves nothing, and counts as a failed check).
A lab whose requirements this host lacks is not run but skipped, with what is missing, why and how to get it
(in TAP: a test point with a SKIP directive and the reason, the rest as its diagnostic); the summary at the end
lists every skipped lab with the reason.

Exit status: 0 when every lab that ran passed every check; 1 when a check failed or a lab stopped on an error,
and also when a lab named explicitly was skipped (what was asked for was not verified). With --all, labs this
host cannot run are skipped without changing the exit status. 130 after Ctrl-C.`,
  zh: `用法：lab verify <id>... | --all [--tap | --json | --plain] [--prove-checks] [--lang en|zh]

不停顿地运行每个实验，用参考答案完成每个动手任务，并通过读取内核状态检查每一步。加上 --prove-checks 时，每一步的检查
还会在该步骤的命令运行之前先读一次，这时每一项都必须失败（在步骤之前就通过的检查什么也证明不了，算作检查失败）。
本机不满足条件的实验不会运行，而是被跳过，并说明缺少什么、为什么需要、怎样获得（TAP 中是一个带 SKIP 指令和原因的
测试点，其余写在它的诊断信息里）；最后的汇总列出每个跳过的实验及原因。

退出状态：运行了的实验全部检查都通过时为 0；有检查失败或实验因错误停止时为 1；明确指定的实验被跳过时也是 1
（要求验证的东西没有得到验证）。使用 --all 时，本机无法运行的实验被跳过，不影响退出状态。按 Ctrl-C 中断时为 130。`,
};

interface Tally {
  passed: string[];
  failed: string[];
  /** Labs not run for missing requirements; `named` when the command line asked for the lab by name. */
  skipped: { lab: string; reason: string; named: boolean }[];
}

/** Run `lab verify`; resolves to the exit status. */
export async function run(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse(
    'verify',
    args,
    {
      all: { type: 'boolean' },
      plain: { type: 'boolean' },
      tap: { type: 'boolean' },
      json: { type: 'boolean' },
      'prove-checks': { type: 'boolean' },
    },
    { exclusive: ['plain', 'tap', 'json'] },
  );
  if (!values.all && positionals.length === 0) {
    throw usage('lab verify', { en: 'Name one or more labs, or use --all.', zh: '请指定一个或多个实验，或使用 --all。' });
  }
  if (values.all && positionals.length > 0) {
    throw usage(`lab verify --all ${positionals.join(' ')}`, {
      en: 'Name labs or use --all, not both.',
      zh: '要么指定实验，要么使用 --all，不能同时使用。',
    });
  }
  const labs: LoadedLab[] = values.all ? await loadAllLabs() : await Promise.all(positionals.map((id) => loadLab(resolveLabId(id, 'verify'))));
  const tally: Tally = { passed: [], failed: [], skipped: [] };
  const tap = values.tap ? new TapWriter(lang) : undefined;
  const json = values.json ? jsonReporter(lang) : undefined;
  tap?.begin();
  let interrupted = false;
  for (const lab of labs) {
    const reason = unmetReason(lab, lang);
    if (reason) {
      // Not run, never a pass: skipped with the reason, and explained (what is missing, why, how to get it).
      const error = missingError(lab, unmet(lab.spec.requires), lang);
      const named = !values.all;
      tally.skipped.push({ lab: lab.spec.id, reason, named });
      tap?.skip(lab.spec.id, `${lang === 'zh' ? '缺少：' : 'needs '}${reason}`, { message: error.meaning[lang], fix: error.fix[lang] });
      if (json) {
        const skip = { type: 'lab-skip', lab: lab.spec.id, reason, meaning: error.meaning[lang], fix: error.fix[lang] };
        process.stdout.write(`${JSON.stringify(skip)}\n`);
      }
      if (named) process.stderr.write(`${formatError(error, lang)}\n`);
      continue;
    }
    const runnable = await loadRunnable(lab.spec.id, lang);
    const reporter = tap?.lab() ?? json ?? plainReporter({ lang, explain: false, color: wantsColor(process.stdout) });
    const result = await withInterrupts((signal) => runLab(runnable, { mode: 'verify', lang, signal, precheck: Boolean(values['prove-checks']) }, reporter));
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
  return tally.failed.length === 0 && !tally.skipped.some((s) => s.named) ? 0 : 1;
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
    ...tally.skipped.map((s) => {
      if (lang === 'zh') return `  跳过：${s.lab}（缺少：${s.reason}${s.named ? '；它是指定要验证的实验，所以退出状态为 1' : ''}）`;
      return `  skipped: ${s.lab} (missing: ${s.reason}${s.named ? '; it was named, so the exit status is 1' : ''})`;
    }),
  ];
  out.write(`\n${lines.map((l) => prefix + l).join('\n')}\n`);
}
