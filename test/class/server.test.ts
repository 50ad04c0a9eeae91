// The class server on loopback: 60 learners posting a whole lab each lose nothing and duplicate nothing; every
// refused request (400, 401, 403, 409, 413, 429) says why and changes nothing; a restart mid-class loses nothing.
import t from 'tap';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Snapshot } from '../../src/class/model.js';
import { MAX_BODY_BYTES } from '../../src/class/protocol.js';
import { tempDir } from '../helpers.js';
import { get, joinAs, post, postAll, startServer, startServerOn, wholeLab } from './sim.js';

const LEARNERS = 60;

/** The events the log holds, per learner, in order (what a restart would replay). */
function logged(dir: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(line) as { k: string; name: string; events?: { seq: number }[] };
    if (r.k === 'batch') out.set(r.name, [...(out.get(r.name) ?? []), ...r.events!.map((e) => e.seq)]);
  }
  return out;
}

t.test('60 learners post a whole lab each: every event counted once, in order, on disk', async (t) => {
  const dir = tempDir('lab-class-');
  const { cls, url } = await startServer({ dir, title: 'test class' });
  t.teardown(() => cls.close());
  const { code, token } = cls.info;
  const names = Array.from({ length: LEARNERS }, (_, i) => `learner-${i + 1}`);
  const secrets = await Promise.all(names.map((n) => joinAs(url, code, n)));
  const labs = names.map((_, i) => wholeLab('uts-namespace', 2, 5, i % 10 === 0 ? 3 : -1));
  const expected = labs.map((batches) => batches.flat().length);
  const statuses = await Promise.all(names.map((n, i) => postAll(url, code, n, secrets[i]!, labs[i]!)));
  t.same([...new Set(statuses.flat())], [200], 'every batch accepted');
  // Resends (a client that did not get its ack) change nothing.
  const resend = await Promise.all(names.map((n, i) => post(`${url}/api/events`, { code, name: n, events: labs[i]![1] }, secrets[i])));
  t.same([...new Set(resend.map((r) => r.status))], [200], 'a resend is answered 200');
  t.same(
    resend.map((r) => r.body.acked),
    expected,
    'with the ack of everything already stored',
  );

  const snap = (await get(`${url}/api/class`, token)).body as unknown as Snapshot;
  const total = expected.reduce((a, b) => a + b, 0);
  t.equal(snap.events, total, `all ${total} events counted once`);
  t.equal(snap.learners.length, LEARNERS);
  t.equal(snap.learners.filter((l) => l.status === 'passed').length, 54, '54 passed');
  t.equal(snap.learners.filter((l) => l.status === 'failed').length, 6, '6 failed (every tenth)');
  t.same(
    snap.labs.map((l) => l.id),
    ['uts-namespace'],
  );
  t.same(snap.hardest[0], { lab: 'uts-namespace', step: 'step-4', title: 'Step 4', learners: 6 }, 'the step most fail on');
  const disk = logged(dir);
  for (const [i, n] of names.entries()) {
    const seqs = disk.get(n) ?? [];
    if (seqs.join() !== Array.from({ length: expected[i]! }, (_, k) => k + 1).join()) t.fail(`${n}: on disk ${seqs.join()}`);
  }
  t.equal([...disk.values()].flat().length, total, 'the log holds each event exactly once');
  const timeline = await get(`${url}/api/learner?name=learner-2`, token);
  t.same(
    (timeline.body.events as { seq: number }[]).map((e) => e.seq),
    Array.from({ length: expected[1]! }, (_, k) => k + 1),
    "a learner's timeline, in order",
  );
});

