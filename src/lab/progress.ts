// The learner's progress: which steps of which labs they have passed in `lab run`. Kept in the state directory.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureStateDir, stateDirPath } from '../host/state-dir.js';
import type { Listener } from './events.js';

export interface LabProgress {
  /** Ids of the steps passed, in the order passed. */
  passed: string[];
  /** When the whole lab was last passed (ISO time). */
  completed?: string;
}

export type Progress = Record<string, LabProgress>;

function progressFile(): string {
  return join(stateDirPath(), 'progress.json');
}

/** The saved progress; empty when there is none or it cannot be read (e.g. `lab list` as a normal user). */
export function readProgress(): Progress {
  try {
    const data = JSON.parse(readFileSync(progressFile(), 'utf8')) as unknown;
    return typeof data === 'object' && data !== null ? (data as Progress) : {};
  } catch {
    return {};
  }
}

function save(progress: Progress): void {
  ensureStateDir();
  const tmp = `${progressFile()}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(progress, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, progressFile());
}

/** Forget the progress of one lab, or of all. */
export function resetProgress(lab?: string): void {
  const progress = lab ? readProgress() : {};
  if (lab) delete progress[lab];
  save(progress);
}

/** A listener that records passed steps and completed labs as a `lab run` goes. */
export function progressRecorder(): Listener {
  let lab = '';
  return (event) => {
    if (event.type === 'lab-start') lab = event.lab.spec.id;
    if (event.type === 'step-done' && event.status === 'passed') {
      const progress = readProgress();
      const entry = (progress[lab] ??= { passed: [] });
      if (!entry.passed.includes(event.step)) entry.passed.push(event.step);
      save(progress);
    }
    if (event.type === 'lab-done' && event.outcome.status === 'passed') {
      const progress = readProgress();
      (progress[lab] ??= { passed: [] }).completed = new Date().toISOString();
      save(progress);
    }
  };
}
