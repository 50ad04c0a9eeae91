import t from 'tap';
import { dieWithHarness, nsenterArgv, unshareArgv } from '../../src/kernel/namespaces.js';

t.test('unshare: a PID namespace forks, kills its child with it, and a mount namespace is made private', async (t) => {
  t.same(unshareArgv({ namespaces: ['pid', 'mnt'] }, ['sleep', 'infinity']), [
    'unshare',
    '--pid',
    '--mount',
    '--fork',
    '--kill-child',
    '--propagation',
    'private',
    'sleep',
    'infinity',
  ]);
});

t.test('unshare: --mount-proc implies a private mount namespace', async (t) => {
  t.same(unshareArgv({ namespaces: ['pid'], mountProc: true }, ['sh']), [
    'unshare',
    '--pid',
    '--mount',
    '--fork',
    '--kill-child',
    '--propagation',
    'private',
    '--mount-proc',
    'sh',
  ]);
});

t.test('unshare: a UTS namespace alone does not fork', async (t) => {
  t.same(unshareArgv({ namespaces: ['uts'] }, ['hostname']), ['unshare', '--uts', 'hostname']);
});

t.test('nsenter joins the named namespaces of a target, in order', async (t) => {
  t.same(nsenterArgv(4242, ['pid', 'mnt'], ['ps', '-ef']), ['nsenter', '--target', '4242', '--pid', '--mount', '--', 'ps', '-ef']);
});

t.test('dieWithHarness sets the parent-death signal', async (t) => {
  t.same(dieWithHarness(['sleep', '1']), ['setpriv', '--pdeathsig', 'KILL', '--', 'sleep', '1']);
});
