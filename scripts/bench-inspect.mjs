#!/usr/bin/env node
// Speed of `lab inspect`, for the README: the X-ray of a running `lab container`'s PID 1 started cold (a new `lab`
// process, as a learner types it), by PID, by name (which also reads the container store) and with --json, against
// `node -e 0` (the cost of starting Node at all). Medians of N runs after one warm-up. The target checked:
//   lab inspect <pid of a running lab container>   under 200 ms
//
// Usage: node scripts/bench-inspect.mjs [--runs N] [--check]
//   --runs N   timed runs per command, after one warm-up run (default 15)
//   --check    exit 1 if a command fails or the target is missed
// As root. Run `npm run build` first (`npm run bench:inspect` does). The container runs in a temporary state
// directory (busybox is built there offline) and is removed at the end, with the directory.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fmt, hostLine, measure, readRunsAndCheck, root } from './bench-lib.mjs';

const TARGET_MS = 200;
const { runs, check } = readRunsAndCheck('bench-inspect', 'Usage: node scripts/bench-inspect.mjs [--runs N] [--check]');
if (process.getuid?.() !== 0) {
  console.error('bench-inspect: needs root (it starts a container, and reads its /proc/<pid>/ns); run it with sudo');
  process.exit(2);
}

const state = mkdtempSync(join(os.tmpdir(), 'lab-bench-inspect-'));
chmodSync(state, 0o700);
const env = { LAB_STATE_DIR: state };
const name = `lab-bench-inspect-${process.pid}`;
/** @param {string[]} args */
const lab = (args) => spawnSync(process.execPath, ['bin/lab.js', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

/** @type {Map<string, ReturnType<typeof measure>>} */
const results = new Map();
/** @typedef {import('./bench-lib.mjs').Bench} Bench */
/** @type {Bench[]} */
let benches = [];
try {
  const started = lab(['container', 'run', '-d', '--name', name, '--network', 'none', 'busybox', 'sleep', '1000']);
  if (started.status !== 0) throw new Error(`lab container run -d failed (${started.status}): ${started.stderr.trim()}`);
  const pid = String(JSON.parse(lab(['container', 'inspect', name]).stdout)[0].State.Pid);
  benches = [
    { label: 'node -e 0', file: process.execPath, argv: ['-e', '0'] },
    { label: 'lab inspect <pid>', file: process.execPath, argv: ['bin/lab.js', 'inspect', pid], env },
    { label: 'lab inspect <pid> --json', file: process.execPath, argv: ['bin/lab.js', 'inspect', pid, '--json'], env },
    { label: 'lab inspect <name>', file: process.execPath, argv: ['bin/lab.js', 'inspect', name], env },
  ];
  console.log(`bench-inspect: ${runs} runs each after one warm-up, median wall time (container ${name}, PID ${pid})`);
  for (const bench of benches) {
    process.stdout.write(`  ${bench.label.padEnd(32)} `);
    const r = measure(bench, runs);
    results.set(bench.label, r);
    console.log(r.state === 'ok' ? `${fmt(r.median).padStart(8)} ms  (min ${fmt(r.min)}, max ${fmt(r.max)})` : `failed: ${r.why}`);
  }
} finally {
  lab(['container', 'rm', '-f', name]);
  rmSync(state, { recursive: true, force: true });
}

/** @param {string} label */
const medianOf = (label) => {
  const r = results.get(label);
  return r?.state === 'ok' ? r.median : null;
};
const node = medianOf('node -e 0');
const cold = medianOf('lab inspect <pid>');
const met = cold === null ? null : cold < TARGET_MS;

const lines = [
  '',
  `Measured with \`npm run bench:inspect\` (${runs} runs, median) on ${hostLine()}:`,
  '',
  '| Command | Median (ms) | Min (ms) | Max (ms) | / node -e 0 |',
  '| --- | ---: | ---: | ---: | ---: |',
];
for (const bench of benches) {
  const r = /** @type {ReturnType<typeof measure>} */ (results.get(bench.label));
  if (r.state === 'ok') {
    lines.push(`| \`${bench.label}\` | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${node === null ? 'n/a' : `${(r.median / node).toFixed(2)}x`} |`);
  } else {
    lines.push(`| \`${bench.label}\` | failed (${r.why.replaceAll('|', '\\|')}) | | | |`);
  }
}
lines.push('');
lines.push(
  `target: lab inspect <pid> (cold) under ${TARGET_MS} ms: ${met === null ? 'not measured' : `${fmt(/** @type {number} */ (cold))} ms, ${met ? 'met' : 'MISSED'}`}`,
);
console.log(lines.join('\n'));

if (check) {
  const failed = benches.length === 0 || [...results.values()].some((r) => r.state === 'failed');
  process.exitCode = failed || met === false ? 1 : 0;
}
