// The systemd test VM's report: the guest's results in, TAP out. Each way a lab can go wrong on a learner's machine
// (refused to start, a check skipped, a non-zero exit, the host changed, never run) must come out as a failure.
import t from 'tap';
import { parseTap } from '../../helpers.js';

interface Lab {
  id: string;
  tap?: string;
  stderr?: string;
  status?: number;
  seconds?: number;
  diff?: string;
  settleSeconds?: number;
}
interface Report {
  systemdTap(r: unknown, meta: { wanted: string[]; whole?: boolean; container?: boolean; header: string[]; vm: { ok: boolean; what: string } }): string;
}
// A script, not part of the build: loaded by path so that the type checker does not look for its declarations.
const script: string = '../../../scripts/systemd-vm/report.mjs';
const { systemdTap } = (await import(script)) as Report;

const labTap = (id: string, points: string[]): string =>
  ['TAP version 14', `# Subtest: ${id}`, `    # step: A step`, ...points.map((p) => `    ${p}`), `    1..${points.length}`, `ok 1 - ${id}`, '1..1', ''].join(
    '\n',
  );

const RELOAD = {
  status: 0,
  facts:
    'scope: /system.slice/lab-cpu-1-2.scope\nbefore: controllers cpuset cpu io memory pids; subtree_control cpu cpuset\nafter: controllers cpuset cpu io memory pids; subtree_control cpu cpuset\n',
  diff: '',
};
const KILL = { status: 0, facts: 'killed: 812\nright after: lab-* cgroups 3, journals 1\n', clean: 'removed 4\n', diff: '' };

function results(labs: Lab[], over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    done: true,
    selfCgroup: '0::/user.slice/user-1000.slice/session-1.scope',
    systemState: 'running',
    facts: '/: ext4   shared\n/sys/fs/cgroup: cgroup2 shared\n',
    control: { stable: '', changed: '> sysvm-ctl0: <NOARP>\n> ./sysvm-control\n> 835 sleep 600\n', restored: '' },
    provision: { status: 0, seconds: 200, log: '==> system packages: all installed: ok\n' },
    list: { status: 0, labs: labs.map((l) => ({ id: l.id, ready: true, missing: [] })) },
    doctor: { status: 0, output: 'All labs can run.\n' },
    scenarios: { reload: RELOAD, kill: KILL },
    labs,
    ...over,
  };
}

const meta = { wanted: [], header: ['a header'], vm: { ok: true, what: 'qemu exited with status 0' } };
const good: Lab = { id: 'good', tap: labTap('good', ['ok 1 - a: one', 'ok 2 - a: two']), stderr: '', status: 0, seconds: 4.2, diff: '' };

t.test('a passing lab: its own points renumbered, then the host, and its time', async (t) => {
  const tap = systemdTap(results([good]), meta);
  const { results: final, points } = await parseTap(tap);
  t.equal(final.ok, true);
  t.match(
    tap,
    '# Subtest: good\n    # sudo lab verify good --tap --prove-checks: exit status 0, 4.2 s\n    # step: A step\n    ok 1 - a: one\n    ok 2 - a: two\n    ok 3 - host left as it was\n    1..3\nok 2 - good # time=4200ms',
  );
  t.ok(points.some((p) => p.name === 'the test runs in a logind session scope, as a learner logged in' && p.ok));
});

