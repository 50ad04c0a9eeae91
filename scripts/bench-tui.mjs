#!/usr/bin/env node
// Speed and size of the terminal UI, for the README: `lab run pid-namespace` on a pseudo-terminal (80x24), its
// output kept by a headless xterm, as a learner's terminal would keep it. Median of N runs:
//   first frame   from spawn until the whole first screen (header to footer) is on the terminal; target 300 ms,
//                 shown beside `node -e 0` (spawn to exit) measured the same way
//   key redraw    from pressing l (language) until the screen shows the other language; target 50 ms
//   memory        the highest VmRSS of the harness (/proc/<pid>/status) while the lab runs; target 120 MB
// and the load average at the start and at the end.
//
// Usage: node scripts/bench-tui.mjs [--runs N] [--check]     (as root; run `npm run build` first)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from 'node-pty';
import xterm from '@xterm/headless';
import { readArgs } from './args.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values: args } = readArgs('bench-tui', 'Usage: node scripts/bench-tui.mjs [--runs N] [--check]     (as root; run `npm run build` first)', {
  options: { runs: { type: 'string', default: '5' }, check: { type: 'boolean' } },
});
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench-tui: --runs needs a whole number >= 1, got \`${args.runs}\``);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error('bench-tui: needs root (the lab creates namespaces)');
  process.exit(2);
}

/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const now = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Spawn on a pty with a headless terminal behind it; `until(text)` resolves when the screen shows all texts.
 * @param {string} file
 * @param {string[]} argv
 * @param {Record<string, string>} env  added to this process's environment
 */
function open(file, argv, env) {
  const term = new xterm.Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  const child = pty.spawn(file, argv, { name: 'xterm-256color', cols: 80, rows: 24, cwd: root, env: { ...process.env, LANG: 'C.UTF-8', ...env } });
  /** @type {{ texts: string[], resolve: (ms: number) => void }[]} */
  const waiters = [];
  const screen = () => {
    const buffer = term.buffer.active;
    let text = '';
    for (let y = 0; y < term.rows; y++) text += `${buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? ''}\n`;
    return text;
  };
  const settle = () => {
    const text = screen();
    for (const w of [...waiters])
      if (w.texts.every((t) => text.includes(t))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(now());
      }
  };
  child.onData((data) => term.write(data, settle));
  /** @type {Promise<number>} when it exited (ms) */
  const exited = new Promise((resolve) => child.onExit(() => resolve(now())));
  return {
    child,
    exited,
    /** @type {(texts: string[], ms?: number) => Promise<number>} */
    until: (texts, ms = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(texts)}:\n${screen()}`)), ms);
        waiters.push({ texts, resolve: (t) => (clearTimeout(timer), resolve(t)) });
        settle();
      }),
  };
}

/**
 * The resident memory of process `pid` in MB, 0 once it is gone.
 * @param {number} pid
 */
function rss(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const loadAtStart = loadavg()[0];
/** @type {Record<'baseline' | 'frame' | 'key' | 'rss', number[]>} */
const figures = { baseline: [], frame: [], key: [], rss: [] };
for (let i = 0; i <= runs; i++) {
  const warm = i === 0;
  const base = open(process.execPath, ['-e', '0'], {});
  const t0 = now();
  const baseline = (await base.exited) - t0;

  const state = mkdtempSync(join(tmpdir(), 'lab-bench-tui-'));
  try {
    const start = now();
    const lab = open(process.execPath, ['bin/lab.js', 'run', 'pid-namespace', '--lang', 'en'], { LAB_STATE_DIR: state });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rss(lab.child.pid))), 20);
    const frame = (await lab.until(['Steps', 'q quit'])) - start;
    await lab.until(['Step passed']);
    const keys = [];
    for (const [key, text] of [
      ['l', '已通过'],
      ['l', 'passed'],
      ['l', '已通过'],
      ['l', 'passed'],
    ]) {
      const pressed = now();
      lab.child.write(key);
      keys.push((await lab.until([text])) - pressed);
    }
    lab.child.write('n');
    await lab.until(['Step 2/', 'Step passed']);
    peak = Math.max(peak, rss(lab.child.pid));
    clearInterval(sampler);
    lab.child.write('q');
    await lab.exited;
    if (!warm) {
      figures.baseline.push(baseline);
      figures.frame.push(frame);
      figures.key.push(median(keys));
      figures.rss.push(peak);
    }
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

/** @param {number} n */
const f = (n) => n.toFixed(1);
const results = {
  baseline: median(figures.baseline),
  frame: median(figures.frame),
  key: median(figures.key),
  rss: median(figures.rss),
};
console.log(`| what (median of ${runs} runs, 80x24 pty) | figure | target |`);
console.log('| --- | ---: | --- |');
console.log(`| \`node -e 0\` on a pty, spawn to exit (baseline) | ${f(results.baseline)} ms | |`);
console.log(`| \`lab run pid-namespace\`: spawn to the first whole frame | ${f(results.frame)} ms | under 300 ms |`);
console.log(`| a key (l, language) until the screen is redrawn | ${f(results.key)} ms | under 50 ms |`);
console.log(`| highest resident memory (VmRSS) during the lab | ${f(results.rss)} MB | under 120 MB |`);
// Other work on the machine slows the baseline and the lab alike: compare the two within one run.
console.log(`load average (1 min): ${loadAtStart.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end, on ${cpus().length} CPUs`);
const missed = [results.frame >= 300 && 'first frame', results.key >= 50 && 'key redraw', results.rss >= 120 && 'memory'].filter(Boolean);
if (missed.length) console.log(`missed: ${missed.join(', ')}`);
process.exit(args.check && missed.length ? 1 : 0);
