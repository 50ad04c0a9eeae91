// Shared by the fuzz tests (cli-fuzz, spec-fuzz): a seeded random source, a small pool of workers that run `lab`
// in-process (test/hardening/fuzz-worker.mjs), a real `node bin/lab.js` run for arguments only a real argv can
// carry (bytes that are not UTF-8), and the verdict every case must pass: an exit status it may end with, a message,
// no stack trace, no exception that escaped, nothing left open, within its time.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_MARKER } from '../../src/host/exec.js';
import { environValue } from '../../src/kernel/proc.js';
import { BIN, cleanEnv, hostSnapshot, ROOT, type HostSnapshot } from '../helpers.js';

/** The seed: LAB_FUZZ_SEED when set, else a fresh one (printed by the test so that a failure can be replayed). */
export function fuzzSeed(): number {
  const given = process.env.LAB_FUZZ_SEED;
  if (given !== undefined && given !== '') return Number(given) >>> 0;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

/** How many cases: LAB_FUZZ_CASES when set, else `fallback`. */
export function fuzzCases(fallback: number): number {
  const given = Number(process.env.LAB_FUZZ_CASES);
  return Number.isInteger(given) && given > 0 ? given : fallback;
}

/** A seeded random source (mulberry32) with the helpers the generators use. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** One run of `lab`: its arguments, environment additions (null: unset), working directory. */
export interface FuzzCase {
  argv: string[];
  env: Record<string, string | null>;
  cwd: string;
  /** Exit statuses it may end with; default 0, 1, 2. */
  allowed?: number[];
  /** Milliseconds before it counts as a hang; default 20 s. */
  timeout?: number;
}

/** What became of a case. */
export interface FuzzResult {
  code: number | null;
  stdout: string;
  stderr: string;
  uncaught: string[];
  handles: string[];
  timedOut: boolean;
  ms: number;
}

interface Pending {
  c: FuzzCase;
  resolve: (r: FuzzResult) => void;
}

const WORKER = join(ROOT, 'test', 'hardening', 'fuzz-worker.mjs');
/** Every worker started: a run or container one of them started carries its pid in its run id (`lab-<lab>-<pid>-<time>`). */
const WORKER_PIDS = new Set<number>();

/**
 * The host snapshot without what other runs on a shared host (each in its own state directory) start and end
 * meanwhile: marked processes and names that carry another process's pid. Names without a pid (network links)
 * are the whole host's: run these files alone, or under the machine lock, as the lab tests run.
 */
export function fuzzSnapshot(stateDir: string): HostSnapshot {
  const snapshot = hostSnapshot(stateDir);
  const ours = (pid: number): boolean => {
    const id = environValue(pid, RUN_MARKER) ?? '';
    return [...WORKER_PIDS].some((worker) => id.includes(`-${worker}-`)) || !/-\d+-/.test(id);
  };
  // Names that carry a run's pid (`lab-userns-<pid>-<time>`, a cgroup, a /run path) are another run's unless the
  // pid is a worker's.
  const mine = (entry: string): boolean => {
    const m = /lab-[a-z0-9-]*?-(\d+)-[a-z0-9]+/.exec(entry);
    return !m || WORKER_PIDS.has(Number(m[1]));
  };
  const filtered = Object.fromEntries(
    Object.entries(snapshot).map(([key, value]) => [key, Array.isArray(value) && typeof value[0] === 'string' ? (value as string[]).filter(mine) : value]),
  ) as unknown as HostSnapshot;
  return { ...filtered, marked: snapshot.marked.filter(ours) };
}

/** One worker process and the case it runs. */
class Worker {
  child!: ChildProcess;
  ready!: Promise<void>;
  busy: { id: number; pending: Pending; started: number; timer: NodeJS.Timeout } | undefined;

  constructor(private readonly onDone: (w: Worker) => void) {
    this.start();
  }

  private start(): void {
    const child = fork(WORKER, [ROOT], { env: cleanEnv(), execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    this.child = child;
    if (child.pid !== undefined) WORKER_PIDS.add(child.pid);
    // Anything written past the capture (there should be nothing) is drained, never left to block the worker.
    child.stdout!.resume();
    child.stderr!.resume();
    this.ready = new Promise((resolve) => {
      const first = (m: { ready?: boolean }) => {
        if (m.ready) {
          child.off('message', first);
          resolve();
        }
      };
      child.on('message', first);
    });
    child.on('message', (m: Omit<FuzzResult, 'timedOut' | 'ms'> & { id?: number }) => {
      if (!this.busy || m.id !== this.busy.id) return;
      const { pending, started, timer } = this.busy;
      clearTimeout(timer);
      this.busy = undefined;
      pending.resolve({ ...m, timedOut: false, ms: Date.now() - started });
      this.onDone(this);
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child || !this.busy) return;
      const { pending, started, timer } = this.busy;
      clearTimeout(timer);
      this.busy = undefined;
      pending.resolve({
        code: null,
        stdout: '',
        stderr: `worker exited (${signal ?? code}) during the case`,
        uncaught: [],
        handles: [],
        timedOut: false,
        ms: Date.now() - started,
      });
      this.start();
      void this.ready.then(() => this.onDone(this));
    });
  }

  run(id: number, pending: Pending): void {
    const started = Date.now();
    const timer = setTimeout(() => {
      // A hang: the case fails, and the worker (ours, by its pid) is replaced.
      const busy = this.busy;
      this.busy = undefined;
      busy?.pending.resolve({ code: null, stdout: '', stderr: '', uncaught: [], handles: [], timedOut: true, ms: Date.now() - started });
      const old = this.child;
      old.removeAllListeners('exit');
      if (old.pid !== undefined) process.kill(old.pid, 'SIGKILL');
      this.start();
      void this.ready.then(() => this.onDone(this));
    }, pending.c.timeout ?? 20_000);
    this.busy = { id, pending, started, timer };
    this.child.send({ id, argv: pending.c.argv, env: pending.c.env, cwd: pending.c.cwd });
  }

  stop(): void {
    this.child.removeAllListeners('exit');
    this.child.disconnect();
  }
}

/** Workers that run cases in-process, `size` at a time. */
export class FuzzPool {
  private readonly queue: Pending[] = [];
  private readonly workers: Worker[] = [];
  private next = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker((w) => this.feed(w));
      this.workers.push(worker);
      void worker.ready.then(() => this.feed(worker));
    }
  }

  run(c: FuzzCase): Promise<FuzzResult> {
    return new Promise((resolve) => {
      this.queue.push({ c, resolve });
      for (const worker of this.workers) this.feed(worker);
    });
  }

  private feed(worker: Worker): void {
    if (worker.busy) return;
    const pending = this.queue.shift();
    if (pending) worker.run(this.next++, pending);
  }

  close(): void {
    for (const worker of this.workers) worker.stop();
  }
}

