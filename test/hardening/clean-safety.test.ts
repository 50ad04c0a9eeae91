// `lab clean` is always safe: twice in a row, several at once on a killed run's journal, next to a live run of
// another lab (left to its harness, which then finishes, passes and cleans up), as a user who cannot read the
// journals (refused, never "nothing to clean"), and after a reboot, simulated here (the VM does it for real in
// test/vm/clean-reboot.test.ts): what did not outlive the boot is reported gone, an unrelated process that got a
// journaled PID is left alone, what is on disk is removed.
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseJournal, replay, type RunState } from '../../src/host/journal.js';
import { isAlive, startTime } from '../../src/kernel/proc.js';
import { waitFor } from '../../src/host/cleanup.js';
import { BIN, ROOT, cleanEnv, cli, hostSnapshot, markedPids, needsRoot, tempDir, useTempState } from '../helpers.js';

const LABS = join(ROOT, 'test', 'fixtures', 'clean-labs');
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;

/** A lab run (`lab run <lab> --yes --json`) as events come; `until` resolves at the first event it accepts. */
function startRun(
  lab: string,
  env: Record<string, string>,
): { child: ChildProcess; runId: Promise<string>; at: (step: string) => Promise<void>; done: Promise<{ code: number | null; status?: string }> } {
  const child = spawn(process.execPath, [BIN, 'run', lab, '--yes', '--json', '--lang', 'en'], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const waiters: { step: string; resolve: () => void }[] = [];
  let status: string | undefined;
  let resolveRunId: (id: string) => void = () => undefined;
  const runId = new Promise<string>((resolve) => (resolveRunId = resolve));
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const event = JSON.parse(line) as { type: string; runId?: string; step?: string; outcome?: { status: string } };
    if (event.type === 'lab-start') resolveRunId(event.runId!);
    if (event.type === 'step-start') for (const w of waiters.filter((w) => w.step === event.step)) w.resolve();
    if (event.type === 'lab-done') status = event.outcome?.status;
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; status?: string; stderr?: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, status, stderr })),
  );
  const at = (step: string): Promise<void> => new Promise((resolve) => waiters.push({ step, resolve }));
  return { child, runId, at, done };
}

/** The state a run's journal describes. */
function journalOf(state: string, runId: string): RunState {
  return replay(parseJournal(readFileSync(join(state, 'runs', `${runId}.jsonl`), 'utf8')))!;
}

/** Run fixture-clean, kill -9 its harness in its `wait` step; returns its run id and journaled resources. */
async function killedRun(state: string): Promise<{ runId: string; dir: string; netns: string; survivor: number }> {
  const run = startRun('fixture-clean', { LAB_STATE_DIR: state, LAB_LABS_DIR: LABS });
  await run.at('wait');
  const runId = await run.runId;
  const journal = journalOf(state, runId);
  run.child.kill('SIGKILL');
  await run.done;
  const of = (kind: string) => journal.live.find((l) => l.resource.kind === kind)?.resource as Record<string, unknown> | undefined;
  return { runId, dir: String(of('path')?.path), netns: String(of('netns')?.name), survivor: Number(of('process')?.pid) };
}

/** `lab clean` as a child process, resolving to its status and output. */
function cleanAsync(env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'clean', '--lang', 'en'], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

t.test('lab clean twice: the second finds nothing left', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const dead = await killedRun(state);
  t.ok(existsSync(dead.dir) && existsSync(`/run/netns/${dead.netns}`) && isAlive(dead.survivor), 'the killed run left its directory, namespace and process');
  const first = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state });
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, new RegExp(`fixture-clean \\(${dead.runId}\\): removed 4 resource\\(s\\)\\n`));
  t.notOk(existsSync(dead.dir) || existsSync(`/run/netns/${dead.netns}`) || isAlive(dead.survivor), 'all of it is gone');
  const second = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state });
  t.equal(second.status, 0, second.stderr);
  t.equal(second.stdout, 'Nothing to clean: no lab resources are left on this host.\n');
  t.equal(second.stderr, '');
  t.same(hostSnapshot(state), before);
});

