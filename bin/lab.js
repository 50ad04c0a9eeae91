#!/usr/bin/env node
// The `lab` command: runs the compiled CLI (npm run build writes dist/). A CommonJS file (bin/package.json), so
// that `lab container ...` can require the bundle of that one command (scripts/bundle.mjs) without starting Node's
// ES module loader: about 40 ms sooner than loading its sixty modules. The bundle is used only when it is at least
// as new as the compiled modules it was made from; every other command loads its modules (src/cli/main.ts).
'use strict';
const { statSync } = require('node:fs');
const { join } = require('node:path');

const args = process.argv.slice(2);
const bundle = join(__dirname, '..', 'dist', 'bundle', 'lab-container.cjs');

/** Whether the bundle exists and is not older than the compiled container command. */
function bundleFresh() {
  try {
    return statSync(bundle).mtimeMs >= statSync(join(__dirname, '..', 'dist', 'src', 'cli', 'container.js')).mtimeMs;
  } catch {
    return false;
  }
}

if (args[0] === 'container' && bundleFresh()) require(bundle).main(args);
else import('../dist/src/cli/main.js').then((cli) => cli.main(args));
