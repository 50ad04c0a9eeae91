#!/usr/bin/env node
// The soak: `lab verify --all` N times in a row (test/vm/soak.test.ts with LAB_SOAK=N), in the test VM through
// scripts/vm.mjs with no VM time limit, or on this host with --host; --labs verifies those labs instead of --all.
// Then the figures of every run as a markdown table for the README, with the test's verdict (nothing grew) under it.
//
// Usage: node scripts/soak.mjs [N] [--host] [--labs "id id ..."] [--out file]
//          N: runs (default 50). Needs root, and in the VM what scripts/vm.mjs needs.
//        Fifty runs of every lab, split (one --all in the VM takes 3-5 minutes under TCG):
//          node scripts/soak.mjs 50 --host
//          node scripts/soak.mjs 50 --labs "cgroup-basics cgroup-memory cgroup-cpu cgroup-pids cgroup-io capstone"
// Exit status: the test's (0 when every run passed and nothing grew).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
/** @type {Record<string, string | boolean>} */
const options = {};
/** @type {string[]} */
const rest = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? '';
  if (arg === '--host') options.host = true;
  else if (arg === '--out' || arg === '--labs') options[arg.slice(2)] = args[++i] ?? '';
  else rest.push(arg);
}
const runs = rest[0] ?? '50';
const usage = 'Usage: node scripts/soak.mjs [N] [--host] [--labs "id id ..."] [--out file]   (N: runs, default 50)\n';
if (!/^[1-9]\d*$/.test(runs) || rest.length > 1 || options.out === '' || options.labs === '') {
  process.stderr.write(usage);
  process.exit(2);
}
const out = typeof options.out === 'string' ? options.out : undefined;
const labs = typeof options.labs === 'string' ? options.labs : '';
const where = options.host ? 'this host' : 'the test VM';

const started = Date.now();
const runner = options.host ? join(root, 'scripts', 'test.mjs') : join(root, 'scripts', 'vm.mjs');
const child = spawn(process.execPath, options.host ? [runner, '--timeout=0', 'test/vm/soak.test.ts'] : [runner, 'test', 'test/vm/soak.test.ts'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, LAB_SOAK: runs, LAB_SOAK_LABS: labs, LAB_VM_TIMEOUT: '0' },
});
/** @type {string[]} */
const table = [];
/** @type {string[]} */
const verdict = [];
/** @type {string[]} */
const live = [];
/**
 * Echo a stream and pick out the figures. Each run's row comes twice: at once on stderr (`soak: | ...`, which the VM's
 * console merges into stdout), and as a TAP comment when the test ends.
 * @param {import('node:stream').Readable} stream
 * @param {NodeJS.WriteStream} echo
 */
function follow(stream, echo) {
  let buffer = '';
  stream.on('data', (chunk) => {
    echo.write(chunk);
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines.map((l) => l.replace(/\r$/, '').trim())) {
      if (/^soak: \|/.test(line)) live.push(line.slice(6));
      else if (/^# \|/.test(line)) table.push(line.slice(2));
      else if (/^# (peak RSS|before|where):/.test(line)) verdict.push(line.slice(2));
    }
  });
}
follow(child.stdout, process.stdout);
follow(child.stderr, process.stderr);
child.on('close', (status, signal) => {
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  // Stopped before the test printed its table: the rows seen so far.
  if (table.length <= 2 && live.length) table.push(...live);
  const text = `${table.join('\n')}\n\n${verdict.join('\n')}\n(node scripts/soak.mjs ${runs}${options.host ? ' --host' : ''}${labs ? ` --labs "${labs}"` : ''}: ${minutes} min in all on ${where}${options.host ? '' : ', VM boot included'}; status ${status ?? signal})\n`;
  process.stdout.write(`\n${text}`);
  if (out) writeFileSync(out, text);
  process.exitCode = status ?? 1;
});
