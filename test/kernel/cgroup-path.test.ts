// /proc/<pid>/cgroup on v2-only and hybrid hosts, and cgroup.procs.
import t from 'tap';
import { parseCgroupProcs, parseProcCgroup, readCgroupProcs, readProcCgroup, v2PathOf } from '../../src/kernel/cgroup-path.js';

// A hybrid host: v1 hierarchies with controllers, a named one (systemd's), and the v2 line.
const HYBRID = `9:name=systemd:/user.slice/user-1000.slice/session-2.scope
4:memory:/user.slice/user-1000.slice/session-2.scope
2:cpu,cpuacct:/user.slice
0::/user.slice/user-1000.slice/session-2.scope
`;

t.test('hybrid: one line per hierarchy, controllers split, v2 found by ID 0 and no controller', async (t) => {
  const entries = parseProcCgroup(HYBRID);
  t.equal(entries.length, 4);
  t.same(entries[0], { hierarchy: 9, controllers: ['name=systemd'], path: '/user.slice/user-1000.slice/session-2.scope' });
  t.same(entries[2], { hierarchy: 2, controllers: ['cpu', 'cpuacct'], path: '/user.slice' });
  t.equal(v2PathOf(entries), '/user.slice/user-1000.slice/session-2.scope');
});

t.test('v2 only: a single line; inside a cgroup namespace, / or a path through /..', async (t) => {
  t.equal(v2PathOf(parseProcCgroup('0::/\n')), '/');
  t.equal(v2PathOf(parseProcCgroup('0::/../../user.slice\n')), '/../../user.slice');
  t.equal(v2PathOf(parseProcCgroup('0::/odd:name\n')), '/odd:name', 'a colon in the path stays in the path');
  t.equal(v2PathOf(parseProcCgroup('4:memory:/\n')), undefined, 'v1 only: no v2 line');
  t.equal(v2PathOf(undefined), undefined);
});

t.test('cgroup.procs: one PID per line', async (t) => {
  t.same(parseCgroupProcs('4242\n4243\n'), [4242, 4243]);
  t.same(parseCgroupProcs(''), []);
});

t.test('this process has a cgroup; a missing cgroup directory reads as undefined', async (t) => {
  t.ok(readProcCgroup('self')?.length, '/proc/self/cgroup has lines');
  t.equal(readProcCgroup(2 ** 30), undefined);
  t.equal(readCgroupProcs('/nonexistent/lab-none'), undefined);
});
