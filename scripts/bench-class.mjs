#!/usr/bin/env node
// Speed of the class server (`lab class serve`), for the README: 60 simulated learners on loopback, all at once,
// each joining and then posting a whole lab (a lab-start, ten steps of four events, a lab-done: 42 events), once
// in batches of one step (12 posts each, as a learner's machine sends when it keeps up) and once one event per
// post (42 posts each, the worst case). It reports the post latency (p50, p99) and the events stored per second,
// against a baseline in the same run: a bare node http server that reads the body and answers 204 (no parsing,
// no checks, no disk). The server runs in its own process, as it would on the instructor's machine; every
// accepted batch is fsynced before its answer, so the figures include the disk.
//
// Usage: node scripts/bench-class.mjs [--runs N] [--check]
//   --runs N   rounds of 60 learners per server and mode (default 3)
//   --check    exit 1 if a post is refused or an event is missing
// Run `npm run build` first (`npm run bench:class` does).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hostLine, readRunsAndCheck } from './bench-lib.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const LEARNERS = 60;
const STEPS = 10;

// The child: serve, print the port, stop on a message.
if (process.argv[2] === '--serve') {
  const [, , , kind, dir] = process.argv;
  /** @type {import('node:http').Server} */
  let server;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  if (kind === 'baseline') {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(204);
        res.end();
      });
    });
  } else {
    const { openClassServer } = await import(pathToFileURL(join(root, 'dist', 'src', 'class', 'server.js')).href);
    // The rate limit is the server's own protection; the benchmark measures the path behind it.
    const cls = openClassServer({ dir, code: 'BENCH2', rate: { burst: 1e9, perSecond: 1e9 } });
    server = cls.server;
    close = () => cls.close();
  }
  server.listen(0, '127.0.0.1', () => process.send?.({ port: /** @type {import('node:net').AddressInfo} */ (server.address()).port }));
  process.on('message', async () => {
    await close();
    process.exit(0);
  });
} else {
  const read = readRunsAndCheck('bench-class', 'Usage: node scripts/bench-class.mjs [--runs N] [--check]');
  // A round is 60 learners and thousands of posts: 3 rounds by default, not bench-lib's 15.
  const runs = process.argv.some((a) => a.startsWith('--runs')) ? read.runs : 3;
  const { check } = read;
  /** @type {string[]} */
  const problems = [];

  /** A whole lab's events, numbered from 1. */
  const lab = () => {
    let seq = 1;
    const at = Date.now();
    /** @type {Record<string, unknown>[][]} */
    const batches = [[{ seq: seq++, at, type: 'lab-start', lab: 'uts-namespace', order: 2, title: 'Hostnames', mode: 'run', runId: 'r' }]];
    for (let i = 0; i < STEPS; i++) {
      const step = `step-${i}`;
      batches.push([
        { seq: seq++, at, type: 'step-start', step, title: `Step ${i}`, index: i, total: STEPS },
        { seq: seq++, at, type: 'check', step, check: `${step}-a`, title: 'a fact', ok: true },
        { seq: seq++, at, type: 'check', step, check: `${step}-b`, title: 'another fact', ok: true },
        { seq: seq++, at, type: 'step-done', step, status: 'passed' },
      ]);
    }
    batches.push([
      { seq: seq++, at, type: 'lab-done', lab: 'uts-namespace', status: 'passed', checksPassed: 20, checksFailed: 0, stepsPassed: STEPS, steps: STEPS },
    ]);
    return batches;
  };
  const perLab = lab().flat().length;

  /**
   * One round: start the server, 60 learners at once, stop it. Latencies of every post (ms) and the wall time.
   * @param {'class' | 'baseline'} kind
   * @param {boolean} single one event per post
   */
  async function round(kind, single) {
    const dir = mkdtempSync(join(tmpdir(), 'lab-bench-class-'));
    const child = fork(fileURLToPath(import.meta.url), ['--serve', kind, dir], { stdio: 'inherit' });
    const port = await new Promise((resolve) => child.once('message', (/** @type {{ port: number }} */ m) => resolve(m.port)));
    const url = `http://127.0.0.1:${port}`;
    /** @type {number[]} */
    const latencies = [];
    /** @param {string} path @param {unknown} body @param {string} [secret] */
    const post = async (path, body, secret) => {
      const res = await fetch(url + path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(secret ? { Authorization: `Bearer ${secret}` } : {}) },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status >= 300) problems.push(`${kind} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : {};
    };
    const names = Array.from({ length: LEARNERS }, (_, i) => `learner-${i}`);
    const secrets = await Promise.all(names.map(async (name) => (await post('/api/join', { code: 'BENCH2', name })).secret ?? 'x'));
    const started = performance.now();
    await Promise.all(
      names.map(async (name, i) => {
        const batches = single
          ? lab()
              .flat()
              .map((e) => [e])
          : lab();
        for (const events of batches) {
          const t0 = performance.now();
          await post('/api/events', { code: 'BENCH2', name, events }, secrets[i]);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const wall = performance.now() - started;
    if (kind === 'class') {
      const res = await fetch(`${url}/api/class`, { headers: { Authorization: `Bearer ${await token(dir)}` } });
      const snap = /** @type {{ events: number }} */ (await res.json());
      if (snap.events !== LEARNERS * perLab) problems.push(`class: ${snap.events} events stored, ${LEARNERS * perLab} sent`);
    }
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
    return { latencies, wall };
  }

  /** The instructor token of the class in `dir`. @param {string} dir */
  async function token(dir) {
    const { readFileSync } = await import('node:fs');
    return JSON.parse(readFileSync(join(dir, 'class.json'), 'utf8')).token;
  }

  /** @param {number[]} sorted @param {number} q */
  const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

  console.log(`# lab class serve: ${LEARNERS} learners at once, a whole lab each (${perLab} events), ${runs} round(s) per line`);
  console.log(`# ${hostLine()}`);
  console.log('| server | posts | p50 post ms | p99 post ms | events/s |');
  console.log('|---|---|---|---|---|');
  for (const single of [false, true]) {
    for (const kind of /** @type {const} */ (['baseline', 'class'])) {
      /** @type {number[]} */
      const all = [];
      let wall = 0;
      for (let r = 0; r < runs; r++) {
        const result = await round(kind, single);
        all.push(...result.latencies);
        wall += result.wall;
      }
      all.sort((a, b) => a - b);
      const label = kind === 'class' ? 'lab class serve (fsync per batch)' : 'baseline: bare node http, 204';
      const posts = single ? '1 event each' : 'a step each (4 events)';
      const rate = (runs * LEARNERS * perLab) / (wall / 1000);
      console.log(`| ${label} | ${posts} | ${quantile(all, 0.5).toFixed(1)} | ${quantile(all, 0.99).toFixed(1)} | ${Math.round(rate)} |`);
    }
  }
  if (problems.length) {
    console.error(problems.slice(0, 5).join('\n'));
    if (check) process.exit(1);
  }
}
