#!/usr/bin/env node
// Builds dist/native/lab-init from native/lab-init.c: the container setup done by one process, without a fork per
// command (see the top of the C file). Static, so that the test VM and any guest run it whatever their libc.
//
// Usage: node scripts/build-native.mjs
// Never fails the build: when `cc` is missing or fails it prints one line on stderr and exits 0, and
// `lab container run` uses the shell script instead (slower). Prints nothing when the binary is newer than the source.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(root, 'native', 'lab-init.c');
const output = join(root, 'dist', 'native', 'lab-init');
const FALLBACK = '`lab container run` uses the shell instead (slower)';

/**
 * Whether the binary is there and newer than its source.
 * @returns {boolean}
 */
function upToDate() {
  return existsSync(output) && statSync(output).mtimeMs > statSync(source).mtimeMs;
}

if (!upToDate()) {
  mkdirSync(dirname(output), { recursive: true });
  // A temporary name, renamed when complete: a build that fails or is interrupted leaves no half-written binary.
  const temporary = `${output}.tmp-${process.pid}`;
  const cc = spawnSync('cc', ['-std=c11', '-O2', '-Wall', '-Wextra', '-Werror', '-static', '-o', temporary, source], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) {
    // A binary older than its source may not take the steps the plan now makes: the shell runs them instead.
    rmSync(temporary, { force: true });
    rmSync(output, { force: true });
    const why = cc.error
      ? `cc not found (${cc.error.message})`
      : `cc failed: ${(cc.stderr.split('\n').find((line) => /error/.test(line)) ?? cc.stderr).trim()}`;
    process.stderr.write(`build-native: dist/native/lab-init not built, ${why}; ${FALLBACK}\n`);
  } else {
    renameSync(temporary, output);
  }
}
