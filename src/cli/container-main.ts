// `lab container ...` on its own: the same as main.ts for that one command, without the table of every command.
// scripts/bundle.mjs bundles this module and everything it imports into one file, dist/bundle/lab-container.mjs,
// which bin/lab.js loads for `lab container`: one module instead of about sixty, some 25 ms less at every start
// (the cold `lab container run` is measured against `node -e 0` in scripts/bench-container.mjs).
import { runEntry } from './entry.js';
import { run } from './container.js';

/** Entry point of `lab container ...`: `argv` starts with `container`. */
export async function main(argv: string[]): Promise<void> {
  await runEntry(argv, (rest, lang) => run(rest.slice(1), lang));
}