t.test('lab clean three times at once on a killed run: each resource removed once, no error', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const dead = await killedRun(state);
  const results = await Promise.all([1, 2, 3].map(() => cleanAsync({ LAB_STATE_DIR: state })));
  for (const r of results) {
    t.equal(r.status, 0, r.stdout);
    t.equal(r.stderr, '', 'no error');
  }
  const reports = results.filter((r) => r.stdout.includes(dead.runId));
  t.equal(reports.length, 1, 'one clean reports the run');
  t.match(reports[0]?.stdout, /removed 4 resource\(s\)\n/, 'and removed its 4 resources, none already gone');
  t.notMatch(reports[0]?.stdout, /already gone/);
  for (const r of results.filter((r) => !r.stdout.includes(dead.runId))) t.match(r.stdout, /Nothing to clean/);
  t.comment(`cleans that waited for another: ${results.filter((r) => r.stdout.includes('waiting for it to finish')).length}`);
  t.notOk(existsSync(dead.dir) || existsSync(`/run/netns/${dead.netns}`) || isAlive(dead.survivor), 'nothing of the run is left');
  t.same(readdirSync(join(state, 'runs')), [], 'no journal, not even a headless one written after the first clean deleted it');
  t.same(hostSnapshot(state), before);

  // A clean that finds the lock held waits for its holder, says whom it waits for, and goes on once it is free.
  const lock = join(state, 'lab-clean.lock');
  const holder = spawn('flock', ['-x', lock, 'sleep', '2'], { stdio: 'ignore' });
  const held = await waitFor(() => readFileSync('/proc/locks', 'utf8').includes(`FLOCK  ADVISORY  WRITE ${holder.pid} `), 3000, 20);
  t.ok(held, 'the lock is held by another process');
  writeFileSync(lock, `${holder.pid} 0\n`);
  const started = Date.now();
  const waited = await cleanAsync({ LAB_STATE_DIR: state });
  t.equal(waited.status, 0, waited.stderr);
  t.match(waited.stdout, `Another lab clean (PID ${holder.pid}) is running: waiting for it to finish...\nNothing to clean`);
  t.ok(Date.now() - started >= 1000, 'it waited for the holder to let go');
});

t.test('lab clean next to a live run of another lab: the dead run goes, the live one is left, passes and cleans up', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const dead = await killedRun(state);
  // A real lab, its harness paused (SIGSTOP) at a step once its namespaces' processes run.
  const live = startRun('uts-namespace', { LAB_STATE_DIR: state });
  await live.at('set-names');
  live.child.kill('SIGSTOP');
  const liveId = await live.runId;
  const held = journalOf(state, liveId);
  const liveProcs = markedPids(liveId);
  t.ok(liveProcs.length >= 1 && held.live.length >= 1, 'the live run holds processes and resources');

  const clean = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state });
  t.equal(clean.status, 0, clean.stderr);
  t.match(clean.stdout, `1 run(s) are live: left to their owner (PID ${live.child.pid}, lab uts-namespace); stop them with Ctrl-C or kill, then lab clean`);
  t.match(clean.stdout, `fixture-clean (${dead.runId}): removed 4 resource(s)`);
  t.notOk(existsSync(dead.dir) || existsSync(`/run/netns/${dead.netns}`) || isAlive(dead.survivor), "the dead run's resources are gone");
  t.ok(existsSync(join(state, 'runs', `${liveId}.jsonl`)), "the live run's journal is kept");
  t.same(markedPids(liveId), liveProcs, "the live run's processes run on");
  const zh = cli(['clean', '--lang', 'zh'], { LAB_STATE_DIR: state });
  t.equal(zh.status, 0);
  t.match(zh.stdout, `1 个实验运行仍在进行：留给它们自己的进程（PID ${live.child.pid}，实验 uts-namespace）`);
  t.match(zh.stdout, '没有别的需要清理。');

  live.child.kill('SIGCONT');
  const end = await live.done;
  t.equal(end.code, 0, 'the live run finished');
  t.equal(end.status, 'passed', 'and passed');
  t.same(hostSnapshot(state), before, 'it removed its own resources');
});

