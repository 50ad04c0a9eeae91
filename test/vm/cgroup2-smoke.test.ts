// Inside the test VM (scripts/vm.mjs), the kernel offers what the cgroup labs need: cgroup v2
// alone at /sys/fs/cgroup, the memory, cpu, pids and io controllers, and child cgroups with limits.
// Every assertion reads the kernel: statfs, mountinfo, cgroup files.
import { existsSync, mkdirSync, readFileSync, rmdirSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

const CGROUP = '/sys/fs/cgroup';
const CGROUP2_SUPER_MAGIC = 0x63677270;
const skip = process.env.LAB_IN_VM ? false : 'runs only in the test VM (npm run test:vm)';

const read = (path: string): string => readFileSync(path, 'utf8').trim();

/** Mount point and filesystem type of every line of /proc/self/mountinfo. */
function mounts(): { point: string; fstype: string }[] {
  return read('/proc/self/mountinfo')
    .split('\n')
    .map((line) => {
      const fields = line.split(' ');
      const dash = fields.indexOf('-');
      return { point: fields[4] ?? '', fstype: fields[dash + 1] ?? '' };
    });
}

t.test('/sys/fs/cgroup is cgroup2, and no cgroup v1 hierarchy is mounted', { skip }, async (t) => {
  t.equal(statfsSync(CGROUP).type, CGROUP2_SUPER_MAGIC, 'statfs(/sys/fs/cgroup).f_type is CGROUP2_SUPER_MAGIC');
  const all = mounts();
  t.same(
    all.filter((m) => m.point === CGROUP).map((m) => m.fstype),
    ['cgroup2'],
    'mountinfo: one cgroup2 mount at /sys/fs/cgroup',
  );
  t.same(
    all.filter((m) => m.fstype === 'cgroup').map((m) => m.point),
    [],
    'mountinfo: no cgroup v1 mount',
  );
  t.equal(read('/proc/self/cgroup'), '0::/', '/proc/self/cgroup: one v2 entry, the root cgroup');
});

t.test('the root offers memory, cpu, pids and io, and enables every controller for its children', { skip }, async (t) => {
  const available = read(join(CGROUP, 'cgroup.controllers')).split(' ');
  for (const c of ['memory', 'cpu', 'pids', 'io']) t.ok(available.includes(c), `cgroup.controllers has ${c}`);
  const enabled = read(join(CGROUP, 'cgroup.subtree_control')).split(' ');
  t.same([...enabled].sort(), [...available].sort(), 'cgroup.subtree_control enables all of cgroup.controllers');
});

t.test('a child cgroup takes memory.max = 50M and is removed', { skip }, async (t) => {
  const child = join(CGROUP, `lab-vm-smoke-${process.pid}`);
  t.teardown(() => {
    if (existsSync(child)) rmdirSync(child);
  });
  mkdirSync(child);
  const controllers = read(join(child, 'cgroup.controllers')).split(' ');
  t.ok(controllers.includes('memory'), 'the child has the memory controller');
  writeFileSync(join(child, 'memory.max'), '50M');
  t.equal(read(join(child, 'memory.max')), String(50 * 1024 * 1024), 'memory.max reads back 52428800');
  rmdirSync(child);
  t.notOk(existsSync(child), 'rmdir removed the child cgroup');
});

t.test("the labs' cgroup v2 requirements are met here, as lab doctor and lab list will say", { skip }, async (t) => {
  const { unmet } = await import('../../src/lab/requirements.js');
  t.same(
    unmet(['cgroup2', 'cgroup2-memory', 'cgroup2-cpu', 'cgroup2-pids', 'cgroup2-io']).map((r) => r.id),
    [],
  );
});
