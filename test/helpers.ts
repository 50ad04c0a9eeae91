// Shared by the tests: requirements with reasons, a private state directory, the CLI, host snapshots, verified runs.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Test } from 'tap';
import { Parser, type FinalResults, type Result } from 'tap-parser';
import type { LabEvent } from '../src/lab/events.js';
import type { LoadedLab } from '../src/lab/load.js';
import { projectRoot } from '../src/lab/paths.js';
import { runLab } from '../src/lab/runner.js';
import { hostSnapshot, markedPids, type HostSnapshot } from '../src/host/snapshot.js';
import type { Session } from '../src/lab/session.js';
import { checkCount } from '../src/lab/quiz.js';

/** The checkout (found from package.json, so that the tests compiled into dist/ for the VM find it too). */
export const ROOT = projectRoot();
export const BIN = join(ROOT, 'bin', 'lab.js');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'labs');

/** Why a test that needs root cannot run here, or false when it can. */
export function needsRoot(): string | false {
  return process.getuid?.() === 0 ? false : 'needs root (namespaces need CAP_SYS_ADMIN)';
}

/** A fresh private (0700) directory that is removed when the test process exits: tests leave nothing behind. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Point the harness at a fresh private state directory (journal, progress) and return it. */
export function useTempState(): string {
  const dir = tempDir('lab-test-state-');
  process.env.LAB_STATE_DIR = dir;
  return dir;
}

/** Run the built CLI; never throws. */
export function cli(args: string[], env: Record<string, string> = {}, input?: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: cleanEnv(env),
    input,
    // A lab under TCG in the test VM runs about ten times slower than here.
    timeout: process.env.LAB_IN_VM ? 300_000 : 60_000,
  });
}

/** The environment for a child lab process: ours without the test runner's loader hooks, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

/** `dev:ino` of what a path names (a root through /proc/<pid>/root, say), or `missing` when it is not there. */
export function fileId(path: string): string {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return 'missing';
  }
}

// The host snapshot lives in src/host/snapshot.ts, shared with `lab dev check`.
export { hostSnapshot, markedPids, type HostSnapshot };

/**
 * Make a named network namespace as the labs do (src/kernel/network-plan.ts): a file on /run/netns, bind-mounted by
 * `unshare --net=FILE`. `ip netns add` would also bind-mount /run/netns onto itself, the first time since boot, and
 * leave that mount on the host. Returns unshare's exit status.
 */
export function addNetns(name: string): number | null {
  const file = join('/run/netns', name);
  mkdirSync('/run/netns', { recursive: true });
  writeFileSync(file, '');
  return spawnSync('unshare', [`--net=${file}`, 'true']).status;
}

/**
 * `lab run <lab> --yes --json` with `env` until its step `step` starts, then kill -9 of the harness (what it made is
 * left for `lab clean`); resolves to the run id once the harness has exited.
 */
export async function killedAtStep(lab: string, step: string, env: NodeJS.ProcessEnv): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'run', lab, '--yes', '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let runId = '';
  for await (const line of createInterface({ input: child.stdout! })) {
    const event = JSON.parse(line) as { type: string; runId?: string; step?: string };
    if (event.type === 'lab-start') runId = event.runId!;
    if (event.type === 'step-start' && event.step === step) {
      child.kill('SIGKILL');
      break;
    }
  }
  await exited;
  return runId;
}

/**
 * Run a lab straight through with its reference solutions, asserting after each step the kernel facts the test
 * gives for it (independently of the lab's own checks), then that every step and every check passed. The run
 * has prechecks on: each step's checks are also read before its actions, and every one must fail then (what
 * test/labs/contract.ts checksCanFail proves, in the same run).
 */
export async function verifyWithFacts(t: Test, lab: LoadedLab, facts: Record<string, () => void>, onSession: (session: Session) => void): Promise<LabEvent[]> {
  const events: LabEvent[] = [];
  const passedEarly: string[] = [];
  const outcome = await runLab(lab, { mode: 'verify', lang: 'en', onSession, precheck: true }, (event) => {
    events.push(event);
    if (event.type === 'precheck' && event.ok) passedEarly.push(`${event.step}/${event.check}: ${event.found.en}`);
    if (event.type === 'step-done') {
      t.equal(event.status, 'passed', `step ${event.step} passed`);
      facts[event.step]?.();
    }
  });
  t.equal(outcome.status, 'passed');
  t.equal(outcome.checksFailed, 0);
  t.equal(
    outcome.checksPassed,
    lab.steps.reduce((n, s) => n + checkCount(s.spec), 0),
    'every check ran and passed',
  );
  t.same(passedEarly, [], 'every check failed before its step');
  return events;
}

/** A TAP document as a TAP consumer reads it (tap-parser, as scripts/test.mjs does): the results and every point. */
export async function parseTap(text: string): Promise<{ results: FinalResults; points: Result[] }> {
  const points: Result[] = [];
  const watch = (parser: Parser): void => {
    parser.on('assert', (res: Result) => points.push(res));
    parser.on('child', watch);
  };
  const results = await new Promise<FinalResults>((resolve) => {
    const parser = new Parser(resolve);
    watch(parser);
    parser.end(text);
  });
  return { results, points };
}

/**
 * verifyWithFacts in a fresh state directory, then assert that the host is as the run found it (hostSnapshot:
 * mounts, marked processes, journals and the rest).
 */
export async function verifyLeavingHost(
  t: Test,
  lab: LoadedLab,
  facts: Record<string, () => void>,
  onSession: (session: Session) => void,
): Promise<LabEvent[]> {
  const state = useTempState();
  const before = hostSnapshot(state);
  const events = await verifyWithFacts(t, lab, facts, onSession);
  // A journal left behind means a removal failed: the cleanup events say which.
  const failed = events.flatMap((e) => (e.type === 'cleanup' && !e.ok ? [e.what] : []));
  t.same(hostSnapshot(state), before, 'mounts, marked processes and journals are as before', { failedCleanups: failed });
  return events;
}