t.test("lab clean of one state directory leaves another directory's runs alone, live or killed", { skip: needsRoot() }, async (t) => {
  const mine = tempDir('lab-test-state-');
  const other = tempDir('lab-test-state-');
  const before = hostSnapshot(other);
  const dead = await killedRun(other);
  const live = startRun('fixture-clean', { LAB_STATE_DIR: other, LAB_LABS_DIR: LABS, LAB_FIXTURE_WAIT: '10' });
  await live.at('wait');
  const liveId = await live.runId;
  const liveProcs = markedPids(liveId);
  t.ok(liveProcs.length >= 1, 'the live run holds marked processes');
  // Marked processes that do not say their state directory: one with the live run's id (its harness is alive), one
  // with the killed run's (its harness is dead). Only the second is a stray anywhere.
  const bare = (id: string): ChildProcess => spawn('env', ['-u', 'LAB_STATE_DIR', `LAB_RUN_ID=${id}`, 'sleep', '60'], { env: cleanEnv({}), stdio: 'ignore' });
  const ofLive = bare(liveId);
  const ofDead = bare(dead.runId);
  await waitFor(() => markedPids(dead.runId).includes(ofDead.pid!) && markedPids(liveId).includes(ofLive.pid!), 5000, 20);

  const clean = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: mine });
  t.equal(clean.status, 0, clean.stderr);
  t.ok(isAlive(dead.survivor), "the other directory's killed run's process is not this directory's stray");
  t.ok(
    [...liveProcs, ofLive.pid!].every((pid) => isAlive(pid)),
    "the other directory's live run runs on, and so does a process naming its live harness",
  );
  t.notOk(isAlive(ofDead.pid!), 'a process naming a dead harness and no directory is a stray: killed');

  const own = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: other });
  t.equal(own.status, 0, own.stderr);
  t.match(own.stdout, `fixture-clean (${dead.runId}): removed 4 resource(s)`);
  t.notOk(isAlive(dead.survivor), "the killed run's process goes with its own directory's clean");
  t.ok(isAlive(ofLive.pid!), 'the live run is still left to its harness');
  ofLive.kill('SIGKILL');
  const end = await live.done;
  t.equal(end.code, 0, 'the live run finished');
  t.equal(end.status, 'passed', 'and passed');
  t.same(hostSnapshot(other), before, 'nothing of either run is left');
});

t.test('lab clean while lab verify runs: the verify passes', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const verify = spawn(process.execPath, [BIN, 'verify', 'pid-namespace', '--lang', 'en'], { env: cleanEnv({ LAB_STATE_DIR: state }), stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => verify.once('close', resolve));
  let running = true;
  void exited.then(() => (running = false));
  let cleans = 0;
  let sawLive = 0;
  while (running) {
    const r = await cleanAsync({ LAB_STATE_DIR: state });
    t.equal(r.status, 0, r.stderr);
    if (r.stdout.includes('lab pid-namespace)')) sawLive++;
    cleans++;
  }
  t.equal(await exited, 0, `lab verify passed with ${cleans} cleans run meanwhile`);
  t.ok(sawLive >= 1, `${sawLive} of them found it live and left it`);
  t.same(hostSnapshot(state), before);
});

