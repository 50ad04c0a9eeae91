#!/usr/bin/env node
// Speed figures for the README: the median wall time of `lab` commands against `node -e 0`
// (the cost of starting Node at all) and, as root, of `lab verify pid-namespace` against bare
// `unshare`. Prints a markdown table to paste into the README and checks the targets:
//   lab list                   within 1.5x of node -e 0
//   lab verify pid-namespace   under 1000 ms
//   lab verify --all           the namespace labs together under 10 s
//
// Usage: node scripts/bench.mjs [--runs N] [--check]
//   --runs N   timed runs per command, after one warm-up run (default 15)
//   --check    exit 1 if a command fails or a target is missed
// Run `npm run build` first (`npm run bench` does).
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readArgs } from './args.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values: args } = readArgs('bench', 'Usage: node scripts/bench.mjs [--runs N] [--check]', {
  options: { runs: { type: 'string', default: '15' }, check: { type: 'boolean' } },
});
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench: --runs needs a whole number >= 1, got \`${args.runs}\``);
  process.exit(2);
}
const isRoot = process.getuid?.() === 0;
const RUN_TIMEOUT_MS = 60_000;

/**
 * One benchmarked command.
 * @typedef {{ label: string, file: string, argv: string[], needsRoot?: boolean }} Bench
 */
/** @type {Bench[]} */
const benches = [
  { label: 'node -e 0', file: process.execPath, argv: ['-e', '0'] },
  { label: 'lab list', file: process.execPath, argv: ['bin/lab.js', 'list'] },
  { label: 'lab --help', file: process.execPath, argv: ['bin/lab.js', '--help'] },
  {
    label: 'lab verify pid-namespace',
    file: process.execPath,
    argv: ['bin/lab.js', 'verify', 'pid-namespace'],
    needsRoot: true,
  },
  {
    label: 'lab verify --all',
    file: process.execPath,
    argv: ['bin/lab.js', 'verify', '--all'],
    needsRoot: true,
  },
  {
    label: 'unshare --pid --fork --mount-proc true',
    file: 'unshare',
    argv: ['--pid', '--fork', '--mount-proc', 'true'],
    needsRoot: true,
  },
];

/**
 * Runs a command once and returns its wall time in ms, or why it failed.
 * @param {Bench} bench
 * @returns {{ ok: true, ms: number } | { ok: false, why: string }}
 */
function timeOnce(bench) {
  const start = process.hrtime.bigint();
  const res = spawnSync(bench.file, bench.argv, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: RUN_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
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
function median(sorted) {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * One warm-up run (fills the page cache, compiles nothing twice), then `runs` timed runs.
 * Stops at the first failure: a failing command is reported, not timed.
 * @param {Bench} bench
 * @returns {{ state: 'skipped' | 'failed', why: string } | { state: 'ok', median: number, min: number, max: number }}
 */
function measure(bench) {
  if (bench.needsRoot && !isRoot) return { state: 'skipped', why: 'needs root' };
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

/** @param {number} ms */
const fmt = (ms) => ms.toFixed(1);

console.log(`bench: ${runs} runs each after one warm-up, median wall time (cwd ${root})`);
/** @type {Map<string, ReturnType<typeof measure>>} */
const results = new Map();
for (const bench of benches) {
  process.stdout.write(`  ${bench.label.padEnd(40)} `);
  const r = measure(bench);
  results.set(bench.label, r);
  if (r.state === 'ok') {
    console.log(`${fmt(r.median).padStart(8)} ms  (min ${fmt(r.min)}, max ${fmt(r.max)})`);
  } else {
    console.log(`${r.state}: ${r.why}`);
  }
}

// Targets, checked against the medians.
const base = results.get('node -e 0');
const list = results.get('lab list');
const verify = results.get('lab verify pid-namespace');
const verifyAll = results.get('lab verify --all');
const ratio = base?.state === 'ok' && list?.state === 'ok' ? list.median / base.median : null;
const targets = [
  {
    label: 'lab list',
    text: 'within 1.5x of `node -e 0`',
    met: ratio === null ? null : ratio <= 1.5,
    shown: ratio === null ? 'n/a' : `${ratio.toFixed(2)}x`,
  },
  {
    label: 'lab verify pid-namespace',
    text: 'under 1000 ms',
    met: verify?.state === 'ok' ? verify.median < 1000 : null,
    shown: verify?.state === 'ok' ? `${fmt(verify.median)} ms` : (verify?.state ?? 'n/a'),
  },
  {
    label: 'lab verify --all',
    text: 'the namespace labs together under 10 s',
    met: verifyAll?.state === 'ok' ? verifyAll.median < 10_000 : null,
    shown: verifyAll?.state === 'ok' ? `${fmt(verifyAll.median)} ms` : (verifyAll?.state ?? 'n/a'),
  },
];
const targetOf = new Map(targets.map((t) => [t.label, t]));
/** @param {boolean | null} met */
const verdict = (met) => (met === null ? 'not measured' : met ? 'met' : 'MISSED');

// The markdown table for the README.
const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
const lines = [
  '',
  `Measured with \`npm run bench\` (${runs} runs, median) on ${cpu}, ` + `${os.cpus().length} CPUs, Linux ${os.release()}, Node ${process.version}:`,
  '',
  '| Command | Median (ms) | Min (ms) | Max (ms) | Target |',
  '| --- | ---: | ---: | ---: | --- |',
];
for (const bench of benches) {
  // Every bench was measured above.
  const r = /** @type {ReturnType<typeof measure>} */ (results.get(bench.label));
  const t = targetOf.get(bench.label);
  const target = t ? `${t.text}: ${verdict(t.met)}` : bench.label === 'node -e 0' ? 'baseline' : '';
  if (r.state === 'ok') {
    lines.push(`| \`${bench.label}\` | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${target} |`);
  } else {
    const why = r.why.replaceAll('|', '\\|');
    lines.push(`| \`${bench.label}\` | ${r.state} (${why}) | | | ${target} |`);
  }
}
lines.push('');
lines.push(`lab list / node -e 0 = ${ratio === null ? 'n/a' : `${ratio.toFixed(2)}x`}`);
for (const t of targets) {
  lines.push(`target: ${t.label} ${t.text}: ${t.shown}, ${verdict(t.met)}`);
}
if (!isRoot) lines.push('(not root: `lab verify` and `unshare` were not measured; run with sudo)');
console.log(lines.join('\n'));

if (args.check) {
  const failed = [...results.values()].some((r) => r.state === 'failed');
  const missed = targets.some((t) => t.met === false);
  process.exitCode = failed || missed ? 1 : 0;
}
