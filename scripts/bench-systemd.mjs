#!/usr/bin/env node
// Speed figures of the systemd test VM for the README: one boot of the machine `npm run test:systemd` uses (a stock
// Debian with systemd as init, under qemu TCG, the learner logged in on the serial console, `sudo
// scripts/provision.sh` run offline), then inside it the median wall time of each command: `true` and `node -e 0`
// as baselines, asking systemd for a delegated scope as every cgroup lab does once per run (`systemd-run --scope
// --property=Delegate=yes`) and stopping one (`systemctl stop`), `lab list`, `lab doctor` and `lab verify <id>`
// for the cgroup labs and pid-namespace, each also against `node -e 0` in the same VM. Boot (qemu started to the
// learner logged in) and provisioning are timed once. Prints a markdown table.
//
// It is the systemd test VM in bench mode: the same image (scripts/systemd-vm/image.mjs, built or found in the
// cache), data disk (data-disk.mjs, with MODE=bench in its config), qemu command line (qemu.mjs) and guest
// (guest-test.sh: login, provisioning, then scripts/systemd-vm/guest-bench.mjs instead of the labs' test).
//
// Usage: sudo node scripts/bench-systemd.mjs [--runs N] [lab ids...]
//        node scripts/bench-systemd.mjs --report <dir>
//   --runs N        timed runs per command inside the VM, after one warm-up (default 3)
//   lab ids         the labs to time (default: every cgroup lab and pid-namespace)
//   --report <dir>  print the table of a kept run (its bench.json) again, without booting anything
// Needs what `npm run test:systemd` needs (root, qemu, mmdebstrap, e2fsprogs). Environment: LAB_SYSTEMD_SUITE,
// LAB_SYSTEMD_VM_ACCEL and LAB_SYSTEMD_VM_CACHE as for the test; LAB_SYSTEMD_VM_TIMEOUT (default 1200 s here) stops
// qemu; LAB_SYSTEMD_VM_LAB_TIMEOUT (default 300 s) is the limit of one command in the guest.
// The console, the guest's results and bench.json stay in <cache>/bench-runs/<suite>-<time>/ (the last 5).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readArgs } from './args.mjs';
import { makeDataDisk, readResults } from './systemd-vm/data-disk.mjs';
import { cacheRoot, ensureImage, SUITES } from './systemd-vm/image.mjs';
import { CPUS, LOGIN_MARKER, LOGIN_TIMEOUT_MS, MEMORY_MIB, systemdQemuArgs } from './systemd-vm/qemu.mjs';
import { readGuestResults } from './systemd-vm/report.mjs';
import { bootOnce } from './vm/boot.mjs';
import { EXIT, VmError } from './vm/errors.mjs';
import { abortOnSignals, signalStatus } from './vm/interrupt.mjs';
import { QEMU } from './vm/qemu.mjs';
import { removeDeadRunDirs } from './vm/stale.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const KEEP_RUNS = 5;
const USAGE = 'usage: sudo node scripts/bench-systemd.mjs [--runs N] [lab ids...] | --report <dir>';

/**
 * A run's summary, as its bench.json keeps it.
 * @typedef {{ system: string, accel: string, cpus: number, runs: number, bootMs?: number, provisionSeconds?: number,
 *   commands: Record<string, { times?: number[], failed?: string }>, facts: string,
 *   vmLoadavg: { before: string, after?: string }, hostLoad: { before: string, after: string, cores: number },
 *   totalSeconds: number, dir?: string }} BenchSummary
 */