t.test(
  'lab clean as a user who cannot read the journals: refused, never "nothing to clean"',
  { skip: needsRoot() || (!hasSetpriv && 'needs setpriv') },
  async (t) => {
    const asNobody = (env: Record<string, string>, lang = 'en') =>
      // env -u NODE_OPTIONS: the test runner puts its hook back into every child's environment, and the hook
      // cannot write its file as nobody.
      spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', '-u', 'NODE_OPTIONS', process.execPath, BIN, 'clean', '--lang', lang], {
        encoding: 'utf8',
        env: cleanEnv(env),
        cwd: '/',
      });
    // A root state directory (0700) with a journal in it.
    const state = tempDir('lab-test-state-');
    mkdirSync(join(state, 'runs'), { mode: 0o700 });
    writeFileSync(join(state, 'runs', 'lab-fixture-clean-1-x.jsonl'), '', { mode: 0o600 });
    const closed = asNobody({ LAB_STATE_DIR: state });
    t.equal(closed.status, 1);
    t.notMatch(closed.stdout, /Nothing to clean/);
    t.match(closed.stderr, `cannot read the journals in ${state}/runs (EACCES as uid 65534)`);
    t.match(closed.stderr, 'Run it as root: sudo lab clean');
    t.notMatch(closed.stderr, /\n\s+at /, 'no stack trace');
    const zh = asNobody({ LAB_STATE_DIR: state }, 'zh');
    t.equal(zh.status, 1);
    t.match(zh.stderr, `lab clean 无法读取 ${state}/runs 中的日志（journal）`);
    t.match(zh.stderr, '以 root 身份运行：sudo lab clean');

    // The directories open to it, the journal not.
    chmodSync(state, 0o755);
    chmodSync(join(state, 'runs'), 0o755);
    const file = asNobody({ LAB_STATE_DIR: state });
    t.equal(file.status, 1);
    t.match(file.stderr, `read \`${state}/runs/lab-fixture-clean-1-x.jsonl\``);
    t.match(file.stderr, 'EACCES');

    // No state directory at all.
    const missing = `/tmp/lab-test-missing-${process.pid}`;
    const none = asNobody({ LAB_STATE_DIR: missing });
    t.equal(none.status, 1);
    t.notMatch(none.stdout, /Nothing to clean/);
    t.match(none.stderr, `${missing} does not exist for uid 65534`);
    t.match(none.stderr, 'sudo lab clean');

    // The detector can pass: as root, the same directory is read and the (headless, old) journal removed.
    chmodSync(state, 0o700);
    chmodSync(join(state, 'runs'), 0o700);
    utimesSync(join(state, 'runs', 'lab-fixture-clean-1-x.jsonl'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const root = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state });
    t.notMatch(root.stderr, /cannot read the journals/);
    t.notOk(existsSync(join(state, 'runs', 'lab-fixture-clean-1-x.jsonl')), 'root read and removed the journal');
  },
);

t.test('lab clean after a reboot (simulated): gone with the boot, a reused PID spared, what is on disk removed', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const dir = join(tempDir('lab-test-disk-'), 'lab-fixture-clean-disk');
  mkdirSync(dir);
  // An unrelated process that has, after the "reboot", the PID the journal names (with another start time).
  const unrelated = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.teardown(() => void unrelated.kill('SIGKILL'));
  const pid = unrelated.pid!;
  const runId = `lab-fixture-clean-${pid}-reboot`;
  const records = [
    { t: 'owner', kind: 'run', id: runId, lab: 'fixture-clean', pid: 999_999, start: 1, at: '2026-01-01T00:00:00.000Z' },
    { t: 'intent', id: 1, resource: { kind: 'path', path: dir } },
    { t: 'intent', id: 2, resource: { kind: 'mount', target: join(dir, 'lab-mnt') } },
    { t: 'intent', id: 3, resource: { kind: 'netns', name: 'lab-fc-reboot-gone' } },
    { t: 'intent', id: 4, resource: { kind: 'process', name: 'survivor', argv: ['sleep', '300'] } },
    { t: 'update', id: 4, resource: { kind: 'process', name: 'survivor', argv: ['sleep', '300'], pid, start: startTime(pid)! + 1 } },
  ];
  const journal = join(state, 'runs', `${runId}.jsonl`);
  mkdirSync(join(state, 'runs'), { mode: 0o700 });
  writeFileSync(journal, records.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
  // Last written before this boot began.
  const boot = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
  utimesSync(journal, boot - 3600, boot - 3600);

  const clean = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state });
  t.equal(clean.status, 0, clean.stderr);
  t.equal(clean.stderr, '', 'no failure reported');
  t.match(clean.stdout, `fixture-clean (${runId}): removed 1 resource(s); 3 gone with the reboot (the run was in an earlier boot)`);
  t.notOk(existsSync(dir), 'the directory on disk is removed');
  t.ok(isAlive(pid), 'the unrelated process with the journaled PID runs on');
  t.notOk(existsSync(journal));
  const zh = cli(['clean', '--lang', 'zh'], { LAB_STATE_DIR: state });
  t.equal(zh.status, 0);
  t.same(hostSnapshot(state), before);
});
