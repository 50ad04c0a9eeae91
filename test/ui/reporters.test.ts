// The reporters are listeners of the runner's events: fed a fake stream, they must render it faithfully.
import t from 'tap';
import type { LabEvent } from '../../src/lab/events.js';
import type { LoadedLab } from '../../src/lab/load.js';
import { LabError } from '../../src/common/errors.js';
import { eventToJson, jsonReporter } from '../../src/ui/json.js';
import { plainReporter } from '../../src/ui/plain.js';
import { TapWriter } from '../../src/ui/tap.js';
import { parseTap } from '../helpers.js';

const step = {
  spec: { id: 'one', kind: 'demo' as const, actions: [], checks: [] },
  index: 0,
  prose: { en: { title: 'Step one', body: 'Body of\nstep one.', hints: ['h'] }, zh: { title: '第一步', body: '第一步的\n说明。', hints: ['提示'] } },
};
const lab = {
  spec: { format: 1, id: 'fake', order: 1, requires: [], shell: { target: 'x', namespaces: [] }, steps: [step.spec] },
  dir: '/nowhere',
  title: { en: 'Fake lab', zh: '假实验' },
  summary: { en: 'A fake.', zh: '一个假的。' },
  steps: [step],
} as unknown as LoadedLab;

const stream: LabEvent[] = [
  { type: 'lab-start', lab, lang: 'en', mode: 'run', runId: 'lab-fake-1-x' },
  { type: 'step-start', step: step as LoadedLab['steps'][number], index: 0, total: 1 },
  { type: 'command', step: 'one', role: 'action', command: 'unshare --pid sleep 1 &', background: true },
  { type: 'output', step: 'one', stream: 'stdout', text: 'NSpid:\t42\t1\n' },
  { type: 'command-end', step: 'one', exitCode: 1, expected: 'fail', ok: true },
  { type: 'check', step: 'one', check: 'c1', title: { en: 'PID 1 inside', zh: '里面是 1 号进程' }, ok: true, found: { en: 'NSpid: 42 1', zh: 'NSpid: 42 1' } },
  { type: 'check', step: 'one', check: 'c2', title: { en: 'a # in a title', zh: '标题' }, ok: false, found: { en: 'nothing', zh: '什么也没有' } },
  { type: 'step-done', step: 'one', status: 'failed' },
  { type: 'cleanup', what: 'process init (42)', ok: true },
  { type: 'lab-done', lab: 'fake', outcome: { status: 'failed', checksPassed: 1, checksFailed: 1, stepsPassed: 0, steps: 1 } },
];

t.test('plain: titles, prose, commands, output, checks with facts, cleanup, result', async (t) => {
  let out = '';
  const listen = plainReporter({ lang: 'en', explain: true, color: false, width: 80, write: (s) => (out += s) });
  stream.forEach(listen);
  t.match(out, '━━ Fake lab (fake) ━━');
  t.match(out, '[1/1] Step one  (one)');
  t.match(out, '  Body of step one.', 'prose is reflowed');
  t.match(out, '  $ unshare --pid sleep 1 &');
  t.match(out, '    NSpid:\t42\t1');
  t.match(out, '(exit status 1: failed, as expected)');
  t.match(out, '  ✓ PID 1 inside\n      found: NSpid: 42 1');
  t.match(out, '  ✗ a # in a title\n      found: nothing');
  t.match(out, 'Cleanup: removed process init (42)');
  t.match(out, 'Lab failed at step "one": 1 check(s) failed.');
});

t.test('plain in Chinese, without explanations (verify)', async (t) => {
  let out = '';
  const listen = plainReporter({ lang: 'zh', explain: false, color: false, write: (s) => (out += s) });
  stream.forEach(listen);
  t.match(out, '[1/1] 第一步');
  t.notMatch(out, '第一步的');
  t.match(out, '✗ 标题\n      实际读到：什么也没有');
});

