import t from 'tap';
import { chmodSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { findRuns, Journal, journalPath, labOfRunId, parseJournal, readJournal, replay, type JournalRecord } from '../../src/host/journal.js';
import { mustSync, RESOURCE_KINDS } from '../../src/host/resource-kinds.js';
import { assertPrivateDir, ensureStateDir } from '../../src/host/state-dir.js';
import { useTempState } from '../helpers.js';

const head: JournalRecord = { t: 'run', runId: 'lab-x-1-a', lab: 'x', owner: 1, ownerStart: 2, at: '' };

t.test('replay: created resources are live until removed, newest last', async (t) => {
  const state = replay([
    head,
    { t: 'intent', id: 1, resource: { kind: 'process', name: 'init', argv: ['sleep'] } },
    { t: 'update', id: 1, resource: { kind: 'process', name: 'init', argv: ['sleep'], pid: 10, start: 5 } },
    { t: 'intent', id: 2, resource: { kind: 'path', path: '/tmp/lab-a' } },
    { t: 'step', step: 'two' },
    { t: 'intent', id: 3, resource: { kind: 'process', name: 'b', argv: ['b'] } },
    { t: 'removed', id: 2 },
  ]);
  t.same(
    state?.live.map((l) => l.id),
    [1, 3],
  );
  t.same(state?.live[0]?.resource, { kind: 'process', name: 'init', argv: ['sleep'], pid: 10, start: 5 });
  t.equal(state?.step, 'two');
});

t.test('replay: an intent with no update stays live (crash between journal and creation)', async (t) => {
  const state = replay([head, { t: 'intent', id: 1, resource: { kind: 'process', name: 'i', argv: ['x'] } }]);
  t.equal(state?.live.length, 1);
});

t.test('replay refuses a journal without its header', async (t) => {
  t.equal(replay([{ t: 'removed', id: 1 }]), undefined);
  t.equal(replay([]), undefined);
});

t.test('parse: a torn last line (crash mid-write) is dropped', async (t) => {
  const text = `${JSON.stringify(head)}\n${JSON.stringify({ t: 'removed', id: 1 })}\n{"t":"inte`;
  t.equal(parseJournal(text).length, 2);
});

t.test('a journal on disk: written before creation, found with its live owner, deleted when finished', async (t) => {
  useTempState();
  const journal = Journal.create({ kind: 'run', lab: 'demo-lab' });
  t.equal(labOfRunId(journal.runId), 'demo-lab');
  const id = journal.intend({ kind: 'process', name: 'p', argv: ['true'] });
  const [run] = findRuns();
  t.equal(run?.lab, 'demo-lab');
  t.ok(run?.ownerAlive, 'this process owns it and is alive');
  t.same(
    run?.live.map((l) => l.id),
    [id],
  );
  t.match(readFileSync(journalPath(journal.runId), 'utf8'), /"t":"intent"/);
  journal.removed(id);
  journal.finish();
  t.same(findRuns(), []);
});

t.test('the state directory must be private: a symlink or an open mode is refused', async (t) => {
  const dir = useTempState();
  ensureStateDir();
  t.doesNotThrow(() => assertPrivateDir(dir));
  const open = join(dir, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  t.throws(() => assertPrivateDir(open), { code: 'unsafe-state-dir' });
  const link = join(dir, 'link');
  symlinkSync(dir, link);
  t.throws(() => assertPrivateDir(link), { code: 'unsafe-state-dir' });
});

t.test('a failed command is explained by the errno it printed', async (t) => {
  const { commandError, errnoInOutput } = await import('../../src/common/errors.js');
  t.equal(errnoInOutput('unshare: unshare failed: Operation not permitted'), 'EPERM');
  t.equal(errnoInOutput('unshare: unshare failed: Invalid argument'), 'EINVAL');
  t.equal(errnoInOutput('all fine'), undefined);
  const fallback = { meaning: { en: 'm', zh: '意' }, fix: { en: 'f', zh: '修' } };
  const known = commandError('run `unshare --time true`', 'unshare: No space left on device', fallback);
  t.equal(known.code, 'ENOSPC');
  t.match(known.fix.en, 'max_user_namespaces');
  t.equal(commandError('run `x`', 'odd', fallback).code, 'command-failed');
});

t.test('only the records of a resource that outlives a reboot are fsynced', async (t) => {
  const persistent = (Object.keys(RESOURCE_KINDS) as (keyof typeof RESOURCE_KINDS)[]).filter((kind) => RESOURCE_KINDS[kind].persistent);
  t.same(
    persistent.sort(),
    ['container', 'network', 'path'],
    'files and directories (a container is its directory under the state dir, a network its record there)',
  );
  t.equal(mustSync({ kind: 'path', path: '/tmp/lab-x' }), true);
  t.equal(mustSync({ kind: 'cgroup', path: '/sys/fs/cgroup/lab-x' }), false, 'a cgroup is gone after a reboot');
  t.equal(mustSync({ kind: 'process', name: 'x', argv: ['true'] }), false, 'so is a process');
});

t.test('a resource of every kind, as the harness journals it, is read back: none is taken for a damaged line', async (t) => {
  // One of each kind, typed: a kind added to Resource without an entry here fails to compile.
  const every: { [K in keyof typeof RESOURCE_KINDS]: Extract<JournalRecord, { t: 'intent' }>['resource'] & { kind: K } } = {
    process: { kind: 'process', name: 'init', argv: ['sleep', '1'], pid: 10, start: 5, target: 11, targetStart: 6 },
    path: { kind: 'path', path: '/run/lab-capstone' },
    link: { kind: 'link', name: 'lab-cap0' },
    netns: { kind: 'netns', name: 'lab-capnet' },
    cgroup: { kind: 'cgroup', path: '/sys/fs/cgroup/lab-x' },
    scope: { kind: 'scope', unit: 'lab-x.scope', path: '/sys/fs/cgroup/system.slice/lab-x.scope' },
    loop: { kind: 'loop', file: '/var/lib/lab/lab-disk.img' },
    sysv: { kind: 'sysv', type: 'msg', id: 3, key: 4 },
    // A mount's target is its mount point (a string), where a process's target is a PID.
    mount: { kind: 'mount', target: '/run/lab-capstone/lab-rootfs' },
    container: { kind: 'container', name: 'lab-web' },
    network: { kind: 'network', name: 'lab-net' },
  };
  const records: JournalRecord[] = [head, ...Object.values(every).map((resource, i) => ({ t: 'intent' as const, id: i + 1, resource }))];
  const reading = readJournal(Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join('')));
  t.same(reading.unreadable, [], 'no line is unreadable');
  t.equal(reading.records.length, records.length, 'every record is kept');
  t.same(
    replay(reading.records)!.live.map((l) => l.resource.kind),
    Object.keys(every),
    'and every resource is live after replay',
  );
  // The detector can fail: a mount whose target is not a lab- name is refused.
  const foreign = readJournal(Buffer.from(`${JSON.stringify(head)}\n${JSON.stringify({ t: 'intent', id: 1, resource: { kind: 'mount', target: '/etc' } })}\n`));
  t.same(
    foreign.unreadable.map((u) => u.line),
    [2],
    'a mount on /etc is refused',
  );
});
