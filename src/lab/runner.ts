// The runner: a state machine over a lab's steps. It performs actions through the session, waits for the learner
// on tasks (through a driver), runs checks, and reports everything as events. It never writes to the terminal.
import { commandError, LabError } from '../common/errors.js';
import { renderCommand } from '../kernel/shell.js';
import type { LabEvent, LabOutcome, Listener, StepStatus } from './events.js';
import type { LoadedLab, LoadedStep } from './load.js';
import type { Action, Check, LabSpec, Lang, QuizStep, ShellSpec, Verdict } from './spec.js';
import { renderAction, Session } from './session.js';
import { nsenterArgv } from '../kernel/namespaces.js';
import { cgroupDirOf, joinCgroupArgv, labCgroup } from './cgroup-lab.js';
import { faultPoint } from './fault-point.js';
import { ANSWER_CHECK, ANSWER_TITLE, answerFound, isRightAnswer, rightAnswer, stepChecks, wrongAnswer } from './quiz.js';

/** What a task step offers whoever waits for the learner. */
export interface TaskSession {
  /** Run the step's checks now (events report each); true when all pass. */
  check(): Promise<boolean>;
  /** The argv of a shell for this task: inside the lab's namespaces, or on the host. */
  shellArgv(): string[];
  /** The run's id, set in the environment of every process of the run. */
  runId: string;
}

/** The interactive side of a run: the plain prompt, the TUI, or nothing (straight through). */
export interface Driver {
  /** Called before every step after the first; 'quit' ends the run (with cleanup). */
  beforeStep?(step: LoadedStep): Promise<'go' | 'quit'>;
  /** Wait for the learner's work on a task; without it the reference solution is applied. */
  task?(step: LoadedStep, session: TaskSession): Promise<'passed' | 'quit'>;
  /**
   * Called after every step that passed (the last one too), before the next begins: 'next' goes on, 'quit' ends
   * the run (with cleanup), 'again' runs the step's checks once more against the kernel and asks again. Only the
   * checks are repeated, never the actions: actions are not idempotent (a second `mkdir`, or a host resource
   * created twice, is refused), while a check only reads. Repeated checks are reported as events but do not
   * change the outcome's counts.
   */
  afterStep?(step: LoadedStep): Promise<'next' | 'again' | 'quit'>;
  /**
   * Ask a quiz. `answer(given)` checks one attempt (reported as a `quiz-answer` event) and returns whether it was
   * right. Resolves 'passed' once the learner gave the right answer, 'quit' when they quit. Without it the right
   * answer is given, as a task's reference solution is applied.
   */
  quiz?(step: LoadedStep, answer: (given: string) => boolean): Promise<'passed' | 'quit'>;
}

export interface RunOptions {
  mode: 'run' | 'verify';
  lang: Lang;
  driver?: Driver;
  /** Skip the actions (or solution) of this step but still run its checks: how tests prove a check can fail. */
  skipActionsOf?: string;
  /** Stop after this step (no later steps), still cleaning up. */
  stopAfter?: string;
  /**
   * Before each step's actions (or solution), run its checks once, without settling and without counting them,
   * and report them as `precheck` events. The kernel state then is exactly what the checks would see if the step
   * were skipped, so one run proves that every check of every step can fail.
   */
  precheck?: boolean;
  /** Abort (Ctrl-C): the run stops at the next command boundary and cleans up. */
  signal?: AbortSignal;
  /** Called once the session exists, before any step (the CLI uses it to find the run for Ctrl-C). */
  onSession?(session: Session): void;
}

const SETTLE_INTERVAL_MS = 20;

/** The shell a learner gets for this lab: an interactive shell joined to the lab's namespaces (and cgroup). */
export function labShellArgv(lab: LoadedLab, session: Session): string[] {
  return shellArgvFor(lab.spec.id, lab.spec.shell, session.proc(lab.spec.shell.target).pid, labCgroupOf(lab.spec, session.runId));
}

/** The argv of a lab's shell, given the host PID of its target process (for `lab run` and `lab shell`). */
export function shellArgvFor(id: string, shell: ShellSpec, target: number, cgroup?: string): string[] {
  // $LAB_CGROUP is a host path: a shell in the lab's mount namespace may see another cgroup tree at /sys/fs/cgroup.
  const command = shellCommand(id, shell.namespaces.includes('mnt') ? undefined : cgroup);
  const entered = shell.namespaces.length ? nsenterArgv(target, shell.namespaces, command) : command;
  if (!shell.cgroup) return entered;
  return joinCgroupArgv(cgroupDirOf(target), entered);
}

/** An interactive shell with a prompt that names the lab. */
export function shellCommand(id: string, cgroup?: string): string[] {
  return ['env', `PS1=[lab:${id}] \\w # `, ...cgroupVariable(cgroup), 'bash', '--norc', '-i'];
}

/**
 * `LAB_CGROUP=<path>` for the shells of a lab that has a cgroup of its own: its place in the tree depends on the host
 * (inside a delegated scope on systemd, under the v2 root elsewhere), so hints can say `$LAB_CGROUP/...`.
 */
