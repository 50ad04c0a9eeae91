// `lab hint` is progressive: each call shows the next hint of the step ("hint k of n"), the count kept in
// progress.json; --all shows every hint; when none are left it says what to do next; `lab reset` clears the count.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadLab } from '../../src/lab/load.js';
import { cli, useTempState } from '../helpers.js';

const lab = await loadLab('pid-namespace');
const create = lab.steps.find((s) => s.spec.id === 'create')!;
const HINTS = create.prose.en.hints;
const HINTS_ZH = create.prose.zh.hints;

t.test('each call shows the next hint, then says none are left and what to do', async (t) => {
  t.ok(HINTS.length >= 2, 'the step has hints to step through');
  const state = useTempState();
  const env = { LAB_STATE_DIR: state };
  for (let k = 1; k <= HINTS.length; k++) {
    const r = cli(['hint', 'pid-namespace', '--lang', 'en'], env);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, '(create)', 'the first step not passed');
    t.match(r.stdout, `Hint ${k} of ${HINTS.length}:`);
    t.match(r.stdout, HINTS[k - 1]!);
    for (const later of HINTS.slice(k)) t.notMatch(r.stdout, later, 'no later hint yet');
    const progress = JSON.parse(readFileSync(join(state, 'progress.json'), 'utf8')) as { labs: Record<string, { hints: Record<string, number> }> };
    t.equal(progress.labs['pid-namespace']?.hints.create, k, 'the count is kept');
  }
  const done = cli(['hint', 'pid-namespace', '--lang', 'en'], env);
  t.match(done.stdout, `You have seen all ${HINTS.length} hints of this step.`);
  t.match(done.stdout, '`lab hint pid-namespace create --all`');
  t.notMatch(done.stdout, 'lab solution', 'the solution is offered for the capstone only');
  const zh = cli(['hint', 'pid-namespace', '--lang', 'zh'], env);
  t.match(zh.stdout, `这个步骤的 ${HINTS.length} 条提示你都看过了。`);
});

t.test('--all shows every hint; a step named has its own count; in Chinese too', async (t) => {
  const env = { LAB_STATE_DIR: useTempState() };
  const all = cli(['hint', 'pid-namespace', 'create', '--all', '--lang', 'en'], env);
  t.equal(all.status, 0);
  HINTS.forEach((hint, i) => t.match(all.stdout, `  ${i + 1}. ${hint}`));
  const orphans = cli(['hint', 'pid-namespace', 'orphans', '--lang', 'zh'], env);
  const orphanHints = lab.steps.find((s) => s.spec.id === 'orphans')!.prose.zh.hints;
  t.match(orphans.stdout, `第 1 条提示，共 ${orphanHints.length} 条：`);
  t.match(orphans.stdout, orphanHints[0]!);
  t.match(orphans.stdout, '`lab hint pid-namespace orphans`', 'the step named is named again');
  const first = cli(['hint', 'pid-namespace', 'create', '--lang', 'zh'], env);
  t.match(first.stdout, `这个步骤的 ${HINTS.length} 条提示你都看过了。`, 'after --all, every hint counts as seen');
  t.notOk(HINTS_ZH.length !== HINTS.length, 'as many hints in both languages');
});

t.test('lab reset clears the count: the first hint again', async (t) => {
  const env = { LAB_STATE_DIR: useTempState() };
  cli(['hint', 'pid-namespace', '--lang', 'en'], env);
  t.match(cli(['hint', 'pid-namespace', '--lang', 'en'], env).stdout, `Hint 2 of ${HINTS.length}`);
  t.equal(cli(['reset', 'pid-namespace', '--lang', 'en'], env).status, 0);
  t.match(cli(['hint', 'pid-namespace', '--lang', 'en'], env).stdout, `Hint 1 of ${HINTS.length}`);
});

t.test('a step that does not exist is a usage error', async (t) => {
  const r = cli(['hint', 'pid-namespace', 'no-such-step'], { LAB_STATE_DIR: useTempState() });
  t.equal(r.status, 2);
  t.match(r.stderr, 'create');
});
