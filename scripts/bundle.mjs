#!/usr/bin/env node
// Bundles `lab container` (dist/src/cli/container-main.js and every module of the project it imports) into one
// CommonJS file, dist/bundle/lab-container.cjs, which bin/lab.js requires for `lab container ...`: Node reads one
// file instead of about sixty ES modules and never starts its ES module loader, and a cold `lab container run`
// starts about 40 ms sooner (measured: `lab container --help` 100 -> 72 ms, `node -e 0` 63 ms;
// scripts/bench-container.mjs measures the run). npm packages stay outside (execa and node-pty are ES modules,
// imported only when used). Run by `npm run build` after tsc; without esbuild it says so, and bin/lab.js loads the
// modules as they are.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'bundle', 'lab-container.cjs');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch (error) {
  rmSync(outfile, { force: true });
  console.error(
    `bundle: esbuild is not installed (${String(/** @type {Error} */ (error).message).split('\n')[0]}); \`lab container\` loads its modules one by one (slower start)`,
  );
  process.exit(0);
}

const result = await esbuild.build({
  entryPoints: [join(root, 'dist', 'src', 'cli', 'container-main.js')],
  outfile,
  write: false,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  // import.meta.url (src/host/install.ts finds the project root from it) is the bundle's own file here.
  define: { 'import.meta.url': '__labBundleUrl' },
  logLevel: 'warning',
});
const code = result.outputFiles[0]?.text ?? '';
// Every import() left (npm packages and Node's own modules, loaded when used) goes through __labImport: bin/lab.js
// runs the bundle as a vm.Script (for V8's code cache), where import() has no loader, and lends it its own.
const dynamic = /\bimport\((?=["'])/g;
const imports = code.match(dynamic)?.length ?? 0;
const banner = [
  'const __labBundleUrl = require("node:url").pathToFileURL(__filename).href;',
  'const __labImport = (specifier) => (globalThis.__labImport ?? ((s) => import(s)))(specifier);',
].join('\n');
mkdirSync(dirname(outfile), { recursive: true });
writeFileSync(outfile, `${banner}\n${code.replace(dynamic, '__labImport(')}`);
if (/\bimport\(/.test(code.replace(dynamic, ''))) {
  console.error('bundle: an import() the bundle cannot lend a loader to (not a string literal)');
  process.exit(1);
}
console.log(`bundle: ${outfile.slice(root.length + 1)}, ${(code.length / 1024).toFixed(0)} KiB, ${imports} import() through bin/lab.js`);