t.test('TAP 14: a subtest per lab, a point per check, facts as YAML, # escaped', async (t) => {
  let out = '';
  const tap = new TapWriter('en', (s) => (out += s));
  tap.begin();
  stream.forEach(tap.lab());
  tap.skip('other', 'needs cgroup v2 memory controller');
  tap.end();
  t.match(out, /^TAP version 14\n# Subtest: fake\n/);
  t.match(out, '    ok 1 - one: PID 1 inside\n      ---\n      found: "NSpid: 42 1"\n      ...');
  t.match(out, '    not ok 2 - one: a \\# in a title');
  t.match(out, '    1..2\nnot ok 1 - fake\n');
  t.match(out, 'ok 2 - other # SKIP needs cgroup v2 memory controller\n1..2\n');
});

t.test('JSON lines: one object per event, prose in the chosen language', async (t) => {
  const lines: string[] = [];
  stream.forEach(jsonReporter('zh', (s) => lines.push(s)));
  t.equal(lines.length, stream.length);
  t.same(JSON.parse(lines[0]!), { type: 'lab-start', lab: 'fake', title: '假实验', lang: 'en', mode: 'run', runId: 'lab-fake-1-x' });
  t.same(JSON.parse(lines[6]!), { type: 'check', step: 'one', check: 'c2', title: '标题', ok: false, found: '什么也没有' });
  const error = new LabError({ operation: 'write `x`', code: 'EBUSY', meaning: { en: 'busy', zh: '忙' }, fix: { en: 'wait', zh: '等' } });
  t.same(eventToJson({ type: 'error', step: 'one', error }, 'en'), { type: 'error', step: 'one', operation: 'write `x`', code: 'EBUSY', meaning: 'busy', fix: 'wait' });
});

t.test('plain: output split across chunks is shown as whole lines', async (t) => {
  let out = '';
  const listen = plainReporter({ lang: 'en', explain: false, color: false, write: (s) => (out += s) });
  listen({ type: 'output', step: 'one', stream: 'stderr', text: 'touch: ' });
  listen({ type: 'output', step: 'one', stream: 'stderr', text: 'setting times' });
  listen({ type: 'output', step: 'one', stream: 'stderr', text: ': Read-only file system\nnext' });
  listen({ type: 'command-end', step: 'one', exitCode: 1, expected: 'fail', ok: true });
  t.equal(out, '    touch: setting times: Read-only file system\n    next\n    (exit status 1: failed, as expected)\n');
});

t.test('TAP: an error after a failed command carries the last 20 lines of its output in the YAML diagnostic', async (t) => {
  const lines = Array.from({ length: 25 }, (_, i) => `line ${i + 1}`);
  const error = new LabError({
    operation: 'run `sh -c boom`', code: 'command-failed',
    meaning: { en: 'The command failed; its output says why.', zh: '命令执行失败，原因见它的输出。' },
    fix: { en: 'Run `lab doctor`.', zh: '运行 `lab doctor`。' },
  });
  const failing: LabEvent[] = [
    { type: 'lab-start', lab, lang: 'en', mode: 'verify', runId: 'lab-fake-2-x' },
    { type: 'step-start', step: step as LoadedLab['steps'][number], index: 0, total: 1 },
    { type: 'command', step: 'one', role: 'action', command: 'echo earlier', background: false },
    { type: 'output', step: 'one', stream: 'stdout', text: 'output of an earlier command\n' },
    { type: 'command-end', step: 'one', exitCode: 0, expected: 'ok', ok: true },
    { type: 'command', step: 'one', role: 'action', command: 'sh -c boom', background: false },
    // In chunks that split lines, stdout and stderr as they came.
    { type: 'output', step: 'one', stream: 'stdout', text: `${lines.slice(0, 12).join('\n')}\nline ` },
    { type: 'output', step: 'one', stream: 'stdout', text: `13\n${lines.slice(13).join('\n')}\n` },
    { type: 'output', step: 'one', stream: 'stderr', text: 'sh: boom: not found\n' },
    { type: 'command-end', step: 'one', exitCode: 127, expected: 'ok', ok: false },
    { type: 'error', step: 'one', error },
    { type: 'step-done', step: 'one', status: 'error' },
    { type: 'cleanup', what: 'process init (42)', ok: true },
    { type: 'lab-done', lab: 'fake', outcome: { status: 'error', checksPassed: 0, checksFailed: 0, stepsPassed: 0, steps: 1 } },
  ];
  const tapOf = (events: LabEvent[]): string => {
    let out = '';
    const tap = new TapWriter('en', (s) => (out += s));
    tap.begin();
    events.forEach(tap.lab());
    tap.end();
    return out;
  };
  const out = tapOf(failing);
  const { points } = await parseTap(out);
  const failed = points.filter((p) => !p.ok && p.name.startsWith('one:'));
  t.equal(failed.length, 1, 'one failing point: the error');
  t.equal(failed[0]?.diag?.output, [...lines.slice(6), 'sh: boom: not found'].join('\n'), 'its diagnostic holds the last 20 lines, stdout and stderr as they came');
  t.equal(failed[0]?.diag?.message, 'The command failed; its output says why.');
  t.equal(failed[0]?.diag?.fix, 'Run `lab doctor`.');
  t.notMatch(out, /line 6\\n/, 'nothing before the tail');
  t.notMatch(out, 'earlier command\\n', 'nor the output of an earlier command');

  // An error after a command that printed nothing (a write the kernel refused) has no output to carry.
  const quiet = await parseTap(tapOf(failing.filter((e) => e.type !== 'output')));
  t.notOk(quiet.points.find((p) => !p.ok && p.name.startsWith('one:'))?.diag?.output, 'no output, no output field');

  // The plain reporter shows the output as it comes, above the error, and only there.
  let plain = '';
  failing.forEach(plainReporter({ lang: 'en', explain: false, color: false, write: (s) => (plain += s) }));
  t.match(plain, /line 25\n {4}sh: boom: not found\n {4}\(exit status 127\)\n {2}✗ run `sh -c boom`: command-failed/);
  t.equal(plain.split('line 25').length, 2, 'the output once');
});

t.test('TAP: a skipped lab is a SKIP point with the reason, and what is missing and the fix as its diagnostic', async (t) => {
  let out = '';
  const tap = new TapWriter('en', (s) => (out += s));
  tap.begin();
  tap.skip('other', 'needs the # memory controller', { message: 'cgroup v1 holds memory', fix: 'boot with\nsystemd.unified_cgroup_hierarchy=1' });
  tap.end();
  const { results } = await parseTap(out);
  t.ok(results.ok);
  t.same([results.plan.start, results.plan.end], [1, 1]);
  t.equal(results.skips.length, 1);
  t.equal(results.skips[0]?.name, 'other');
  t.equal(results.skips[0]?.skip, 'needs the # memory controller', 'the reason, its # escaped');
  t.same(results.skips[0]?.diag, { message: 'cgroup v1 holds memory', fix: 'boot with\nsystemd.unified_cgroup_hierarchy=1' });
});
