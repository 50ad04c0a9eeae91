// `lab hint <id> [<step>]`: the hints of the step the learner is on (or of the step named).
import { usage } from './args.js';
import { findRuns } from '../host/journal.js';
import { loadLab } from '../lab/load.js';
import { readProgress } from '../lab/progress.js';
import type { Lang } from '../lab/spec.js';
import { parse, resolveLabId } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab hint <id> [<step>] [--lang en|zh]

Shows the hints of a step: the step a running lab is on, else the first step you have not passed yet, or the
step you name.`,
  zh: `用法：lab hint <id> [<step>] [--lang en|zh]

显示某个步骤的提示：正在运行的实验所在的步骤；否则是你还没通过的第一个步骤；也可以指定步骤。`,
};

export async function run(args: string[], lang: Lang): Promise<number> {
  const { positionals } = parse('hint', args, {});
  const id = resolveLabId(positionals[0], 'hint');
  const lab = await loadLab(id);
  const ids = lab.steps.map((s) => s.spec.id);
  let stepId = positionals[1];
  if (stepId !== undefined && !ids.includes(stepId)) {
    throw usage(`lab hint ${id} ${stepId}`, { en: `No such step. Steps: ${ids.join(', ')}.`, zh: `没有这个步骤。步骤有：${ids.join('、')}。` });
  }
  stepId ??= findRuns().find((r) => r.lab === id && r.ownerAlive)?.step;
  const passed = readProgress()[id]?.passed ?? [];
  stepId ??= ids.find((s) => !passed.includes(s)) ?? ids.at(-1)!;
  const step = lab.steps.find((s) => s.spec.id === stepId)!;
  const prose = step.prose[lang];
  process.stdout.write(`${prose.title} (${stepId})\n`);
  prose.hints.forEach((hint, i) => process.stdout.write(`  ${i + 1}. ${hint}\n`));
  return 0;
}
