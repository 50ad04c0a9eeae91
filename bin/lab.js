#!/usr/bin/env node
// The `lab` command: runs the compiled CLI (npm run build writes dist/). A CommonJS file (bin/package.json), so
// that `lab container ...` can load the bundle of that one command (scripts/bundle.mjs) without starting Node's
// ES module loader: about 40 ms sooner than loading its sixty modules. The bundle is used only when it is at least
// as new as the compiled modules it was made from; every other command loads its modules (src/cli/main.ts).
//
// V8's code cache: the bundle's compiled code is kept beside it after its first use (written once, when none
// matches this bundle and this Node), so that later starts skip compiling what they run: about 5 ms of a cold
// `lab container run`. The cache file's name carries the bundle's size and time, so that it never serves another
// bundle; V8 itself rejects one made by another version or with other flags, and then it is made again.
'use strict';
const { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const args = process.argv.slice(2);
const bundleDir = join(__dirname, '..', 'dist', 'bundle');
const bundle = join(bundleDir, 'lab-container.cjs');

/** The bundle's stat when it exists and is not older than the compiled container command; otherwise undefined. */
function freshBundle() {
  try {
    const stat = statSync(bundle);
    return stat.mtimeMs >= statSync(join(__dirname, '..', 'dist', 'src', 'cli', 'container.js')).mtimeMs ? stat : undefined;
  } catch {
    return undefined;
  }
}

/** Load the bundle through vm.Script with its code cache; returns its exports. */
function loadBundle(stat) {
  const cacheName = `lab-container.cjs.${stat.size}-${Math.floor(stat.mtimeMs)}.v8cache`;
  const cacheFile = join(bundleDir, cacheName);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // None yet.
  }
  // A vm.Script has no loader for import(): the bundle's (execa, node-pty, when used) go through this module's.
  globalThis.__labImport = (specifier) => import(specifier);
  const script = new vm.Script(wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  if (cachedData === undefined || script.cachedDataRejected) {
    // At exit, so that the cache holds the functions this command compiled while it ran, not only the top level.
    process.once('exit', () => saveCache(script, cacheFile, cacheName));
  }
  return module.exports;
}

/** Write the code cache (atomically) and remove those of older bundles; a read-only install just goes without. */
function saveCache(script, cacheFile, cacheName) {
  try {
    const partial = `${cacheFile}.${process.pid}.partial`;
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, cacheFile);
    for (const name of readdirSync(bundleDir)) {
      if (name.endsWith('.v8cache') && name !== cacheName) rmSync(join(bundleDir, name), { force: true });
      else if (name.endsWith('.partial') && name !== `${cacheName}.${process.pid}.partial`) rmSync(join(bundleDir, name), { force: true });
    }
  } catch {
    // Not writable: every start compiles, as without a cache.
  }
}

const stat = args[0] === 'container' ? freshBundle() : undefined;
if (stat) loadBundle(stat).main(args);
else import('../dist/src/cli/main.js').then((cli) => cli.main(args));
