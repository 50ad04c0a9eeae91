// A started server with `listens`: the runner goes on only once the process holds a socket listening on the port,
// so that the next action's client cannot connect before listen(2). The server here waits a second before it
// listens: without `listens` the client is refused (the race the network labs had under load), with it the client
// gets its answer. A server that never listens fails the step with its output, explained.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import type { LabEvent } from '../../src/lab/events.js';
import type { LoadedLab } from '../../src/lab/load.js';
import { readListeners, socketInodes } from '../../src/kernel/net.js';
import { runLab } from '../../src/lab/runner.js';
import type { DemoStep } from '../../src/lab/spec.js';
import { needsRoot, useTempState } from '../helpers.js';

useTempState();

const PORT = 29000 + (process.pid % 1000);
const hasBusybox = spawnSync('busybox', ['true']).status === 0;
const skip = needsRoot() || (!hasBusybox && 'needs busybox');

/** A one-step lab: the server (late by a second), then a client. */
function labOf(listens: number | undefined, server = `sleep 1; exec busybox nc -ll -p ${PORT} 127.0.0.1 -e echo hi`): LoadedLab {
  const step: DemoStep = {
    id: 'serve',
    kind: 'demo',
    actions: [
      { kind: 'start', name: 'server', argv: ['sh', '-c', server], ...(listens === undefined ? {} : { listens }) },
      { kind: 'run', argv: ['busybox', 'nc', '-w', '1', '127.0.0.1', String(PORT)] },
    ],
    checks: [
      {
        id: 'listening',
        title: { en: 'the server holds the listening socket', zh: '服务器持有监听套接字' },
        verify: (ctx) => {
          const pid = ctx.proc('server').pid;
          const held = (readListeners(pid) ?? []).filter((s) => s.port === PORT && socketInodes(pid).has(s.inode));
          return { ok: held.length === 1, found: `${held.length} socket(s)` };
        },
      },
    ],
  };
  const prose = { title: 'Serve', body: 'A server.', hints: [], choices: [], why: '' };
  return {
    spec: { format: 1, id: 'listens', order: 1, requires: [], shell: { target: 'server', namespaces: [] }, steps: [step] },
    dir: '/nowhere',
    title: { en: 'Listens', zh: '监听' },
    summary: { en: 'A server.', zh: '一个服务器。' },
    steps: [{ spec: step, index: 0, prose: { en: prose, zh: prose } }],
  };
}

async function verify(lab: LoadedLab): Promise<LabEvent[]> {
  const events: LabEvent[] = [];
  await runLab(lab, { mode: 'verify', lang: 'en' }, (e) => events.push(e));
  return events;
}

/** The client's exit status, and how the lab ended. */
const ending = (events: LabEvent[]) => ({
  client: events.find((e): e is Extract<LabEvent, { type: 'command-end' }> => e.type === 'command-end')?.exitCode,
  status: events.find((e): e is Extract<LabEvent, { type: 'lab-done' }> => e.type === 'lab-done')?.outcome.status,
});

t.test('without listens the client is refused; with it, it is answered', { skip }, async (t) => {
  const early = ending(await verify(labOf(undefined)));
  t.not(early.client, 0, 'the client ran before the server listened: refused');
  t.equal(early.status, 'error');
  const waited = ending(await verify(labOf(PORT)));
  t.equal(waited.client, 0, 'the runner waited for listen(2): the client was answered');
  t.equal(waited.status, 'passed');
});

t.test('a server that never listens: the step fails, explained', { skip }, async (t) => {
  const events = await verify(labOf(PORT, 'echo not a server >&2; exit 3'));
  const error = events.find((e): e is Extract<LabEvent, { type: 'error' }> => e.type === 'error');
  t.ok(error, 'an error event');
  const said = JSON.stringify({ ...error?.error, message: error?.error.message });
  t.match(said, /was not listening on port/);
  t.match(said, /not a server/);
  t.equal(ending(events).client, undefined, 'the client never ran');
});
