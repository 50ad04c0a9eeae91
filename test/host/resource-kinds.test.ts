// The table of host-resource kinds: it covers every kind, and each kind's exists/describe/remove works on a real,
// harmless thing of that kind (a lab- path in a temp dir, a sleep, a lab- netns, link, mount, cgroup, loop device,
// System V queue), while nothing without the lab- prefix is ever removed.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/common/wait.js';
import { readCgroupLayout } from '../../src/kernel/cgroup-mode.js';
import { readMountinfo } from '../../src/kernel/mountinfo.js';
import { isAlive, startTime } from '../../src/kernel/proc.js';
import type { Resource, ResourceKind, ResourceOf } from '../../src/host/resource.js';
import {
  DECLARABLE_KINDS,
  RESOURCE_KINDS,
  describeResource,
  foreignNames,
  opsOf,
  removeResource,
  resourceExists,
  type KindOps,
} from '../../src/host/resource-kinds.js';
import { addNetns, needsRoot, tempDir } from '../helpers.js';
import type { Test } from 'tap';

const sh = (...argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
const suffix = `${process.pid}`;

/** Every kind, written out: the compiler refuses this object if a kind is missing or unknown. */
const EVERY_KIND: Record<ResourceKind, true> = {
  process: true,
  path: true,
  link: true,
  netns: true,
  cgroup: true,
  scope: true,
  loop: true,
  sysv: true,
  mount: true,
  container: true,
  network: true,
};

// An entry without one of its operations does not compile (tsc -p tsconfig.test.json proves it).
const incomplete = {
  ...RESOURCE_KINDS,
  mount: { named: ['target'], what: () => ({ en: 'm', zh: '挂载' }), describe: () => 'umount', exists: () => false },
};
// @ts-expect-error: `remove` is missing from the mount entry
void (incomplete satisfies { [K in ResourceKind]: KindOps<ResourceOf<K>> });

/** Check what the table says of a resource that exists now, remove it, and check that it is gone. */
async function roundTrip(t: Test, resource: Resource, shown: string): Promise<void> {
  t.ok(resourceExists(resource), `${resource.kind}: exists`);
  t.equal(describeResource(resource), shown, `${resource.kind}: shown as \`${shown}\``);
  const what = opsOf(resource).what(resource);
  t.ok(what.en && /[\u3400-\u9fff]/.test(what.zh), `${resource.kind}: named in both languages`);
  t.equal(await removeResource(resource), true, `${resource.kind}: removed`);
  t.notOk(resourceExists(resource), `${resource.kind}: gone`);
  t.equal(await removeResource(resource), true, `${resource.kind}: removing it again is no error`);
}

t.test('the table has one entry per kind, each with every operation', async (t) => {
  t.same(Object.keys(RESOURCE_KINDS).sort(), Object.keys(EVERY_KIND).sort());
  for (const [kind, ops] of Object.entries(RESOURCE_KINDS)) {
    for (const op of ['what', 'describe', 'exists', 'remove'] as const) t.type(ops[op], 'function', `${kind}.${op}`);
    t.ok(Array.isArray(ops.named), `${kind}.named`);
  }
  t.same(
    DECLARABLE_KINDS,
    Object.keys(RESOURCE_KINDS).filter((kind) => kind !== 'process'),
    'a lab declares every kind but a process',
  );
});

t.test('names: every naming field must carry the lab- prefix; a System V object has none to check', async (t) => {
  t.same(foreignNames('scope', { unit: 'lab-a.scope', path: '/sys/fs/cgroup/x/lab-a.scope' }), []);
  t.same(foreignNames('scope', { unit: 'ssh.service', path: '/sys/fs/cgroup/lab-a' }), ['unit: ssh.service']);
  t.same(foreignNames('mount', { target: '/mnt' }), ['target: /mnt']);
  t.same(foreignNames('link', {}), ['name: undefined']);
  t.same(foreignNames('sysv', { type: 'msg' }), []);
});

t.test('path: a lab path in a temp dir; one without the prefix is refused and kept', async (t) => {
  const dir = tempDir('lab-test-kinds-');
  const path = join(dir, 'lab-thing');
  mkdirSync(join(path, 'deep'), { recursive: true });
  await roundTrip(t, { kind: 'path', path }, `rm -rf ${path}`);
  const theirs = join(dir, 'precious');
  writeFileSync(theirs, 'keep me');
  t.equal(await removeResource({ kind: 'path', path: theirs }), false);
  t.ok(existsSync(theirs), 'never touched');
});

t.test('process: a sleep, known by PID and start time', async (t) => {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const pid = child.pid!;
  t.teardown(() => void child.kill('SIGKILL'));
  t.ok(await waitFor(() => startTime(pid) !== undefined, 3000));
  const resource: ResourceOf<'process'> = { kind: 'process', name: 'sleeper', argv: ['sleep', '60'], pid, start: startTime(pid) };
  t.same(opsOf(resource).removed?.(resource), { en: `stopped sleeper (host PID ${pid})`, zh: `已停止 sleeper（宿主机 PID ${pid}）` });
  t.notOk(resourceExists({ ...resource, start: (resource.start ?? 0) + 1 }), 'another start time: another process');
  await roundTrip(t, resource, `kill -KILL ${pid}  (sleeper)`);
  t.notOk(isAlive(pid));
});

t.test('netns and link: a lab- network namespace and veth pair; lo is refused', { skip: needsRoot() }, async (t) => {
  const ns = `lab-test-kinds-${suffix}`;
  t.equal(addNetns(ns), 0);
  await roundTrip(t, { kind: 'netns', name: ns }, `ip netns del ${ns}`);
  const link = `lab-k${suffix}`.slice(0, 15);
  t.equal(sh('ip', 'link', 'add', link, 'type', 'veth', 'peer', 'name', `${link}p`.slice(0, 15)).status, 0);
  await roundTrip(t, { kind: 'link', name: link }, `ip link del ${link}`);
  t.equal(await removeResource({ kind: 'link', name: 'lo' }), false);
  t.ok(existsSync('/sys/class/net/lo'));
});

t.test('mount: a tmpfs on a lab- directory, stacked twice, found in mountinfo and lazily unmounted', { skip: needsRoot() }, async (t) => {
  const dir = tempDir('lab-test-kinds-');
  const target = join(dir, 'lab-mnt');
  mkdirSync(target);
  t.equal(sh('mount', '-t', 'tmpfs', 'lab-test', target).status, 0);
  t.equal(sh('mount', '-t', 'tmpfs', 'lab-test', target).status, 0);
  t.equal((readMountinfo('self') ?? []).filter((m) => m.mountPoint === target).length, 2, 'two mounts on one point');
  await roundTrip(t, { kind: 'mount', target }, `umount -l ${target}`);
  t.ok(existsSync(target), 'the mount point itself is a path resource of its own, left in place');
  t.equal(await removeResource({ kind: 'mount', target: '/' }), false, 'a mount point without the prefix is refused');
});

const v2 = readCgroupLayout().v2Path;
t.test('cgroup: a lab- cgroup under the v2 root', { skip: needsRoot() || (!v2 && 'needs a cgroup v2 hierarchy') }, async (t) => {
  const path = join(v2!, `lab-test-kinds-${suffix}`);
  mkdirSync(path);
  await roundTrip(t, { kind: 'cgroup', path }, `rmdir ${path}`);
});

t.test('scope: shown as the systemctl stop that ends it; never touched without the prefix', async (t) => {
  const resource: ResourceOf<'scope'> = { kind: 'scope', unit: 'lab-x.scope', path: '/sys/fs/cgroup/system.slice/lab-x.scope' };
  t.equal(describeResource(resource), 'systemctl stop lab-x.scope');
  t.notOk(resourceExists({ ...resource, path: join(tempDir('lab-test-kinds-'), 'lab-none') }));
  t.equal(await removeResource({ ...resource, unit: 'ssh.service' }), false);
});

t.test('loop: a loop device on a lab- file', { skip: needsRoot() || (!existsSync('/dev/loop-control') && 'needs loop devices') }, async (t) => {
  const file = join(tempDir('lab-test-kinds-'), 'lab-disk.img');
  writeFileSync(file, Buffer.alloc(1024 * 1024));
  const attach = sh('losetup', '--find', '--show', file);
  t.equal(attach.status, 0, attach.stderr);
  await roundTrip(t, { kind: 'loop', file }, `losetup -d $(losetup -j ${file} -O NAME -n)`);
});

t.test('sysv: found after it is made (the one new object), named by id and key', async (t) => {
  const ops = RESOURCE_KINDS.sysv;
  const declared: ResourceOf<'sysv'> = { kind: 'sysv', type: 'msg' };
  t.equal(describeResource(declared), 'sysv', 'before it is found it has no id to show');
  const find = ops.find(declared);
  t.equal(sh('ipcmk', '-Q').status, 0);
  const found = find();
  t.ok(found?.id !== undefined && found.key !== undefined, 'found by before/after');
  await roundTrip(t, found!, `ipcrm -q ${found!.id}`);
});
