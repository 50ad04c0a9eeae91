#!/usr/bin/env node
// Speed of a container that runs `/bin/true`, side by side in one run, for the README: `lab container run --rm
// --network none busybox /bin/true` started cold (a new `lab` process, as a learner types it), the same through an
// OCI bundle (`lab container run --rm --bundle`), `runc run` on that busybox bundle (Debian's runc), bare `unshare`
// of the same namespaces (the kernel's part alone), `node -e 0` (the cost of starting Node at all), and the runtime
// called in this process (a container started from a running harness); the cold run and the in-process one also with
// the setup run by the shell (LAB_CONTAINER_INIT=sh: a process per command) instead of lab-init, to show what
// lab-init saves. Medians of N runs after one warm-up, and ratios against the baselines. The targets checked:
//   lab container run --rm --network none busybox   at most `node -e 0` + 30 ms
//   from a running harness (the runtime called in this process, as the labs do)   at most 0.5x `runc run`
//
// Usage: node scripts/bench-container.mjs [--runs N] [--check]
//   --runs N   timed runs per command, after one warm-up run (default 15)
//   --check    exit 1 if a command fails or a target is missed
// As root. Run `npm run build` first (`npm run bench:container` does). The busybox image is built on the warm-up
// run of `lab container run` if the store has none; the bundle lives in a temporary directory removed at the end.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fmt, hostLine, measure, median, readRunsAndCheck, root } from './bench-lib.mjs';

const { runs, check } = readRunsAndCheck('bench-container', 'Usage: node scripts/bench-container.mjs [--runs N] [--check]');
if (process.getuid?.() !== 0) {
  console.error('bench-container: needs root (namespaces, cgroups, mounts); run it with sudo');
  process.exit(2);
}
/** Docker's default masked and read-only paths (container-plan.ts), so that runc does what `lab container run` does. */
const MASKED = ['/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats'];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * The busybox bundle both runtimes run: rootfs/ with busybox and its applets as links, config.json in the subset
 * src/kernel/oci-bundle.ts reads (no limits: a hybrid host has no cgroup v2 controllers for lab to use).
 * @param {string} dir
 */
