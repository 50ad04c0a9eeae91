#!/usr/bin/env node
// Speed figures of the test VM for the README: how long the VM takes to boot (the median of
// several boots that run `true`), and inside one VM the median wall time of `lab verify <id>` for
// each cgroup lab against `node -e 0` and `lab list` (the cost of starting Node and the CLI there,
// under the same accelerator). Prints a markdown table.
//
// Usage: node scripts/bench-vm.mjs [--boots N] [--runs N] [lab ids...]
//   --boots N  boots timed (default 3)
//   --runs N   timed runs per command inside the VM, after one warm-up (default 3)
//   lab ids    the labs to time (default: every lab that needs a cgroup v2 controller)
// Run `npm run build` first (`npm run bench:vm` does). Needs what the test VM needs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readArgs } from './args.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const USAGE = 'usage: node scripts/bench-vm.mjs [--boots N] [--runs N] [lab ids...]';
const { values: args, positionals } = readArgs('bench-vm', USAGE, {
  options: { boots: { type: 'string', default: '3' }, runs: { type: 'string', default: '3' } },
  allowPositionals: true,
});
const boots = Number(args.boots);
const runs = Number(args.runs);
if (!(boots >= 1 && runs >= 1)) {
  console.error(USAGE);
  process.exit(2);
}

/**
 * Every lab whose requirements name a cgroup v2 controller, from the catalogue the build wrote.
 * @returns {string[]}
 */
function cgroupLabs() {
  /** @type {import('../src/lab/catalogue.js').CatalogueEntry[]} */
  const catalogue = JSON.parse(readFileSync(join(root, 'dist', 'catalogue.json'), 'utf8'));
  return catalogue.filter((lab) => lab.requires.some((id) => id.startsWith('cgroup2-'))).map((lab) => lab.id);
}
const labs = positionals.length ? positionals : cgroupLabs();

/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Run `node scripts/vm.mjs run ...`; returns its output and status.
 * @param {string[]} argv
 */
function vm(argv) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'vm.mjs'), 'run', ...argv], { cwd: root, encoding: 'utf8', timeout: 900_000 });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

const load = () => os.loadavg()[0].toFixed(1);
const loadBefore = load();

const bootTimes = [];
for (let i = 0; i < boots; i++) {
  const { status, out } = vm(['true']);
  const booted = /booted in ([\d.]+) s \((\w+)\)/.exec(out);
  if (status !== 0 || !booted) {
    console.error(`bench-vm: the VM did not boot:\n${out}`);
    process.exit(1);
  }
  bootTimes.push({ ms: Number(booted[1]) * 1000, accel: booted[2] });
}

// Inside the VM: time each command `runs` times after one warm-up, print one JSON line.
const guest = `
const { spawnSync } = require('node:child_process');
const commands = ${JSON.stringify([
  { label: 'node -e 0', argv: [process.execPath, '-e', '0'] },
  { label: 'lab list', argv: [process.execPath, 'bin/lab.js', 'list'] },
  ...labs.map((id) => ({ label: `lab verify ${id}`, argv: [process.execPath, 'bin/lab.js', 'verify', id] })),
])};
const out = {};
for (const c of commands) {
  const times = [];
  for (let i = 0; i <= ${runs}; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(c.argv[0], c.argv.slice(1), { stdio: 'ignore', timeout: 600000 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) { out[c.label] = { failed: r.status ?? r.signal }; break; }
    if (i > 0) times.push(ms);
  }
  out[c.label] ??= { times };
}
console.log('LAB_BENCH ' + JSON.stringify(out));
`;
const { status, out } = vm([process.execPath, '-e', guest]);
const line = out.split('\n').find((l) => l.startsWith('LAB_BENCH '));
if (status !== 0 || !line) {
  console.error(`bench-vm: the timed runs failed:\n${out}`);
  process.exit(1);
}
/** @type {Record<string, { times: number[], failed?: undefined } | { failed: number | string, times?: undefined }>} by label, as the guest wrote it */
const results = JSON.parse(line.slice('LAB_BENCH '.length));

const rows = [`| what (in the test VM, ${bootTimes[0].accel}, 2 vCPUs) | median | |`, '| --- | ---: | --- |'];
rows.push(`| boot, kernel start to /init (${boots} boots) | ${(median(bootTimes.map((b) => b.ms)) / 1000).toFixed(1)} s | |`);
// The baseline: taken to have run (a failed `node -e 0` has no times, and median() throws on it).
const base = median(/** @type {number[]} */ (results['node -e 0'].times));
for (const [label, r] of Object.entries(results)) {
  if (r.failed !== undefined) {
    rows.push(`| \`${label}\` | failed (${r.failed}) | |`);
    continue;
  }
  const m = median(r.times);
  rows.push(
    `| \`${label}\` | ${m >= 1000 ? `${(m / 1000).toFixed(1)} s` : `${m.toFixed(0)} ms`} | ${label === 'node -e 0' ? 'baseline' : `${(m / base).toFixed(1)}x the baseline`} |`,
  );
}
console.log(rows.join('\n'));
console.log(`\n${runs} timed run(s) per command after a warm-up; load average ${loadBefore} before, ${load()} after (${os.cpus().length} cores).`);
