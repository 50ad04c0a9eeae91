// `lab solution <id> [<step>]`: a lab's reference solution, the commands `lab verify` applies for each task step.
// A command whose words are known only while the lab runs (a PID, the run's cgroup) is made here from a stand-in
// context and shown with placeholders: `<PID>`, `<name PID>`, `$LAB_CGROUP`. For a lab that hides its solution
// (the capstone) it first warns that reading it spoils the exercise.
import { LabError } from '../common/errors.js';
import { labCgroupOf } from '../lab/runner.js';
import { loadLab } from '../lab/load.js';
import { renderAction } from '../lab/session.js';
import type { Action, ActionSpec, LabContext, LabProcess, LabSpec, Lang } from '../lab/spec.js';
import { parse, resolveLabId, usage } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab solution <id> [<step>] [--lang en|zh]

Shows the reference solution of a lab's task steps (or of the step you name): the commands \`lab verify\` runs to
prove the checks. A word known only while the lab runs is shown as a placeholder: <PID> or <name PID> for the host
PID of a process the lab (or you) started, <key> for a value an earlier step noted, $LAB_CGROUP for the run's
cgroup, as in the lab's shells. Replace them with what your run has (\`lab shell <id>\` and the checks' "found"
lines show the PIDs). The capstone does not show its solution while it runs: reading it here spoils the exercise.`,
  zh: `用法：lab solution <id> [<step>] [--lang en|zh]

显示一个实验的各个任务步骤（或你指定的步骤）的参考答案：\`lab verify\` 为了证明检查而运行的命令。只有实验运行时才知道的
词用占位符表示：<PID> 或 <name PID> 是实验（或你）启动的进程在宿主机上的 PID，<key> 是前面的步骤记下的值，
$LAB_CGROUP 是本次运行的 cgroup，和实验的 shell 里一样。请换成你这次运行里的值（\`lab shell <id>\` 和检查的“发现”
行会显示 PID）。综合实验（capstone）运行时不显示参考答案：在这里看它会失去练习的意义。`,
};

/** The run id of the stand-in context: its cgroup path is then replaced by $LAB_CGROUP. */
const STAND_IN_RUN = (id: string): string => `lab-${id}-0-0`;

/** Marks left by the stand-in context in the words it makes, replaced by placeholders once the command is rendered. */
const MARK = /@@(pid|get):([A-Za-z0-9_.-]+)@@/g;

/** A context that answers every question with a mark: actions made from it show where the run's values go. */
function standIn(spec: LabSpec): LabContext {
  return {
    runId: STAND_IN_RUN(spec.id),
    shell: spec.shell,
    ...(spec.cgroup === undefined ? {} : { cgroup: spec.cgroup }),
    proc: (name: string): LabProcess => {
      const mark = `@@pid:${name}@@` as unknown as number;
      return { pid: mark, leader: mark, ns: {} };
    },
    get: (key: string) => `@@get:${key}@@`,
    set: () => undefined,
  };
}

/**
 * Replace `path` in a rendered command by $LAB_CGROUP: as is outside single quotes, and as `'"$LAB_CGROUP"'` inside
 * them (closing the quotes around it), so that the command stays one a shell runs.
 */
export function withCgroupVariable(command: string, path: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < command.length; i++) {
    if (command.startsWith(path, i)) {
      out += quoted ? `'"$LAB_CGROUP"'` : '$LAB_CGROUP';
      i += path.length - 1;
      continue;
    }
    const c = command[i]!;
    if (c === '\\' && !quoted) {
      out += command.slice(i, i + 2);
      i++;
      continue;
    }
    if (c === "'") quoted = !quoted;
    out += c;
  }
  // An empty pair of quotes left where the path began or ended a quoted word says nothing.
  return out.split(`''"$LAB_CGROUP"`).join('"$LAB_CGROUP"').split(`"$LAB_CGROUP"''`).join('"$LAB_CGROUP"');
}

/** A rendered command with the stand-in marks as placeholders (`<PID>` for the value noted as PID, `<box PID>`). */
function placeholders(command: string): string {
  return command.replace(MARK, (_m, kind: string, name: string) => (kind === 'get' ? `<${name}>` : `<${name} PID>`));
}

/** The commands of one action spec, as the learner would type them. */
function render(spec: LabSpec, item: ActionSpec, lang: Lang): string[] {
  let actions: Action[];
  try {
    actions = [typeof item === 'function' ? item(standIn(spec)) : item].flat();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return [lang === 'zh' ? `# （这条命令在实验运行时才生成：${why}）` : `# (this command is made only while the lab runs: ${why})`];
  }
  const cgroup = labCgroupOf(spec, STAND_IN_RUN(spec.id));
  return actions.map((action) => {
    const text = renderAction(action);
    return placeholders(cgroup === undefined ? text : withCgroupVariable(text, cgroup));
  });
}

export async function run(args: string[], lang: Lang): Promise<number> {
  const { positionals } = parse('solution', args, {}, { maxArgs: 2 });
  const id = resolveLabId(positionals[0], 'solution');
  const lab = await loadLab(id);
  const tasks = lab.steps.filter((s) => s.spec.kind === 'task');
  const stepId = positionals[1];
  if (stepId !== undefined && !tasks.some((s) => s.spec.id === stepId)) {
    const ids = tasks.map((s) => s.spec.id);
    throw usage(`lab solution ${id} ${stepId}`, {
      en: `No task step of this id. Task steps: ${ids.join(', ') || '(none)'}.`,
      zh: `没有这个 id 的任务步骤。任务步骤有：${ids.join('、') || '（没有）'}。`,
    });
  }
  if (tasks.length === 0) {
    throw new LabError({
      operation: `lab solution ${id}`,
      code: 'no-task',
      meaning: {
        en: 'This lab has no task step, so no reference solution: the harness runs every step itself.',
        zh: '这个实验没有任务步骤，所以没有参考答案：每一步都由 lab 自己执行。',
      },
      fix: { en: 'Run it with `lab run` and watch.', zh: '用 `lab run` 运行它，看着它执行即可。' },
      exitCode: 1,
    });
  }
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  if (lab.spec.hideSolution) {
    out(
      lang === 'zh'
        ? '注意：这是综合练习的参考答案。先看它，练习就失去了意义：先试试 `lab hint`，它从点拨开始。'
        : 'Warning: this is the reference solution of an exercise. Reading it first spoils the exercise: try `lab hint` first, it starts with a nudge.',
    );
  }
  for (const step of tasks) {
    if (stepId !== undefined && step.spec.id !== stepId) continue;
    const spec = step.spec;
    if (spec.kind !== 'task') continue;
    out('');
    out(`${step.prose[lang].title} (${spec.id})`);
    for (const item of spec.solution) for (const line of render(lab.spec, item, lang)) out(`  $ ${line}`);
  }
  return 0;
}
