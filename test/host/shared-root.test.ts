// On systemd hosts / is mounted shared. Reproduce that inside the test's own mount namespace (made private from
// the real host first), run every lab there, and require that its mount table is unchanged afterwards. A control
// shows the setup would catch a leak: a mount namespace that is not made private does pass its mounts back.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mountFingerprint, parseMountinfo, propagationOf, readMountinfo } from '../../src/kernel/mountinfo.js';
import { listLabIds, loadLab } from '../../src/lab/load.js';
import { unmet } from '../../src/lab/requirements.js';
import { BIN, needsRoot, tempDir, useTempState } from '../helpers.js';

const runnable: string[] = [];
for (const id of listLabIds()) if (unmet((await loadLab(id)).spec.requires).length === 0) runnable.push(id);

t.test('with / mounted shared, no lab adds or removes a mount', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const dir = tempDir('lab-test-shared-');
  const script = [
    'set -e',
    'mount --make-rshared /',
    `cat /proc/self/mountinfo > ${dir}/before`,
    ...runnable.flatMap((id) => [
      `${process.execPath} ${BIN} verify ${id} --json > ${dir}/${id}.out; echo $? > ${dir}/${id}.rc`,
      `cat /proc/self/mountinfo > ${dir}/${id}.after`,
    ]),
    `unshare --mount --propagation unchanged mount -t tmpfs lab-leak-probe /mnt`,
    `cat /proc/self/mountinfo > ${dir}/control`,
  ].join('\n');
  // `unshare --mount` makes the test's namespace private from the real host before / is made shared inside it.
  const result = spawnSync('unshare', ['--mount', 'sh', '-c', script], { encoding: 'utf8', env: { ...process.env, LAB_STATE_DIR: state } });
  t.equal(result.status, 0, 'the script in the shared namespace ran to its end');
  const read = (name: string) => parseMountinfo(readFileSync(join(dir, name), 'utf8'));
  const root = read('before').find((m) => m.mountPoint === '/');
  t.equal(root && propagationOf(root), 'shared', '/ was shared, as on systemd hosts');
  for (const id of runnable) {
    t.equal(readFileSync(join(dir, `${id}.rc`), 'utf8').trim(), '0', `${id} passed`);
    t.same(mountFingerprint(read(`${id}.after`)), mountFingerprint(read('before')), `${id} added or removed no mount`);
  }
  t.ok(
    read('control').some((m) => m.source === 'lab-leak-probe'),
    'control: a non-private namespace does leak back',
  );
  t.notOk(
    readMountinfo('self')?.some((m) => m.source === 'lab-leak-probe'),
    'the real host never saw any of it',
  );
});
