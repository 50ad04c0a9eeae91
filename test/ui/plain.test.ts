// The plain reporter listens to the runner's events: fed a fake stream, it must render it faithfully.
import t from 'tap';
import { plainReporter } from '../../src/ui/plain.js';
import { failing, quizByHarness, quizStream, stream } from './fake-events.js';

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

t.test('plain: output split across chunks is shown as whole lines', async (t) => {
  let out = '';
  const listen = plainReporter({ lang: 'en', explain: false, color: false, write: (s) => (out += s) });
  listen({ type: 'output', step: 'one', stream: 'stderr', text: 'touch: ' });
  listen({ type: 'output', step: 'one', stream: 'stderr', text: 'setting times' });
  listen({ type: 'output', step: 'one', stream: 'stderr', text: ': Read-only file system\nnext' });
  listen({ type: 'command-end', step: 'one', exitCode: 1, expected: 'fail', ok: true });
  t.equal(out, '    touch: setting times: Read-only file system\n    next\n    (exit status 1: failed, as expected)\n');
});

t.test('plain: the output of a failed command is shown as it comes, above the error, and only there', async (t) => {
  let plain = '';
  failing.forEach(plainReporter({ lang: 'en', explain: false, color: false, write: (s) => (plain += s) }));
  t.match(plain, /line 25\n {4}sh: boom: not found\n {4}\(exit status 127\)\n {2}✗ run `sh -c boom`: command-failed/);
  t.equal(plain.split('line 25').length, 2, 'the output once');
});

t.test('plain: a quiz shows its question and numbered choices, each answer right or wrong, then why', async (t) => {
  let out = '';
  quizStream.forEach(plainReporter({ lang: 'en', explain: true, color: false, width: 80, write: (s) => (out += s) }));
  t.match(out, '[2/2] One wall clock — Quiz  (why-clock)');
  t.match(out, '  Why is the wall clock not namespaced?\n  1.  The RTC\n  2.  Complex and costly, for little use\n  3.  Root only\n');
  t.match(out, '  ✗ answer: 1\n  Not right. Try again, or press h for a hint.\n');
  t.match(out, '  ✓ answer: b\n  Right.\n  Why\n  Every machine must agree on it.\n');
  t.match(out, '  ✓ The answer is right\n      found: 2. Complex and costly, for little use');
  t.ok(out.indexOf('Not right') < out.indexOf('Every machine'), 'why only after the right answer');
  t.equal(out.split('Every machine').length, 2, 'why once');
});

t.test('plain: a quiz the harness answers says so; in Chinese too; verify shows no question', async (t) => {
  let out = '';
  quizByHarness.forEach(plainReporter({ lang: 'zh', explain: true, color: false, width: 80, write: (s) => (out += s) }));
  t.match(out, '[2/2] 一个墙上时钟 — 测验');
  t.match(out, '  2.  复杂、代价高，用处小');
  t.match(out, '  ✓ 回答：2（正确答案，由 `lab` 给出）');
  t.notMatch(out, '应用参考答案', 'not "applying the reference solution"');
  t.notMatch(out, '回答正确。', 'no "right" said to a learner who did not answer');
  t.match(out, '  解释\n  所有机器都必须在这一点上一致。');
  let verify = '';
  quizByHarness.forEach(plainReporter({ lang: 'en', explain: false, color: false, write: (s) => (verify += s) }));
  t.notMatch(verify, 'Why is the wall clock');
  t.notMatch(verify, 'The RTC');
  t.notMatch(verify, 'Every machine');
  t.match(verify, '  ✓ answer: 2  (the right answer, given by `lab`)');
  t.match(verify, '  ✓ The answer is right');
});
