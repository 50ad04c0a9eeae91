#!/usr/bin/env node
// Runs the test suite with tap, streams its TAP output as it comes, and ends with a summary:
// leaf test points passed / failed / skipped, every skip listed under its reason, then a last
// line `N passed, N failed, N skipped`. Exits with tap's status.
//
// Usage: node scripts/test.mjs [tap args...] [test files...]
//   With no file argument it runs every test/**/*.test.ts on this host except test/vm/, then
//   the VM suite, test/vm/, in the test VM (`node scripts/vm.mjs test`: cgroup v2 with every
//   controller), then the systemd suite, every lab on a stock Debian systemd host as a logged-in
//   learner runs them (`node scripts/systemd-vm.mjs test`), and adds their counts to the summary.
//   A VM suite this host cannot run (no qemu; for the systemd suite also no mmdebstrap or
//   debugfs, or not root) is skipped, each of its files or labs counted as one skip, with the
//   reason. Any argument that does not start with `-` is taken as a file (or glob) filter and
//   replaces the default list (and no VM suite runs).
//   Options such as `--grep=name` or `--bail` are passed to tap as they are.
//   Inside the test VM (LAB_IN_VM is set) it runs only what it is given, never another VM; given
//   compiled .js files there (scripts/vm.mjs compiles the VM tests), it runs them all in one node
//   process (scripts/vm/suite.mjs) instead of tap's runner.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
// tap-parser comes with tap (a dependency of @tapjs/core); it is the parser tap itself uses.
import { Parser } from 'tap-parser';

/** @typedef {import('tap-parser').Result} Result */

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tapBin = join(root, 'node_modules', '.bin', 'tap');

/**
 * Every *.test.ts under `dir`, relative to the repo root, sorted so runs are reproducible.
 * @param {string} dir
 * @returns {string[]}
 */
function findTestFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return [];
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
const inVm = Boolean(process.env.LAB_IN_VM);
// test/vm/ runs in the test VM, after the host's files, and only from the full run on the host.
const vmFiles = hasFileFilter || inVm ? [] : findTestFiles(join(root, 'test', 'vm'));
const files = hasFileFilter ? [] : findTestFiles(join(root, 'test')).filter((f) => !f.startsWith(`test${sep}vm${sep}`));
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
/** @type {{ name: string, diag: unknown }[]} */
const failureDetails = [];
/** @type {WeakMap<Parser, { leaves: number, failed: number, children: Parser[] }>} */
const tally = new WeakMap();
let bailout = null;

/**
 * The leaves and failures counted in `parser`'s block so far, and its subtests.
 * @param {Parser} parser
 */
function tallyOf(parser) {
  let t = tally.get(parser);
  if (!t) {
    t = { leaves: 0, failed: 0, children: [] };
    tally.set(parser, t);
  }
  return t;
}

/**
 * A directive's reason: `# SKIP needs root` gives 'needs root'; a bare `# SKIP` gives true or ''.
 * @param {boolean | string} value
 * @param {'skip' | 'todo'} kind
 */
function reasonOf(value, kind) {
  const text = typeof value === 'string' ? value.trim() : '';
  if (kind === 'todo') return text ? `todo: ${text}` : 'todo';
  return text || '(no reason given)';
}

/**
 * Count one leaf test point: passed, failed or skipped (with its reason).
 * @param {Parser} parser  the block it is in
 * @param {Result} res
 */
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
    failureDetails.push({ name: res.fullname || res.name || '(unnamed)', diag: res.diag });
  }
  // Credit the leaf to this parser and all its ancestors, so a closing point can tell whether
  // its block held any leaves and any failures.
  for (let p = /** @type {Parser | null} */ (parser); p; p = p.parent) {
    const t = tallyOf(p);
    t.leaves++;
    if (failedLeaf) t.failed++;
  }
}

/**
 * Count the leaves of `parser` and of every subtest it opens.
 * @param {Parser} parser
 */
function watch(parser) {
  tallyOf(parser);
  parser.on('child', (/** @type {Parser} */ child) => {
    tallyOf(parser).children.push(child);
    watch(child);
  });
  parser.on('assert', (/** @type {Result} */ res) => {
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

const compiled = inVm && hasFileFilter && extraArgs.filter((a) => !a.startsWith('-')).every((a) => a.endsWith('.js'));
const tapArgs = ['--reporter=tap', '--disable-coverage', ...extraArgs, ...files];
const [command, args] = compiled
  ? [process.execPath, [join(root, 'scripts', 'vm', 'suite.mjs'), ...extraArgs.filter((a) => !a.startsWith('-'))]]
  : [tapBin, tapArgs];
const child = spawn(command, args, {
  cwd: root,
  // No stdin: CI has none, and a test must never wait for input.
  stdio: ['ignore', 'pipe', 'inherit'],
});
/** @type {import('node:child_process').ChildProcess} the suite's process running now, which a signal goes to */
let current = child;
let interrupted = false;
for (const signal of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    interrupted = true;
    current.kill(signal);
  });
}
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  parser.write(chunk);
});

