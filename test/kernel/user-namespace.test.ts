// The exact commands that make a user namespace as an ordinary user.
import t from 'tap';
import { dieWithHarness } from '../../src/kernel/namespaces.js';
import { asUserArgv, NOBODY, unshareUserArgv } from '../../src/kernel/user-namespace.js';

t.test('setpriv drops to a user and group with no supplementary groups', async (t) => {
  t.same(asUserArgv(NOBODY, NOBODY, ['id']), ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--', 'id']);
});

t.test('unshare --user maps the caller to root, or to the IDs asked, and forks only when asked', async (t) => {
  t.same(unshareUserArgv({ map: 'root', fork: true }, ['sleep', 'infinity']), [
    'unshare',
    '--user',
    '--map-root-user',
    '--fork',
    '--kill-child',
    'sleep',
    'infinity',
  ]);
  t.same(unshareUserArgv({ map: { uid: 1000, gid: 1001 } }, ['sleep', '1']), ['unshare', '--user', '--map-user=1000', '--map-group=1001', 'sleep', '1']);
});

t.test('the parent-death signal is set after the switch of user, which would clear it', async (t) => {
  const argv = asUserArgv(NOBODY, NOBODY, dieWithHarness(unshareUserArgv({ map: 'root', fork: true }, ['sleep', 'infinity'])));
  t.ok(argv.indexOf('--reuid') < argv.indexOf('--pdeathsig'));
});
