// The layers point one way. src/common is the vocabulary every layer shares and imports nothing of the project;
// src/kernel builds on it alone; src/host on kernel; src/lab on host; src/ui and src/cli on what is below them.
// A lab imports the lab model, the kernel primitives and the vocabulary, never the host layer (the session acts
// on the host for it). This test reads every import and names each arrow that points the wrong way.
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { importArrows, layerOf, wrongWay } from './architecture.js';

const root = resolve(import.meta.dirname, '..');

/** Every .ts file under a directory. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

t.test('every import points down the layers: common < kernel < host < lab < ui < cli; labs use lab, kernel, common', async (t) => {
  const files = [...sources(join(root, 'src')), ...sources(join(root, 'labs'))].map((f) => relative(root, f));
  t.ok(files.length > 60, `${files.length} files read`);
  const wrong: string[] = [];
  for (const file of files) {
    for (const target of importArrows(readFileSync(join(root, file), 'utf8'))) {
      const to = relative(root, resolve(root, dirname(file), target)).replace(/\.js$/, '.ts');
      const problem = wrongWay(file, to);
      if (problem) wrong.push(`${file} imports ${target}: ${problem}`);
    }
  }
  t.same(wrong, [], 'no arrow points the wrong way');
});

t.test('the rule itself: it refuses what it must', async (t) => {
  t.equal(layerOf('src/kernel/proc.ts'), 'kernel');
  t.equal(layerOf('labs/pid-namespace/lab.ts'), 'labs');
  t.ok(wrongWay('src/kernel/proc.ts', 'src/lab/spec.ts'), 'kernel must not import lab');
  t.ok(wrongWay('src/host/exec.ts', 'src/lab/spec.ts'), 'host must not import lab');
  t.ok(wrongWay('src/common/errors.ts', 'src/kernel/proc.ts'), 'common imports nothing of the project');
  t.ok(wrongWay('labs/cgroup-cpu/lab.ts', 'src/host/cgroup.ts'), 'a lab must not import the host layer');
  t.ok(wrongWay('src/lab/runner.ts', 'src/ui/plain.ts'), 'lab must not import ui');
  t.notOk(wrongWay('src/lab/session.ts', 'src/host/journal.ts'), 'lab may import host');
  t.notOk(wrongWay('labs/pid-namespace/lab.ts', 'src/kernel/proc.ts'), 'a lab may import kernel');
  t.notOk(wrongWay('src/cli/run.ts', 'src/ui/plain.ts'), 'cli may import ui');
  t.same(
    importArrows(
      "import { a } from './a.js';\nimport type { B } from '../b.js';\nexport { c } from './c.js';\nconst d = await import('./d.js');\nimport 'node:fs';",
    ),
    ['./a.js', '../b.js', './c.js', './d.js'],
  );
});
