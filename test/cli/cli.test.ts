// The CLI from outside, as a learner or a script uses it: exit codes, messages, languages, reporters.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { FIXTURES, cli, hostSnapshot, needsRoot, parseTap, tempDir, useTempState } from '../helpers.js';
import { loadLab } from '../../src/lab/load.js';
import { checkCount } from '../../src/lab/quiz.js';

// pid-namespace's size, from its spec: the CLI must report one point per check and progress per step.
const pidLab = await loadLab('pid-namespace');
const PID_STEPS = pidLab.steps.length;
const PID_CHECKS = pidLab.steps.reduce((n, step) => n + checkCount(step.spec), 0);

const fixtures = { LAB_LABS_DIR: FIXTURES };

/** One private directory for the fixture labs, fake /proc/sys trees and state directories below; removed at exit. */
let scratchDir: string | undefined;
const scratch = (prefix: string): string => mkdtempSync(join((scratchDir ??= tempDir('lab-test-cli-')), prefix));

/** A fake /proc/sys (for LAB_PROC_SYS) with Ubuntu's AppArmor restriction of unprivileged user namespaces on. */
function restrictedProcSys(): string {
  const dir = scratch('proc-sys-');
  mkdirSync(join(dir, 'kernel'));
  writeFileSync(join(dir, 'kernel', 'apparmor_restrict_unprivileged_userns'), '1\n');
  return dir;
}

/** Write a fixture lab into `dir` (a LAB_LABS_DIR): one demo step that runs `argv`, with a check that passes. */
function writeLab(dir: string, id: string, requires: string[], argv: string[] = ['true']): void {
  mkdirSync(join(dir, id));
  writeFileSync(
    join(dir, id, 'lab.js'),
    `// A fixture lab written by test/cli/cli.test.ts.
export default {
  format: 1,
  id: ${JSON.stringify(id)},
  order: 99,
  requires: ${JSON.stringify(requires)},
  shell: { target: 'none', namespaces: ['mnt'] },
  steps: [{
    id: 'only',
    kind: 'demo',
    actions: [{ kind: 'run', argv: ${JSON.stringify(argv)} }],
    checks: [{ id: 'ran', title: { en: 'the step ran', zh: '步骤运行了' }, verify: () => ({ ok: true, found: 'it ran' }) }],
  }],
};
`,
  );
  writeFileSync(
    join(dir, id, 'en.md'),
    `# Fixture ${id}\n\nA fixture lab for the tests.\n\n## only: Step only\n\nWhat the step does.\n\n### Hints\n- A hint.\n`,
  );
  writeFileSync(join(dir, id, 'zh.md'), `# 测试用实验 ${id}\n\n测试用的实验。\n\n## only: 步骤 only\n\n这一步做什么。\n\n### 提示\n- 一条提示。\n`);
}

const USERNS_REASON = 'needs user namespaces for unprivileged users';

t.test('lab list --json: every lab with requirements and progress', async (t) => {
  const r = cli(['list', '--json']);
  t.equal(r.status, 0);
  const rows = JSON.parse(r.stdout) as { id: string; ready: boolean; steps: number; passed: number; missing: string[] }[];
  const pid = rows.find((row) => row.id === 'pid-namespace');
  t.ok(pid, 'pid-namespace is listed');
  t.equal(pid?.steps, PID_STEPS);
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
  t.equal((r.stdout.match(/^ {4}ok \d+ - /gm) ?? []).length, PID_CHECKS, 'one point per check, each passed');
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
  const events = r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; ok?: boolean });
  t.equal(events[0]?.type, 'lab-start');
  t.equal(events.at(-1)?.type, 'lab-done');
  t.equal(events.filter((e) => e.type === 'check' && e.ok).length, PID_CHECKS);
  const list = JSON.parse(cli(['list', '--json'], { LAB_STATE_DIR: state }).stdout) as { id: string; passed: number; completed: string | null }[];
  const row = list.find((l) => l.id === 'pid-namespace');
  t.equal(row?.passed, PID_STEPS, 'progress recorded every step');
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
  const argv = [
    '--reuid',
    '65534',
    '--regid',
    '65534',
    '--clear-groups',
    'env',
    '-u',
    'NODE_OPTIONS',
    process.execPath,
    BIN,
    'run',
    'pid-namespace',
    '--lang',
    'zh',
  ];
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

