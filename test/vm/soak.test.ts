// Soak: `lab verify --all` (or the labs LAB_SOAK_LABS names) LAB_SOAK=N times in a row in one state directory, in the
// test VM (where every lab runs) or, run directly (`node scripts/soak.mjs N --host`), on this host,
// and after each run the figures that a leak would make grow: the harness's peak resident memory (its ru_maxrss,
// written by a preload as it exits) and its open descriptors then, the system's allocated file handles
// (/proc/sys/fs/file-nr), this long-lived parent's descriptors, the mount count, lab cgroups, journal files,
// MemAvailable and the time taken. Exactly equal every time: mounts, lab cgroups and journals (to before the first
// run), this process's descriptors, the harness's descriptors at exit (to the first run). Within a margin:
// memory (see the tolerances below). The figures are printed as a markdown table (TAP comments; scripts/soak.mjs
// runs this file and keeps the table). Skipped unless LAB_SOAK is set: `lab verify --all` takes 3-5 minutes in the
// VM under TCG, fifty nearly three hours, so fifty runs are split: the labs a host with cgroup v1 controllers runs,
// there (about 20 s a run), and the cgroup v2 labs and the capstone in the VM. In the VM veth and bridge are loaded
// for the network labs (and unloaded after); container-vs-vm is skipped by --all (see noVmKernel).
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import {
  journalCount,
  labCgroupCount,
  labTimes,
  loadNetModules,
  markdownTable,
  mean,
  memAvailableKiB,
  mountCount,
  openFds,
  slope,
  systemFileHandles,
  verdicts,
  verifyJson,
} from './load-lib.js';

const runs = process.env.LAB_SOAK === undefined ? 0 : Number(process.env.LAB_SOAK);
/** The labs each run verifies (LAB_SOAK_LABS, ids separated by spaces), or every lab (`--all`). */
const labs = (process.env.LAB_SOAK_LABS ?? '').split(/\s+/).filter(Boolean);
const inVm = Boolean(process.env.LAB_IN_VM);
const skip = runs === 0 ? 'set LAB_SOAK=N to run it (node scripts/soak.mjs)' : false;
/** A run of `lab verify --all` that takes this long is stuck. */
const RUN_TIMEOUT_MS = 20 * 60_000;

/** Tolerances. Peak RSS of a fresh process per run: no trend above RSS_SLOPE_KIB per run, and the mean of the last
 * third of the runs within RSS_MARGIN of the first third's. System file handles: the last third's mean within
 * FILE_NR_MARGIN of the first third's (other processes' handles come and go). MemAvailable: the last third's mean
 * at most MEM_DROP_KIB below the first third's: 32 MiB, or 1% of the memory on a machine with more than 3 GiB, where
 * the page and dentry caches of everything else running move it by more than that. */
const RSS_SLOPE_KIB = 512;
const RSS_MARGIN = 0.05;
const FILE_NR_MARGIN = 64;
const MEM_DROP_KIB = Math.max(32 * 1024, Math.round(Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 100));

/** What each run left, and what it cost. */
interface Figures {
  run: number;
  seconds: number;
  passed: number;
  maxRssKiB: number;
  harnessFds: number;
  fileNr: number;
  parentFds: number;
  mounts: number;
  cgroups: number;
  journals: number;
  memAvailableKiB: number;
}

const thirds = (values: readonly number[]): { first: number; last: number } => {
  const n = Math.max(1, Math.floor(values.length / 3));
  return { first: mean(values.slice(0, n)), last: mean(values.slice(-n)) };
};

