// Each kind of host resource is removed by cleanup, and nothing that does not carry the lab- prefix ever is.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeResource, removeResource, resourceExists, waitFor } from '../../src/host/cleanup.js';
import { readCgroupLayout } from '../../src/kernel/cgroup-mode.js';
import { isAlive } from '../../src/kernel/proc.js';
import { readSysvipc } from '../../src/kernel/sysvipc.js';
import { addNetns, needsRoot, tempDir } from '../helpers.js';

const sh = (...argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
const suffix = `${process.pid}`;

t.test('a lab path is removed; a path without the prefix is refused and kept', async (t) => {
  const dir = tempDir('lab-test-clean-');
  const ours = join(dir, 'lab-thing');
  const theirs = join(dir, 'precious');
  mkdirSync(join(ours, 'deep'), { recursive: true });
  writeFileSync(theirs, 'keep me');
  t.equal(await removeResource({ kind: 'path', path: ours }), true);
  t.notOk(existsSync(ours));
  t.equal(await removeResource({ kind: 'path', path: theirs }), false);
  t.ok(existsSync(theirs), 'never touched');
});

t.test('a veth link and a named network namespace', { skip: needsRoot() }, async (t) => {
  const link = `lab-t${suffix}`.slice(0, 15);
  const ns = `lab-test-ns-${suffix}`;
  t.equal(sh('ip', 'link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`.slice(0, 15)).status, 0);
  t.equal(addNetns(ns), 0);
  t.ok(resourceExists({ kind: 'link', name: link }) && resourceExists({ kind: 'netns', name: ns }));
  t.equal(describeResource({ kind: 'link', name: link }), `ip link del ${link}`);
  t.equal(await removeResource({ kind: 'netns', name: ns }), true);
  t.equal(await removeResource({ kind: 'link', name: link }), true);
  t.notOk(existsSync(`/sys/class/net/${link}`), 'the link is gone (and its peer with it)');
  t.notOk(existsSync(`/run/netns/${ns}`));
  t.equal(await removeResource({ kind: 'link', name: 'lo' }), false, 'a link without the prefix is refused');
  t.ok(existsSync('/sys/class/net/lo'));
});

t.test('a System V queue, named by id and key together', { skip: needsRoot() }, async (t) => {
  const before = new Set(readSysvipc('msg').map((o) => o.id));
  t.equal(sh('ipcmk', '-Q').status, 0);
  const made = readSysvipc('msg').find((o) => !before.has(o.id))!;
  t.ok(made);
  t.equal(await removeResource({ kind: 'sysv', type: 'msg', id: made.id, key: made.key + 1 }), true, 'another key: not ours, nothing done');
  t.ok(
    readSysvipc('msg').some((o) => o.id === made.id),
    'still there',
  );
  t.equal(await removeResource({ kind: 'sysv', type: 'msg', id: made.id, key: made.key }), true);
  t.notOk(
    readSysvipc('msg').some((o) => o.id === made.id),
    'removed',
  );
});

const v2 = readCgroupLayout().v2Path;
t.test('a cgroup with a process and a child cgroup inside it', { skip: needsRoot() || (!v2 && 'needs a cgroup v2 hierarchy') }, async (t) => {
  const path = join(v2!, `lab-test-cg-${suffix}`);
  mkdirSync(join(path, 'child'), { recursive: true });
  const sleeper = spawnSync('sh', ['-c', `sleep 60 >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' });
  const pid = Number(sleeper.stdout.trim());
  writeFileSync(join(path, 'child', 'cgroup.procs'), String(pid));
  t.equal(await removeResource({ kind: 'cgroup', path }), true);
  t.notOk(existsSync(path), 'the cgroup and its child are gone');
  t.ok(await waitFor(() => !isAlive(pid), 3000), 'the process left in it was killed');
  t.equal(await removeResource({ kind: 'cgroup', path: join(v2!, 'not-ours') }), false, 'refused without the prefix');
});
