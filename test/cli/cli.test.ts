// The CLI from outside, as a learner or a script uses it: exit codes, messages, languages, reporters.
import t from 'tap';
import { FIXTURES, cli, needsRoot, useTempState } from '../helpers.js';

const fixtures = { LAB_LABS_DIR: FIXTURES };

t.test('lab list --json: every lab with requirements and progress', async (t) => {
  const r = cli(['list', '--json']);
  t.equal(r.status, 0);
  const rows = JSON.parse(r.stdout) as { id: string; ready: boolean; steps: number; passed: number; missing: string[] }[];
  const pid = rows.find((row) => row.id === 'pid-namespace');
  t.ok(pid, 'pid-namespace is listed');
  t.equal(pid?.steps, 6);
  t.equal(pid?.ready, process.getuid?.() === 0, 'ready exactly when root (this host has util-linux)');
});

t.test('lab list speaks Chinese with --lang zh or LANG=zh_CN.UTF-8', async (t) => {
  t.match(cli(['list', '--lang', 'zh']).stdout, 'PID 命名空间');
  t.match(cli(['list'], { LANG: 'zh_CN.UTF-8', LC_ALL: '' }).stdout, 'PID 命名空间');
  t.match(cli(['list'], { LANG: 'C.UTF-8', LC_ALL: '' }).stdout, 'PID namespaces');
});

t.test('an unknown lab id exits 2 and names the closest ids', async (t) => {
  const r = cli(['run', 'pid-namspace']);
  t.equal(r.status, 2);
  t.match(r.stderr, 'No lab has this id. Closest: pid-namespace');
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

t.test('an id that is not a plain lab name (path, shell characters) is refused the same way', async (t) => {
  for (const id of ['../etc/passwd', 'pid-namespace;rm -rf /', '$(id)', 'PID-NAMESPACE', '']) {
    const r = cli(['verify', id]);
    t.equal(r.status, 2, `${JSON.stringify(id)} exits 2`);
    t.match(r.stderr, /Not a lab id|No lab has this id/);
  }
});

t.test('usage errors exit 2: unknown command, unknown option, bad --lang', async (t) => {
  t.equal(cli(['frobnicate']).status, 2);
  t.equal(cli(['list', '--bogus']).status, 2);
  t.equal(cli(['list', '--lang', 'fr']).status, 2);
  t.equal(cli(['verify']).status, 2);
});

t.test('--help everywhere, in both languages', async (t) => {
  t.equal(cli(['--help']).status, 0);
  for (const command of ['list', 'run', 'verify', 'shell', 'hint', 'doctor', 'clean', 'reset']) {
    const en = cli([command, '--help', '--lang', 'en']);
    t.equal(en.status, 0, `${command} --help`);
    t.match(en.stdout, `lab ${command}`);
    t.match(cli([command, '--help', '--lang', 'zh']).stdout, /[\u4e00-\u9fff]/, `${command} --help in Chinese`);
  }
});

t.test('lab hint shows the hints of the step the learner is on', async (t) => {
  useTempState();
  const r = cli(['hint', 'pid-namespace'], { LAB_STATE_DIR: process.env.LAB_STATE_DIR! });
  t.equal(r.status, 0);
  t.match(r.stdout, '(create)');
  t.match(r.stdout, 'NSpid');
  t.match(cli(['hint', 'pid-namespace', 'orphans', '--lang', 'zh']).stdout, '孤儿');
  t.equal(cli(['hint', 'pid-namespace', 'no-such-step']).status, 2);
});

t.test('lab verify --tap: TAP 14, exit 0, one point per check', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const r = cli(['verify', 'pid-namespace', '--tap'], { LAB_STATE_DIR: state });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^TAP version 14\n/);
  t.equal((r.stdout.match(/^ {4}ok \d+ - /gm) ?? []).length, 11, 'eleven checks passed');
  t.notMatch(r.stdout, /not ok/);
  t.match(r.stdout, /^ok 1 - pid-namespace$/m);
  t.match(r.stdout, /^1\.\.1$/m);
});

t.test('lab verify exits 1 when a check fails, and names it', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const r = cli(['verify', 'fixture-fail', 'fixture-pass', '--tap'], { ...fixtures, LAB_STATE_DIR: state });
  t.equal(r.status, 1);
  t.match(r.stdout, /not ok 1 - only: PID 0 is a process/);
  t.match(r.stdout, /^ok 2 - fixture-pass$/m);
});

