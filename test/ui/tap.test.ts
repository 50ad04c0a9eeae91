// The TAP writer listens to the runner's events: fed a fake stream, it must write TAP 14 that a parser reads back.
import t from 'tap';
import type { LabEvent } from '../../src/lab/events.js';
import { TapWriter } from '../../src/ui/tap.js';
import { parseTap } from '../helpers.js';
import { failing, lines, quizStream, stream } from './fake-events.js';

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

t.test('TAP: an error after a failed command carries the last 20 lines of its output in the YAML diagnostic', async (t) => {
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
  t.equal(
    failed[0]?.diag?.output,
    [...lines.slice(6), 'sh: boom: not found'].join('\n'),
    'its diagnostic holds the last 20 lines, stdout and stderr as they came',
  );
  t.equal(failed[0]?.diag?.message, 'The command failed; its output says why.');
  t.equal(failed[0]?.diag?.fix, 'Run `lab doctor`.');
  t.notMatch(out, /line 6\\n/, 'nothing before the tail');
  t.notMatch(out, 'earlier command\\n', 'nor the output of an earlier command');

  // An error after a command that printed nothing (a write the kernel refused) has no output to carry.
  const quiet = await parseTap(tapOf(failing.filter((e) => e.type !== 'output')));
  t.notOk(quiet.points.find((p) => !p.ok && p.name.startsWith('one:'))?.diag?.output, 'no output, no output field');
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

t.test('TAP: a quiz is one point, its answer check; attempts are comments', async (t) => {
  let out = '';
  const tap = new TapWriter('en', (s) => (out += s));
  tap.begin();
  const listen = tap.lab();
  [
    stream[0]!,
    ...quizStream,
    { type: 'lab-done', lab: 'fake', outcome: { status: 'passed', checksPassed: 1, checksFailed: 0, stepsPassed: 1, steps: 1 } } as LabEvent,
  ].forEach(listen);
  tap.end();
  t.match(out, '    # wrong answer: 1\n    # right answer: b\n    ok 1 - why-clock: The answer is right\n');
  t.match(out, '    1..1\nok 1 - fake\n');
  const { results, points } = await parseTap(out);
  t.equal(results.ok, true, 'a parser reads it back');
  t.same(
    points.map((p) => p.name),
    ['why-clock: The answer is right', 'fake'],
  );
});
