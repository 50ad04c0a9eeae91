// What the terminal UI knows about a run: the runner's events folded into one plain object (no terminal here), so
// that every view is a function of this state and the screen size, and a language switch redraws from it.
import type { LabError } from '../../common/errors.js';
import type { CommandRole, LabEvent, LabOutcome } from '../../lab/events.js';
import type { LoadedLab } from '../../lab/load.js';
import type { Lang, Text } from '../../lab/spec.js';

/** A step's state in the step list. */
export type StepState = 'pending' | 'running' | 'waiting' | 'passed' | 'failed' | 'error' | 'skipped';

/** One entry of a step's log: what the harness ran and read, and what the learner asked for. */
export type LogEntry =
  | { kind: 'command'; role: CommandRole; command: string; background: boolean }
  | { kind: 'output'; stream: 'stdout' | 'stderr'; text: string }
  | { kind: 'exit'; exitCode: number; signal?: string; expected: 'ok' | 'fail'; ok: boolean }
  | { kind: 'solution' }
  | { kind: 'task'; shell: string }
  | { kind: 'check'; ok: boolean; title: Text; found: Text }
  /** One answer to a quiz, as given (a choice's number, or the typed text), and whether it was right. */
  | { kind: 'answer'; given: string; ok: boolean }
  | { kind: 'hint'; index: number }
  | { kind: 'note'; text: Text }
  | { kind: 'error'; error: LabError }
  | { kind: 'cleanup'; what: string; ok: boolean; label?: Text };

/** Where the run is, as far as the keys are concerned. */
export type Phase = 'starting' | 'running' | 'task' | 'quiz' | 'checking' | 'after-step' | 'cleanup' | 'done';

export interface StepView {
  state: StepState;
  log: LogEntry[];
  /** Hints shown so far. */
  hints: number;
}

export interface TuiState {
  lab: LoadedLab;
  lang: Lang;
  color: boolean;
  steps: StepView[];
  /** The step on screen. */
  current: number;
  phase: Phase;
  /** What happens after the last step: cleanup lines and the result. */
  end: LogEntry[];
  outcome?: LabOutcome;
  /** A line of status above the footer, in both languages. */
  status?: Text;
  /** Keys go to the shell (true) or to the lab. */
  shellFocus: boolean;
  /** The shell takes the whole screen. */
  fullscreen: boolean;
  help: boolean;
  /** Lines the explanation is scrolled down by. */
  scroll: number;
  /** The first line the commands pane shows; undefined while it follows the newest output. */
  logTop?: number | undefined;
  /** The right-hand pane given the room (z), the other collapsed to its title and a line; undefined: both shown. */
  zoom?: 'explanation' | 'log' | undefined;
  /** The live panel shows the X-ray of the lab's container (x) instead of every process and the namespace table. */
  xray?: boolean;
  /** While a quiz waits for its answer: whether the input line of a typed answer is open, and what it holds. */
  quiz?: { typing: boolean; text: string } | undefined;
}

/** A fresh state for a lab, before its first event. */
export function initialState(lab: LoadedLab, lang: Lang, color: boolean): TuiState {
  return {
    lab,
    lang,
    color,
    steps: lab.steps.map(() => ({ state: 'pending', log: [], hints: 0 })),
    current: 0,
    phase: 'starting',
    end: [],
    shellFocus: false,
    fullscreen: false,
    help: false,
    scroll: 0,
  };
}

/** The index of a step by id (the current one when unknown). */
function indexOf(state: TuiState, id: string | undefined): number {
  const found = state.lab.steps.findIndex((s) => s.spec.id === id);
  return found >= 0 ? found : state.current;
}

/** The log that an event about step `id` belongs to: the step's, or the end's once the steps are over. */
function logFor(state: TuiState, id: string | undefined): LogEntry[] {
  if (state.phase === 'cleanup' || state.phase === 'done' || !id) return state.end;
  return state.steps[indexOf(state, id)]!.log;
}

