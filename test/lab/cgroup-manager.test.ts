// Who hands the labs their cgroups, and what lab doctor says about it, on the hosts learners have: a stock systemd
// host with cgroup v2 only (systemd enables cpu memory pids at the root, not cpuset or io), a v2 host without
// systemd, a hybrid host. Pure: facts are given, nothing on this host is read or changed.
import t from 'tap';
import { delegatedScopeArgv, scopeCgroup, scopeUnit, stopScopeArgv } from '../../src/kernel/systemd.js';
import { cgroupManagerOf } from '../../src/kernel/init-system.js';
import { findingsOf, type HostFacts } from '../../src/lab/diagnosis.js';
import { controllerAvailable, controllerFix } from '../../src/lab/requirements.js';
import type { RequirementId } from '../../src/lab/spec.js';

const DEBIAN12_OFFERED = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'];
const SYSTEMD_PASSED = ['cpu', 'memory', 'pids'];
const CONTROLLERS = ['memory', 'cpu', 'cpuset', 'pids', 'io'] as const;

t.test('the scope argv and paths', async (t) => {
  const unit = scopeUnit('lab-cpu-42-1700000000');
  t.equal(unit, 'lab-cpu-42-1700000000.scope');
  t.equal(scopeCgroup('/sys/fs/cgroup', unit), '/sys/fs/cgroup/system.slice/lab-cpu-42-1700000000.scope');
  t.same(delegatedScopeArgv(unit, ['sleep', 'infinity']), [
    'systemd-run',
    '--scope',
    `--unit=${unit}`,
    '--slice=system.slice',
    '--property=Delegate=yes',
    '--collect',
    '--',
    'sleep',
    'infinity',
  ]);
  t.same(stopScopeArgv(unit), ['systemctl', 'stop', unit]);
});

t.test('systemd owns the tree only when booted with it and systemd-run is there; LAB_CGROUP_MANAGER overrides', async (t) => {
  t.equal(cgroupManagerOf({ systemdBooted: true, systemdRun: true }, undefined), 'systemd');
  t.equal(cgroupManagerOf({ systemdBooted: true, systemdRun: false }, undefined), 'none');
  t.equal(cgroupManagerOf({ pid1: 'init', systemdBooted: false, systemdRun: true }, undefined), 'none');
  t.equal(cgroupManagerOf({ systemdBooted: false, systemdRun: false }, 'systemd'), 'systemd');
  t.equal(cgroupManagerOf({ systemdBooted: true, systemdRun: true }, 'none'), 'none');
});

t.test('a controller the root offers but does not pass down: available through systemd, not without it', async (t) => {
  const root = { offered: DEBIAN12_OFFERED, passed: SYSTEMD_PASSED };
  for (const c of ['cpuset', 'io']) {
    t.equal(controllerAvailable(c, root, 'systemd'), true, `${c} on a stock systemd host`);
    t.equal(controllerAvailable(c, root, 'none'), false, `${c} without systemd`);
  }
  t.equal(controllerAvailable('memory', root, 'none'), true);
  t.equal(controllerAvailable('memory', { offered: ['hugetlb'], passed: [] }, 'systemd'), false, 'not offered: not even systemd can');
});

t.test('the fix for a missing controller fits the host', async (t) => {
  const unified = { mode: 'unified', v2Path: '/sys/fs/cgroup' };
  const noSystemd = controllerFix('io', unified, DEBIAN12_OFFERED);
  t.match(noSystemd.en, /echo \+io > \/sys\/fs\/cgroup\/cgroup\.subtree_control/);
  t.notMatch(noSystemd.en, /unified_cgroup_hierarchy/, 'no kernel option on a v2 host');
  const notOffered = controllerFix('io', unified, ['cpu', 'memory', 'pids']);
  t.match(notOffered.en, /cgroup_disable=io/);
  t.notMatch(notOffered.en, /unified_cgroup_hierarchy/);
  const hybrid = controllerFix('memory', { mode: 'hybrid', v2Path: '/sys/fs/cgroup/unified' }, ['hugetlb']);
  t.match(hybrid.en, /systemd\.unified_cgroup_hierarchy=1/);
  for (const fix of [noSystemd, notOffered, hybrid]) t.match(fix.zh, /[\u4e00-\u9fff]/);
});

