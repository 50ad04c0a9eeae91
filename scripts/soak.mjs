#!/usr/bin/env node
// The soak: `lab verify --all` N times in a row in the test VM (test/vm/soak.test.ts, run through scripts/vm.mjs
// with LAB_SOAK=N and no VM time limit), then the figures of every run as a markdown table for the README, with the
// test's verdict (nothing grew) under it.
//
// Usage: node scripts/soak.mjs [N]          (default 50; needs what scripts/vm.mjs needs, and root)
//        node scripts/soak.mjs N --out file (also writes the table to file)
// Exit status: the VM suite's (0 when every run passed and nothing grew).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1] : undefined;
const rest = outAt >= 0 ? args.filter((_, i) => i !== outAt && i !== outAt + 1) : args;
const runs = rest[0] ?? '50';
if (!/^[1-9]\d*$/.test(runs) || rest.length > 1 || (outAt >= 0 && !out)) {
  process.stderr.write('Usage: node scripts/soak.mjs [N] [--out file]   (N: runs of `lab verify --all`, default 50)\n');
  process.exit(2);
}

const started = Date.now();
const child = spawn(process.execPath, [join(root, 'scripts', 'vm.mjs'), 'test', 'test/vm/soak.test.ts'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, LAB_SOAK: runs, LAB_VM_TIMEOUT: '0' },
});
/** @type {string[]} */
const table = [];
/** @type {string[]} */
const verdict = [];
/** @type {string[]} */
const live = [];
let buffer = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffer += chunk.toString();
  const lines = buffer.split('\n');
  buffer = lines.pop() ?? '';
  for (const line of lines.map((l) => l.replace(/\r$/, '').trim())) {
    // Each run's row comes twice: at once on stderr (`soak: | ...`), and as a TAP comment when the test ends.
    if (/^soak: \|/.test(line)) live.push(line.slice(6));
    else if (/^# \|/.test(line)) table.push(line.slice(2));
    else if (/^# (peak RSS|before):/.test(line)) verdict.push(line.slice(2));
  }
});
child.on('close', (status, signal) => {
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  // Stopped before the test printed its table: the rows seen so far.
  if (table.length <= 2 && live.length) table.push(...live);
  const text = `${table.join('\n')}\n\n${verdict.join('\n')}\n(node scripts/soak.mjs ${runs}: ${minutes} min in all, VM boot included; status ${status ?? signal})\n`;
  process.stdout.write(`\n${text}`);
  if (out) writeFileSync(out, text);
  process.exitCode = status ?? 1;
});
