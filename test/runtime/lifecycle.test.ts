// What `ps` and `logs` show, from the state and the log: Docker's durations and STATUS column, json-file lines.
import t from 'tap';
import { humanDuration, statusText, type Found } from '../../src/runtime/lifecycle.js';
import { parseLog } from '../../src/runtime/logs.js';
import type { ContainerRecord } from '../../src/host/container-store.js';

const record = { id: 'a'.repeat(64), name: 'x', created: '2026-01-01T00:00:00.000Z' } as ContainerRecord;
const at = (s: number) => Date.parse('2026-01-01T00:00:00.000Z') + s * 1000;

t.test("Docker's human durations", async (t) => {
  t.equal(humanDuration(300), 'Less than a second');
  t.equal(humanDuration(1000), '1 second');
  t.equal(humanDuration(3000), '3 seconds');
  t.equal(humanDuration(61_000), 'About a minute');
  t.equal(humanDuration(5 * 60_000), '5 minutes');
  t.equal(humanDuration(3_600_000), 'About an hour');
  t.equal(humanDuration(5 * 3_600_000), '5 hours');
  t.equal(humanDuration(72 * 3_600_000), '3 days');
});

t.test('the STATUS column', async (t) => {
  const up: Found = { record, state: { status: 'running', startedAt: record.created }, running: true };
  t.equal(statusText(up, at(3)), 'Up 3 seconds');
  const exited: Found = { record, state: { status: 'exited', exitCode: 137, finishedAt: record.created, processPid: 1 }, running: false };
  t.equal(statusText(exited, at(2)), 'Exited (137) 2 seconds ago');
  t.equal(statusText({ record, state: { status: 'created' }, running: false }), 'Created');
});

t.test('log lines: complete ones parsed, the torn end kept for the next read', async (t) => {
  const line = JSON.stringify({ stream: 'stdout', time: 't', log: 'a\nb' });
  const { entries, rest } = parseLog(`${line}\nnot json\n{"stream":"std`);
  t.same(entries, [{ stream: 'stdout', time: 't', log: 'a\nb' }]);
  t.equal(rest, '{"stream":"std');
});