t.test("a namespace the kernel refuses (EPERM) is explained at once, in the learner's language", { skip: needsRoot() }, async (t) => {
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
  t.same(hostSnapshot(state), before, "the lab's /run directory was removed");
});

t.test('lab verify --tap, a lab whose requirement is unmet: a plan and a SKIP point with the reason, exit 1', async (t) => {
  const labs = scratch('labs-');
  writeLab(labs, 'fixture-unmet', ['linux', 'userns-unprivileged']);
  const env = { LAB_LABS_DIR: labs, LAB_PROC_SYS: restrictedProcSys(), LAB_STATE_DIR: scratch('state-') };
  const r = cli(['verify', 'fixture-unmet', '--tap'], env);
  t.equal(r.status, 1, 'a lab asked for by name and not run is not a pass');
  const { results } = await parseTap(r.stdout);
  t.same([results.plan.start, results.plan.end], [1, 1], 'a plan');
  t.equal(results.count, 1);
  t.equal(results.skips.length, 1, 'one skip');
  const skip = results.skips[0];
  t.equal(skip?.name, 'fixture-unmet');
  t.equal(skip?.skip, USERNS_REASON, 'with the reason');
  t.match(skip?.diag?.message, 'kernel.apparmor_restrict_unprivileged_userns = 1', 'its diagnostic says why');
  t.match(skip?.diag?.fix, 'sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0', 'and how to fix it');
  t.notMatch(r.stdout, /Subtest/, 'the lab did not start');
  t.match(r.stderr, '# 1 lab: 0 passed, 0 failed, 1 skipped');
});

t.test('lab verify --all: every skipped lab named with its reason, in TAP and at the end of the plain text', { skip: needsRoot() }, async (t) => {
  const labs = scratch('labs-');
  cpSync(join(FIXTURES, 'fixture-pass'), join(labs, 'fixture-pass'), { recursive: true });
  writeLab(labs, 'fixture-unmet-a', ['linux', 'userns-unprivileged']);
  writeLab(labs, 'fixture-unmet-b', ['userns-unprivileged']);
  const env = { LAB_LABS_DIR: labs, LAB_PROC_SYS: restrictedProcSys(), LAB_STATE_DIR: scratch('state-') };
  const r = cli(['verify', '--all', '--tap'], env);
  t.equal(r.status, 0, 'labs this host cannot run leave --all passing when every lab that ran passed');
  const { results, points } = await parseTap(r.stdout);
  t.ok(results.ok);
  t.same([results.plan.start, results.plan.end], [1, 3]);
  t.ok(
    points.find((p) => p.name === 'fixture-pass' && p.ok && !p.skip),
    'the lab that can run ran and passed',
  );
  t.same(
    results.skips.map((s) => [s.name, s.skip]),
    [
      ['fixture-unmet-a', USERNS_REASON],
      ['fixture-unmet-b', USERNS_REASON],
    ],
  );
  for (const s of results.skips) t.match(s.diag?.message, 'kernel.apparmor_restrict_unprivileged_userns = 1', `${s.name}: why`);

  const plain = cli(['verify', '--all'], env);
  t.equal(plain.status, 0);
  t.match(
    plain.stdout,
    /3 labs: 1 passed, 0 failed, 2 skipped\n  skipped: fixture-unmet-a \(missing: user namespaces for unprivileged users\)\n  skipped: fixture-unmet-b \(missing: user namespaces for unprivileged users\)\n$/,
  );
});

