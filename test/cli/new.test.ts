// `lab new`, the lab author's starting point, from outside. In a temp dir laid out as the project is (package.json,
// src/ beside labs/), `lab new lab-demo-x --dir <tmp>/labs` writes three files that type-check, load and validate and
// keep the prose rules; `lab verify` on them fails their one check (exit 1) until the step is written, and once it
// is written as the skeleton's comment says, the lab passes with --prove-checks and leaves the host as it was. An id
// that exists or is not kebab-case is refused, in both languages, and nothing is written.
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import ts from 'typescript';
import { TODO_ACTION } from '../../src/cli/new-skeleton.js';
import { firstUseProblems } from '../../src/lab/glossary.js';
import { loadLab } from '../../src/lab/load.js';
import { proseDifferences } from '../../src/lab/prose-parity.js';
import { ROOT, cli, hostSnapshot, needsRoot, parseTap, tempDir, useTempState } from '../helpers.js';
import { checkCount } from '../../src/lab/quiz.js';

const ID = 'lab-demo-x';
const project = tempDir('lab-test-new-');
const labs = join(project, 'labs');
const labFile = join(labs, ID, 'lab.ts');
writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');

/** The temp project's src/: the TypeScript sources to type-check against, or their build in dist/ to run against. */
function linkSrc(to: 'src' | 'dist/src'): void {
  rmSync(join(project, 'src'), { force: true });
  symlinkSync(join(ROOT, to), join(project, 'src'));
}

/** The type errors in lab.ts under the project's own compiler options (tsconfig.json). */
function typeErrors(): string[] {
  linkSrc('src');
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => t.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    },
  );
  const options = { ...config!.options, noEmit: true, rootDir: undefined, outDir: undefined };
  const program = ts.createProgram([labFile], options);
  // Only lab.ts's own: the sources are the build's to check.
  const file = realpathSync(labFile);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || d.file.fileName === file || d.file.fileName === labFile)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** Compile lab.ts to lab.js beside it (what `npm run build` does for labs/), to run against the build in dist/. */
function compile(): void {
  const { outputText } = ts.transpileModule(readFileSync(labFile, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  });
  writeFileSync(join(labs, ID, 'lab.js'), outputText);
  linkSrc('dist/src');
}

const env = (): Record<string, string> => ({ LAB_LABS_DIR: labs, LAB_STATE_DIR: useTempState() });

t.test('lab new writes lab.ts, en.md and zh.md, and says what to do next', async (t) => {
  const r = cli(['new', ID, '--dir', labs, '--lang', 'en']);
  t.equal(r.status, 0, r.stderr);
  t.same(readdirSync(join(labs, ID)).sort(), ['en.md', 'lab.ts', 'zh.md']);
  for (const file of ['lab.ts', 'en.md', 'zh.md']) t.match(r.stdout, `${join(labs, ID, file)}\n`, `names ${file}`);
  t.match(r.stdout, `sudo lab verify ${ID} --prove-checks`);
  t.match(readFileSync(labFile, 'utf8'), `id: '${ID}',`);
  t.match(readFileSync(labFile, 'utf8'), 'order: 1,', 'first in a directory with no other lab');
});

t.test("the skeleton type-checks under the project's compiler options", async (t) => {
  t.same(typeErrors(), []);
  const skeleton = readFileSync(labFile, 'utf8');
  writeFileSync(labFile, skeleton.replace('format: 1,', "format: 'one',"));
  t.match(typeErrors().join('\n'), /not assignable/, 'a mistake in it is found');
  writeFileSync(labFile, skeleton);
});