/** @param {string} line */
const log = (line) => process.stderr.write(`bench-systemd: ${line}\n`);
/** Why the bench stopped, with its exit status: thrown inside the run so that its clean-up runs first. */
class Stop extends Error {
  /**
   * @param {number} status  the exit status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}
/** @type {(status: number, message: string) => never} */
const fail = (status, message) => {
  log(message);
  process.exit(status);
};

/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
/** @param {number} ms */
const fmt = (ms) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/**
 * The markdown table and the conditions under it, from a run's summary (its bench.json).
 * @param {BenchSummary} b
 */
function render(b) {
  const medians = Object.fromEntries(Object.entries(b.commands).map(([label, r]) => [label, r.times ? median(r.times) : undefined]));
  const trueMs = medians.true;
  const nodeMs = medians['node -e 0'];
  const rows = [`| what (in the systemd test VM: ${b.system}, ${b.accel.toUpperCase()}, ${b.cpus} vCPUs) | median | |`, '| --- | ---: | --- |'];
  rows.push(`| boot, qemu started to the learner logged in (once) | ${b.bootMs === undefined ? '?' : fmt(b.bootMs)} | |`);
  rows.push(
    `| \`sudo scripts/provision.sh\` (once: \`npm ci\` offline, node-pty's build, \`tsc\`) | ${b.provisionSeconds === undefined ? '?' : fmt(b.provisionSeconds * 1000)} | |`,
  );
  for (const [label, r] of Object.entries(b.commands)) {
    if (r.failed !== undefined) {
      rows.push(`| \`${label}\` | failed | ${r.failed.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
      continue;
    }
    // Not failed, so timed.
    const m = /** @type {number} */ (medians[label]);
    let note = '';
    if (label === 'true' || label === 'node -e 0') note = 'baseline';
    else if (label.startsWith('systemd-run') && trueMs) note = `${fmt(m - trueMs)} more than \`true\``;
    else if (label.startsWith('systemctl')) note = 'the scope kept alive by `sleep infinity`, as a lab keeps its own';
    else if (nodeMs) note = `${(m / nodeMs).toFixed(1)}x \`node -e 0\``;
    rows.push(`| \`${label}\` | ${fmt(m)} | ${note} |`);
  }
  return [
    rows.join('\n'),
    '',
    `${b.runs} timed run(s) per command after a warm-up, as root (sudo) in the learner's logind session, ${b.totalSeconds} s in all.`,
    `In the VM: ${b.facts}; load average ${b.vmLoadavg.before} before the timed commands, ${b.vmLoadavg.after ?? '?'} after.`,
    `Host load average ${b.hostLoad.before} before, ${b.hostLoad.after} after (${b.hostLoad.cores} cores).${b.dir ? ` Results and console: ${b.dir}` : ''}`,
  ].join('\n');
}

const { values: args, positionals } = readArgs('bench-systemd', USAGE, {
  options: { runs: { type: 'string', default: '3' }, report: { type: 'string' } },
  allowPositionals: true,
});
if (args.report) {
  try {
    console.log(render(JSON.parse(readFileSync(join(args.report, 'bench.json'), 'utf8'))));
    process.exit(0);
  } catch (err) {
    fail(2, `no bench.json of a run in ${args.report}: ${/** @type {Error} */ (err).message}`);
  }
}
const runs = Number(args.runs);
if (!(Number.isInteger(runs) && runs >= 1)) fail(2, USAGE);
const allLabs = readdirSync(join(root, 'labs'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);
const labs = positionals.length ? positionals : ['pid-namespace', ...allLabs.filter((id) => id.startsWith('cgroup-')).sort()];
const unknown = labs.filter((id) => !allLabs.includes(id));
if (unknown.length) fail(2, `no such lab: ${unknown.join(', ')}\n${USAGE}`);
const suite = process.env.LAB_SYSTEMD_SUITE || 'bookworm';
if (!(suite in SUITES)) fail(2, `LAB_SYSTEMD_SUITE must be one of ${Object.keys(SUITES).join(', ')}`);
const accel = process.env.LAB_SYSTEMD_VM_ACCEL || 'tcg';
if (accel !== 'tcg' && accel !== 'kvm') fail(2, 'LAB_SYSTEMD_VM_ACCEL must be tcg or kvm');
const timeoutS = Number(process.env.LAB_SYSTEMD_VM_TIMEOUT || 1200);
const labTimeoutS = Number(process.env.LAB_SYSTEMD_VM_LAB_TIMEOUT || 300);
if (!(timeoutS > 0 && labTimeoutS > 0)) fail(2, 'LAB_SYSTEMD_VM_TIMEOUT and LAB_SYSTEMD_VM_LAB_TIMEOUT are numbers of seconds');

// mkfs.ext4, debugfs and e2fsck live in sbin, which sudo's PATH may lack.
for (const dir of ['/usr/sbin', '/sbin']) {
  if (!(process.env.PATH ?? '').split(delimiter).includes(dir)) process.env.PATH = `${process.env.PATH ?? '/usr/bin:/bin'}${delimiter}${dir}`;
}
/** @param {string} name */
const onPath = (name) =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, name))
    .find((p) => p.startsWith('/') && existsSync(p));
if (process.getuid?.() !== 0) fail(77, 'it needs root, as `npm run test:systemd` does: run it with sudo');
const missing = [QEMU, 'mmdebstrap', 'mkfs.ext4', 'debugfs', 'e2fsck'].filter((t) => !onPath(t));
if (missing.length) fail(77, `${missing.join(', ')} not found: \`sudo scripts/provision.sh --with-vm\``);

// Interrupted: stop the image build or qemu (bootOnce kills it by its PID), clean up, then exit.
const interrupts = abortOnSignals();
const interrupted = () => new Stop(signalStatus(interrupts.by()), `interrupted (${interrupts.by()}): stopped and cleaned up`);

const load = () => os.loadavg()[0].toFixed(1);
const loadBefore = load();
const started = Date.now();
const image = await ensureImage(suite, log, interrupts.signal).catch((err) => {
  if (err instanceof VmError) fail(EXIT[err.kind], err.message);
  throw err;
});
if (!image) fail(interrupted().status, interrupted().message);
log(`${SUITES[suite]} (${suite}) image ${image.cached ? 'from the cache' : `built in ${image.buildSeconds} s`}: ${image.dir}`);

const cache = cacheRoot();
const benchRuns = join(cache, 'bench-runs');
const runDir = join(benchRuns, `${suite}-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`);
mkdirSync(runDir, { recursive: true });
removeDeadRunDirs(cache, '.run-');
const work = mkdtempSync(join(cache, `.run-${process.pid}-`));
/** @type {import('./systemd-vm/report.mjs').GuestResults | undefined} */
let results;
/** @type {{ commands: BenchSummary['commands'], loadavg: BenchSummary['vmLoadavg'] } | undefined} what the guest wrote */
let bench;
/** @type {number | undefined} */
let loginMs;
/** @type {Stop | undefined} */
let stopped;
try {
  const dataImage = join(work, 'data.img');
  const staging = join(work, 'data');
  mkdirSync(staging);
  const config = { LABS: labs.join(','), LAB_TIMEOUT: labTimeoutS, MODE: 'bench', BENCH_RUNS: runs };
  const disk = makeDataDisk({ repo: root, staging, image: dataImage, config });
  rmSync(staging, { recursive: true, force: true });
  log(
    `data disk: ${disk.files} files, ${(disk.bytes / 2 ** 20).toFixed(0)} MiB; booting (${accel.toUpperCase()}, ${CPUS} vCPUs, ${MEMORY_MIB} MiB, time limit ${timeoutS} s)`,
  );

  /** @type {string[]} */
  const consoleLines = [];
  const outcome = await bootOnce({
    // Found on the PATH above.
    qemu: /** @type {string} */ (onPath(QEMU)),
    args: systemdQemuArgs({ accel, kernel: image.kernel, initrd: image.initrd, rootImage: image.rootImage, dataImage, cpus: CPUS, memoryMiB: MEMORY_MIB }),
    interactive: false,
    bootMarker: LOGIN_MARKER,
    bootTimeoutMs: LOGIN_TIMEOUT_MS,
    totalTimeoutMs: timeoutS * 1000,
    signal: interrupts.signal,
    // qemu's snapshot=on overlay goes to TMPDIR: into this run's directory, removed with it.
    env: { ...process.env, TMPDIR: work },
    onBooted: (ms) => {
      loginMs = ms;
      log(`the learner is logged in ${(ms / 1000).toFixed(1)} s after qemu started`);
    },
    onOutput: (line) => {
      consoleLines.push(line);
      if (line.startsWith('lab-systemd-vm: ')) process.stderr.write(line);
    },
  });
  writeFileSync(join(runDir, 'console.log'), ('early' in outcome ? outcome.early : '') + consoleLines.join(''));
  if (outcome.kind === 'interrupted') throw interrupted();
  if (outcome.kind === 'no-progress' || !outcome.booted) throw new Stop(3, `the VM did not boot (${outcome.kind}); console: ${join(runDir, 'console.log')}`);
  if (outcome.kind === 'timeout') log(`qemu was stopped after the time limit of ${timeoutS} s (LAB_SYSTEMD_VM_TIMEOUT): the figures may be partial`);
  const unread = readResults(dataImage, runDir);
  if (unread) throw new Stop(1, `the results could not be read back: ${unread}`);
  results = readGuestResults(join(runDir, 'results'));
  try {
    bench = JSON.parse(readFileSync(join(runDir, 'results', 'bench.json'), 'utf8'));
  } catch {
    bench = undefined;
  }
} catch (err) {
  if (err instanceof VmError) stopped = new Stop(EXIT[err.kind], err.message);
  else if (err instanceof Stop) stopped = err;
  else throw err;
} finally {
  rmSync(work, { recursive: true, force: true });
  const names = readdirSync(benchRuns).sort();
  for (const name of names.slice(0, Math.max(0, names.length - KEEP_RUNS))) rmSync(join(benchRuns, name), { recursive: true, force: true });
}

if (stopped) fail(stopped.status, stopped.message);
// Not stopped: the run went through, and read the guest's results.
const guest = /** @type {import('./systemd-vm/report.mjs').GuestResults} */ (results);
if (guest.provision.status !== 0 || !bench) {
  const why = guest.provision.status !== 0 ? `provision.sh exited with ${guest.provision.status ?? '(did not finish)'}` : 'no bench.json came back';
  fail(1, `${why}; the guest's results and console are in ${runDir}`);
}

/** @param {string} name */
const fact = (name) => new RegExp(`^${name}: (.*)$`, 'm').exec(guest.facts ?? '')?.[1];
const summary = {
  system: `${SUITES[suite]}${fact('debian') ? ` (${fact('debian')})` : ''}`,
  accel,
  cpus: CPUS,
  runs,
  bootMs: loginMs,
  provisionSeconds: guest.provision.seconds,
  commands: bench.commands,
  facts: `kernel ${fact('kernel') ?? '?'}, ${fact('systemd') ?? 'systemd ?'}, node ${/^node: (\S+),/m.exec(guest.facts ?? '')?.[1] ?? '?'}`,
  vmLoadavg: bench.loadavg,
  hostLoad: { before: loadBefore, after: load(), cores: os.cpus().length },
  totalSeconds: Math.round((Date.now() - started) / 1000),
  dir: runDir,
};
writeFileSync(join(runDir, 'bench.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(render(summary));
process.exitCode = Object.values(bench.commands).some((r) => r.failed !== undefined) ? 1 : 0;
