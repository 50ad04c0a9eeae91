// `lab hint <id> [<step>] [--all]`: the next hint of the step the learner is on (or of the step named). A step's
// hints go from a nudge to the command; each call shows one more, and progress.json keeps the count per step.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from '../common/errors.js';
import { findRuns } from '../host/journal.js';
import { loadLab } from '../lab/load.js';
import { hintsShown, lossNotice, readProgress, recordHints, takeUntoldLosses } from '../lab/progress.js';
import type { Lang } from '../lab/spec.js';
import { parse, resolveLabId, usage } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab hint <id> [<step>] [--all] [--lang en|zh]

Shows the next hint of a step: the step a running lab is on, else the first step you have not passed yet, or the
step you name. A step's hints go from a nudge to the command: each call shows one more ("hint 2 of 3"), and your
progress remembers how many you have seen (\`lab reset <id>\` forgets it).

Options:
  --all     every hint of the step at once`,
  zh: `用法：lab hint <id> [<step>] [--all] [--lang en|zh]

显示某个步骤的下一条提示：正在运行的实验所在的步骤；否则是你还没通过的第一个步骤；也可以指定步骤。每个步骤的提示从
点拨开始，逐步接近具体命令：每运行一次多显示一条（“第 2 条提示，共 3 条”），你的进度会记住已经看过几条
（\`lab reset <id>\` 会清除）。

选项：
  --all     一次显示该步骤的所有提示`,
};

/** Whether `lab solution` exists in this build (it shows the capstone's reference solution when asked). */
function hasSolutionCommand(): boolean {
  return existsSync(join(dirname(fileURLToPath(import.meta.url)), 'solution.js'));
}

export async function run(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse('hint', args, { all: { type: 'boolean' } }, { maxArgs: 2 });
  const id = resolveLabId(positionals[0], 'hint');
  const lab = await loadLab(id);
  const ids = lab.steps.map((s) => s.spec.id);
  let stepId = positionals[1];
  if (stepId !== undefined && !ids.includes(stepId)) {
    throw usage(`lab hint ${id} ${stepId}`, { en: `No such step. Steps: ${ids.join(', ')}.`, zh: `没有这个步骤。步骤有：${ids.join('、')}。` });
  }
  const live = findRuns().find((r) => r.lab === id && r.ownerAlive);
  stepId ??= live?.step;
  const progress = readProgress();
  for (const loss of takeUntoldLosses(progress)) process.stderr.write(`${lossNotice(loss, lang)}\n`);
  const passed = progress.labs[id]?.passed ?? [];
  stepId ??= ids.find((s) => !passed.includes(s)) ?? ids.at(-1)!;
  const step = lab.steps.find((s) => s.spec.id === stepId)!;
  const prose = step.prose[lang];
  const hints = prose.hints;
  const total = hints.length;
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  out(`${prose.title} (${stepId})`);

  const shown = hintsShown(progress, id, stepId);
  let count = shown;
  if (values.all) {
    hints.forEach((hint, i) => out(`  ${i + 1}. ${hint}`));
    count = total;
  } else if (shown < total) {
    count = shown + 1;
    out(lang === 'zh' ? `第 ${count} 条提示，共 ${total} 条：` : `Hint ${count} of ${total}:`);
    out(`  ${hints[count - 1]}`);
    if (count < total) {
      const again = positionals[1] === undefined ? `lab hint ${id}` : `lab hint ${id} ${stepId}`;
      out(lang === 'zh' ? `需要更多帮助时再运行 \`${again}\`：下一条更接近具体命令。` : `Run \`${again}\` again for the next one, closer to the command.`);
    }
  } else {
    out(lang === 'zh' ? `这个步骤的 ${total} 条提示你都看过了。` : `You have seen all ${total} hints of this step.`);
  }
  if (count >= total && !values.all) {
    out(lang === 'zh' ? `所有提示：\`lab hint ${id} ${stepId} --all\`。` : `To see them all again: \`lab hint ${id} ${stepId} --all\`.`);
    if (id === 'capstone' && hasSolutionCommand()) {
      out(lang === 'zh' ? `仍然卡住时，参考答案：\`lab solution ${id}\`。` : `Still stuck: the reference solution, \`lab solution ${id}\`.`);
    }
  }
  if (count > shown) {
    try {
      recordHints(id, stepId, count, live?.runId);
    } catch (error) {
      // As a normal user the state directory is root's: the hint is shown, but the count cannot be kept.
      const why = error instanceof LabError ? error.meaning[lang] : String(error);
      process.stderr.write(lang === 'zh' ? `（无法记录已看过的提示：${why}）\n` : `(could not record the hints you have seen: ${why})\n`);
    }
  }
  return 0;
}
