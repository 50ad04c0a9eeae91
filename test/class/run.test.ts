// End to end, under the machine lock: a learner joins with `lab class join`, runs a real lab with `lab run --yes`,
// and the server has the run's progress, live, and nothing else; then `lab class status` and `lab class leave`.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Snapshot } from '../../src/class/model.js';
import { BIN, cleanEnv, needsRoot, tempDir } from '../helpers.js';
import { get, startServer } from './sim.js';

/** Run the CLI without blocking this process (the server answers in it). */
function lab(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

t.test('lab run while in a class reports the run to the server', { skip: needsRoot() }, async (t) => {
  const state = join(tempDir('lab-class-run-'), 'state');
  const env = { LAB_STATE_DIR: state };
  const { cls, url } = await startServer({ dir: tempDir('lab-class-') });
  t.teardown(() => cls.close());
  const { code, token } = cls.info;

  const joined = await lab(['class', 'join', url, '--name', 'ada', '--code', code, '--lang', 'en'], env);
  t.equal(joined.status, 0, joined.stderr);
  t.match(joined.stdout, `Joined class ${code}`);
  t.equal(statSync(join(state, 'class.json')).mode & 0o777, 0o600, 'membership 0600');

  const run = await lab(['run', 'uts-namespace', '--yes', '--lang', 'en'], env);
  t.equal(run.status, 0, 'lab run passed', { stdout: run.stdout.slice(-3000), stderr: run.stderr });

  const snap = (await get(`${url}/api/class`, token)).body as unknown as Snapshot;
  const ada = snap.learners.find((l) => l.name === 'ada');
  t.equal(ada?.status, 'passed', 'the server saw the lab pass');
  t.equal(ada?.labs['uts-namespace']?.passed, true);
  t.same(
    snap.labs.map((l) => l.id),
    ['uts-namespace'],
  );
  const events = (await get(`${url}/api/learner?name=ada`, token)).body.events as Record<string, unknown>[];
  t.same(
    events.map((e) => e.seq),
    events.map((_, i) => i + 1),
    `${events.length} events, in order, none missing`,
  );
  t.same([...new Set(events.map((e) => e.type))].sort(), ['check', 'lab-done', 'lab-start', 'step-done', 'step-start'], 'progress events only');
  t.notOk(
    events.some((e) => 'found' in e || 'command' in e || 'text' in e),
    'no command, output or found text',
  );

  const status = await lab(['class', 'status', '--lang', 'en'], env);
  t.match(status.stdout, /still queued: 0/, 'nothing left queued');
  const left = await lab(['class', 'leave', '--lang', 'zh'], env);
  t.match(left.stdout, `已离开课堂 ${code}`);
  t.notOk(existsSync(join(state, 'class.json')), 'membership removed');
});
