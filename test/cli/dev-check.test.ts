// `lab dev check`: it passes on the real labs; it finds each kind of problem in the broken fixture labs of
// test/fixtures/dev-labs (ids used twice, a step without a check, a zh section missing, English left in zh.md, a
// check that passes before its step, a lab that leaves something on the host); and the dynamic check of one cheap
// lab passes. The checks-can-fail tests of every lab run the same library (test/labs/contract.ts).
import t from 'tap';
import { existsSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostSnapshot, snapshotDifferences } from '../../src/host/snapshot.js';
import { untranslated } from '../../src/lab/dev-check.js';
import { loadAllLabs } from '../../src/lab/load.js';
import { unmet } from '../../src/lab/requirements.js';
import { ROOT, cli, needsRoot, useTempState } from '../helpers.js';

const BROKEN = { LAB_LABS_DIR: join(ROOT, 'test', 'fixtures', 'dev-labs') };
/** What leaves-behind makes and does not declare. */
const LEFT = '/run/lab-dev-check-left';

interface JsonReport {
  summary: { labs: number; passed: number; withProblems: number; problems: number; skipped: number; static: boolean };
  labs: { lab: string; status: string; problems: string[]; reason?: string }[];
}

t.test('English left in Chinese prose is found; code, quotes and glossary parentheses are not', async (t) => {
  t.same(untranslated('这一步做什么。The sleeper starts and keeps running.'), ['The sleeper starts and keeps running']);
  t.same(untranslated('运行 `ip netns add lab-net` 和容器（container）。\n\n    echo hello from the host\n'), []);
  t.same(untranslated('没有“address already in use”错误；见 [man page](https://man7.org/linux/man-pages/man7/namespaces.7.html)。'), []);
});

t.test('a snapshot difference is named, in both languages', async (t) => {
  const before = hostSnapshot();
  t.same(snapshotDifferences(before, before), [], 'the same snapshot: no difference');
  const after = { ...before, runPaths: [...before.runPaths, 'lab-x'], hostname: 'lab-box' };
  const differences = snapshotDifferences(before, after);
  t.same(
    differences.map((d) => d.en),
    [`hostname changed: ${JSON.stringify(before.hostname)} -> "lab-box"`, '/run/lab-* path left behind: lab-x'],
  );
  t.match(differences[1]!.zh, /留下了\/run\/lab-\* 路径：lab-x/);
});

t.test('lab dev check --static passes on the real labs', async (t) => {
  const r = cli(['dev', 'check', '--static', '--lang', 'en']);
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.notMatch(r.stdout, /^labs\//m, 'no problem printed');
  t.match(r.stdout, /\d+ labs checked \(static checks only\): \d+ passed, 0 with problems \(0 problems\), 0 skipped/);
  const json = JSON.parse(cli(['dev', 'check', '--static', '--json']).stdout) as JsonReport;
  t.equal(json.summary.problems, 0);
  t.ok(json.summary.labs >= 21, 'every lab was checked');
});

t.test('each kind of static problem is found and named in the broken fixture labs', async (t) => {
  const r = cli(['dev', 'check', '--static', '--lang', 'en'], BROKEN);
  t.equal(r.status, 1);
  const expected: [string, RegExp][] = [
    ['a step id used twice', /^labs\/dup-ids: step "start": field "id" is used twice$/m],
    ['a check id used twice', /^labs\/dup-ids: step "start": checks\[1\]: field "id" is used twice$/m],
    ['an order used twice', /^labs\/dup-ids: order 901 is also the order of same-order$/m],
    ['the same, from the other lab', /^labs\/same-order: order 901 is also the order of dup-ids$/m],
    ['a step without a check', /^labs\/no-check: step "start": field "checks" must list at least one check$/m],
    ['a zh section missing', /^labs\/zh-missing: zh\.md: step "again" has no "## again: <title>" section$/m],
    ['languages out of step', /^labs\/zh-missing: steps differ: en\.md has start, again; zh\.md has start$/m],
    ['English left in zh.md', /^labs\/untranslated: zh\.md: English left untranslated: "The sleeper starts and keeps running here"$/m],
  ];
  for (const [what, line] of expected) t.match(r.stdout, line, what);
  t.match(r.stdout, /7 labs checked \(static checks only\): 2 passed, 5 with problems \(8 problems\), 0 skipped/);

  const zh = cli(['dev', 'check', '--static', '--lang', 'zh', 'same-order', 'no-check'], BROKEN);
  t.equal(zh.status, 1);
  t.match(zh.stdout, /^labs\/same-order: 顺序号（order）901 也是 dup-ids 的顺序号$/m, 'the words around a problem in Chinese');
  t.match(zh.stdout, /检查了 2 个实验（仅静态检查）：通过 0，有问题 2（共 2 个问题），跳过 0/);

  const json = JSON.parse(cli(['dev', 'check', '--static', '--json', 'passes-early'], BROKEN).stdout) as JsonReport;
  t.same(json.labs, [{ lab: 'passes-early', status: 'passed', problems: [] }], 'statically, passes-early is fine');
});

t.test('a wrong subcommand is a usage error', async (t) => {
  const r = cli(['dev', 'lint', '--lang', 'en']);
  t.equal(r.status, 2);
  t.match(r.stderr, /check/);
});

t.test('the dynamic check finds a check that passes before its step and a lab that leaves something behind', { skip: needsRoot() }, async (t) => {
  if (existsSync(LEFT)) rmdirSync(LEFT);
  t.teardown(() => {
    if (existsSync(LEFT)) rmdirSync(LEFT);
  });
  const state = useTempState();
  const r = cli(['dev', 'check', 'passes-early', 'leaves-behind', '--lang', 'en'], { ...BROKEN, LAB_STATE_DIR: state });
  t.equal(r.status, 1);
  t.match(r.stdout, /^labs\/passes-early: check start\/always passes before its step \(found: always true\): it proves nothing$/m);
  t.match(r.stdout, /^labs\/leaves-behind: the host is not as before: \/run\/lab-\* path left behind: lab-dev-check-left$/m);
  t.notMatch(r.stdout, /^labs\/leaves-behind: check/m, "leaves-behind's check itself is sound");
});

t.test('the dynamic check of one cheap lab passes', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const r = cli(['dev', 'check', 'uts-namespace', '--json'], { LAB_STATE_DIR: state });
  t.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as JsonReport;
  t.same(json.labs, [{ lab: 'uts-namespace', status: 'passed', problems: [] }]);
  t.same(json.summary, { labs: 1, passed: 1, withProblems: 0, problems: 0, skipped: 0, static: false });
});

const unrunnable = (await loadAllLabs()).find((l) => unmet(l.spec.requires).length > 0);

t.test('a lab this host cannot run is skipped with the reason, and counted', { skip: !unrunnable && 'this host can run every lab' }, async (t) => {
  const lab = unrunnable!;
  const r = cli(['dev', 'check', lab.spec.id, '--lang', 'en']);
  t.equal(r.status, 0, 'a skip is not a problem');
  t.match(r.stdout, /1 lab checked: 0 passed, 0 with problems \(0 problems\), 1 skipped/);
  t.match(r.stdout, new RegExp(`^  not run: ${lab.spec.id} \\(missing: .+\\)$`, 'm'));
  const json = JSON.parse(cli(['dev', 'check', lab.spec.id, '--json']).stdout) as JsonReport;
  t.equal(json.labs[0]?.status, 'skipped');
  t.ok(json.labs[0]?.reason, 'with the reason');
});
