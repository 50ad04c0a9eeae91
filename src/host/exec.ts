// The one door to processes. Every command the harness runs goes through here, with the same argv that the
// learner is shown. execa is loaded on first use so that commands which run nothing (`lab list`) start fast.
import { constants } from 'node:os';
import type { ProbeResult } from '../common/vocabulary.js';
import { startTime } from '../kernel/proc.js';
import { LabError, explainSystemError } from '../common/errors.js';

/** Receives a command's output as it streams. */
export type OutputSink = (stream: 'stdout' | 'stderr', text: string) => void;

/** Environment variable that marks every process of a run, so that `lab clean` finds strays by /proc/<pid>/environ. */
export const RUN_MARKER = 'LAB_RUN_ID';

export interface RunOptions {
  /** The run this command belongs to (sets the marker). */
  runId?: string;
  onOutput?: OutputSink;
  /** Kill the command after this long (default 30 s): a lab never hangs on a stuck command. */
  timeoutMs?: number;
  /** Kill the command when this fires (Ctrl-C, SIGTERM): the run then cleans up at once. */
  signal?: AbortSignal;
  /** Called once the command was spawned, before its exit is awaited (runCommand only: a fault point). */
  onSpawn?: () => void;
}

type Execa = typeof import('execa').execa;
let loaded: Execa | undefined;
async function execa(): Promise<Execa> {
  loaded ??= (await import('execa')).execa;
  return loaded;
}

function environment(runId: string | undefined): Record<string, string> {
  return runId ? { [RUN_MARKER]: runId } : {};
}

/** The exit status a shell reports for a process ended by `signal`: 128 + its number (SIGKILL: 137). */
export function signalExitCode(signal: string): number {
  return 128 + (constants.signals[signal as keyof typeof constants.signals] ?? 0);
}

function spawnError(argv: readonly string[], error: unknown): unknown {
  return explainSystemError(`run \`${argv[0]}\``, error);
}

/** Run a command to completion; a non-zero exit is a result, not an exception. */
export async function runCommand(argv: readonly string[], options: RunOptions = {}): Promise<ProbeResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('runCommand: empty argv');
  const run = await execa();
  const child = run(file, args, {
    reject: false,
    stdin: 'ignore',
    env: environment(options.runId),
    timeout: options.timeoutMs ?? 30_000,
    stripFinalNewline: false,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  options.onSpawn?.();
  if (options.onOutput) {
    const sink = options.onOutput;
    child.stdout?.on('data', (chunk: Buffer) => sink('stdout', chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => sink('stderr', chunk.toString()));
  }
  const result = await child;
  const code = (result as { code?: string }).code;
  if (result.isCanceled) return { exitCode: 130, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
  if (result.failed && result.exitCode === undefined && code && !result.timedOut) throw spawnError(argv, result);
  return {
    exitCode: result.exitCode ?? (result.timedOut ? 124 : result.signal ? signalExitCode(result.signal) : 128),
    ...(result.signal ? { signal: result.signal } : {}),
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
}

/** A long-lived process started by `startProcess`. */
export interface StartedProcess {
  pid: number;
  start: number;
  /** Settles with the exit code (or null when killed by a signal) when the process ends. */
  exited: Promise<number | null>;
}

/**
 * Start a process that outlives this call. It gets its own session (Ctrl-C in the learner's terminal reaches
 * the harness, which then cleans up in order, not the lab's processes directly).
 */
export async function startProcess(argv: readonly string[], options: RunOptions = {}): Promise<StartedProcess> {
  const [file, ...args] = argv;
  if (!file) throw new Error('startProcess: empty argv');
  const run = await execa();
  const child = run(file, args, {
    reject: false,
    stdin: 'ignore',
    detached: true,
    buffer: false,
    env: environment(options.runId),
  });
  const spawned = new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? 0));
    child.once('error', reject);
  });
  let pid: number;
  try {
    pid = await spawned;
  } catch (error) {
    throw spawnError(argv, error);
  }
  if (options.onOutput) {
    const sink = options.onOutput;
    child.stdout?.on('data', (chunk: Buffer) => sink('stdout', chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => sink('stderr', chunk.toString()));
  }
  const exited = child.then((result) => result.exitCode ?? null);
  const start = startTime(pid);
  if (start === undefined) {
    throw new LabError({
      operation: `start \`${argv.join(' ')}\``,
      code: 'exited-at-once',
      meaning: { en: 'The process ended as soon as it started.', zh: '进程刚启动就退出了。' },
      fix: { en: 'Run `lab doctor` to check what this host supports.', zh: '运行 `lab doctor` 检查这台宿主机支持什么。' },
    });
  }
  return { pid, start, exited };
}

/**
 * Hand the terminal to an interactive program (the learner's shell) and wait for it to end. The harness ignores
 * Ctrl-C meanwhile: it belongs to the shell.
 */
export async function runInteractive(argv: readonly string[], options: { runId?: string } = {}): Promise<number> {
  const [file, ...args] = argv;
  if (!file) throw new Error('runInteractive: empty argv');
  const { spawn } = await import('node:child_process');
  const ignore = (): void => {};
  process.on('SIGINT', ignore);
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, ...environment(options.runId) } });
      child.once('error', (error) => reject(spawnError(argv, error)));
      child.once('exit', (code, signal) => resolve(code ?? (signal ? signalExitCode(signal) : 0)));
    });
  } finally {
    process.off('SIGINT', ignore);
  }
}
