// What the command benchmarks (bench.mjs, bench-container.mjs) share: their command line (--runs N, --check), a
// command timed once, the median, one warm-up then N timed runs, and the host line the README quotes.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readArgs } from './args.mjs';

/** The checkout. */
export const root = dirname(dirname(fileURLToPath(import.meta.url)));
const RUN_TIMEOUT_MS = 60_000;

/**
 * One benchmarked command.
 * @typedef {{ label: string, file: string, argv: string[], needsRoot?: boolean, env?: Record<string, string> }} Bench
 */

/**
 * `--runs N` (timed runs per command, default 15) and `--check` from the command line; a bad N exits 2.
 * @param {string} name  what the script's messages start with, e.g. `bench`
 * @param {string} usage  its usage line
 * @returns {{ runs: number, check: boolean }}
 */
export function readRunsAndCheck(name, usage) {
  const { values: args } = readArgs(name, usage, {
    options: { runs: { type: 'string', default: '15' }, check: { type: 'boolean' } },
  });
  const runs = Number(args.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`${name}: --runs needs a whole number >= 1, got \`${args.runs}\``);
    process.exit(2);
  }
  return { runs, check: args.check === true };
}

/**
 * Runs a command once (in the checkout) and returns its wall time in ms, or why it failed.
 * @param {Bench} bench
 * @returns {{ ok: true, ms: number } | { ok: false, why: string }}
 */
export function timeOnce(bench) {
  const start = process.hrtime.bigint();
  const res = spawnSync(bench.file, bench.argv, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: RUN_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
    ...(bench.env ? { env: { ...process.env, ...bench.env } } : {}),
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (res.error) return { ok: false, why: res.error.message };
  if (res.signal) return { ok: false, why: `killed by ${res.signal}` };
  if (res.status !== 0) {
    const output = `${res.stderr}`.trim() || `${res.stdout}`.trim();
    const lastLine = output.split('\n').filter(Boolean).pop() ?? '';
    return { ok: false, why: `exit ${res.status}${lastLine ? `: ${lastLine.slice(0, 120)}` : ''}` };
  }
  return { ok: true, ms };
}

/**
 * The median of numbers sorted in ascending order.
 * @param {number[]} sorted
 */
export function median(sorted) {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * One warm-up run (fills the page cache, compiles nothing twice; builds the busybox image on first use), then
 * `runs` timed runs. Stops at the first failure: a failing command is reported, not timed.
 * @param {Bench} bench
 * @param {number} runs
 * @returns {{ state: 'failed', why: string } | { state: 'ok', median: number, min: number, max: number }}
 */
export function measure(bench, runs) {
  const warm = timeOnce(bench);
  if (!warm.ok) return { state: 'failed', why: warm.why };
  const times = [];
  for (let i = 0; i < runs; i++) {
    const r = timeOnce(bench);
    if (!r.ok) return { state: 'failed', why: `run ${i + 1}: ${r.why}` };
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  return { state: 'ok', median: median(times), min: times[0], max: times[times.length - 1] };
}

/**
 * Milliseconds with one decimal.
 * @param {number} ms
 */
export const fmt = (ms) => ms.toFixed(1);

/** The host the figures were measured on, as the README's line says it: CPU model and count, kernel, Node. */
export function hostLine() {
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${cpu}, ${os.cpus().length} CPUs, Linux ${os.release()}, Node ${process.version}`;
}