const status = await new Promise((resolve) => {
  child.on('error', (err) => {
    console.error(`scripts/test.mjs: spawn \`${command}\`: ${err.message} (run \`npm ci\` first)`);
    resolve(1);
  });
  child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
});
parser.end();

// The VM suites run after the host's, each a script that streams TAP on stdout and exits with its
// suite's status; 3 when its VM did not boot or died, 77 when this host cannot run it (the reason
// on its stderr, after `<prefix>: cannot run ...: `). Each one's TAP goes through a parser of its
// own into the same counts, so the summary below covers every suite.
//   scripts/vm.mjs test: test/vm/ in the cgroup v2 test VM (with its own run's summary after it);
//   scripts/systemd-vm.mjs test: every lab on a stock Debian systemd host, the learner logged in.
const VM_EXIT_BOOT = 3;
const VM_EXIT_MISSING = 77;
let vmStatus = 0;
/** @type {string[]} */
const vmLines = [];

/**
 * Run one VM suite and fold its results into the counts.
 * @param {{ name: string, script: string, prefix: string, skipped: string[] }} suite
 *   name: for the summary; script: under scripts/; prefix: what its stderr lines start with;
 *   skipped: the names counted as skipped, one each, when the host cannot run it
 */
async function runVmSuite(suite) {
  console.log(`\n# ---- ${suite.name}: node scripts/${suite.script} test ----`);
  const vmParser = new Parser();
  watch(vmParser);
  const vm = spawn(process.execPath, [join(root, 'scripts', suite.script), 'test'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  current = vm;
  let missing = '';
  const missingLine = new RegExp(`^${suite.prefix}: cannot run the [^:]*: (.*)$`, 'm');
  vm.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    vmParser.write(chunk);
  });
  vm.stderr.on('data', (chunk) => {
    process.stderr.write(chunk);
    missing ||= missingLine.exec(String(chunk))?.[1] ?? '';
  });
  let status = await new Promise((resolve) => {
    vm.on('error', (err) => {
      console.error(`scripts/test.mjs: spawn \`${process.execPath} scripts/${suite.script} test\`: ${err.message}`);
      resolve(1);
    });
    vm.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
  vmParser.end();
  if (status === VM_EXIT_MISSING) {
    // Not run at all: each name counts as one skipped point, as a skipped file does on the host.
    const reason = `${suite.name} cannot run here: ${missing || `see ${suite.prefix}: above`}`;
    counts.skipped += suite.skipped.length;
    skipsByReason.set(reason, [...suite.skipped]);
    vmLines.push(`# ${suite.name}: not run, ${suite.skipped.length} skipped: ${reason}`);
    status = 0;
  } else if (status === VM_EXIT_BOOT) {
    counts.failed++;
    failures.push(`${suite.name}: its VM did not boot or died, so none of its tests ran (not a test failure: see ${suite.prefix}: above)`);
    vmLines.push(`# ${suite.name}: THE VM FAILED (see ${suite.prefix}: above)`);
  } else if (status !== 0) {
    vmLines.push(`# ${suite.name}: exited with status ${status}`);
  }
  vmStatus ||= status;
}

if (vmFiles.length && !interrupted && !bailout) {
  await runVmSuite({ name: 'VM suite', script: 'vm.mjs', prefix: 'lab-vm', skipped: vmFiles });
}
if (!hasFileFilter && !inVm && !interrupted && !bailout) {
  // Without the VM, one skip per lab (and one for the machine's own checks), named as its TAP names them.
  const labs = readdirSync(join(root, 'labs'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  await runVmSuite({
    name: 'systemd suite',
    script: 'systemd-vm.mjs',
    prefix: 'lab-systemd-vm',
    skipped: ['a stock systemd host, the learner logged in', ...labs.map((id) => `systemd host: ${id}`)],
  });
}

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
lines.push(...vmLines);
// What each failure found, last: a log read from its end (a CI summary) shows it without the whole TAP stream.
if (failureDetails.length) lines.push('# ---- what the failures found ----');
for (const { name, diag } of failureDetails.slice(0, 10)) {
  lines.push(`# not ok: ${name}`);
  const out = [];
  for (const [key, value] of Object.entries(diag ?? {})) {
    if (key === 'source' || key === 'stack') continue;
    if (typeof value === 'string' && value.includes('\n'))
      out.push(
        `${key}:`,
        ...value
          .trimEnd()
          .split('\n')
          .map((l) => `  ${l}`),
      );
    else out.push(`${key}: ${JSON.stringify(value)}`);
  }
  if (!out.length) out.push('(no diagnostics)');
  for (const line of out.slice(0, 80)) lines.push(`#   ${line.length > 400 ? `${line.slice(0, 400)} ...` : line}`);
  if (out.length > 80) lines.push(`#   ... ${out.length - 80} more lines`);
}
lines.push(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
console.log(lines.join('\n'));

process.exitCode = status !== 0 ? status : vmStatus !== 0 || counts.failed > 0 || bailout ? 1 : 0;