t.test('refused requests say why and change nothing', async (t) => {
  const dir = tempDir('lab-class-');
  const { cls, url } = await startServer({ dir, rate: { burst: 5, perSecond: 0.001 } });
  t.teardown(() => cls.close());
  const { code, token } = cls.info;
  const secret = await joinAs(url, code, 'ada');
  const other = await joinAs(url, code, 'bob');
  const [first] = wholeLab();
  t.equal((await postAll(url, code, 'ada', secret, [first!]))[0], 200, 'one batch in');
  const size = () => statSync(join(dir, 'events.jsonl')).size;
  const state = async () => JSON.stringify({ ...(await get(`${url}/api/class`, token)).body, now: 0 });
  const before = { size: size(), state: await state() };
  const two = wholeLab()[1]!.map((e) => ({ ...e, seq: e.seq }));
  const cases: [string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, string][] = [
    ['not JSON', () => post(`${url}/api/events`, '{"code":', secret), 400, 'malformed'],
    ['no events', () => post(`${url}/api/events`, { code, name: 'ada', events: [] }, secret), 400, 'malformed'],
    [
      'unknown event type',
      () => post(`${url}/api/events`, { code, name: 'ada', events: [{ seq: 9, at: 1, type: 'output', text: 'secret' }] }, secret),
      400,
      'malformed',
    ],
    ['seq out of order', () => post(`${url}/api/events`, { code, name: 'ada', events: [...two].reverse() }, secret), 400, 'malformed'],
    ['a bad learner name', () => post(`${url}/api/events`, { code, name: '<script>', events: two }, secret), 400, 'malformed'],
    ['wrong class code', () => post(`${url}/api/events`, { code: 'ZZZZZZ', name: 'ada', events: two }, secret), 403, 'wrong-code'],
    ['no credentials', () => post(`${url}/api/events`, { code, name: 'ada', events: two }), 401, 'no-credentials'],
    ["another learner's secret", () => post(`${url}/api/events`, { code, name: 'ada', events: two }, other), 403, 'wrong-credentials'],
    ['unknown learner', () => post(`${url}/api/events`, { code, name: 'eve', events: two }, secret), 403, 'wrong-credentials'],
    ['oversized body', () => post(`${url}/api/events`, { code, name: 'ada', events: two, pad: 'x'.repeat(MAX_BODY_BYTES) }, secret), 413, 'too-large'],
    ['join with a taken name', () => post(`${url}/api/join`, { code, name: 'ada' }), 409, 'name-taken'],
    ['join with a wrong code', () => post(`${url}/api/join`, { code: 'ZZZZZZ', name: 'cid' }), 403, 'wrong-code'],
    ['the snapshot without the token', () => get(`${url}/api/class`), 401, 'no-credentials'],
    ["the snapshot with a learner's secret", () => get(`${url}/api/class`, secret), 403, 'wrong-credentials'],
    ["another learner's timeline with a learner's secret", () => get(`${url}/api/learner?name=bob`, secret), 403, 'wrong-credentials'],
    ['the stream without the token', () => get(`${url}/api/stream`), 401, 'no-credentials'],
  ];
  for (const [what, send, status, error] of cases) {
    const r = await send();
    t.equal(r.status, status, `${what}: ${status}`);
    t.equal(r.body.error, error, `${what}: names the problem (${error})`);
    t.ok((r.body.message as { en: string; zh: string } | undefined)?.zh, `${what}: says it in both languages`);
  }
  // The rate limit: a bucket of 5 with no refill to speak of; ada used 1, the refused ones above did not count.
  const burst = [];
  for (let i = 0; i < 6; i++) burst.push(await post(`${url}/api/events`, { code, name: 'ada', events: [{ seq: 1, at: 1, type: 'error', code: 'x' }] }, secret));
  t.same(
    burst.map((r) => r.status),
    [200, 200, 200, 200, 429, 429],
    'per-learner rate limit: 429 once the bucket is empty (these resends are duplicates: no change)',
  );
  t.equal(burst[5]!.body.error, 'rate-limited');
  t.equal(size(), before.size, 'the log did not grow');
  t.equal(await state(), before.state, 'the class is as it was');
});

t.test('a server restart mid-class loses nothing and duplicates nothing', async (t) => {
  const dir = tempDir('lab-class-');
  let { cls, url } = await startServer({ dir });
  const port = Number(new URL(url).port);
  const { code, token } = cls.info;
  const names = Array.from({ length: LEARNERS }, (_, i) => `l${i}`);
  const secrets = await Promise.all(names.map((n) => joinAs(url, code, n)));
  const labs = names.map(() => wholeLab());
  const half = 3;
  await Promise.all(names.map((n, i) => postAll(url, code, n, secrets[i]!, labs[i]!.slice(0, half))));
  await cls.close();
  // A crash while writing cuts the last line short; the next start trims it.
  appendFileSync(join(dir, 'events.jsonl'), '{"k":"batch","name":"l0","rx":1,"ev');
  cls = await startServerOn({ dir }, port);
  t.teardown(() => cls.close());
  t.equal(cls.info.code, code, 'the same class code');
  t.equal(cls.info.token, token, 'the same instructor token');
  // Each learner resends its last batch (no ack seen) and then the rest.
  const statuses = await Promise.all(names.map((n, i) => postAll(url, code, n, secrets[i]!, labs[i]!.slice(half - 1))));
  t.same([...new Set(statuses.flat())], [200], 'old secrets still work, everything accepted');
  const snap = (await get(`${url}/api/class`, token)).body as unknown as Snapshot;
  const perLab = labs[0]!.flat().length;
  t.equal(snap.events, LEARNERS * perLab, `${LEARNERS} x ${perLab} events, none lost, none twice`);
  t.equal(snap.learners.filter((l) => l.status === 'passed').length, LEARNERS);
  const seqs = logged(dir);
  t.ok(
    names.every((n) => seqs.get(n)!.join() === Array.from({ length: perLab }, (_, k) => k + 1).join()),
    'the log holds 1..N for every learner',
  );
});
