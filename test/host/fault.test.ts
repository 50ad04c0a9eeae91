// The harness is killed with SIGKILL in the middle of a lab: its namespace dies with it (parent-death signal),
// its journal survives, and `lab clean` removes everything that is left. Nothing of the lab remains.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor } from '../../src/host/cleanup.js';
import { parseJournal, replay } from '../../src/host/journal.js';
import { isAlive } from '../../src/kernel/proc.js';
import { BIN, FIXTURES, cli, hostSnapshot, killedAtStep, markedPids, needsRoot, useTempState } from '../helpers.js';

const tmux = (...args: string[]): string => spawnSync('tmux', args, { encoding: 'utf8' }).stdout ?? '';
const hasTmux = spawnSync('tmux', ['-V']).status === 0;

t.test('kill -9 while a learner is at a task, then lab clean', { skip: needsRoot() || (!hasTmux && 'needs tmux') }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const session = `lab-test-fault-${process.pid}`;
  t.teardown(() => void tmux('kill-session', '-t', session));
  tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '150',
    '-y',
    '50',
    `env LAB_STATE_DIR=${state} LANG=C.UTF-8 ${process.execPath} ${BIN} run pid-namespace --lang en --plain`,
  );
  const screen = (): string => tmux('capture-pane', '-p', '-t', session, '-S', '-200');
  // Step through the demo steps as a learner would, up to the first task.
  for (let step = 0; step < 3; step++) {
    t.ok(await waitFor(() => screen().split('[Enter] next step').length - 1 > step, 10_000, 50), `pause ${step + 1} reached`);
    tmux('send-keys', '-t', session, 'Enter');
  }
  t.ok(await waitFor(() => screen().includes('[Enter] open the shell'), 10_000, 50), 'the task prompt is shown');

  const [file] = readdirSync(join(state, 'runs'));
  const run = replay(parseJournal(readFileSync(join(state, 'runs', file!), 'utf8')))!;
  const init = run.live.find((l) => l.resource.kind === 'process' && l.resource.name === 'init')?.resource;
  const initPid = init?.kind === 'process' ? init.target! : 0;
  t.ok(isAlive(initPid), "the lab's init runs");
  t.ok(markedPids(run.runId).length >= 3, "the lab's processes carry its marker");

  process.kill(run.owner, 'SIGKILL');
  t.ok(await waitFor(() => !isAlive(run.owner), 5000), 'the harness is dead');
  t.ok(await waitFor(() => !isAlive(initPid), 5000), 'the kernel killed init when the harness died (parent-death signal)');
  t.ok(await waitFor(() => markedPids(run.runId).length === 0, 5000), 'every process of the lab died with it');
  t.ok(existsSync(join(state, 'runs', file!)), 'the journal survived the crash');

  const clean = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state });
  t.equal(clean.status, 0, clean.stderr);
  t.match(clean.stdout, /pid-namespace/);
  t.same(hostSnapshot(state), before, 'no process, mount or journal entry of the lab remains');
});

t.test('kill -9 with a process that would outlive the harness: lab clean kills it', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const env = { ...process.env, LAB_STATE_DIR: state, LAB_LABS_DIR: FIXTURES };
  const runId = await killedAtStep('fixture-survivor', 'wait', env);
  t.ok(runId);
  t.ok(markedPids(runId).length >= 1, 'the survivor (and the interrupted command) outlived the harness');

  const clean = cli(['clean'], { LAB_STATE_DIR: state, LAB_LABS_DIR: FIXTURES });
  t.equal(clean.status, 0, clean.stderr);
  t.same(markedPids(runId), [], 'lab clean killed them');
  t.same(hostSnapshot(state), before);
  const again = cli(['clean', '--lang', 'zh'], { LAB_STATE_DIR: state });
  t.equal(again.status, 0);
  t.match(again.stdout, '没有需要清理的东西', 'a second clean finds nothing, and says so in Chinese');
});

t.test('lab clean while a lab runs: the run is left to its harness, which finishes and cleans up after itself', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const env = { ...process.env, LAB_STATE_DIR: state, LAB_LABS_DIR: FIXTURES };
  const child = spawn(process.execPath, [BIN, 'run', 'fixture-survivor', '--yes', '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  let runId = '';
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    const event = JSON.parse(next.value) as { type: string; runId?: string; step?: string };
    if (event.type === 'lab-start') runId = event.runId!;
    if (event.type === 'step-start' && event.step === 'wait') break;
  }
  const running = markedPids(runId);
  t.ok(running.length >= 1, 'the lab is running');
  const clean = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state, LAB_LABS_DIR: FIXTURES });
  t.equal(clean.status, 0, 'lab clean succeeded');
  t.match(clean.stdout, /1 run\(s\) are live: left to their owner \(PID \d+, lab fixture-survivor\)/, 'and said it left the live run');
  t.ok(
    running.every((pid) => markedPids(runId).includes(pid)),
    "the run's processes are all still there",
  );
  // Drain the rest of its events, then stop it as a learner would (Ctrl-C): it removes its own resources.
  void (async () => {
    for (let next = await lines.next(); !next.done; next = await lines.next());
  })();
  child.kill('SIGINT');
  t.equal(await exited, 130, 'the harness stopped on Ctrl-C');
  t.same(markedPids(runId), [], 'none of its processes is left');
  t.same(hostSnapshot(state), before);
});
