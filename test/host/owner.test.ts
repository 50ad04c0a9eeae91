// An owner of host resources that is not a lab run: a fake container made by one process that exits without
// cleaning (as `lab container run -d` will), kept by `lab clean` while its init lives and removed once it is dead,
// or removed from another process through the executor (as its `rm` will). Old journals (head `t: 'run'`) are
// still read and cleaned.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/common/wait.js';
import { findOwners, findRuns, Journal, journalPath, parseJournal, replay } from '../../src/host/journal.js';
import { RUN_MARKER } from '../../src/host/exec.js';
import { Owned } from '../../src/host/owner.js';
import { isAlive } from '../../src/kernel/proc.js';
import { cleanEnv, cli, markedPids, ROOT, tempDir, useTempState } from '../helpers.js';

const OWNER = join(ROOT, 'dist', 'src', 'host', 'owner.js');
const EXEC = join(ROOT, 'dist', 'src', 'host', 'exec.js');

/** Process A: journals a lab- directory and a sleep (its init, which holds it alive), then exits without cleaning. */
const START = `
import { mkdirSync } from 'node:fs';
const { Owned } = await import(${JSON.stringify(OWNER)});
const { startProcess } = await import(${JSON.stringify(EXEC)});
const owned = Owned.create({ kind: 'container', id: process.env.CTR_ID });
const dir = owned.claim({ kind: 'path', path: process.env.CTR_DIR }, 'mkdir');
mkdirSync(process.env.CTR_DIR);
dir.made();
const init = { kind: 'process', name: 'init', argv: ['sleep', '600'] };
const id = owned.intend(init);
const started = await startProcess(init.argv, { runId: owned.id });
owned.update(id, { ...init, pid: started.pid, start: started.start });
owned.holdBy(id);
owned.close();
process.stdout.write(JSON.stringify({ pid: started.pid }));
process.exit(0);
`;

/** Process B: takes the owner over by its id and removes everything it holds (the future `lab container rm`). */
const REMOVE = `
const { Owned } = await import(${JSON.stringify(OWNER)});
const owned = Owned.open(process.env.CTR_ID);
const report = await owned.removeAll();
process.stdout.write(JSON.stringify(report));
`;

const node = (script: string, env: Record<string, string>) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: cleanEnv(env), timeout: 30_000 });

/** Start a fake container in another process; returns its init's PID. */
function startContainer(t: Test, id: string, dir: string): number {
  const started = node(START, { CTR_ID: id, CTR_DIR: dir });
  t.equal(started.status, 0, started.stderr);
  const { pid } = JSON.parse(started.stdout) as { pid: number };
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
  return pid;
}

t.test('a container outlives the command that made it: lab clean keeps it while its init lives, removes it after', async (t) => {
  const state = useTempState();
  const id = `lab-test-ctr-${process.pid}`;
  const dir = join(tempDir('lab-test-owner-'), 'lab-rootfs');
  const init = startContainer(t, id, dir);

  t.ok(isAlive(init), 'its init runs, though the process that started it has exited');
  t.ok(existsSync(dir), 'its directory is there');
  const [found] = findOwners();
  t.equal(found?.kind, 'container');
  t.equal(found?.id, id);
  t.equal(found?.holder.pid, init, 'the init holds it, not the process that made the journal');
  t.ok(found?.ownerAlive, 'alive while its init runs');
  t.same(findRuns(), [], 'it is no lab run: `lab shell`, `lab hint` and `lab run` do not see it');

  const kept = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state });
  t.equal(kept.status, 0, kept.stderr);
  t.match(kept.stdout, `container ${id} is running (init process ${init}): its resources are kept`);
  t.ok(isAlive(init), 'lab clean left its init alone');
  t.same(markedPids(id), [init], 'and did not take it for a stray');
  t.ok(existsSync(dir) && existsSync(journalPath(id)), 'its directory and journal are kept');

  process.kill(init, 'SIGKILL');
  t.ok(await waitFor(() => !isAlive(init), 3000), 'its init is dead');
  const cleaned = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state });
  t.equal(cleaned.status, 0, cleaned.stderr);
  // The init died before the clean: it counts as already gone, the directory as removed.
  t.match(cleaned.stdout, `container ${id}: removed 1 resource(s); 1 already gone`);
  t.notOk(existsSync(dir), 'its directory is removed');
  t.notOk(existsSync(journalPath(id)), 'its journal is gone');
});

t.test('another process removes a container through the executor (its future rm)', async (t) => {
  const state = useTempState();
  const id = `lab-test-rm-${process.pid}`;
  const dir = join(tempDir('lab-test-owner-'), 'lab-rootfs');
  const init = startContainer(t, id, dir);
  t.ok(isAlive(init) && existsSync(dir));

  const removed = node(REMOVE, { CTR_ID: id, LAB_STATE_DIR: state });
  t.equal(removed.status, 0, removed.stderr);
  const report = JSON.parse(removed.stdout) as { kind: string; id: string; removed: { kind: string }[]; failed: unknown[] };
  t.same({ kind: report.kind, id: report.id, failed: report.failed }, { kind: 'container', id, failed: [] });
  t.same(
    report.removed.map((r) => r.kind),
    ['process', 'path'],
    'newest first: the init, then the directory',
  );
  t.ok(await waitFor(() => !isAlive(init), 3000), 'its init is killed');
  t.notOk(existsSync(dir), 'its directory is removed');
  t.notOk(existsSync(journalPath(id)), 'its journal is gone');
  t.equal(Owned.open(id), undefined, 'nothing is left to open');
});

