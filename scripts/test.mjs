#!/usr/bin/env node
// Runs the test suite with tap, streams its TAP output as it comes, and ends with a summary:
// leaf test points passed / failed / skipped, every skip listed under its reason, then a last
// line `N passed, N failed, N skipped`. Exits with tap's status.
//
// Usage: node scripts/test.mjs [tap args...] [test files...]
//   With no file argument it runs every test/**/*.test.ts; any argument that does not start
//   with `-` is taken as a file (or glob) filter and replaces that default list.
//   Options such as `--grep=name` or `--bail` are passed to tap as they are.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
// tap-parser comes with tap (a dependency of @tapjs/core); it is the parser tap itself uses.
import { Parser } from 'tap-parser';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tapBin = join(root, 'node_modules', '.bin', 'tap');

// Every test/**/*.test.ts, relative to the repo root, sorted so runs are reproducible.
function findTestFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (err.code === 'ENOENT') return [];
    throw err;
  }
  const files = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...findTestFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) files.push(relative(root, path));
  }
  return files.sort();
}

const extraArgs = process.argv.slice(2);
const hasFileFilter = extraArgs.some((arg) => !arg.startsWith('-'));
const files = hasFileFilter ? [] : findTestFiles(join(root, 'test'));
if (!hasFileFilter && files.length === 0) {
  console.error('scripts/test.mjs: no test files match test/**/*.test.ts');
  console.log('0 passed, 0 failed, 0 skipped');
  process.exit(1);
}

// Leaf accounting. tap prints each subtest as an indented block closed by a test point in the
// parent (`ok 2 - group`); that closing point summarises the block and is not counted, unless
// the block had no test points of its own (a skipped subtest, `t.plan(0, reason)`, a file that
// crashed before its first assertion) or it failed with no failing leaf inside (exit code,
// timeout): then it is the only record of the outcome and counts as one leaf.
const counts = { passed: 0, failed: 0, skipped: 0 };
/** @type {Map<string, string[]>} skip reason -> full names of the skipped points */
const skipsByReason = new Map();
/** @type {string[]} */
const failures = [];
/** @type {WeakMap<Parser, { leaves: number, failed: number, children: Parser[] }>} */
const tally = new WeakMap();
let bailout = null;

function tallyOf(parser) {
  let t = tally.get(parser);
  if (!t) {
    t = { leaves: 0, failed: 0, children: [] };
    tally.set(parser, t);
  }
  return t;
}

// A directive's reason: `# SKIP needs root` gives 'needs root'; a bare `# SKIP` gives true or ''.
function reasonOf(value, kind) {
  const text = typeof value === 'string' ? value.trim() : '';
  if (kind === 'todo') return text ? `todo: ${text}` : 'todo';
  return text || '(no reason given)';
}

function countLeaf(parser, res) {
  let failedLeaf = false;
  if (res.skip || res.todo) {
    counts.skipped++;
    const reason = res.skip ? reasonOf(res.skip, 'skip') : reasonOf(res.todo, 'todo');
    const names = skipsByReason.get(reason) ?? [];
    names.push(res.fullname || res.name || '(unnamed)');
    skipsByReason.set(reason, names);
  } else if (res.ok) {
    counts.passed++;
  } else {
    counts.failed++;
    failedLeaf = true;
    failures.push(res.fullname || res.name || '(unnamed)');
  }
  // Credit the leaf to this parser and all its ancestors, so a closing point can tell whether
  // its block held any leaves and any failures.
  for (let p = parser; p; p = p.parent) {
    const t = tallyOf(p);
    t.leaves++;
    if (failedLeaf) t.failed++;
  }
}

function watch(parser) {
  tallyOf(parser);
  parser.on('child', (child) => {
    tallyOf(parser).children.push(child);
    watch(child);
  });
  parser.on('assert', (res) => {
    if (!res.closingTestPoint) return countLeaf(parser, res);
    const block = tallyOf(parser).children.findLast((c) => c.closingTestPoint === res);
    const inner = block ? tallyOf(block) : { leaves: 0, failed: 0 };
    if (inner.leaves === 0) return countLeaf(parser, res);
    if (!res.ok && !res.skip && !res.todo && inner.failed === 0) countLeaf(parser, res);
  });
}

const parser = new Parser();
watch(parser);
parser.on('bailout', (reason) => {
  bailout ??= reason || true;
});

const tapArgs = ['--reporter=tap', '--disable-coverage', ...extraArgs, ...files];
const child = spawn(tapBin, tapArgs, {
  cwd: root,
  // No stdin: CI has none, and a test must never wait for input.
  stdio: ['ignore', 'pipe', 'inherit'],
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  parser.write(chunk);
});

const status = await new Promise((resolve) => {
  child.on('error', (err) => {
    console.error(`scripts/test.mjs: spawn \`${tapBin}\`: ${err.message} (run \`npm ci\` first)`);
    resolve(1);
  });
  child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});
parser.end();

// The summary, after tap's own output.
const lines = ['', '# ---- summary ----'];
lines.push(`# passed:  ${counts.passed}`);
lines.push(`# failed:  ${counts.failed}`);
for (const name of failures) lines.push(`#   not ok: ${name}`);
lines.push(`# skipped: ${counts.skipped}`);
const reasons = [...skipsByReason.entries()].sort((a, b) => b[1].length - a[1].length);
for (const [reason, names] of reasons) {
  lines.push(`#   ${names.length} skipped: ${reason}`);
  for (const name of names) lines.push(`#     - ${name}`);
}
if (bailout) lines.push(`# bailed out${bailout === true ? '' : `: ${bailout}`}`);
if (status !== 0 && counts.failed === 0) lines.push(`# tap exited with status ${status}`);
lines.push(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
console.log(lines.join('\n'));

process.exitCode = status !== 0 ? status : counts.failed > 0 || bailout ? 1 : 0;