/** Facts of a cgroup v2 host; `passed` is the root's cgroup.subtree_control. */
function v2Host(manager: 'systemd' | 'none', delegated: string[] | undefined): HostFacts {
  const root = { offered: DEBIAN12_OFFERED, passed: SYSTEMD_PASSED };
  const requirements = CONTROLLERS.map((c) => ({ id: `cgroup2-${c}` as RequirementId, met: controllerAvailable(c, root, manager) }));
  return {
    uid: 0,
    root: true,
    kernel: '6.1.0-28-amd64',
    utilLinux: '2.38.1',
    namespaces: [],
    cgroup: { mode: 'unified', v2Path: '/sys/fs/cgroup', v1Controllers: [], v1Named: [], v2Controllers: DEBIAN12_OFFERED },
    init:
      manager === 'systemd'
        ? { pid1: 'systemd', systemdBooted: true, systemdRun: true, manager }
        : { pid1: 'init', systemdBooted: false, systemdRun: false, manager },
    delegation: delegated === undefined ? undefined : { argv: ['systemd-run', '--scope'], controllers: delegated },
    userns: [],
    overlayfs: undefined,
    busybox: '/bin/busybox',
    qemu: undefined,
    labInit: undefined,
    kvm: { present: false, usable: false },
    requirements: [{ id: 'cgroup2', met: true }, ...requirements],
    labs: [
      { id: 'cgroup-cpu', ready: requirements.every((r) => r.met), requires: ['cgroup2', 'cgroup2-cpu', 'cgroup2-cpuset'], unmet: [] },
      { id: 'cgroup-io', ready: requirements.every((r) => r.met), requires: ['cgroup2', 'cgroup2-io'], unmet: [] },
    ],
  } as HostFacts;
}

t.test('lab doctor on a stock systemd host: one verdict, systemd named, no kernel-option advice', async (t) => {
  const findings = findingsOf(v2Host('systemd', ['cpuset', 'cpu', 'io', 'memory', 'pids']));
  const byId = (id: string) => findings.find((f) => f.id === id);
  t.match(byId('init-system')?.text.en, /systemd .*delegated scope/);
  t.equal(byId('cgroup-delegation')?.status, 'ok');
  t.equal(byId('cgroup-v2')?.status, 'ok');
  for (const c of CONTROLLERS) t.equal(byId(`req-cgroup2-${c}`)?.status, 'ok', `req-cgroup2-${c} agrees with cgroup-v2`);
  const cgroupSection = findings.filter((f) => f.section === 'cgroup');
  t.notOk(
    cgroupSection.some((f) => f.status === 'missing'),
    'no ✗ in the cgroup section',
  );
  t.notOk(
    findings.some((f) => /unified_cgroup_hierarchy/.test(`${f.text.en} ${f.fix?.en ?? ''}`)),
    'no kernel option for a v2 host',
  );
});

t.test('lab doctor when systemd does not delegate cpuset: the delegation line says so, with a fix for systemd', async (t) => {
  const findings = findingsOf(v2Host('systemd', ['cpu', 'io', 'memory', 'pids']));
  const delegation = findings.find((f) => f.id === 'cgroup-delegation');
  t.equal(delegation?.status, 'missing');
  t.match(delegation?.text.en, /not cpuset/);
  t.match(delegation?.fix?.en, /systemd/);
  t.notMatch(delegation?.fix?.en, /unified_cgroup_hierarchy/);
  t.same(delegation?.neededBy, ['cgroup-cpu', 'cgroup-io']);
});

t.test('lab doctor on a v2 host without systemd whose root passes only cpu memory pids', async (t) => {
  const findings = findingsOf(v2Host('none', undefined));
  const byId = (id: string) => findings.find((f) => f.id === id);
  t.match(byId('init-system')?.text.en, /no systemd.*right under the cgroup v2 root/);
  t.equal(byId('cgroup-delegation'), undefined, 'no delegation line without systemd');
  const v2 = byId('cgroup-v2');
  t.equal(v2?.status, 'missing');
  t.match(v2?.text.en, /cpuset, io not enabled in the root's cgroup\.subtree_control/);
  t.match(v2?.fix?.en, /echo "\+cpuset \+io" > \/sys\/fs\/cgroup\/cgroup\.subtree_control/);
  t.equal(byId('req-cgroup2-io')?.status, 'missing');
  t.match(byId('req-cgroup2-io')?.fix?.en, /echo \+io >/);
  t.notOk(findings.some((f) => /unified_cgroup_hierarchy/.test(`${f.text.en} ${f.fix?.en ?? ''}`)));
  t.equal(byId('req-cgroup2-memory')?.status, 'ok');
});
