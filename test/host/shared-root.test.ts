// On systemd hosts / is mounted shared. Reproduce that inside the test's own mount namespace (made private from
// the real host first), run the lab there, and require that its mount table is unchanged afterwards. A control
// shows the setup would catch a leak: a mount namespace that is not made private does pass its mounts back.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountFingerprint, parseMountinfo, propagationOf, readMountinfo } from '../../src/kernel/mountinfo.js';
import { BIN, needsRoot, tempDir, useTempState } from '../helpers.js';

t.test('with / mounted shared, the lab leaves the mount table exactly as it was', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const dir = tempDir('lab-test-shared-');
  const script = [
    'set -e',
    'mount --make-rshared /',
    `cat /proc/self/mountinfo > ${dir}/before`,
    `${process.execPath} ${BIN} verify pid-namespace --json > ${dir}/out; echo $? > ${dir}/rc`,
    `cat /proc/self/mountinfo > ${dir}/after`,
    `unshare --mount --propagation unchanged mount -t tmpfs lab-leak-probe /mnt`,
    `cat /proc/self/mountinfo > ${dir}/control`,
  ].join('\n');
  // `unshare --mount` makes the test's namespace private from the real host before / is made shared inside it.
  const result = spawnSync('unshare', ['--mount', 'sh', '-c', script], { encoding: 'utf8', env: { ...process.env, LAB_STATE_DIR: state } });
  t.equal(result.status, 0, 'the script in the shared namespace ran to its end');
  const read = (name: string) => parseMountinfo(readFileSync(join(dir, name), 'utf8'));
  const root = read('before').find((m) => m.mountPoint === '/');
  t.equal(root && propagationOf(root), 'shared', '/ was shared, as on systemd hosts');
  t.equal(readFileSync(join(dir, 'rc'), 'utf8').trim(), '0', 'the lab passed');
  t.same(mountFingerprint(read('after')), mountFingerprint(read('before')), 'the lab added or removed no mount');
  t.ok(read('control').some((m) => m.source === 'lab-leak-probe'), 'control: a non-private namespace does leak back');
  t.notOk(readMountinfo('self')?.some((m) => m.source === 'lab-leak-probe'), 'the real host never saw any of it');
});
