// The JSON reporter listens to the runner's events: one JSON object per event, in the chosen language.
import t from 'tap';
import { LabError } from '../../src/common/errors.js';
import { eventToJson, jsonReporter } from '../../src/ui/json.js';
import { quizStream, stream } from './fake-events.js';

t.test('JSON lines: one object per event, prose in the chosen language', async (t) => {
  const lines: string[] = [];
  stream.forEach(jsonReporter('zh', (s) => lines.push(s)));
  t.equal(lines.length, stream.length);
  t.same(JSON.parse(lines[0]!), { type: 'lab-start', lab: 'fake', title: '假实验', lang: 'en', mode: 'run', runId: 'lab-fake-1-x' });
  t.same(JSON.parse(lines[6]!), { type: 'check', step: 'one', check: 'c2', title: '标题', ok: false, found: '什么也没有' });
  const error = new LabError({ operation: 'write `x`', code: 'EBUSY', meaning: { en: 'busy', zh: '忙' }, fix: { en: 'wait', zh: '等' } });
  t.same(eventToJson({ type: 'error', step: 'one', error }, 'en'), {
    type: 'error',
    step: 'one',
    operation: 'write `x`',
    code: 'EBUSY',
    meaning: 'busy',
    fix: 'wait',
  });
});

t.test('JSON lines: quiz answers, and a quiz step with its kind', async (t) => {
  const lines: string[] = [];
  quizStream.forEach(jsonReporter('en', (s) => lines.push(s)));
  const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  t.same(events[0], { type: 'step-start', step: 'why-clock', kind: 'quiz', title: 'One wall clock', index: 1, total: 2 });
  t.same(events[1], { type: 'quiz-answer', step: 'why-clock', given: '1', ok: false });
  t.same(events[2], { type: 'quiz-answer', step: 'why-clock', given: 'b', ok: true });
  t.same(events[3], {
    type: 'check',
    step: 'why-clock',
    check: 'answer',
    title: 'The answer is right',
    ok: true,
    found: '2. Complex and costly, for little use',
  });
});
