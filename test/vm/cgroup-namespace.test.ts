// The cgroup-namespace lab in the test VM, where cgroup2 alone is mounted at /sys/fs/cgroup (as on a Debian 12
// systemd host) and `mount` is util-linux 2.38, whose mount(2) refuses a cgroup2 on top of the cgroup2 already at
// the same place: a layout the host suite may not have (a hybrid host mounts a tmpfs there). `lab verify` passes
// and leaves the VM's mount table and cgroups as they were, and every check fails before its step. The rest of its
// contract (Ctrl-C, kill -9 + lab clean, lab shell) and its step-by-step test run on the host: they do not depend
// on the cgroup layout.
import t from 'tap';
import { loadLab } from '../../src/lab/load.js';
import { checksCanFail } from '../labs/contract.js';
import { cli, hostSnapshot, useTempState } from '../helpers.js';

const skip = process.env.LAB_IN_VM ? false : 'runs only in the test VM (npm run test:vm)';

if (skip) t.test('cgroup-namespace on a cgroup v2 host', { skip }, () => {});
else {
  t.test('cgroup-namespace: lab verify passes on a cgroup v2 host and the host is as before', async (t) => {
    const state = useTempState();
    const before = hostSnapshot(state);
    const r = cli(['verify', 'cgroup-namespace', '--tap'], { LAB_STATE_DIR: state });
    if (!t.equal(r.status, 0, 'cgroup-namespace verified')) t.comment(r.stdout + r.stderr);
    t.notMatch(r.stdout, /^\s*not ok/m);
    t.same(hostSnapshot(state), before, 'mounts (the cgroup2 at /sys/fs/cgroup included), cgroups, processes as before');
  });
  checksCanFail(await loadLab('cgroup-namespace'));
}
