#!/usr/bin/env node
// The `lab` command: runs the compiled CLI (npm run build writes dist/).
import('../dist/src/cli/main.js').then((cli) => cli.main(process.argv.slice(2)));
