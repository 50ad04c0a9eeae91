#!/usr/bin/env node
// Runs compiled test files (JavaScript, from tsconfig.vm.json) in this one node process, in the
// order given: their tap tests all join tap's root test, whose TAP goes to stdout. Inside the test
// VM this saves tap's runner and a TypeScript loader per file (about 30 s each under TCG).
//
// Usage: node scripts/vm/suite.mjs <file.js>...
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node scripts/vm/suite.mjs <file.js>...');
  process.exit(2);
}
// tap's root test times out after 30 s unless told otherwise; the VM's own global timeout
// (LAB_VM_TIMEOUT) bounds the whole run instead.
process.env.TAP_TIMEOUT ??= '0';
const { default: t } = await import('tap');
for (const file of files) {
  t.comment(`file: ${file}`);
  await import(pathToFileURL(resolve(file)).href);
}
