// The plain reporter listens to the runner's events: fed a fake stream, it must render it faithfully.
import t from 'tap';
import { plainReporter } from '../../src/ui/plain.js';
import { failing, stream } from './fake-events.js';

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
