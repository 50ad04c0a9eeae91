// The learner's progress, kept in the state directory as progress.json: per lab the steps passed, the last runs
// (each step's status and checks with their times, quiz attempts, hints used) and how many hints `lab hint` has
// shown of each step. Each change goes to a new file that is fsynced, renamed over the old one, and the directory
// fsynced: after a crash the file is the old one or the new one, never half of each. A file that cannot be parsed
// is kept aside (progress.json.corrupt-<time>) and the loss recorded, so that the learner is told, never emptied.
import { closeSync, copyFileSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../common/errors.js';
import { ensureStateDir, stateDirPath } from '../host/state-dir.js';
import type { LabOutcome, Listener, StepStatus } from './events.js';
import type { Lang } from './spec.js';

/** The version of the file's layout. */
export const PROGRESS_FORMAT = 1;
/** Runs kept per lab, the newest ones (and the last run that completed the lab): the file stays small. */
export const MAX_RUNS = 20;
/** Losses (unreadable files kept aside) remembered. */
const MAX_LOST = 5;

/** One reading of a check, as the run made it. */
export interface CheckRecord {
  id: string;
  ok: boolean;
  /** When it was read (ISO time). */
  at: string;
}

/** One step of one run. A step re-run in the same run (the TUI's `r`) adds its checks again. */
export interface StepRecord {
  id: string;
  status: StepStatus | 'running';
  start: string;
  end?: string;
  checks: CheckRecord[];
  /** Answers given to a quiz step, right or wrong. */
  quizAttempts?: number;
}

/** One `lab run`. */
export interface RunRecord {
  runId: string;
  start: string;
  end?: string;
  /** How it ended; `running` while it runs, or when it never ended (a crash). */
  status: LabOutcome['status'] | 'running';
  steps: StepRecord[];
  /** Hints `lab hint` showed while this run was on. */
  hints: number;
}

export interface LabProgress {
  /** Ids of the steps passed, in any run, in the order passed. */
  passed: string[];
  /** When a run last passed every check of the lab (ISO time): only then is the lab complete. */
  completed?: string;
  /** The run that did, while it is kept. */
  completedRun?: string;
  /** The last runs, oldest first (at most MAX_RUNS, plus the completing run). */
  runs: RunRecord[];
  /** Per step id: how many of its hints `lab hint` has shown (the next call shows the next one). */
  hints: Record<string, number>;
}

/** A progress file that could not be parsed, kept aside. */
export interface Loss {
  /** When it was found (ISO time). */
  at: string;
  /** Where it is now. */
  keptAs: string;
  bytes: number;
  /** Lab ids that appear in it: what the learner lost. */
  labs: string[];
  /** Whether `lab list`, `lab hint` or `lab progress` has said so already. */
  told: boolean;
  /** Only runs or hint counts of the wrong type were dropped (of `labs`); the rest of the file was kept. */
  partial?: boolean;
}

export interface Progress {
  format: typeof PROGRESS_FORMAT;
  labs: Record<string, LabProgress>;
  lost: Loss[];
}

function progressFile(): string {
  return join(stateDirPath(), 'progress.json');
}

const emptyProgress = (): Progress => ({ format: PROGRESS_FORMAT, labs: {}, lost: [] });

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** Lab ids whose entry lost a run or a hint count of the wrong type in the last `fromJson` (reported as a loss). */
let droppedFrom: string[] = [];

/** One lab's entry, filled in; undefined when it is not one. */
function labEntry(value: unknown, id = ''): LabProgress | undefined {
  if (!isObject(value) || !isStringArray(value.passed)) return undefined;
  if (value.runs !== undefined && !Array.isArray(value.runs)) return undefined;
  if (value.hints !== undefined && !isObject(value.hints)) return undefined;
  // A run or a hint count of the wrong type (a hand edit, a garbled byte that still parses) is dropped, not trusted.
  const runs = ((value.runs as unknown[] | undefined) ?? []).filter(
    (run): run is RunRecord =>
      isObject(run) && typeof run.runId === 'string' && typeof run.status === 'string' && Array.isArray(run.steps) && run.steps.every(isObject),
  );
  const hints = Object.fromEntries(
    Object.entries((value.hints as Record<string, unknown> | undefined) ?? {}).filter(([, n]) => typeof n === 'number' && n >= 0),
  ) as Record<string, number>;
  if (runs.length !== ((value.runs as unknown[] | undefined) ?? []).length || Object.keys(hints).length !== Object.keys(value.hints ?? {}).length)
    droppedFrom.push(id);
  return {
    ...(value as Partial<LabProgress>),
    ...(typeof value.completed === 'string' ? {} : { completed: undefined }),
    passed: value.passed,
    runs,
    hints,
  };
}

/** A recorded loss, if the value is one. */
const isLoss = (value: unknown): value is Loss =>
  isObject(value) && typeof value.at === 'string' && typeof value.keptAs === 'string' && typeof value.bytes === 'number' && isStringArray(value.labs);

/** The progress a parsed file holds (this layout, or the first one: lab id -> { passed, completed }); undefined if neither. */
function fromJson(data: unknown): Progress | undefined {
  if (!isObject(data)) return undefined;
  const layout1 = data.format === PROGRESS_FORMAT;
  const labs = layout1 ? data.labs : data;
  if (!isObject(labs)) return undefined;
  const progress: Progress = { ...emptyProgress(), lost: layout1 && Array.isArray(data.lost) ? data.lost.filter(isLoss) : [] };
  for (const [id, value] of Object.entries(labs)) {
    const entry = labEntry(value, id);
    if (!entry) return undefined;
    progress.labs[id] = entry;
  }
  return progress;
}

/** The lab ids an unreadable file still shows (`"<id>": {"passed"`): what was lost, as far as can be told. */
function labsMentioned(text: string): string[] {
  return [...new Set([...text.matchAll(/"([a-z0-9]+(?:-[a-z0-9]+)*)"\s*:\s*\{\s*"passed"/g)].map((m) => m[1]!))];
}

/**
 * The progress on disk. A file that cannot be parsed is renamed to progress.json.corrupt-<time> and the loss
 * recorded in a fresh file; when it cannot be moved (no write access), `forWrite` refuses, so nothing overwrites it.
 */
function load(forWrite: boolean): Progress {
  const file = progressFile();
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch {
    // None yet, or not ours to read (`lab list` as a normal user: the state directory is root's).
    return emptyProgress();
  }
  const text = raw.toString('utf8');
  const bytes = raw.length;
  let parsed: Progress | undefined;
  droppedFrom = [];
  try {
    parsed = fromJson(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  const at = new Date().toISOString();
  const keptAs = `${file}.corrupt-${at.replace(/[:.]/g, '-')}`;
  if (parsed && droppedFrom.length > 0) {
    // Parts of the wrong type were dropped: the file is copied aside as it was, and the loss recorded.
    try {
      copyFileSync(file, keptAs);
      parsed.lost.push({ at, keptAs, bytes, labs: droppedFrom, told: false, partial: true });
      save(parsed);
    } catch {
      if (!parsed.lost.some((loss) => loss.keptAs === file)) parsed.lost.push({ at, keptAs: file, bytes, labs: droppedFrom, told: false, partial: true });
    }
    return parsed;
  }
  if (parsed) return parsed;
  try {
    renameSync(file, keptAs);
  } catch (error) {
    if (!forWrite) return { ...emptyProgress(), lost: [{ at, keptAs: file, bytes, labs: labsMentioned(text), told: false }] };
    throw new LabError({
      operation: `rename \`${file}\``,
      code: (error as { code?: string }).code ?? 'error',
      meaning: {
        en: 'Your progress file cannot be read and cannot be moved aside, so lab leaves it as it is and records nothing.',
        zh: '进度文件无法读取，也无法移到一旁；lab 保留它原样，不记录任何进度。',
      },
      fix: { en: 'Run lab as root (`sudo lab ...`), or move the file away yourself.', zh: '以 root 身份运行 lab（`sudo lab ...`），或者自己把这个文件移走。' },
      cause: error,
    });
  }
  const progress = emptyProgress();
  progress.lost.push({ at, keptAs, bytes, labs: labsMentioned(text), told: false });
  save(progress);
  return progress;
}

/**
 * The saved progress; empty when there is none or it cannot be read (e.g. `lab list` as a normal user). An
 * unparsable file is kept aside as it is found, and listed in `lost`.
 */
export function readProgress(): Progress {
  try {
    return load(false);
  } catch {
    return emptyProgress();
  }
}

/** Write `progress` atomically: a new file, fsynced, renamed over the old one, then the directory fsynced. */
function save(progress: Progress): void {
  const dir = ensureStateDir();
  const file = progressFile();
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(progress)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** Read, change and save the progress (the file is re-read each time: another `lab` process may have written it). */
export function updateProgress(change: (progress: Progress) => void): Progress {
  const progress = load(true);
  change(progress);
  progress.lost = progress.lost.slice(-MAX_LOST);
  save(progress);
  return progress;
}

/** Forget the progress of one lab, or of all (and every recorded loss). */
export function resetProgress(lab?: string): void {
  if (lab === undefined) save(emptyProgress());
  else
    updateProgress((progress) => {
      delete progress.labs[lab];
    });
}

const entryOf = (progress: Progress, lab: string): LabProgress => (progress.labs[lab] ??= { passed: [], runs: [], hints: {} });

/** Keep the newest MAX_RUNS runs, and the run that completed the lab if it is older. */
function capRuns(entry: LabProgress): void {
  while (entry.runs.length > MAX_RUNS) {
    const drop = entry.runs.findIndex((run) => run.runId !== entry.completedRun);
    entry.runs.splice(drop, 1);
  }
}

/** Where a lab stands: complete (every check passed in one run), every step passed but over several runs, ... */
export type LabState = 'complete' | 'pieces' | 'in-progress' | 'not-started';

export interface LabStanding {
  state: LabState;
  /** Steps of `steps` passed, in any run. */
  passed: number;
  steps: number;
  /** The newest run, if any is kept. */
  lastRun: RunRecord | undefined;
  /** Hints `lab hint` has shown, all steps together. */
  hintsUsed: number;
}

/** Where a lab whose steps are `steps` stands in `progress`. */
export function standing(progress: Progress, lab: string, steps: readonly string[]): LabStanding {
  const entry = progress.labs[lab];
  const passed = entry?.passed.filter((s) => steps.includes(s)).length ?? 0;
  const lastRun = entry?.runs.at(-1);
  const hintsUsed = Object.values(entry?.hints ?? {}).reduce((sum, n) => sum + (typeof n === 'number' ? n : 0), 0);
  const state: LabState =
    entry?.completed !== undefined
      ? 'complete'
      : steps.length > 0 && passed === steps.length
        ? 'pieces'
        : passed > 0 || lastRun !== undefined || hintsUsed > 0
          ? 'in-progress'
          : 'not-started';
  return { state, passed, steps: steps.length, lastRun, hintsUsed };
}

/** The run a report shows: the one that completed the lab while it is kept, else the newest. */
export function reportedRun(entry: LabProgress | undefined): RunRecord | undefined {
  if (!entry) return undefined;
  return entry.runs.find((run) => run.runId === entry.completedRun) ?? entry.runs.at(-1);
}

/** How many hints of `step` `lab hint` has shown. */
export function hintsShown(progress: Progress, lab: string, step: string): number {
  const n = progress.labs[lab]?.hints[step];
  return typeof n === 'number' && n > 0 ? n : 0;
}

/** Record that `lab hint` has now shown `count` hints of `step`; `runId`: the run going on, which counts the new ones. */
export function recordHints(lab: string, step: string, count: number, runId?: string): void {
  updateProgress((progress) => {
    const entry = entryOf(progress, lab);
    const before = hintsShown(progress, lab, step);
    if (count <= before) return;
    entry.hints[step] = count;
    const run = runId === undefined ? undefined : entry.runs.find((r) => r.runId === runId);
    if (run) run.hints += count - before;
  });
}

/** What was lost to unreadable files, one paragraph per loss, in the learner's language. */
export function lossNotice(loss: Loss, lang: Lang): string {
  const kept = loss.keptAs.includes('.corrupt-');
  const labs = loss.labs.length ? loss.labs.join(lang === 'zh' ? '、' : ', ') : lang === 'zh' ? '（看不出）' : '(none recognisable)';
  if (loss.partial) {
    return lang === 'zh'
      ? `进度文件（${loss.bytes} 字节）中有类型不对的运行记录或提示计数，于 ${loss.at} 发现并丢弃${kept ? `；原文件已原样保存为 ${loss.keptAs}` : ''}。其余进度保留；受影响的实验：${labs}。`
      : `Your progress file (${loss.bytes} bytes) held runs or hint counts of the wrong type, dropped (found ${loss.at})${kept ? `; the file is kept as it was in ${loss.keptAs}` : ''}. The rest of your progress is kept; the labs affected: ${labs}.`;
  }
  if (lang === 'zh') {
    return (
      `进度文件（${loss.bytes} 字节）无法解析，于 ${loss.at} 发现${kept ? `，已原样保存为 ${loss.keptAs}` : '；没有权限把它移到一旁'}。` +
      `其中记录的进度已丢失，从零开始记录；它提到的实验：${labs}。`
    );
  }
  return (
    `Your progress file (${loss.bytes} bytes) could not be parsed (found ${loss.at})${kept ? `; it is kept as it was in ${loss.keptAs}` : ' and could not be moved aside'}. ` +
    `The progress it held is lost and recording starts again from nothing; the labs it mentions: ${labs}.`
  );
}

/** The losses not told yet, marked as told (best effort: as a normal user the file cannot be written). */
export function takeUntoldLosses(progress: Progress): Loss[] {
  const untold = progress.lost.filter((loss) => !loss.told);
  if (untold.length === 0 || !untold.some((loss) => loss.keptAs.includes('.corrupt-'))) return untold;
  try {
    updateProgress((p) => {
      for (const loss of p.lost) loss.told = true;
    });
  } catch {
    // Told again next time.
  }
  return untold;
}

/** A listener that records runs, steps, checks, quiz attempts, passed steps and completed labs as a `lab run` goes. */
export function progressRecorder(): Listener {
  let lab = '';
  let runId = '';
  const now = (): string => new Date().toISOString();
  const update = (change: (run: RunRecord, entry: LabProgress) => void): void => {
    updateProgress((progress) => {
      const entry = entryOf(progress, lab);
      let run = entry.runs.find((r) => r.runId === runId);
      if (!run) {
        run = { runId, start: now(), status: 'running', steps: [], hints: 0 };
        entry.runs.push(run);
        capRuns(entry);
      }
      change(run, entry);
    });
  };
  const stepOf = (run: RunRecord, id: string): StepRecord => {
    const found = [...run.steps].reverse().find((s) => s.id === id);
    if (found) return found;
    const step: StepRecord = { id, status: 'running', start: now(), checks: [] };
    run.steps.push(step);
    return step;
  };
  return (event) => {
    // `quiz-answer` by its type string: it works whichever way the event's type is declared.
    const loose = event as { type: string; step?: unknown };
    if (loose.type === 'quiz-answer' && typeof loose.step === 'string') {
      const id = loose.step;
      update((run) => {
        const step = stepOf(run, id);
        step.quizAttempts = (step.quizAttempts ?? 0) + 1;
      });
      return;
    }
    switch (event.type) {
      case 'lab-start':
        lab = event.lab.spec.id;
        runId = event.runId;
        update(() => {});
        break;
      case 'step-start':
        update((run) => {
          const last = run.steps.at(-1);
          if (last?.id === event.step.spec.id && last.status === 'running') return;
          run.steps.push({ id: event.step.spec.id, status: 'running', start: now(), checks: [] });
        });
        break;
      case 'check':
        update((run) => stepOf(run, event.step).checks.push({ id: event.check, ok: event.ok, at: now() }));
        break;
      case 'step-done':
        update((run, entry) => {
          const step = stepOf(run, event.step);
          step.status = event.status;
          step.end = now();
          if (event.status === 'passed' && !entry.passed.includes(event.step)) entry.passed.push(event.step);
        });
        break;
      case 'lab-done':
        update((run, entry) => {
          run.status = event.outcome.status;
          run.end = now();
          // Complete only when this one run passed every step (and so every check).
          if (event.outcome.status === 'passed' && event.outcome.stepsPassed === event.outcome.steps) {
            entry.completed = run.end;
            entry.completedRun = run.runId;
          }
        });
        break;
      default:
        break;
    }
  };
}
