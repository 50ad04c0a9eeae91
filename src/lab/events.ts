// The runner's events. The runner emits them and never writes to the terminal; reporters (plain, TAP, JSON
// lines, the TUI) are listeners of this one stream.
import type { Lang, Text } from './spec.js';
import type { LoadedLab, LoadedStep } from './load.js';
import type { LabError } from '../common/errors.js';

export type StepStatus = 'passed' | 'failed' | 'error' | 'quit';

/** Why a command ran: a demo's action, a task's reference solution, or a check reading a fact. */
export type CommandRole = 'action' | 'solution' | 'check' | 'shell';

export type LabEvent =
  | { type: 'lab-start'; lab: LoadedLab; lang: Lang; mode: 'run' | 'verify'; runId: string }
  | { type: 'step-start'; step: LoadedStep; index: number; total: number }
  | { type: 'command'; step: string; role: CommandRole; command: string; background: boolean }
  /**
   * A command's output. `from` names the started (background) process it came from, when it did: such output can
   * arrive while another command runs, and each of its lines then begins with `[name] `.
   */
  | { type: 'output'; step: string; stream: 'stdout' | 'stderr'; text: string; from?: string }
  /** `exitCode` as a shell reports it: 128 + N when signal N (named in `signal`, `SIGKILL`) ended the command. */
  | { type: 'command-end'; step: string; exitCode: number; signal?: string; expected: 'ok' | 'fail'; ok: boolean }
  | { type: 'task-wait'; step: LoadedStep; shell: string }
  | { type: 'solution'; step: string }
  | { type: 'check'; step: string; check: string; title: Text; ok: boolean; found: Text }
  /** One attempt at a quiz: what the learner (or the harness) answered, and whether it was right. */
  | { type: 'quiz-answer'; step: string; given: string; ok: boolean }
  /** A check run before its step's actions (RunOptions.precheck), to prove that it can fail. */
  | { type: 'precheck'; step: string; check: string; ok: boolean; found: Text }
  | { type: 'step-done'; step: string; status: StepStatus }
  /** `what` is the removal as a command; `label`, when set, says it in words (`stopped box (host PID 3709)`). */
  | { type: 'cleanup'; what: string; ok: boolean; label?: Text }
  | { type: 'error'; step?: string; error: LabError }
  | { type: 'lab-done'; lab: string; outcome: LabOutcome };

/** How a lab run ended. */
export interface LabOutcome {
  status: 'passed' | 'failed' | 'error' | 'quit';
  checksPassed: number;
  checksFailed: number;
  stepsPassed: number;
  steps: number;
}

export type Listener = (event: LabEvent) => void;