const what = labs.length ? labs.join(' ') : '--all';
t.test(`lab verify ${what} ${runs || 'N'} times in a row: nothing grows`, { skip, timeout: Math.max(1, runs) * RUN_TIMEOUT_MS + 60_000 }, async (t) => {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`LAB_SOAK must be a whole number of runs, at least 1, not \`${process.env.LAB_SOAK}\``);
  // The VM's kernel has veth and bridge as files to load; a host loads them itself when a lab makes a link.
  const notLoaded = inVm ? loadNetModules(t) : undefined;
  if (notLoaded) throw new Error(`the network labs need veth and bridge: ${notLoaded}`);
  t.comment(`where: ${inVm ? 'the test VM' : 'this host'}; each run: lab verify ${what}`);
  const state = tempDir('lab-test-soak-');
  const figuresDir = tempDir('lab-test-soak-rss-');
  // The harness's own peak RSS (ru_maxrss: what getrusage gives for the process itself) and its descriptors as it
  // exits, in a file named after its PID (processes it starts with node's flags write their own file, not ours).
  const preload = join(figuresDir, 'preload.cjs');
  writeFileSync(
    preload,
    `'use strict';
const { readdirSync, writeFileSync } = require('node:fs');
process.on('exit', () => {
  const fds = readdirSync('/proc/self/fd').length;
  writeFileSync(${JSON.stringify(figuresDir)} + '/' + process.pid + '.json', JSON.stringify({ maxRss: process.resourceUsage().maxRSS, fds }));
});
`,
  );
  // container-vs-vm would boot a VM inside this one: qemu under TCG inside TCG does not reach its shell within the
  // lab's 180 s (on a host, each run would boot one under TCG). An empty VM cache makes its vm-kernel requirement
  // unmet, so --all skips it, with that reason.
  const noVmKernel = tempDir('lab-test-soak-no-vm-');
  const before = { parentFds: openFds(), mounts: mountCount(), cgroups: labCgroupCount(), journals: journalCount(state) };
  t.comment(`before: ${JSON.stringify(before)}`);
  const header = [
    'run',
    's',
    'labs passed',
    'peak RSS (MiB)',
    'harness fds',
    'file-nr',
    'parent fds',
    'mounts',
    'lab cgroups',
    'journals',
    'MemAvailable (MiB)',
  ];
  t.comment(markdownTable(header, []));
  const figures: Figures[] = [];
  for (let run = 1; run <= runs; run++) {
    const result = await verifyJson(labs.length ? labs : ['--all'], state, RUN_TIMEOUT_MS, ['--require', preload], { LAB_VM_CACHE: noVmKernel });
    const v = verdicts(result.events);
    t.equal(result.status, 0, `run ${run}: exit 0`, { signal: result.signal, stderr: result.stderr.slice(-2000) });
    t.same(v.failed, [], `run ${run}: no lab failed`, { problems: v.problems });
    let own = { maxRss: NaN, fds: NaN };
    try {
      own = JSON.parse(readFileSync(join(figuresDir, `${result.pid}.json`), 'utf8')) as typeof own;
    } catch {
      t.fail(`run ${run}: the harness (PID ${result.pid}) wrote no figures as it exited`);
    }
    const f: Figures = {
      run,
      seconds: result.ms / 1000,
      passed: v.passed.length,
      maxRssKiB: own.maxRss,
      harnessFds: own.fds,
      fileNr: systemFileHandles(),
      parentFds: openFds(),
      mounts: mountCount(),
      cgroups: labCgroupCount(),
      journals: journalCount(state),
      memAvailableKiB: memAvailableKiB(),
    };
    figures.push(f);
    if (run === 1) t.comment(`run 1, each lab: ${labTimes(result.events).join(', ')}`);
    const row = `| ${run} | ${f.seconds.toFixed(1)} | ${f.passed} | ${(f.maxRssKiB / 1024).toFixed(1)} | ${f.harnessFds} | ${f.fileNr} | ${f.parentFds} | ${f.mounts} | ${f.cgroups} | ${f.journals} | ${(f.memAvailableKiB / 1024).toFixed(0)} |`;
    t.comment(row);
    // Also now, on stderr: the TAP comments of a subtest come out only when it ends.
    process.stderr.write(`soak: ${row}\n`);
  }

  const first = figures[0];
  if (!first) throw new Error('no run');
  t.ok(first.passed > 0, `labs ran (${first.passed} passed in the first run)`);
  t.same(
    figures.map((f) => f.passed),
    figures.map(() => first.passed),
    'the same number of labs passed every time',
  );
  for (const key of ['mounts', 'cgroups', 'journals', 'parentFds'] as const) {
    t.same(
      figures.map((f) => f[key]),
      figures.map(() => before[key]),
      `${key}: as before the first run, after every run`,
    );
  }
  t.same(
    figures.map((f) => f.harnessFds),
    figures.map(() => first.harnessFds),
    'the harness had as many descriptors open at its exit every time',
  );
  const rss = figures.map((f) => f.maxRssKiB);
  const rssThirds = thirds(rss);
  const rssSlope = slope(rss);
  const fileNr = thirds(figures.map((f) => f.fileNr));
  const mem = thirds(figures.map((f) => f.memAvailableKiB));
  t.comment(
    `peak RSS: first third ${(rssThirds.first / 1024).toFixed(1)} MiB, last third ${(rssThirds.last / 1024).toFixed(1)} MiB, slope ${rssSlope.toFixed(1)} KiB/run; ` +
      `file-nr: ${fileNr.first.toFixed(0)} -> ${fileNr.last.toFixed(0)}; MemAvailable: ${(mem.first / 1024).toFixed(0)} -> ${(mem.last / 1024).toFixed(0)} MiB; ` +
      `time per run: ${mean(figures.map((f) => f.seconds)).toFixed(1)} s mean`,
  );
  if (figures.length >= 3) {
    t.ok(rssThirds.last <= rssThirds.first * (1 + RSS_MARGIN), `peak RSS: the last third within ${RSS_MARGIN * 100}% of the first third`);
    t.ok(rssSlope < RSS_SLOPE_KIB, `peak RSS: no trend (least-squares slope ${rssSlope.toFixed(1)} KiB/run, under ${RSS_SLOPE_KIB})`);
    t.ok(fileNr.last <= fileNr.first + FILE_NR_MARGIN, `system file handles: the last third within ${FILE_NR_MARGIN} of the first third`);
    t.ok(mem.last >= mem.first - MEM_DROP_KIB, `MemAvailable: the last third at most ${(MEM_DROP_KIB / 1024).toFixed(0)} MiB below the first third`);
  } else {
    t.comment('fewer than 3 runs: the memory and file-handle trends are not compared');
  }
});