/**
 * Run the real `node bin/lab.js` with arguments given as bytes, through sh and printf so that bytes that are not
 * UTF-8 reach the process as they are (Node would encode a string argument as UTF-8).
 */
export function spawnBytes(args: (Buffer | string)[], env: Record<string, string | null>, cwd: string, timeout = 20_000): Promise<FuzzResult> {
  // A string goes as it is (a positional parameter of sh), bytes through printf's octal escapes.
  const strings: string[] = [];
  const words = args.map((arg) => {
    if (typeof arg === 'string') {
      strings.push(arg);
      return `"\${${strings.length + 1}}"`;
    }
    return `"$(printf '${[...arg].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}')"`;
  });
  const script = `exec "$0" "$1" ${words.join(' ')}`;
  const full = cleanEnv();
  for (const [key, value] of Object.entries(env)) {
    if (value === null) delete full[key];
    else full[key] = value;
  }
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', script, process.execPath, BIN, ...strings], { env: full, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeout);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, uncaught: [], handles: [], timedOut, ms: Date.now() - started });
    });
  });
}

/** Names of JavaScript errors that must never reach a learner unless the input itself says them. */
const ERROR_NAMES = ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AssertionError', 'AggregateError'];

/** What is wrong with a result: empty when the case passed. */
export function problems(c: FuzzCase, r: FuzzResult, input: string = c.argv.join(' ')): string[] {
  const found: string[] = [];
  if (r.timedOut) return [`no answer within ${c.timeout ?? 20_000} ms`];
  const allowed = c.allowed ?? [0, 1, 2];
  if (r.code === null || !allowed.includes(r.code)) found.push(`exit status ${r.code}, expected one of ${allowed.join(', ')}`);
  const text = `${r.stdout}\n${r.stderr}`;
  // Silence is an answer only where it was asked for (`lab container ps -q` with no container).
  const quiet = r.code === 0 && c.argv.some((w) => w === '--quiet' || /^-[a-z]*q[a-z]*$/.test(w));
  if (text.trim() === '' && !quiet) found.push('no message on stdout or stderr');
  if (/^\s+at .*(\(.*:\d+:\d+\)|:\d+:\d+)$/m.test(text)) found.push('a stack trace');
  if (text.includes('node:internal')) found.push('node:internal in the output');
  if (/internal error in lab|lab 内部错误/.test(text)) found.push('an internal error');
  for (const name of ERROR_NAMES) if (text.includes(name) && !input.includes(name)) found.push(`${name} in the output`);
  if (r.uncaught.length > 0) found.push(`an exception escaped: ${r.uncaught[0]!.split('\n')[0]}`);
  if (r.handles.length > 0) found.push(`left open: ${r.handles.join(', ')}`);
  return found;
}

/** The run journals in a state directory (there must be none after a case). */
export function journals(stateDir: string): string[] {
  const runs = join(stateDir, 'runs');
  return existsSync(runs) ? readdirSync(runs) : [];
}

/** A case shown so that it can be replayed: its argv as JSON, and the environment it ran with. */
export function replay(c: FuzzCase): string {
  const env = Object.entries(c.env)
    .filter(([key]) => key !== 'LAB_STATE_DIR')
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(' ');
  return `argv ${JSON.stringify(c.argv)}${env ? ` env ${env}` : ''}`;
}
