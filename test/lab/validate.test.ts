import t from 'tap';
import { loadLab, loadAllLabs, listLabIds } from '../../src/lab/load.js';
import { parseProse } from '../../src/lab/prose.js';
import { validateLab } from '../../src/lab/validate.js';
import { FIXTURES } from '../helpers.js';

t.test('every lab in labs/ loads and validates, with prose for each step in both languages', async (t) => {
  const labs = await loadAllLabs();
  t.ok(labs.length >= 1);
  for (const lab of labs) {
    for (const step of lab.steps) {
      t.ok(step.prose.en.body && step.prose.zh.body, `${lab.spec.id}/${step.spec.id} has prose in en and zh`);
      if (step.spec.kind === 'quiz') t.ok(step.prose.en.why && step.prose.zh.why, `${lab.spec.id}/${step.spec.id} says why in en and zh`);
      else t.ok(step.prose.en.hints.length > 0 && step.prose.zh.hints.length > 0, `${lab.spec.id}/${step.spec.id} has hints`);
    }
    t.ok(
      lab.steps.some((s) => s.spec.kind === 'task'),
      `${lab.spec.id} has at least one task for the learner`,
    );
  }
});

t.test('a malformed lab is refused with the lab, step and field of every problem', async (t) => {
  const error = await loadLab('fixture-bad', FIXTURES).then(
    () => undefined,
    (e: unknown) => e as { code: string; meaning: { en: string } },
  );
  t.equal(error?.code, 'invalid-lab');
  const text = error?.meaning.en ?? '';
  t.match(text, 'labs/fixture-bad: field "requires": unknown requirement "warp-drive"');
  t.match(text, 'steps[0]: field "id" must be kebab-case');
  t.match(text, 'field "checks" must list at least one check');
  t.match(text, 'step "second": field "shell" must be "lab" or "host"');
  t.match(text, 'step "second": field "solution" must list at least one action');
  t.match(text, 'step "second": checks[0].title.zh has no Chinese text');
  t.match(text, 'zh.md is missing');
  t.match(text, 'en.md: step "second": the explanation is empty');
  t.match(text, 'en.md: section "## extra" names no step of the lab');
});

t.test('a spec that is not an object, or has the wrong format or id, is named as such', async (t) => {
  const prose = { en: parseProse('# T\n\nS\n'), zh: parseProse('# 标题\n\n简介\n') };
  t.same(validateLab('x', 42, prose), ['lab.ts must `export default` a lab spec object']);
  const problems = validateLab('x', { format: 9, id: 'y', order: 1, requires: [], shell: { target: 'a', namespaces: ['pid'] }, steps: [] }, prose);
  t.match(problems.join('\n'), 'field "format" must be 1, found 9');
  t.match(problems.join('\n'), 'field "id" must equal the directory name "x"');
  t.match(problems.join('\n'), 'field "steps" must list at least one step');
});

t.test('prose: title, summary, steps with bodies and hints (hints may wrap)', async (t) => {
  const prose = parseProse(
    '# Title\n\nFirst line.\nSecond.\n\n## one: Step one\n\nBody **md**.\n\n### Hints\n- first hint\n  continued\n- second\n\n## two: Step two\n\nMore.\n\n### 提示\n- 提示\n',
  );
  t.equal(prose.title, 'Title');
  t.equal(prose.summary, 'First line.\nSecond.');
  t.same(prose.steps.get('one'), { title: 'Step one', body: 'Body **md**.', hints: ['first hint continued', 'second'], choices: [], why: '' });
  t.same(prose.steps.get('two')?.hints, ['提示']);
  t.same(parseProse('# T\n## Not a step heading\n').problems, ['heading "## Not a step heading" is not "## <step-id>: <title>"']);
});

t.test('fixture labs are found by directory name only', async (t) => {
  t.same(listLabIds(FIXTURES), ['fixture-bad', 'fixture-eperm', 'fixture-fail', 'fixture-pass', 'fixture-survivor', 'fixture-write']);
});

t.test('the catalogue that lab list reads says what the labs say', async (t) => {
  const { entryOf, readCatalogue } = await import('../../src/lab/catalogue.js');
  const labs = await loadAllLabs();
  t.same(await readCatalogue(), labs.map(entryOf));
});
