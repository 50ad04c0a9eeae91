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
import { fmt, hostLine, measure as measureRuns, readRunsAndCheck, root } from './bench-lib.mjs';

const { runs, check } = readRunsAndCheck('bench', 'Usage: node scripts/bench.mjs [--runs N] [--check]');
const isRoot = process.getuid?.() === 0;

/** @typedef {import('./bench-lib.mjs').Bench} Bench */
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
 * measureRuns (bench-lib.mjs) of a bench, or why it was skipped (it needs root).
 * @param {Bench} bench
 * @returns {{ state: 'skipped', why: string } | ReturnType<typeof measureRuns>}
 */
function measure(bench) {
  if (bench.needsRoot && !isRoot) return { state: 'skipped', why: 'needs root' };
  return measureRuns(bench, runs);
}

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
const lines = [
  '',
  `Measured with \`npm run bench\` (${runs} runs, median) on ${hostLine()}:`,
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

if (check) {
  const failed = [...results.values()].some((r) => r.state === 'failed');
  const missed = targets.some((t) => t.met === false);
  process.exitCode = failed || missed ? 1 : 0;
}