// Output arrives in chunks that may end mid-line: the unfinished tail of each stream waits for the rest.
const partial = new WeakMap<TuiState, Record<'stdout' | 'stderr', string>>();

function addOutput(state: TuiState, log: LogEntry[], stream: 'stdout' | 'stderr', text: string): void {
  const tails = partial.get(state) ?? { stdout: '', stderr: '' };
  partial.set(state, tails);
  const all = tails[stream] + text;
  const lines = all.split('\n');
  tails[stream] = lines.pop() ?? '';
  for (const l of lines) log.push({ kind: 'output', stream, text: l.replace(/\r$/, '') });
}

function flushOutput(state: TuiState, log: LogEntry[]): void {
  const tails = partial.get(state);
  if (!tails) return;
  for (const stream of ['stdout', 'stderr'] as const) {
    if (tails[stream]) log.push({ kind: 'output', stream, text: tails[stream] });
    tails[stream] = '';
  }
}

/** Fold one runner event into the state. */
export function applyEvent(state: TuiState, event: LabEvent): void {
  if (event.type !== 'output' && event.type !== 'lab-start')
    flushOutput(state, logFor(state, 'step' in event && typeof event.step === 'string' ? event.step : undefined));
  switch (event.type) {
    case 'lab-start':
      state.phase = 'running';
      break;
    case 'step-start': {
      state.current = event.index;
      state.scroll = 0;
      state.logTop = undefined;
      state.phase = 'running';
      state.status = undefined;
      const view = state.steps[event.index]!;
      view.state = 'running';
      break;
    }
    case 'command':
      logFor(state, event.step).push({ kind: 'command', role: event.role, command: event.command, background: event.background });
      break;
    case 'output':
      addOutput(state, logFor(state, event.step), event.stream, event.text);
      break;
    case 'command-end':
      logFor(state, event.step).push({
        kind: 'exit',
        exitCode: event.exitCode,
        ...(event.signal ? { signal: event.signal } : {}),
        expected: event.expected,
        ok: event.ok,
      });
      break;
    case 'solution':
      logFor(state, event.step).push({ kind: 'solution' });
      break;
    case 'task-wait': {
      const view = state.steps[event.step.index]!;
      view.state = 'waiting';
      view.log.push({ kind: 'task', shell: event.shell });
      state.phase = 'task';
      break;
    }
    case 'check':
      logFor(state, event.step).push({ kind: 'check', ok: event.ok, title: event.title, found: event.found });
      break;
    case 'quiz-answer':
      logFor(state, event.step).push({ kind: 'answer', given: event.given, ok: event.ok });
      break;
    case 'error':
      logFor(state, event.step).push({ kind: 'error', error: event.error });
      break;
    case 'step-done': {
      const index = indexOf(state, event.step);
      const view = state.steps[index]!;
      view.state = event.status === 'quit' ? 'skipped' : event.status;
      if (event.status === 'passed') state.phase = 'after-step';
      break;
    }
    case 'cleanup':
      if (state.phase !== 'done') state.phase = 'cleanup';
      state.end.push({ kind: 'cleanup', what: event.what, ok: event.ok, ...(event.label ? { label: event.label } : {}) });
      break;
    case 'lab-done':
      state.phase = 'done';
      state.outcome = event.outcome;
      for (const view of state.steps) if (view.state === 'pending' || view.state === 'running' || view.state === 'waiting') view.state = 'skipped';
      state.shellFocus = false;
      state.fullscreen = false;
      state.quiz = undefined;
      break;
  }
}

/** Show the next hint of the current step; false when there is none left. */
export function nextHint(state: TuiState): boolean {
  const view = state.steps[state.current]!;
  const total = state.lab.steps[state.current]!.prose[state.lang].hints.length;
  if (view.hints >= total) return false;
  view.log.push({ kind: 'hint', index: view.hints++ });
  return true;
}

/** Steps passed so far. */
export function passedCount(state: TuiState): number {
  return state.steps.filter((s) => s.state === 'passed').length;
}
