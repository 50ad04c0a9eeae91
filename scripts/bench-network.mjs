#!/usr/bin/env node
// Speed of container networks, side by side in one run, for the README: `lab container run --rm busybox /bin/true`
// with `--network none` (the baseline: a namespace with only lo, made by unshare), on the default bridge network
// alone (so each run also makes and removes lab-host-net, lab-internet and the NAT table: a learner's first
// container), on the bridge network while another container keeps those up (every later container), and the same
// with a published port (`-p 127.0.0.1:PORT:80`: the listening socket and the proxy process too). Medians of N
// runs after one warm-up, and ratios against --network none.
//
// Usage: node scripts/bench-network.mjs [--runs N] [--check]
//   --runs N   timed runs per command, after one warm-up run (default 15)
//   --check    exit 1 if a command fails
// As root, with nftables. Run `npm run build` first (`npm run bench:network` does).
import { spawnSync } from 'node:child_process';
import { fmt, hostLine, measure, readRunsAndCheck } from './bench-lib.mjs';

const { runs, check } = readRunsAndCheck('bench-network', 'Usage: node scripts/bench-network.mjs [--runs N] [--check]');
if (process.getuid?.() !== 0) {
  console.error('bench-network: needs root (namespaces, cgroups, mounts, network namespaces); run it with sudo');
  process.exit(2);
}
/** `lab container ...`, to completion. @param {...string} args */
const lab = (...args) => spawnSync(process.execPath, ['bin/lab.js', 'container', ...args], { encoding: 'utf8' });
/**
 * One bench: `lab container run --rm [flags] busybox /bin/true`.
 * @param {string} label
 * @param {...string} flags
 * @returns {import('./bench-lib.mjs').Bench}
 */
const run = (label, ...flags) => ({ label, file: process.execPath, argv: ['bin/lab.js', 'container', 'run', '--rm', ...flags, 'busybox', '/bin/true'] });
const port = 28000 + (process.pid % 1000);

const NONE = 'lab container run --rm --network none busybox /bin/true';
const alone = [run(NONE, '--network', 'none'), run('lab container run --rm busybox /bin/true (bridge, the only container)')];
const kept = [
  run('lab container run --rm busybox /bin/true (bridge, another container running)'),
  run(`the same with -p 127.0.0.1:${port}:80 (another container running)`, '-p', `127.0.0.1:${port}:80`),
];

console.log(`bench-network: ${runs} runs each after one warm-up, median wall time`);
/** @type {{ label: string, r: ReturnType<typeof measure> }[]} */
const results = [];
/** @param {import('./bench-lib.mjs').Bench[]} benches */
const measureAll = (benches) => {
  for (const bench of benches) {
    process.stdout.write(`  ${bench.label.padEnd(78)} `);
    const r = measure(bench, runs);
    results.push({ label: bench.label, r });
    console.log(r.state === 'ok' ? `${fmt(r.median).padStart(8)} ms  (min ${fmt(r.min)}, max ${fmt(r.max)})` : `failed: ${r.why}`);
  }
};
measureAll(alone);
const keeper = `lab-bench-keeper-${process.pid}`;
const started = lab('run', '-d', '--name', keeper, 'busybox', 'sleep', '1000');
try {
  if (started.status !== 0) console.log(`  the container that keeps the network up did not start: ${started.stderr.trim()}`);
  else measureAll(kept);
} finally {
  lab('rm', '-f', keeper);
}

const none = results[0].r.state === 'ok' ? results[0].r.median : null;
const lines = [
  '',
  `Measured with \`npm run bench:network\` (${runs} runs, median) on ${hostLine()}:`,
  '',
  '| Command | Median (ms) | Min (ms) | Max (ms) | / --network none |',
  '| --- | ---: | ---: | ---: | ---: |',
];
for (const { label, r } of results) {
  lines.push(
    r.state === 'ok'
      ? `| \`${label}\` | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${none === null ? 'n/a' : `${(r.median / none).toFixed(2)}x`} |`
      : `| \`${label}\` | failed (${r.why.replaceAll('|', '\\|')}) | | | |`,
  );
}
console.log(lines.join('\n'));
if (check) process.exitCode = results.some(({ r }) => r.state === 'failed') || results.length < 4 ? 1 : 0;
