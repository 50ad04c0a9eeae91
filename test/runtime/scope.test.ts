// Where a container's cgroup goes: right under the v2 root on a host without systemd, inside a delegated transient
// scope of its own (`lab-container-<id12>.scope`, its leaf `lab-container-<id12>` beside the keeper's) on a systemd host.
import t from 'tap';
import { cgroupPlace, keeperArgv } from '../../src/runtime/scope.js';

const ID = '0123456789ab'.padEnd(64, 'f');

t.test('without systemd: <v2 root>/lab-container-<id12>, controllers from the root, no scope', async (t) => {
  t.same(cgroupPlace('/sys/fs/cgroup/unified', ID, false), { cgroup: '/sys/fs/cgroup/unified/lab-container-0123456789ab', parent: '/sys/fs/cgroup/unified' });
});

t.test('with systemd: a scope of its own in system.slice, the cgroup its child, controllers from the scope', async (t) => {
  const place = cgroupPlace('/sys/fs/cgroup', ID, true);
  const scope = '/sys/fs/cgroup/system.slice/lab-container-0123456789ab.scope';
  t.same(place, { cgroup: `${scope}/lab-container-0123456789ab`, parent: scope, scope: { unit: 'lab-container-0123456789ab.scope', path: scope } });
  t.same(keeperArgv(place.scope!), [
    'systemd-run',
    '--scope',
    '--unit=lab-container-0123456789ab.scope',
    '--slice=system.slice',
    '--property=Delegate=yes',
    '--collect',
    '--',
    'sleep',
    'infinity',
  ]);
});