t.test('lab run --yes --json: one JSON event per line, through to lab-done', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const r = cli(['run', 'pid-namespace', '--yes', '--json'], { LAB_STATE_DIR: state });
  t.equal(r.status, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; ok?: boolean });
  t.equal(events[0]?.type, 'lab-start');
  t.equal(events.at(-1)?.type, 'lab-done');
  t.equal(events.filter((e) => e.type === 'check' && e.ok).length, 11);
  const list = JSON.parse(cli(['list', '--json'], { LAB_STATE_DIR: state }).stdout) as { id: string; passed: number; completed: string | null }[];
  const row = list.find((l) => l.id === 'pid-namespace');
  t.equal(row?.passed, 6, 'progress recorded every step');
  t.ok(row?.completed, 'and the lab as completed');
  t.equal(cli(['reset', 'pid-namespace'], { LAB_STATE_DIR: state }).status, 0);
  const after = JSON.parse(cli(['list', '--json'], { LAB_STATE_DIR: state }).stdout) as { id: string; passed: number }[];
  t.equal(after.find((l) => l.id === 'pid-namespace')?.passed, 0, 'reset forgot it');
});

t.test('without root, lab run explains what is missing and how to fix it, with no stack trace', { skip: needsRoot() }, async (t) => {
  const r = cli(['run', 'pid-namespace', '--yes'], {});
  t.equal(r.status, 0, 'as root it runs');
  const { spawnSync } = await import('node:child_process');
  const { BIN, cleanEnv } = await import('../helpers.js');
  // `env -u NODE_OPTIONS`: the test runner injects its own loader into every node child, which could not write
  // its records as nobody.
  const argv = ['--reuid', '65534', '--regid', '65534', '--clear-groups', 'env', '-u', 'NODE_OPTIONS', process.execPath, BIN, 'run', 'pid-namespace', '--lang', 'zh'];
  const nobody = spawnSync('setpriv', argv, { encoding: 'utf8', env: cleanEnv({ LAB_STATE_DIR: '/nonexistent-lab-state' }) });
  t.equal(nobody.status, 1);
  t.match(nobody.stderr, 'root 权限');
  t.match(nobody.stderr, 'sudo lab run');
  t.notMatch(nobody.stderr, /\n\s+at /);
});

t.test('lab shell without a running lab says how to start one', async (t) => {
  useTempState();
  const r = cli(['shell', 'pid-namespace'], { LAB_STATE_DIR: process.env.LAB_STATE_DIR! });
  t.equal(r.status, 1);
  t.match(r.stderr, 'not-running');
  t.match(r.stderr, 'sudo lab run pid-namespace');
});

t.test('a namespace the kernel refuses (EPERM) is explained at once, in the learner\'s language', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const started = Date.now();
  const r = cli(['verify', 'fixture-eperm', '--lang', 'zh'], { ...fixtures, LAB_STATE_DIR: state });
  t.equal(r.status, 1);
  t.ok(Date.now() - started < 4000, 'no wait for a child that will never come');
  t.match(r.stdout, 'EPERM');
  t.match(r.stdout, '操作不被允许');
  t.match(r.stdout, 'sudo lab run');
  t.notMatch(r.stdout + r.stderr, /\n\s+at /, 'no stack trace');
});

t.test('a write action: shown as echo > file, a refusal on purpose, an unexpected one explained with the file', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const { hostSnapshot } = await import('../helpers.js');
  const before = hostSnapshot(state);
  const r = cli(['verify', 'fixture-write', '--lang', 'en'], { ...fixtures, LAB_STATE_DIR: state });
  t.equal(r.status, 1, 'the unexpected failure fails the lab');
  t.match(r.stdout, /\$ echo 42 > \/run\/lab-fixture-write-[\w-]+\/value/);
  t.match(r.stdout, /write \/run\/lab-fixture-write-[\w-]+: EISDIR\n\s+\(exit status 1: failed, as expected\)/);
  t.match(r.stdout, '✓ the file holds 42');
  t.match(r.stdout, /write `\/run\/lab-fixture-write-[\w-]+\/missing\/value`: ENOENT/);
  t.match(r.stdout, 'No such file or directory');
  t.notMatch(r.stdout + r.stderr, /\n\s+at /, 'no stack trace');
  t.same(hostSnapshot(state), before, 'the lab\'s /run directory was removed');
});
