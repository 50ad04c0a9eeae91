// parseCgroupMounts on mountinfo of real distributions, and on this host checked against /proc/cgroups.
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { parseCgroupMounts, readCgroupLayout, readV2Controllers, v1ControllersOf } from '../../src/kernel/cgroup-mode.js';

// Debian 12 / Ubuntu 22.04 and later: systemd mounts only cgroup v2.
const UNIFIED = `
22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro
23 22 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
24 23 0:6 / /sys/kernel/security rw,nosuid,nodev,noexec,relatime shared:8 - securityfs securityfs rw
30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
31 23 0:27 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:5 - pstore pstore rw
`;

// Ubuntu 20.04: v2 at /sys/fs/cgroup/unified (for systemd only), every controller on a v1 hierarchy.
const HYBRID = `
25 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
26 25 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
35 26 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
36 35 0:31 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
37 35 0:32 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
40 35 0:35 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct
41 35 0:36 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory
42 35 0:37 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,pids
43 35 0:38 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,net_cls,net_prio
44 35 0:39 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,cpuset,clone_children
45 35 0:40 / /sys/fs/cgroup/hugetlb rw,nosuid,nodev,noexec,relatime shared:20 - cgroup cgroup rw,hugetlb
`;

// CentOS 7 (SELinux adds `seclabel`; systemd's hierarchy has a release agent).
const LEGACY = `
18 62 0:17 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw,seclabel
25 18 0:21 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,seclabel,mode=755
26 25 0:22 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,seclabel,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd
28 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,seclabel,cpu,cpuacct
29 25 0:25 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,seclabel,memory
30 25 0:26 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,seclabel,pids
`;

t.test('unified: cgroup v2 at /sys/fs/cgroup and nothing else', async (t) => {
  t.same(parseCgroupMounts(UNIFIED), { mode: 'unified', v2Path: '/sys/fs/cgroup', v1Controllers: [], v1Named: [] });
});

t.test('unified, with a named v1 hierarchy for old containers: it holds no controller', async (t) => {
  const text = `${UNIFIED}50 30 0:45 / /sys/fs/cgroup/systemd rw,relatime shared:30 - cgroup cgroup rw,name=systemd\n`;
  t.same(parseCgroupMounts(text), { mode: 'unified', v2Path: '/sys/fs/cgroup', v1Controllers: [], v1Named: ['systemd'] });
});

t.test('hybrid: v2 at /sys/fs/cgroup/unified, controllers on v1', async (t) => {
  const layout = parseCgroupMounts(HYBRID);
  t.equal(layout.mode, 'hybrid');
  t.equal(layout.v2Path, '/sys/fs/cgroup/unified');
  t.same(layout.v1Controllers, ['cpu', 'cpuacct', 'memory', 'pids', 'net_cls', 'net_prio', 'cpuset', 'hugetlb']);
  t.same(layout.v1Named, ['systemd']);
});

t.test('legacy: v1 only; seclabel, xattr and release_agent are not controllers', async (t) => {
  t.same(parseCgroupMounts(LEGACY), {
    mode: 'legacy',
    v1Controllers: ['cpu', 'cpuacct', 'memory', 'pids'],
    v1Named: ['systemd'],
  });
});

t.test('none: no cgroup filesystem at all', async (t) => {
  t.same(parseCgroupMounts('22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n'), { mode: 'none', v1Controllers: [], v1Named: [] });
  t.same(parseCgroupMounts(''), { mode: 'none', v1Controllers: [], v1Named: [] });
});

t.test('a second cgroup2 mount elsewhere (a bind mount) does not displace /sys/fs/cgroup', async (t) => {
  const text = `${UNIFIED}60 22 0:26 / /var/lib/box/cgroup rw,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n`;
  t.equal(parseCgroupMounts(text).v2Path, '/sys/fs/cgroup');
});

t.test('the same hierarchy mounted twice lists its controllers once', async (t) => {
  const text = `${LEGACY}70 22 0:25 / /mnt/memory rw,relatime - cgroup cgroup rw,seclabel,memory\n`;
  t.same(parseCgroupMounts(text).v1Controllers, ['cpu', 'cpuacct', 'memory', 'pids']);
});

t.test('v1ControllersOf drops flags and key=value options', async (t) => {
  t.same(v1ControllersOf('rw,cpu,cpuacct'), ['cpu', 'cpuacct']);
  t.same(v1ControllersOf('rw,xattr,name=systemd'), []);
  t.same(v1ControllersOf('rw,noprefix,release_agent=/sbin/agent,cpuset,clone_children,cpuset_v2_mode'), ['cpuset']);
});

t.test('readV2Controllers: undefined for a directory without cgroup.controllers', async (t) => {
  t.equal(readV2Controllers('/nonexistent-cgroup-dir'), undefined);
  const dir = t.testdir({ 'cgroup.controllers': 'cpuset cpu io memory hugetlb pids rdma misc\n' });
  t.same(readV2Controllers(dir), ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc']);
});

/** /proc/cgroups: each controller the kernel has, and its v1 hierarchy id (0 when on v2 or unattached). */
function procCgroups(): Map<string, number> {
  const rows = readFileSync('/proc/cgroups', 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'));
  return new Map(
    rows.map((line) => {
      const [name, hierarchy, , enabled] = line.split(/\s+/);
      return [name!, enabled === '1' ? Number(hierarchy) : -1] as [string, number];
    }),
  );
}

t.test('this host: the parse agrees with the kernel', { skip: existsSync('/proc/cgroups') ? false : 'needs /proc/cgroups (Linux)' }, async (t) => {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  const layout = parseCgroupMounts(text);
  t.same(readCgroupLayout(), layout, 'readCgroupLayout reads the same file');
  const lines = text.split('\n');
  const hasV2 = lines.some((line) => / - cgroup2 /.test(line));
  const hasV1 = lines.some((line) => / - cgroup /.test(line));
  t.equal(layout.v2Path !== undefined, hasV2, 'a v2 path exactly when a cgroup2 line exists');
  if (layout.mode === 'hybrid') t.ok(hasV1 && hasV2, 'hybrid: both kinds mounted');
  if (layout.mode === 'legacy') t.ok(hasV1 && !hasV2, 'legacy: v1 only');
  if (layout.mode === 'unified') t.equal(layout.v1Controllers.length, 0, 'unified: no v1 controller');

  // The kernel says which controllers sit on a v1 hierarchy: a non-zero hierarchy id in /proc/cgroups.
  const kernel = procCgroups();
  const onV1 = [...kernel]
    .filter(([, hierarchy]) => hierarchy > 0)
    .map(([name]) => name)
    .sort();
  t.same([...layout.v1Controllers].sort(), onV1, 'v1 controllers = those with a v1 hierarchy id in /proc/cgroups');

  if (layout.v2Path !== undefined) {
    const v2 = readV2Controllers(layout.v2Path);
    t.ok(v2, `${layout.v2Path}/cgroup.controllers is readable`);
    for (const name of v2 ?? []) {
      if (kernel.has(name)) t.equal(kernel.get(name), 0, `${name} is on v2, so it has no v1 hierarchy`);
    }
    for (const name of layout.v1Controllers) t.notOk(v2?.includes(name), `${name} is on v1, so not on v2`);
  }
});
