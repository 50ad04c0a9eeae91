// Processes on a pseudo-terminal (node-pty): the learner's shell inside the terminal UI. Like every process of a
// run, it carries the run marker in its environment so that `lab clean` finds it and whatever it started.
import type { IPty } from 'node-pty';
import { RUN_MARKER } from './exec.js';
import { explainSystemError } from '../common/errors.js';

/** A program running on a pseudo-terminal. */
export interface PtyProcess {
  pid: number;
  /** Bytes typed by the learner. */
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Ask it to end (SIGHUP, as a closed terminal would); SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): void;
  onData(listener: (data: string) => void): void;
  /** Called once, with the exit code, when the program ends. */
  onExit(listener: (code: number) => void): void;
}

type PtyModule = typeof import('node-pty');
let loaded: PtyModule | undefined;

/** Start `argv` on a new pseudo-terminal of this size; node-pty (a native module) is loaded on first use. */
export async function spawnPty(argv: readonly string[], options: { runId: string; cols: number; rows: number }): Promise<PtyProcess> {
  const [file, ...args] = argv;
  if (!file) throw new Error('spawnPty: empty argv');
  if (!loaded) {
    // node-pty is CommonJS: under ESM its exports arrive as the default export.
    const module = (await import('node-pty')) as PtyModule & { default?: PtyModule };
    loaded = module.default ?? module;
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  env[RUN_MARKER] = options.runId;
  env.TERM = 'xterm-256color';
  let pty: IPty;
  try {
    pty = loaded!.spawn(file, args, { name: 'xterm-256color', cols: options.cols, rows: options.rows, cwd: process.cwd(), env });
  } catch (error) {
    throw explainSystemError(`run \`${file}\``, error);
  }
  let exited = false;
  pty.onExit(() => {
    exited = true;
  });
  return {
    pid: pty.pid,
    write: (data) => {
      if (!exited) pty.write(data);
    },
    resize: (cols, rows) => {
      if (!exited) pty.resize(Math.max(cols, 2), Math.max(rows, 2));
    },
    stop: (graceMs = 500) => {
      if (exited) return;
      try {
        pty.kill('SIGHUP');
      } catch {
        return;
      }
      setTimeout(() => {
        if (exited) return;
        try {
          pty.kill('SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }, graceMs).unref();
    },
    onData: (listener) => void pty.onData(listener),
    onExit: (listener) => void pty.onExit(({ exitCode }) => listener(exitCode)),
  };
}
