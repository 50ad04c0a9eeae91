// Every fault point of a lab (src/lab/fault-point.ts), faulted: a `LAB_FAULT=list` run names them, then for each point
// a `lab verify` is killed there with SIGKILL and followed by `lab clean`, or sent SIGTERM, SIGINT or SIGHUP and left
// to clean up by itself. Each time the host snapshot must equal the one before and the state directory's runs/ must
// be empty; any difference is a leak. Shared by test/hardening/faults-*.test.ts (this host) and test/vm/faults.test.ts
// (the cgroup v2 labs and the capstone, in the test VM).
import t, { type Test } from 'tap';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { LoadedLab } from '../../src/lab/load.js';
import { snapshotDifferences } from '../../src/host/snapshot.js';
import { BIN, cleanEnv, cli, hostSnapshot, needsRoot, tempDir } from '../helpers.js';
import { unmetSkip } from '../labs/contract.js';

export type Fault = 'SIGKILL' | 'SIGTERM' | 'SIGINT' | 'SIGHUP';
const GRACEFUL: Fault[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * How many faults: LAB_FAULTS=full, all four signals at every point; LAB_FAULTS=every, SIGKILL + lab clean at every
 * point and one graceful signal per point, taken in turn; unset (the default `npm test`), the same at every step
 * boundary, every `start` and one `run` point in 8 (see SAMPLE).
 */
export const MATRIX: 'full' | 'every' | 'sampled' = process.env.LAB_FAULTS === 'full' ? 'full' : process.env.LAB_FAULTS === 'every' ? 'every' : 'sampled';

/**
 * The sampled matrix: one `inside run` point in `runStride` is faulted (from the first), and one faulted point of each
 * kind in `gracefulEvery` also gets a graceful signal (1: every one). In the test VM (TCG, ten times slower) every step
 * boundary and only the first point of each other kind (`firstOnly`).
 */
export const SAMPLE = process.env.LAB_IN_VM ? { runStride: 1, gracefulEvery: 1, firstOnly: true } : { runStride: 8, gracefulEvery: 1, firstOnly: false };

/** What the faults of one test file came to. */
export interface Tally {
  injected: Record<Fault, number>;
  labs: number;
  /** Fault points listed, and faulted. */
  listed: number;
  points: number;
  skipped: string[];
  leaks: string[];
  started: number;
}

export const newTally = (): Tally => ({
  injected: { SIGKILL: 0, SIGTERM: 0, SIGINT: 0, SIGHUP: 0 },
  labs: 0,
  listed: 0,
  points: 0,
  skipped: [],
  leaks: [],
  started: Date.now(),
});

/** How long one faulted run may take: a lab under TCG in the test VM runs about ten times slower than here. */
const RUN_TIMEOUT_MS = process.env.LAB_IN_VM ? 300_000 : 60_000;

/** `lab verify <id>` with stdin closed and this environment; output to a file (a leftover child cannot hold a pipe). */
function verify(id: string, env: Record<string, string>, out: string): { status: number | null; signal: NodeJS.Signals | null; output: string } {
  const fd = openSync(out, 'w');
  try {
    const r = spawnSync(process.execPath, [BIN, 'verify', id, '--tap'], { env: cleanEnv(env), stdio: ['ignore', fd, fd], timeout: RUN_TIMEOUT_MS });
    return { status: r.status, signal: r.signal, output: readFileSync(out, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

/** The labels of every fault point a straight `lab verify <id>` passes, in order. */
export function faultPoints(id: string, state: string): { points: string[]; status: number | null; output: string } {
  const log = join(state, 'fault-points.txt');
  const run = verify(id, { LAB_STATE_DIR: state, LAB_FAULT: 'list', LAB_FAULT_LOG: log }, join(state, 'list.out'));
  const points = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  rmSync(log, { force: true });
  return { points, status: run.status, output: run.output };
}

/** The kind of a fault point (its label without the step or command): `before step`, `inside run`, ... */
export const kindOf = (label: string): string => /^(before step|inside start|inside run|after the last step)/.exec(label)?.[1] ?? label;

const runsLeft = (state: string): string[] => (existsSync(join(state, 'runs')) ? readdirSync(join(state, 'runs')) : []);

/**
 * Fault `lab verify <id>` at point `n` (from 1) with `signal`; after SIGKILL, `lab clean` unless `clean` is false.
 * Returns every leak found (empty when the host is as before and runs/ is empty) and whether the fault fired.
 */
export function injectFault(id: string, n: number, signal: Fault, state: string, clean = signal === 'SIGKILL'): { leaks: string[]; problems: string[] } {
  const before = hostSnapshot(state);
  const run = verify(id, { LAB_STATE_DIR: state, LAB_FAULT: `${n}:${signal}` }, join(state, 'fault.out'));
  const problems: string[] = [];
  // The lab's own failures (a check that failed, what it found) and the end of its output.
  const lines = run.output.split('\n');
  const failed = lines.flatMap((line, i) => (/^\s*not ok /.test(line) ? lines.slice(i, i + 6) : []));
  const tail = [...failed.slice(0, 30), '...', ...lines.slice(-8)].join('\n');
  if (signal === 'SIGKILL' && run.signal !== 'SIGKILL')
    problems.push(`the harness was not killed (status ${String(run.status)}, signal ${String(run.signal)}):\n${tail}`);
  // A graceful signal ends the run early, cleaned up: exit 130, as after Ctrl-C.
  if (signal !== 'SIGKILL' && run.status !== 130)
    problems.push(`the harness did not end as interrupted (status ${String(run.status)}, signal ${String(run.signal)}):\n${tail}`);
  const leaks: string[] = [];
  if (clean) {
    const r = cli(['clean'], { LAB_STATE_DIR: state });
    if (r.status !== 0) leaks.push(`lab clean exited ${String(r.status)}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  }
  leaks.push(...snapshotDifferences(before, hostSnapshot(state)).map((d) => d.en));
  const left = runsLeft(state);
  if (left.length && !leaks.some((l) => l.startsWith('run journal'))) leaks.push(`runs/ not empty: ${left.join(', ')}`);
  return { leaks, problems };
}

/**
 * The signals for each point of a lab, by index (none: not faulted). `turns` counts, per kind of point, the graceful
 * signals given so far: shared by the labs of a file, so that each graceful signal meets every kind of point.
 */
export function faultPlan(points: string[], turns: Map<string, number>): Fault[][] {
  const seen = new Map<string, number>();
  return points.map((label) => {
    const kind = kindOf(label);
    const nth = seen.get(kind) ?? 0;
    seen.set(kind, nth + 1);
    if (MATRIX === 'full') return ['SIGKILL', ...GRACEFUL];
    // In the VM: every step boundary, and the first point of each other kind.
    if (MATRIX === 'sampled' && SAMPLE.firstOnly && nth > 0 && kind !== 'before step') return [];
    if (MATRIX === 'sampled' && kind === 'inside run' && nth % SAMPLE.runStride !== 0) return [];
    const sampledNth = kind === 'inside run' && MATRIX === 'sampled' ? nth / SAMPLE.runStride : nth;
    if (MATRIX === 'sampled' && sampledNth % SAMPLE.gracefulEvery !== 0 && kind !== 'after the last step') return ['SIGKILL'];
    const turn = turns.get(kind) ?? 0;
    turns.set(kind, turn + 1);
    return ['SIGKILL', GRACEFUL[turn % GRACEFUL.length]!];
  });
}

/** Register, for each lab, a test that lists its fault points and faults every one; the tally adds them up. */
export function faultEveryPoint(labs: LoadedLab[], tally: Tally): void {
  // Turns are shared by the labs of a file, so that each graceful signal meets every kind of point (a lab has one
  // `after the last step`).
  const turns = new Map<string, number>();
  for (const lab of labs) {
    const id = lab.spec.id;
    const skip = unmetSkip(lab) || needsRoot();
    if (skip) {
      tally.skipped.push(`${id} (${skip})`);
      t.test(`${id}: every fault point`, { skip }, () => {});
      continue;
    }
    t.test(`${id}: every fault point leaves nothing behind`, async (t: Test) => {
      const state = tempDir('lab-test-faults-');
      const listed = faultPoints(id, state);
      t.equal(listed.status, 0, 'a straight run with LAB_FAULT=list passes', { output: listed.output.split('\n').slice(-40).join('\n') });
      t.ok(listed.points.length > 1, `${listed.points.length} fault points listed`);
      t.ok(listed.points.includes('after the last step') && listed.points[0]?.startsWith('before step 1'), 'from the first step boundary to the last');
      tally.labs++;
      tally.listed += listed.points.length;
      const plan = faultPlan(listed.points, turns);
      for (const [i, label] of listed.points.entries()) {
        if (plan[i]?.length) tally.points++;
        for (const signal of plan[i] ?? []) {
          const { leaks, problems } = injectFault(id, i + 1, signal, state);
          tally.injected[signal]++;
          const what = `${id}: ${signal}${signal === 'SIGKILL' ? ' + lab clean' : ''} at ${i + 1} (${label})`;
          tally.leaks.push(...leaks.map((l) => `${what}: ${l}`));
          if (problems.length) t.fail(what, { problems });
          if (leaks.length) t.fail(`${what}: leaks`, { leaks });
          else t.pass(`${what}: nothing left`);
        }
      }
    });
  }
}

/** The summary line: how many faults, of which kind, in how many labs, and how many leaks. */
export function summary(tally: Tally): string {
  const i = tally.injected;
  const total = i.SIGKILL + i.SIGTERM + i.SIGINT + i.SIGHUP;
  const points = tally.points ? `at ${tally.points} of ${tally.listed} fault points` : '';
  const matrix = {
    full: 'full matrix: all four signals at every point',
    every: 'kill -9 + clean at every point, one graceful signal per point in turn',
    sampled: SAMPLE.firstOnly
      ? 'sampled (test VM): kill -9 + clean and a graceful signal (in turn) at every step boundary and the first point of each other kind (LAB_FAULTS=every or full for more)'
      : `sampled: kill -9 + clean and a graceful signal (in turn) at every step boundary, every start and one run point in ${SAMPLE.runStride} (LAB_FAULTS=every or full for more)`,
  }[MATRIX];
  const skipped = tally.skipped.length ? `; skipped ${tally.skipped.length}: ${tally.skipped.join(', ')}` : '';
  const seconds = Math.round((Date.now() - tally.started) / 1000);
  return (
    `faults injected: ${total} (kill -9 + lab clean: ${i.SIGKILL}, SIGTERM: ${i.SIGTERM}, SIGINT: ${i.SIGINT}, SIGHUP: ${i.SIGHUP}) ` +
    `${points} in ${tally.labs} labs; leaks found: ${tally.leaks.length}; ${matrix}; ${seconds} s${skipped}`
  );
}

/** Print the summary at the end of the file, and fail it when any leak was found. */
export function reportAtEnd(tally: Tally): void {
  t.test('faults summary', async (t) => {
    t.comment(summary(tally));
    t.same(tally.leaks, [], 'no leak at any fault point');
  });
}
