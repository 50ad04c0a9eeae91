#!/usr/bin/env node
// @ts-check
// Writes the README's command table (the English table and the Chinese list) from the table of commands,
// src/cli/commands.ts, between the marker comments `<!-- commands: ... -->` / `<!-- /commands -->` and
// `<!-- commands-zh: ... -->` / `<!-- /commands-zh -->`. test/cli/readme.test.ts fails when the README is out of date.
//
// Usage: node scripts/readme-commands.mjs [--check]
//   --check   change nothing; exit 1 and say so when the README is out of date
// Run `npm run build` first: it reads the compiled table in dist/.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = 'Usage: node scripts/readme-commands.mjs [--check]';
/** @type {{ check?: boolean, help?: boolean }} */
let args;
try {
  args = parseArgs({ options: { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }).values;
} catch (error) {
  console.error(`readme-commands: ${/** @type {Error} */ (error).message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const root = dirname(dirname(fileURLToPath(import.meta.url)));
// The compiled module, named through a variable and typed here: its source imports every command module, which the
// scripts' type check (other compiler options) is not the place to check again.
const compiled = '../dist/src/cli/commands-readme.js';
/** @type {{ withCommands(readme: string): string }} */
const { withCommands } = await import(compiled);

const file = join(root, 'README.md');
const before = readFileSync(file, 'utf8');
const after = withCommands(before);
if (after === before) {
  console.log('readme-commands: README.md is up to date');
} else if (args.check) {
  console.error('readme-commands: README.md is out of date: run `node scripts/readme-commands.mjs`');
  process.exit(1);
} else {
  writeFileSync(file, after);
  console.log('readme-commands: README.md written');
}