function makeBundle(dir) {
  const rootfs = join(dir, 'rootfs');
  for (const sub of ['bin', 'proc', 'dev', 'sys', 'tmp']) mkdirSync(join(rootfs, sub), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  spawnSync('chroot', [rootfs, '/bin/busybox', '--install', '-s', '/bin']);
  const config = {
    ociVersion: '1.0.2',
    process: { terminal: false, args: ['/bin/true'], env: ['PATH=/bin'], cwd: '/' },
    root: { path: 'rootfs', readonly: false },
    hostname: 'bench',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    ],
    linux: {
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'].map((type) => ({ type })),
      maskedPaths: MASKED,
      readonlyPaths: READONLY,
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
}

const work = mkdtempSync(join(os.tmpdir(), 'lab-bench-container-'));
const bundle = join(work, 'bundle');
const runcRoot = join(work, 'runc');
mkdirSync(bundle);
makeBundle(bundle);
const runcId = `lab-bench-${process.pid}`;

/** The cold run, the learner's case, whose goal is `node -e 0` + 30 ms. */
const COLD = 'lab container run --rm --network none busybox /bin/true';

/** @typedef {import('./bench-lib.mjs').Bench} Bench */
/** @type {Bench[]} */
const benches = [
  { label: 'node -e 0', file: process.execPath, argv: ['-e', '0'] },
  {
    label: 'unshare --pid --mount --uts --ipc --net --fork /bin/true',
    file: 'unshare',
    argv: ['--pid', '--mount', '--uts', '--ipc', '--net', '--fork', '/bin/true'],
  },
  { label: 'runc run (busybox bundle)', file: 'runc', argv: ['--root', runcRoot, 'run', '--bundle', bundle, runcId] },
  {
    // --network none: the namespaces runc's bundle makes (a network namespace with only lo); a bridge network's
    // cost is scripts/bench-network.mjs's.
    label: COLD,
    file: process.execPath,
    argv: ['bin/lab.js', 'container', 'run', '--rm', '--network', 'none', 'busybox', '/bin/true'],
  },
  {
    // The shell cannot drop capabilities (only lab-init can), so it runs --privileged containers only.
    label: 'lab container run --rm --network none --privileged busybox /bin/true, setup by sh (LAB_CONTAINER_INIT=sh)',
    file: process.execPath,
    argv: ['bin/lab.js', 'container', 'run', '--rm', '--network', 'none', '--privileged', 'busybox', '/bin/true'],
    env: { LAB_CONTAINER_INIT: 'sh' },
  },
  {
    label: 'lab container run --rm --bundle (busybox bundle)',
    file: process.execPath,
    argv: ['bin/lab.js', 'container', 'run', '--rm', '--bundle', bundle],
  },
];

console.log(`bench-container: ${runs} runs each after one warm-up, median wall time`);
/** @type {Map<string, ReturnType<typeof measure>>} */
const results = new Map();
try {
  for (const bench of benches) {
    process.stdout.write(`  ${bench.label.padEnd(60)} `);
    const r = measure(bench, runs);
    results.set(bench.label, r);
    console.log(r.state === 'ok' ? `${fmt(r.median).padStart(8)} ms  (min ${fmt(r.min)}, max ${fmt(r.max)})` : `failed: ${r.why}`);
  }
} finally {
  spawnSync('runc', ['--root', runcRoot, 'delete', '-f', runcId], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}

/**
 * `lab container run --rm busybox /bin/true` started from a running harness, as the labs start containers: the
 * runtime's runForeground called in this process (one warm-up, then `runs` timed calls); `init` 'sh': the setup
 * run by the shell instead of lab-init (LAB_CONTAINER_INIT=sh).
 * @param {'lab-init' | 'sh'} [init]
 * @returns {Promise<ReturnType<typeof measure>>}
 */
async function measureInProcess(init = 'lab-init') {
  if (init === 'sh') process.env.LAB_CONTAINER_INIT = 'sh';
  else delete process.env.LAB_CONTAINER_INIT;
  /** @type {(request: object) => Promise<number>} */
  let runForeground;
  try {
    ({ runForeground } = await import(join(root, 'dist', 'src', 'runtime', 'run.js')));
  } catch (error) {
    return { state: 'failed', why: `the runtime is not built: ${/** @type {Error} */ (error).message}` };
  }
  const flags = init === 'sh' ? { command: ['/bin/true'], network: 'none', privileged: true } : { command: ['/bin/true'], network: 'none' };
  const request = { image: 'busybox', flags, autoRemove: true, tty: false, interactive: false };
  const times = [];
  for (let i = 0; i <= runs; i++) {
    const start = process.hrtime.bigint();
    let status;
    try {
      status = await runForeground(request);
    } catch (error) {
      return { state: 'failed', why: `run ${i}: ${/** @type {Error} */ (error).message}` };
    }
    if (status !== 0) return { state: 'failed', why: `run ${i}: exit ${status}` };
    if (i > 0) times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { state: 'ok', median: median(times), min: times[0], max: times[times.length - 1] };
}

const HARNESS = 'lab container run from a running harness (in-process)';
benches.push({ label: HARNESS, file: '', argv: [] });
process.stdout.write(`  ${HARNESS.padEnd(60)} `);
const inProcess = await measureInProcess();
results.set(HARNESS, inProcess);
console.log(
  inProcess.state === 'ok' ? `${fmt(inProcess.median).padStart(8)} ms  (min ${fmt(inProcess.min)}, max ${fmt(inProcess.max)})` : `failed: ${inProcess.why}`,
);
const HARNESS_SH = 'the same --privileged, setup by sh (LAB_CONTAINER_INIT=sh)';
benches.push({ label: HARNESS_SH, file: '', argv: [] });
process.stdout.write(`  ${HARNESS_SH.padEnd(60)} `);
const inProcessSh = await measureInProcess('sh');
delete process.env.LAB_CONTAINER_INIT;
results.set(HARNESS_SH, inProcessSh);
console.log(
  inProcessSh.state === 'ok'
    ? `${fmt(inProcessSh.median).padStart(8)} ms  (min ${fmt(inProcessSh.min)}, max ${fmt(inProcessSh.max)})`
    : `failed: ${inProcessSh.why}`,
);

/** @param {string} label */
const medianOf = (label) => {
  const r = results.get(label);
  return r?.state === 'ok' ? r.median : null;
};
const node = medianOf('node -e 0');
const unshare = medianOf(benches[1].label);
const cold = medianOf(COLD);
const met = node === null || cold === null ? null : cold <= node + 30;
const runcMedian = medianOf('runc run (busybox bundle)');
const harness = medianOf(HARNESS);
const harnessMet = runcMedian === null || harness === null ? null : harness <= 0.5 * runcMedian;

const lines = [
  '',
  `Measured with \`npm run bench:container\` (${runs} runs, median) on ${hostLine()}:`,
  '',
  '| Command | Median (ms) | Min (ms) | Max (ms) | / node -e 0 | / unshare | / runc run |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
];
const runc = medianOf('runc run (busybox bundle)');
/** @param {number} ms @param {number | null} base */
const ratio = (ms, base) => (base === null ? 'n/a' : `${(ms / base).toFixed(2)}x`);
for (const bench of benches) {
  const r = /** @type {ReturnType<typeof measure>} */ (results.get(bench.label));
  if (r.state === 'ok') {
    lines.push(
      `| \`${bench.label}\` | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${ratio(r.median, node)} | ${ratio(r.median, unshare)} | ${ratio(r.median, runc)} |`,
    );
  } else {
    lines.push(`| \`${bench.label}\` | failed (${r.why.replaceAll('|', '\\|')}) | | | | | |`);
  }
}
lines.push('');
lines.push(
  `target: lab container run --rm --network none busybox (cold) at most node -e 0 + 30 ms: ${
    met === null ? 'not measured' : `${fmt(/** @type {number} */ (cold))} ms vs ${fmt(/** @type {number} */ (node) + 30)} ms, ${met ? 'met' : 'MISSED'}`
  }`,
);
lines.push(
  `target: from a running harness at most 0.5x runc run: ${
    harnessMet === null
      ? 'not measured'
      : `${fmt(/** @type {number} */ (harness))} ms vs ${fmt(0.5 * /** @type {number} */ (runcMedian))} ms, ${harnessMet ? 'met' : 'MISSED'}`
  }`,
);
console.log(lines.join('\n'));

if (check) {
  const failed = [...results.values()].some((r) => r.state === 'failed');
  process.exitCode = failed || met === false || harnessMet === false ? 1 : 0;
}