t.test('every kind of failure is a failing point', async (t) => {
  const refused: Lab = { id: 'refused', tap: 'TAP version 14\n', stderr: 'lab: the cpuset controller is not enabled\n', status: 1, seconds: 1 };
  const skipped: Lab = { id: 'skipped', tap: labTap('skipped', ['ok 1 - a: one # SKIP needs io']), status: 0, seconds: 1, diff: '' };
  const skippedLab: Lab = {
    id: 'unmet',
    tap: 'TAP version 14\nok 1 - unmet # SKIP the io controller\n  ---\n  message: "not delegated"\n  fix: "enable it"\n  ...\n1..1\n',
    status: 1,
    seconds: 1,
    diff: '',
  };
  const exited: Lab = { id: 'exited', tap: labTap('exited', ['ok 1 - a: one']), stderr: 'boom\n', status: 2, seconds: 1, diff: '' };
  const leaked: Lab = { id: 'leaked', tap: labTap('leaked', ['ok 1 - a: one']), status: 0, seconds: 1, diff: '> lab-veth0: <BROADCAST>\n' };
  const timedOut: Lab = { id: 'slow', tap: labTap('slow', ['ok 1 - a: one']), status: 124, seconds: 300, diff: '' };
  const tap = systemdTap(results([good, refused, skipped, skippedLab, exited, leaked, timedOut]), {
    ...meta,
    wanted: ['good', 'refused', 'skipped', 'unmet', 'exited', 'leaked', 'slow', 'never'],
  });
  const { results: final, points } = await parseTap(tap);
  t.equal(final.ok, false);
  const failed = (name: string): boolean => points.some((p) => !p.ok && p.name === name);
  t.ok(failed('sudo lab verify refused --tap --prove-checks ran the lab'), 'a lab that refused to start');
  t.match(tap, 'lab: the cpuset controller is not enabled', 'with what it said');
  t.ok(failed('a: one (skipped: needs io; this VM meets every requirement)'), 'a skipped check');
  t.ok(failed('unmet was skipped: the io controller'), 'a lab skipped for a missing requirement');
  t.match(tap, '        message: "not delegated"', 'with what lab said is missing and the fix');
  t.ok(failed('sudo lab verify exited --tap --prove-checks exits 0'), 'a non-zero exit with every check passed');
  t.ok(failed('sudo lab verify slow --tap --prove-checks exits 0'), 'a lab stopped at the time limit');
  t.match(tap, 'killed after the per-lab time limit');
  t.ok(failed('host left as it was'), 'a host that changed');
  t.match(tap, '      diff: |-\n        > lab-veth0: <BROADCAST>', 'with the diff in the YAML block');
  t.ok(failed('never'), 'a lab asked for that never ran');
  for (const id of ['refused', 'skipped', 'unmet', 'exited', 'leaked', 'slow']) t.ok(failed(id), `${id} fails as a whole`);
  t.notOk(failed('good'));
});

t.test('the machine: a test outside a session scope, a changed snapshot control, a VM that stopped early', async (t) => {
  const tap = systemdTap(
    results([good], { selfCgroup: '0::/system.slice/serial-getty@ttyS0.service', done: false, control: { stable: '> x\n', changed: '', restored: '' } }),
    {
      ...meta,
      vm: { ok: false, what: 'stopped after the time limit' },
    },
  );
  const { points } = await parseTap(tap);
  const failed = (name: string): boolean => points.some((p) => !p.ok && p.name === name);
  t.ok(failed('the test runs in a logind session scope, as a learner logged in'));
  t.ok(failed('two host snapshots in a row are equal'));
  t.ok(failed('the host snapshot sees a dummy link, a cgroup and a sleep made on purpose'));
  t.ok(failed('the VM booted, logged the learner in, ran the test to its end and powered off'));
});

t.test('no results at all: the machine and every lab asked for fail, in a valid document', async (t) => {
  const tap = systemdTap(undefined, { ...meta, wanted: ['one', 'two'], vm: { ok: false, what: 'the data disk could not be read' } });
  const { results: final } = await parseTap(tap);
  t.equal(final.ok, false);
  t.equal(final.count, 3);
  t.equal(final.fail, 3);
});