function cgroupVariable(cgroup: string | undefined): string[] {
  return cgroup === undefined ? [] : [`LAB_CGROUP=${cgroup}`];
}

/** The path of a lab's own cgroup in this run (`spec.cgroup`), or undefined for a lab without one. */
export function labCgroupOf(spec: LabSpec, runId: string): string | undefined {
  return spec.cgroup === undefined ? undefined : labCgroup({ runId, cgroup: spec.cgroup });
}

/** Run a check until it passes or its settle time (unless `once`) is over. */
async function verifyCheck(check: Check, session: Session, once = false): Promise<Verdict> {
  const deadline = Date.now() + (once ? 0 : (check.settle ?? 0));
  for (;;) {
    let verdict: Verdict;
    try {
      verdict = await check.verify(session);
    } catch (error) {
      const message = error instanceof LabError ? `${error.operation}: ${error.code}` : (error as Error).message;
      verdict = { ok: false, found: message };
    }
    if (verdict.ok || Date.now() >= deadline) return verdict;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_INTERVAL_MS));
  }
}

class Aborted extends Error {}

/** Run a lab from its first step; always cleans up what it created, whatever happens. */
export async function runLab(lab: LoadedLab, options: RunOptions, listener: Listener): Promise<LabOutcome> {
  const emit = (event: LabEvent): void => listener(event);
  const outcome: LabOutcome = { status: 'passed', checksPassed: 0, checksFailed: 0, stepsPassed: 0, steps: lab.steps.length };
  const session = new Session(lab.spec.id, emit, {
    signal: options.signal,
    shell: lab.spec.shell,
    cgroup: lab.spec.cgroup,
    hideSolution: lab.spec.hideSolution,
    lang: options.lang,
  });
  options.onSession?.(session);
  emit({ type: 'lab-start', lab, lang: options.lang, mode: options.mode, runId: session.runId });
  const throwIfAborted = (): void => {
    if (options.signal?.aborted) throw new Aborted();
  };

  const runChecks = async (step: LoadedStep, count = true): Promise<boolean> => {
    let all = true;
    for (const check of stepChecks(step.spec)) {
      throwIfAborted();
      const verdict = await verifyCheck(check, session);
      if (count && verdict.ok) outcome.checksPassed++;
      else if (count) outcome.checksFailed++;
      all &&= verdict.ok;
      const found = typeof verdict.found === 'string' ? { en: verdict.found, zh: verdict.found } : verdict.found;
      emit({ type: 'check', step: step.spec.id, check: check.id, title: check.title, ok: verdict.ok, found });
    }
    return all;
  };

  /** Whether every check of the step fails before its actions; one that passes already counts as a failed check. */
  const precheck = async (step: LoadedStep): Promise<boolean> => {
    let proven = true;
    for (const check of stepChecks(step.spec)) {
      throwIfAborted();
      const verdict = await verifyCheck(check, session, true);
      const found = typeof verdict.found === 'string' ? { en: verdict.found, zh: verdict.found } : verdict.found;
      emit({ type: 'precheck', step: step.spec.id, check: check.id, ok: verdict.ok, found });
      if (verdict.ok) outcome.checksFailed++;
      proven &&= !verdict.ok;
    }
    return proven;
  };

  /** A quiz before it is asked: a wrong answer must be refused, or the quiz proves nothing. */
  const precheckQuiz = (step: LoadedStep, quiz: QuizStep): boolean => {
    const wrong = wrongAnswer(quiz);
    const ok = isRightAnswer(quiz, wrong, step.prose.en.choices.length);
    emit({ type: 'precheck', step: quiz.id, check: ANSWER_CHECK, ok, found: { en: wrong, zh: wrong } });
    if (ok) outcome.checksFailed++;
    return !ok;
  };

  /**
   * Ask a quiz through the driver, or give the right answer without one (as a task's solution is applied); skipped,
   * no answer is given. Ends with ONE `answer` check, counted like any other.
   */
  const runQuiz = async (step: LoadedStep, quiz: QuizStep, skip: boolean): Promise<'passed' | 'failed' | 'quit'> => {
    let right: string | undefined;
    const answer = (given: string): boolean => {
      const ok = isRightAnswer(quiz, given, step.prose.en.choices.length);
      emit({ type: 'quiz-answer', step: quiz.id, given, ok });
      if (ok) right ??= given;
      return ok;
    };
    if (!skip) {
      if (options.driver?.quiz) {
        if ((await options.driver.quiz(step, answer)) === 'quit') return 'quit';
      } else {
        // As a task's reference solution is applied: reporters say that the harness answered.
        emit({ type: 'solution', step: quiz.id });
        answer(rightAnswer(quiz));
      }
    }
    throwIfAborted();
    const ok = right !== undefined;
    if (ok) outcome.checksPassed++;
    else outcome.checksFailed++;
    emit({ type: 'check', step: quiz.id, check: ANSWER_CHECK, title: ANSWER_TITLE, ok, found: answerFound(step.prose, quiz, right) });
    return ok ? 'passed' : 'failed';
  };

  const perform = async (step: LoadedStep, role: 'action' | 'solution'): Promise<void> => {
    const spec = step.spec;
    const actions = spec.kind === 'demo' ? spec.actions : spec.kind === 'task' ? spec.solution : [];
    if (role === 'solution') emit({ type: 'solution', step: spec.id });
    const expand = (item: (typeof actions)[number]): Action[] => [typeof item === 'function' ? item(session) : item].flat();
    for (const item of actions) {
      for (const action of expand(item)) {
        throwIfAborted();
        const { ok, stderr } = await session.perform(action, role);
        throwIfAborted();
        if (ok) continue;
        const operation = `run \`${renderAction(action)}\``;
        if (action.kind !== 'start' && action.expect === 'fail') {
          throw new LabError({
            operation,
            code: 'unexpected-success',
            meaning: { en: 'The command was expected to fail, and it succeeded.', zh: '这条命令本应失败，却成功了。' },
            fix: { en: 'Run `lab doctor`, then `lab clean`, and try again.', zh: '运行 `lab doctor`，再运行 `lab clean`，然后重试。' },
          });
        }
        throw commandError(operation, stderr, {
          meaning: { en: 'The command failed; its output says why.', zh: '命令执行失败，原因见它的输出。' },
          fix: { en: 'Run `lab doctor`, then `lab clean`, and try again.', zh: '运行 `lab doctor`，再运行 `lab clean`，然后重试。' },
        });
      }
    }
  };

  const runStep = async (step: LoadedStep): Promise<StepStatus> => {
    const spec = step.spec;
    session.step = spec.id;
    session.journal.step(spec.id);
    emit({ type: 'step-start', step, index: step.index, total: lab.steps.length });
    const skip = options.skipActionsOf === spec.id;
    if (spec.kind === 'quiz') {
      const proven = options.precheck ? precheckQuiz(step, spec) : true;
      const status = await runQuiz(step, spec, skip);
      return status === 'passed' && !proven ? 'failed' : status;
    }
    const proven = options.precheck ? await precheck(step) : true;
    if (spec.kind === 'task' && options.driver?.task && !skip) {
      const taskSession: TaskSession = {
        runId: session.runId,
        check: () => runChecks(step),
        shellArgv: () =>
          spec.shell === 'lab'
            ? labShellArgv(lab, session)
            : ['env', `PS1=[host] \\w # `, ...cgroupVariable(labCgroupOf(lab.spec, session.runId)), 'bash', '--norc', '-i'],
      };
      const shell = renderCommand(taskSession.shellArgv());
      emit({ type: 'task-wait', step, shell });
      const result = await options.driver.task(step, taskSession);
      return result === 'passed' ? 'passed' : 'quit';
    }
    if (!skip) await perform(step, spec.kind === 'demo' ? 'action' : 'solution');
    return (await runChecks(step)) && proven ? 'passed' : 'failed';
  };

  // The driver's word after a passed step; 'again' re-reads the kernel through the step's checks only.
  const askAfterStep = async (step: LoadedStep): Promise<'next' | 'quit'> => {
    if (!options.driver?.afterStep) return 'next';
    for (;;) {
      throwIfAborted();
      const answer = await options.driver.afterStep(step);
      if (answer !== 'again') return answer;
      session.step = step.spec.id;
      await runChecks(step, false);
    }
  };

  try {
    for (const step of lab.steps) {
      await faultPoint(`before step ${step.index + 1} (${step.spec.id})`);
      throwIfAborted();
      if (step.index > 0 && options.driver?.beforeStep) {
        if ((await options.driver.beforeStep(step)) === 'quit') {
          outcome.status = 'quit';
          break;
        }
      }
      let status: StepStatus;
      try {
        status = await runStep(step);
      } catch (error) {
        if (error instanceof Aborted || !(error instanceof LabError)) throw error;
        emit({ type: 'error', step: step.spec.id, error });
        status = 'error';
      }
      emit({ type: 'step-done', step: step.spec.id, status });
      if (status === 'passed') outcome.stepsPassed++;
      if (status !== 'passed') {
        outcome.status = status === 'quit' ? 'quit' : status;
        break;
      }
      if (options.stopAfter === step.spec.id) break;
      if ((await askAfterStep(step)) === 'quit') {
        // Quitting after the last step passed is finishing, not stopping early.
        if (step.index < lab.steps.length - 1) outcome.status = 'quit';
        break;
      }
    }
    await faultPoint('after the last step');
    throwIfAborted();
  } catch (error) {
    if (!(error instanceof Aborted)) {
      await session.cleanup().catch(() => false);
      throw error;
    }
    outcome.status = 'quit';
  }
  await session.cleanup();
  emit({ type: 'lab-done', lab: lab.spec.id, outcome });
  return outcome;
}