t.test('it loads and validates, with one demo step of one action and one check, and its prose keeps the rules', async (t) => {
  compile();
  const lab = await loadLab(ID, labs);
  t.equal(lab.spec.id, ID);
  t.equal(lab.steps.length, 1, 'one step');
  const step = lab.steps[0]!.spec;
  t.equal(step.kind, 'demo');
  t.equal(step.kind === 'demo' ? step.actions.length : 0, 1, 'one action');
  t.equal(checkCount(step), 1, 'one check');
  const en = readFileSync(join(labs, ID, 'en.md'), 'utf8');
  const zh = readFileSync(join(labs, ID, 'zh.md'), 'utf8');
  t.same(proseDifferences(en, zh), [], 'en.md and zh.md quote the same commands and have as many hints');
  t.same(firstUseProblems(zh), [], "zh.md follows the glossary's first-use rule");
});

t.test('lab verify on it: the check fails until the step is written, exit 1', { skip: needsRoot() }, async (t) => {
  compile();
  const r = cli(['verify', ID, '--tap'], env());
  t.equal(r.status, 1, r.stderr);
  const { points } = await parseTap(r.stdout);
  const check = points.find((p) => p.name.includes('box has a UTS namespace of its own'));
  t.ok(check, 'the check is reported');
  t.equal(check?.ok, false, 'and failed');
  t.match(r.stdout, /^not ok 1 - lab-demo-x$/m);

  const proved = cli(['verify', ID, '--prove-checks'], env());
  t.equal(proved.status, 1);
  t.match(proved.stdout, '✓ fails before its step: own-uts', 'it fails before its step, as a check must');
  t.match(proved.stdout, '✗ box has a UTS namespace of its own');
});

t.test('written as its comment says, the step makes the check pass, proven by --prove-checks', { skip: needsRoot() }, async (t) => {
  const skeleton = readFileSync(labFile, 'utf8');
  const step = "actions: [init(BOX, { namespaces: ['uts'], fork: true })],";
  t.match(skeleton, `//   ${step}`, 'the comment gives the step');
  t.match(skeleton, TODO_ACTION, 'in place of the TODO action');
  writeFileSync(labFile, skeleton.replace(TODO_ACTION, step).replace('import { run } from', 'import { init } from'));
  t.same(typeErrors(), [], 'it type-checks');
  compile();
  const state = useTempState();
  const before = hostSnapshot(state);
  const r = cli(['verify', ID, '--tap', '--prove-checks'], { LAB_LABS_DIR: labs, LAB_STATE_DIR: state });
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^ok 1 - lab-demo-x$/m);
  t.same(hostSnapshot(state), before, 'the host is as it was');
  writeFileSync(labFile, skeleton);
});

t.test('an id that exists is refused, and nothing is written over', async (t) => {
  const before = readFileSync(labFile, 'utf8');
  const r = cli(['new', ID, '--dir', labs, '--lang', 'en']);
  t.equal(r.status, 1);
  t.match(r.stderr, `lab new ${ID}: exists`);
  t.match(r.stderr, 'never writes over a lab');
  t.match(r.stderr, 'fix: Choose another id');
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  t.equal(readFileSync(labFile, 'utf8'), before, 'lab.ts is as it was');
  t.match(cli(['new', ID, '--dir', labs, '--lang', 'zh']).stderr, '已经存在');
});

t.test('an id that is not kebab-case is refused with exit 2, and nothing is made', async (t) => {
  for (const id of ['Lab-Demo', 'lab_demo', '../escape', 'a--b', 'a-', '', 'x'.repeat(65)]) {
    const r = cli(['new', id, '--dir', labs, '--lang', 'en']);
    t.equal(r.status, 2, `${JSON.stringify(id)} exits 2`);
    t.match(r.stderr, 'not-kebab-case', `${JSON.stringify(id)} is named not kebab-case`);
  }
  t.match(cli(['new', 'Lab-Demo', '--dir', labs, '--lang', 'zh']).stderr, '这不是实验 id');
  t.same(readdirSync(labs), [ID], 'no other directory was made');
  t.notOk(existsSync(join(project, 'escape')));
  t.equal(cli(['new', '--dir', labs]).status, 2, 'no id: a usage error');
  t.equal(cli(['new', 'a', 'b', '--dir', labs]).status, 2, 'two ids: a usage error');
});