t.test('systemd at work mid-lab: a whole run passes only when the scope kept its controllers and lab clean left nothing', async (t) => {
  const pass = await parseTap(systemdTap(results([good]), meta));
  t.equal(pass.results.ok, true);
  t.ok(pass.points.some((p) => p.ok && p.name === 'systemd at work while a lab runs'));
  const lost = {
    ...RELOAD,
    facts: RELOAD.facts.replace(
      'after: controllers cpuset cpu io memory pids; subtree_control cpu cpuset',
      'after: controllers cpu memory pids; subtree_control cpu',
    ),
  };
  const leftover = { ...KILL, diff: '> /sys/fs/cgroup/system.slice/lab-memory-3-4.scope\n' };
  const tap = systemdTap(results([good], { scenarios: { reload: lost, kill: leftover } }), meta);
  const { results: final, points } = await parseTap(tap);
  t.equal(final.ok, false);
  const failed = (name: string): boolean => points.some((p) => !p.ok && p.name === name);
  t.ok(failed("the lab's delegated scope keeps cpu and cpuset, in cgroup.controllers and in its own subtree_control, through the reload"));
  t.ok(failed('host left as it was after lab clean'));
  const none = await parseTap(systemdTap(results([good], { scenarios: undefined }), meta));
  t.ok(
    none.points.some((p) => !p.ok && p.name === 'the mid-lab runs took place'),
    'a whole run without them fails',
  );
  const some = await parseTap(systemdTap(results([good], { scenarios: undefined }), { ...meta, wanted: ['good'] }));
  t.equal(some.results.ok, true, 'a run of chosen labs has none');
});

t.test('the container check: its points as the guest judged them; missing or cut short, a failure; alone, no lab expected', async (t) => {
  const container = {
    status: 0,
    seconds: 40,
    points: [
      { ok: true, name: 'lab container run --rm --memory 16m busybox tail /dev/zero exits 137', found: 'exit 137' },
      { ok: true, name: 'after rm: no scope, cgroup or process of the container', found: 'nothing' },
    ],
  };
  const only = { ...meta, whole: false, container: true };
  const pass = await parseTap(
    systemdTap(results([], { container, scenarios: undefined, list: { status: 0, labs: [{ id: 'x', ready: true, missing: [] }] } }), only),
  );
  t.equal(pass.results.ok, true, 'passes with no lab run and none expected');
  t.ok(pass.points.some((p) => p.ok && p.name === 'lab container on a systemd host: a delegated scope of its own per container'));
  const leaked = {
    ...container,
    points: [
      ...container.points,
      { ok: false, name: 'after lab clean: no scope, cgroup or process of the container', found: 'unit: lab-container-0123456789ab.scope' },
    ],
  };
  const failed = await parseTap(systemdTap(results([], { container: leaked }), only));
  t.equal(failed.results.ok, false);
  t.ok(failed.points.some((p) => !p.ok && p.name === 'after lab clean: no scope, cgroup or process of the container'));
  const cut = await parseTap(systemdTap(results([], { container: { ...container, status: 1 } }), only));
  t.ok(
    cut.points.some((p) => !p.ok && p.name === 'guest-container.sh ran to its end'),
    'a non-zero exit fails',
  );
  const missing = await parseTap(systemdTap(results([]), only));
  t.ok(
    missing.points.some((p) => !p.ok && p.name === 'the container check ran'),
    'no results fail',
  );
  const notAsked = systemdTap(results([good]), meta);
  t.notMatch(notAsked, 'lab container on a systemd host', 'not asked for: no subtest');
});

t.test('a lab that lacks only what is optional (a VM inside the VM) is a skip with its reason, not a lab that did not run', async (t) => {
  // `lab list` runs as the learner in the VM: `root` is missing for every lab, and the labs run with sudo.
  const r = results([good]);
  (r.list as { labs: unknown[] }).labs.push(
    { id: 'vm-beside', ready: false, missing: ['root', 'qemu', 'vm-kernel'], missingOptional: ['qemu', 'vm-kernel'] },
    { id: 'needs-nft', ready: false, missing: ['root', 'nftables'], missingOptional: [] },
  );
  const tap = systemdTap(r, meta);
  t.match(tap, /^ok \d+ - vm-beside # SKIP lacks only what is optional here: qemu, vm-kernel$/m);
  t.match(tap, /^not ok \d+ - needs-nft$/m, 'a lab that lacks something required still fails: it did not run');
  t.notMatch(tap, /not ok \d+ - vm-beside/);
  // A whole run names every lab directory as wanted (scripts/systemd-vm.mjs): the skip holds there too.
  const whole = systemdTap(r, { ...meta, wanted: ['good', 'vm-beside'], whole: true });
  t.match(whole, /^ok \d+ - vm-beside # SKIP/m);
  t.notMatch(whole, /not ok \d+ - vm-beside/, 'not also reported as a lab that did not run');
});