t.test('an owner id must carry the lab- prefix, and is taken only once', async (t) => {
  useTempState();
  t.throws(() => Journal.create({ kind: 'container', id: 'web' }), /lab-/);
  const first = Journal.create({ kind: 'container', id: 'lab-web' });
  t.throws(() => Journal.create({ kind: 'container', id: 'lab-web' }), { code: 'EEXIST' });
  first.finish();
});

t.test('a resource already there, or not named lab-, is refused before anything is journaled', async (t) => {
  useTempState();
  const owned = Owned.create({ kind: 'container', id: `lab-test-claim-${process.pid}` });
  const dir = tempDir('lab-test-owner-');
  const there = join(dir, 'lab-there');
  mkdirSync(there);
  t.throws(() => owned.claim({ kind: 'path', path: there }, 'mkdir'), { code: 'exists', meaning: { en: `${there} already exists` } });
  t.throws(() => owned.claim({ kind: 'link', name: 'eth0' }, 'ip link add'), /name: eth0/);
  t.same(owned.resources(), [], 'nothing journaled');
  t.same((await owned.removeAll()).removed, []);
});

t.test("replay: the owner head, and a hold that hands the owner's life to a journaled process", async (t) => {
  const state = replay([
    { t: 'owner', kind: 'container', id: 'lab-web', pid: 10, start: 1, at: '' },
    { t: 'intent', id: 1, resource: { kind: 'process', name: 'init', argv: ['sleep'] } },
    { t: 'hold', id: 1 },
  ]);
  t.same(state?.holder, { pid: 10, start: 1 }, 'before the init runs, its creator holds it');
  t.equal(state?.lab, '');
  const later = replay([
    { t: 'owner', kind: 'container', id: 'lab-web', pid: 10, start: 1, at: '' },
    { t: 'intent', id: 1, resource: { kind: 'process', name: 'init', argv: ['unshare'] } },
    { t: 'update', id: 1, resource: { kind: 'process', name: 'init', argv: ['unshare'], pid: 20, start: 2, target: 21, targetStart: 3 } },
    { t: 'hold', id: 1 },
  ]);
  t.same(later?.holder, { pid: 21, start: 3 }, 'then the process the name stands for');
  const run = replay([{ t: 'owner', kind: 'run', id: 'lab-x-1-a', lab: 'x', pid: 10, start: 1, at: '' }]);
  t.same(
    { kind: run?.kind, runId: run?.runId, lab: run?.lab, owner: run?.owner, holder: run?.holder },
    { kind: 'run', runId: 'lab-x-1-a', lab: 'x', owner: 10, holder: { pid: 10, start: 1 } },
  );
});

t.test('a journal written before owners (head `t: run`) is still read and cleaned', async (t) => {
  const state = useTempState();
  mkdirSync(join(state, 'runs'), { mode: 0o700 });
  const dead = spawnSync('true').pid!;
  const dir = join(tempDir('lab-test-owner-'), 'lab-old');
  mkdirSync(dir);
  const runId = `lab-oldlab-${dead}-x`;
  const records = [
    { t: 'run', runId, lab: 'oldlab', owner: dead, ownerStart: 1, at: '' },
    { t: 'intent', id: 1, resource: { kind: 'path', path: dir } },
  ];
  writeFileSync(join(state, 'runs', `${runId}.jsonl`), records.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
  const [run] = findRuns();
  t.same({ kind: run?.kind, lab: run?.lab, ownerAlive: run?.ownerAlive }, { kind: 'run', lab: 'oldlab', ownerAlive: false });
  t.equal(replay(parseJournal(readFileSync(join(state, 'runs', `${runId}.jsonl`), 'utf8')))?.live.length, 1);
  const clean = cli(['clean', '--lang', 'en'], { LAB_STATE_DIR: state });
  t.equal(clean.status, 0, clean.stderr);
  t.match(clean.stdout, `oldlab (${runId}): removed 1 resource(s)`);
  t.notOk(existsSync(dir));
  t.same(findOwners(), []);
});

t.test('removeAll finds stray processes by their mark, unless the owner says none can be left', async (t) => {
  useTempState();
  for (const scan of [true, false]) {
    const owned = Owned.create({ kind: 'container', id: `lab-container-stray${scan ? 'scan' : 'skip'}` });
    const dir = join(tempDir('lab-test-owner-'), 'lab-stray');
    owned.claim({ kind: 'path', path: dir }, 'mkdir').made();
    // Not journaled: only its mark (the owner's id in its environment) tells whose it is.
    const stray = spawn('sleep', ['600'], { env: cleanEnv({ [RUN_MARKER]: owned.id }), stdio: 'ignore' });
    const pid = stray.pid!;
    await waitFor(() => markedPids(owned.id).includes(pid), 5000);
    const report = await owned.removeAll(undefined, scan ? {} : { scanStrays: false });
    t.same(report.failed, [], `${scan ? 'scan' : 'no scan'}: every journaled resource removed`);
    if (scan) {
      t.equal(report.strays, 1, 'the stray is found by its mark and killed');
      await waitFor(() => !isAlive(pid), 5000);
      t.notOk(isAlive(pid));
    } else {
      t.equal(report.strays, 0, 'no scan: the owner vouched that nothing of its own is left');
      t.ok(isAlive(pid), 'so a process it did not know of is not looked for');
      stray.kill('SIGKILL');
    }
  }
});
