// The bundle of `lab container` (scripts/bundle.mjs, dist/bundle/lab-container.cjs): bin/lab.js loads it for that
// command when it is fresh. It holds every module of the project it needs (none is loaded beside it, so no class
// or state exists twice), and it says what the modules say: the same help in both languages, the same errors and
// exit statuses. When a compiled module is newer than it (tsc alone ran), bin/lab.js loads the modules instead.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanEnv, cli, ROOT, tempDir } from '../helpers.js';

const BUNDLE = join(ROOT, 'dist', 'bundle', 'lab-container.cjs');
const CONTAINER_JS = join(ROOT, 'dist', 'src', 'cli', 'container.js');
const skip = existsSync(BUNDLE) ? false : 'dist/bundle/lab-container.cjs is not built (npm run build bundles it with esbuild)';

/** `lab container ...` through the compiled modules, as bin/lab.js does without the bundle. */
function viaModules(args: string[]) {
  const main = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  const script = `import(${JSON.stringify(main)}).then((cli) => cli.main(process.argv.slice(1)))`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script, 'container', ...args], { encoding: 'utf8', env: cleanEnv() });
}

/** The project's ES modules Node loaded for a command (a resolve hook logs them; the bundle itself is required). */
function loadedProjectModules(args: string[]): string[] {
  const dir = tempDir('lab-test-bundle-');
  const hook = join(dir, 'hook.mjs');
  writeFileSync(hook, 'export async function resolve(s, c, next) { const r = await next(s, c); console.error("resolved " + r.url); return r; }\n');
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, join(ROOT, 'bin', 'lab.js'), ...args], {
    encoding: 'utf8',
    env: cleanEnv(),
  });
  return [...r.stderr.matchAll(/^resolved (\S+)$/gm)].map((m) => m[1]!).filter((url) => url.includes('/dist/src/'));
}

// The bundle made again from the modules as they are now (tsc may have run since `npm run build`).
if (!skip) spawnSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { stdio: 'inherit' });

t.test('the bundle is built, fresh, and self-contained', { skip }, async (t) => {
  t.ok(statSync(BUNDLE).mtimeMs >= statSync(CONTAINER_JS).mtimeMs, 'not older than the compiled modules');
  const text = readFileSync(BUNDLE, 'utf8');
  t.notMatch(text, /require\("\.\.?\//, 'no module of the project is required beside it');
  t.notMatch(text, /\bimport\("/, 'nor imported: every import() goes through the loader bin/lab.js lends it');
  t.match(text, /__labImport\("execa"\)/, 'npm packages stay outside, loaded when used');
});

t.test('the bundle says what the modules say', { skip }, async (t) => {
  for (const args of [
    ['--help', '--lang', 'en'],
    ['--help', '--lang', 'zh'],
    ['run', '--help', '--lang', 'zh'],
    ['no-such-subcommand', '--lang', 'en'],
    ['run', '--memory', 'lots', 'busybox', '--lang', 'zh'],
    ['--lang', 'fr'],
  ]) {
    const bundled = cli(['container', ...args]);
    const modules = viaModules(args);
    t.same(
      { status: bundled.status, stdout: bundled.stdout, stderr: bundled.stderr },
      { status: modules.status, stdout: modules.stdout, stderr: modules.stderr },
      `lab container ${args.join(' ')}`,
    );
  }
});

t.test('bin/lab.js loads the bundle only when it is fresh', { skip }, async (t) => {
  t.same(loadedProjectModules(['container', '--help']), [], 'fresh: no compiled module is loaded for `lab container`');
  t.not(loadedProjectModules(['list']).length, 0, 'the other commands load theirs (the probe sees them)');
  const before = statSync(BUNDLE);
  // As if tsc alone had run since: the bundle is older than the modules.
  const old = new Date(statSync(CONTAINER_JS).mtimeMs - 60_000);
  utimesSync(BUNDLE, old, old);
  try {
    t.ok(
      loadedProjectModules(['container', '--help']).some((url) => url.endsWith('/dist/src/cli/main.js')),
      'stale: the modules are loaded',
    );
    const r = cli(['container', '--help', '--lang', 'en']);
    t.equal(r.status, 0, 'still works');
    t.match(r.stdout, /Usage: lab container/);
  } finally {
    utimesSync(BUNDLE, before.atime, before.mtime);
  }
});

t.test("V8's code cache: made for this bundle once, a bad one replaced, the command's result unchanged", { skip }, async (t) => {
  const dir = join(ROOT, 'dist', 'bundle');
  const caches = () => readdirSync(dir).filter((name) => name.endsWith('.v8cache'));
  for (const name of caches()) rmSync(join(dir, name));
  const first = cli(['container', '--help', '--lang', 'en']);
  t.equal(first.status, 0);
  const stat = statSync(BUNDLE);
  const name = `lab-container.cjs.${stat.size}-${Math.floor(stat.mtimeMs)}.v8cache`;
  t.same(caches(), [name], 'one cache, named for this bundle');
  // V8 refuses a cache that is not its own (a corrupt file, another Node): the command runs, the cache is made again.
  writeFileSync(join(dir, name), 'not a code cache');
  const again = cli(['container', '--help', '--lang', 'en']);
  t.same({ status: again.status, stdout: again.stdout }, { status: 0, stdout: first.stdout }, 'the same help with a bad cache');
  t.not(readFileSync(join(dir, name), 'utf8'), 'not a code cache', 'the bad cache replaced');
  // A cache of an older bundle is never used (its name differs) and is removed when the new one is written.
  writeFileSync(join(dir, 'lab-container.cjs.1-1.v8cache'), 'old');
  rmSync(join(dir, name));
  t.equal(cli(['container', '--help']).status, 0);
  t.same(caches(), [name], "an older bundle's cache removed");
});