t.test('a command that fails mid-lab: the tail of its output in the TAP diagnostic, the whole above the error in text', { skip: needsRoot() }, async (t) => {
  const labs = scratch('labs-');
  // Its stderr comes last, after a pause, so that the order of the two streams is known.
  writeLab(labs, 'fixture-boom', ['linux'], ['sh', '-c', 'for i in $(seq 1 25); do echo "line $i"; done; sleep 0.2; echo "boom: out of luck" >&2; exit 3']);
  const env = { LAB_LABS_DIR: labs, LAB_STATE_DIR: scratch('state-') };
  const r = cli(['verify', 'fixture-boom', '--tap'], env);
  t.equal(r.status, 1);
  const { points } = await parseTap(r.stdout);
  const failed = points.filter((p) => !p.ok);
  const error = failed.find((p) => p.name.startsWith('only:'));
  t.ok(error, 'the error is a failing point');
  t.match(error?.name, 'command-failed');
  const tail = [...Array.from({ length: 19 }, (_, i) => `line ${i + 7}`), 'boom: out of luck'].join('\n');
  t.equal(error?.diag?.output, tail, "its diagnostic holds the last 20 lines of the command's output");
  t.equal(error?.diag?.message, 'The command failed; its output says why.');

  const plain = cli(['verify', 'fixture-boom'], env);
  t.equal(plain.status, 1);
  t.match(
    plain.stdout,
    /    line 1\n[^]*    line 25\n    boom: out of luck\n    \(exit status 3\)\n  ✗ run `sh -c [^\n]*`: command-failed \(failed\)\n    The command failed; its output says why\./,
  );
});

t.test("lab verify user-namespace under Ubuntu's AppArmor restriction stops before its first step, says why and how to fix it", async (t) => {
  const state = scratch('state-');
  const before = hostSnapshot(state);
  const env = { LAB_PROC_SYS: restrictedProcSys(), LAB_STATE_DIR: state };
  const r = cli(['verify', 'user-namespace'], env);
  t.equal(r.status, 1);
  t.notMatch(r.stdout, /\[1\/\d+\]/, 'no step started');
  t.notMatch(r.stdout, /\$ /, 'no command ran');
  t.match(r.stderr, 'kernel.apparmor_restrict_unprivileged_userns = 1', 'the setting and its value');
  t.match(r.stderr, '`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`, which lasts until the next reboot');
  t.match(r.stderr, '`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=1`', 'how to put it back');
  t.match(r.stderr, 'grants `userns` to one program through an AppArmor profile', 'the alternative: a profile granting userns');
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  t.same(hostSnapshot(state), before, 'nothing was created');

  const zh = cli(['verify', 'user-namespace', '--lang', 'zh'], env);
  t.equal(zh.status, 1);
  t.match(zh.stderr, '效果持续到下次重启');
  t.match(zh.stderr, '`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=1` 恢复限制');
  t.match(zh.stderr, '用 AppArmor 配置文件只给某一个程序授予 `userns` 权限');
});

t.test('lab verify --prove-checks: every check is read before its step too, where it must fail', { skip: needsRoot() }, async (t) => {
  const r = cli(['verify', 'pid-namespace', '--tap', '--prove-checks'], { LAB_STATE_DIR: scratch('state-') });
  t.equal(r.status, 0, r.stderr);
  t.equal((r.stdout.match(/^ {4}ok \d+ - [a-z-]+\/[a-z-]+: fails before its step/gm) ?? []).length, PID_CHECKS, 'each check failed before its step');
  t.equal((r.stdout.match(/^ {4}ok \d+ - /gm) ?? []).length, 2 * PID_CHECKS, 'and passed after it');
  t.notMatch(r.stdout, /not ok/);

  // writeLab's check says ok whatever the kernel holds: it cannot fail, so it proves nothing.
  const labs = scratch('labs-');
  writeLab(labs, 'fixture-vacuous', ['linux']);
  const env = { LAB_LABS_DIR: labs, LAB_STATE_DIR: scratch('state-') };
  t.equal(cli(['verify', 'fixture-vacuous', '--tap'], env).status, 0, 'without --prove-checks it passes');
  const v = cli(['verify', 'fixture-vacuous', '--tap', '--prove-checks'], env);
  t.equal(v.status, 1, 'with it, a check that passes before its step fails the lab');
  t.match(v.stdout, /^ {4}not ok 1 - only\/ran: fails before its step/m);
  t.match(v.stdout, /^not ok 1 - fixture-vacuous$/m);
  const plain = cli(['verify', 'fixture-vacuous', '--prove-checks'], env);
  t.equal(plain.status, 1);
  t.match(plain.stdout, /✗ fails before its step: ran/);
});
