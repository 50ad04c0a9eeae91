// The learner's side: `lab class join` keeps the membership 0600; while the server is down the reporter queues
// events on disk without blocking; when it is back the queue drains in order; the queue is bounded; leave forgets.
import t from 'tap';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Snapshot } from '../../src/class/model.js';
import { boundQueue, enqueue, flushQueue, joinClass, leaveClass, MAX_QUEUE, readMembership, readQueue } from '../../src/class/member.js';
import { classReporter } from '../../src/class/report.js';
import type { LabEvent } from '../../src/lab/events.js';
import { tempDir, useTempState } from '../helpers.js';
import { get, startServer, startServerOn } from './sim.js';

/** Runner events as `lab run` emits them, as far as the reporter reads them; plus output it must never send. */
function labEvents(steps: number): LabEvent[] {
  const lab = { spec: { id: 'uts-namespace', order: 2 }, title: { en: 'Hostnames', zh: '主机名' } };
  const events: unknown[] = [{ type: 'lab-start', lab, lang: 'en', mode: 'run', runId: 'run-1' }];
  for (let i = 0; i < steps; i++) {
    const id = `s${i}`;
    events.push(
      { type: 'step-start', step: { spec: { id, kind: 'demo' }, prose: { en: { title: `Step ${i}` }, zh: { title: `第 ${i} 步` } } }, index: i, total: steps },
      { type: 'command', step: id, role: 'action', command: 'cat /etc/shadow', background: false },
      { type: 'output', step: id, stream: 'stdout', text: 'root:SECRET:...' },
      {
        type: 'check',
        step: id,
        check: `${id}-fact`,
        title: { en: 'fact', zh: '事实' },
        ok: true,
        found: { en: '/home/ada/private', zh: '/home/ada/private' },
      },
      { type: 'step-done', step: id, status: 'passed' },
    );
  }
  events.push({ type: 'lab-done', lab: 'uts-namespace', outcome: { status: 'passed', checksPassed: steps, checksFailed: 0, stepsPassed: steps, steps } });
  return events as LabEvent[];
}

t.test('a learner offline, then back: the queue drains, in order, nothing lost or sent twice', async (t) => {
  const state = useTempState();
  const dir = tempDir('lab-class-');
  let { cls, url } = await startServer({ dir });
  const port = Number(new URL(url).port);
  const { code, token } = cls.info;
  const m = await joinClass(url, code, 'ada');
  t.equal(statSync(join(state, 'class.json')).mode & 0o777, 0o600, 'the membership (it holds a secret) is 0600');
  t.equal(readMembership()?.name, 'ada');

  // First run, online.
  const first = classReporter('en');
  for (const e of labEvents(2)) first(e);
  await first.idle();
  t.same(await flushQueue(), { sent: 0, left: 0 }, 'sent as it ran (nothing left)');

  // The server goes away; a second run still runs, quickly, and queues everything.
  await cls.close();
  const started = Date.now();
  const second = classReporter('zh');
  for (const e of labEvents(3)) second(e);
  t.ok(Date.now() - started < 1000, `the run was not held up (${Date.now() - started} ms for 17 runner events)`);
  await second.idle();
  const offline = await flushQueue(500);
  t.equal(offline.left, 11, 'its 11 progress events wait on disk');
  t.match(offline.problem, /unreachable/, 'and the reason is kept');
  t.same(
    readQueue().map((e) => e.seq),
    Array.from({ length: 11 }, (_, i) => 9 + i),
    'numbered after the 8 of the first run',
  );

  // Back: the next flush (the next run, the end of a run, or `lab class status`) drains it.
  cls = await startServerOn({ dir }, port);
  t.teardown(() => cls.close());
  const back = await flushQueue();
  t.same(back, { sent: 11, left: 0 }, 'the queue drained');
  t.same(readQueue(), [], 'and is empty');
  t.equal(readMembership()?.acked, 19, 'the ack is kept');
  const timeline = (await get(`${url}/api/learner?name=ada`, token)).body.events as { seq: number; type: string; title?: string }[];
  t.same(
    timeline.map((e) => e.seq),
    Array.from({ length: 19 }, (_, i) => i + 1),
    'the server has 1..19, in order, once each',
  );
  t.equal(timeline[9]!.title, '第 0 步', 'the second run in Chinese, as it ran');
  const sent = JSON.stringify(timeline);
  t.notMatch(sent, /shadow|SECRET|private|found|command|output/, 'never a command, its output or a check’s found text');
  const snap = (await get(`${url}/api/class`, token)).body as unknown as Snapshot;
  t.equal(snap.learners[0]!.status, 'passed');
  t.same(snap.learners[0]!.labs['uts-namespace'], { stepsPassed: 3, steps: 3, passed: true, failures: 0 });
  t.equal(m.name, 'ada');

  // Joining again with the same name from the same machine keeps the secret's identity and the ack.
  const again = await joinClass(url, code, 'ada');
  t.equal(again.acked, 19, 'a second join from the same machine resumes');
});

t.test('the queue is bounded, keeping the newest events; leave forgets the class', async (t) => {
  useTempState();
  const dir = tempDir('lab-class-');
  const { cls, url } = await startServer({ dir });
  t.teardown(() => cls.close());
  await joinClass(url, cls.info.code, 'bob');
  enqueue(Array.from({ length: MAX_QUEUE + 10 }, (_, i) => ({ seq: i + 1, at: 1, type: 'error' as const, code: 'x' })));
  boundQueue();
  const q = readQueue();
  t.equal(q.length, MAX_QUEUE, `at most ${MAX_QUEUE} events`);
  t.equal(q[0]!.seq, 11, 'the oldest were dropped');
  t.equal(leaveClass()?.name, 'bob');
  t.equal(readMembership(), undefined, 'no membership');
  t.same(readQueue(), [], 'no queue');
  const quiet = classReporter('en');
  quiet(labEvents(1)[0]!);
  t.same(readQueue(), [], 'after leave, a run reports nothing');
});
