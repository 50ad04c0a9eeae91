#!/usr/bin/env node
// @ts-check
// Writes the READMEs' command tables from the table of commands, src/cli/commands.ts: the English one in README.md
// between `<!-- commands: ... -->` and `<!-- /commands -->`, the Chinese one in README.zh-CN.md between
// `<!-- commands-zh: ... -->` and `<!-- /commands-zh -->`. test/cli/readme.test.ts fails when one is out of date.
//
// Usage: node scripts/readme-commands.mjs [--check]
//   --check   change nothing; exit 1 and say so when a README is out of date
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
/** @typedef {'en' | 'zh'} Lang */
/** @type {{ withCommands(readme: string, lang: Lang): string, README_FILES: Record<Lang, string> }} */
const { withCommands, README_FILES } = await import(compiled);

let stale = false;
for (const lang of /** @type {const} */ (['en', 'zh'])) {
  const name = README_FILES[lang];
  const file = join(root, name);
  const before = readFileSync(file, 'utf8');
  const after = withCommands(before, lang);
  if (after === before) {
    console.log(`readme-commands: ${name} is up to date`);
  } else if (args.check) {
    console.error(`readme-commands: ${name} is out of date: run \`node scripts/readme-commands.mjs\``);
    stale = true;
  } else {
    writeFileSync(file, after);
    console.log(`readme-commands: ${name} written`);
  }
}
if (stale) process.exit(1);
