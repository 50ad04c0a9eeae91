// Runs the mount-namespace lab for real and asserts the kernel facts after each step from the raw mountinfo of
// the lab's processes, independently of the lab's own checks; then that the host is exactly as before. And, as
// on systemd hosts where / is shared, runs the lab inside a test namespace whose / is rshared and requires that
// namespace's mount table to be identical afterwards.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { propagationOf, readMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { isAlive, nsInode } from '../../src/kernel/proc.js';
import { bindMountProbeArgv, errnoNumber } from '../../src/kernel/syscall-probe.js';
import { needsRoot, verifyLeavingHost } from '../helpers.js';
import { verifyUnderSharedRoot } from './shared-root.js';

/** The mountinfo of a process, parsed (empty when the process is gone). */
const table = (pid: number | 'self'): MountEntry[] => readMountinfo(pid) ?? [];
/** The mounts of this source in a table. */
const bySource = (entries: MountEntry[], source: string): MountEntry[] => entries.filter((m) => m.source === source);
/** The number of an optional field, e.g. 2 for `shared:2`. */
const tag = (m: MountEntry | undefined, name: 'shared' | 'master'): number | undefined => {
  const found = m?.tags.find((x) => x.startsWith(`${name}:`));
  return found ? Number(found.slice(name.length + 1)) : undefined;
};
/** The last mount at a mount point (the lab never stacks two at the same place under /mnt). */
const at = (entries: MountEntry[], point: string): MountEntry | undefined => entries.filter((m) => m.mountPoint === point).at(-1);
/** The errno code of access(W_OK) on a path, or 'ok'. */
const writeAccess = (path: string): string => {
  try {
    accessSync(path, constants.W_OK);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? 'error';
  }
};

t.test('mount-namespace, verified step by step against the kernel', { skip: needsRoot() }, async (t) => {
  const lab = await loadLab('mount-namespace');
  let session: Session | undefined;
  const pidA = (): number => session!.proc('ns-a').pid;
  const pidB = (): number => session!.proc('ns-b').pid;
  const lab2host = (source: string): number => bySource(table('self'), source).length;
  const facts: Record<string, () => void> = {
    create: () => {
      const a = table(pidA());
      t.not(nsInode(pidA(), 'mnt'), nsInode('self', 'mnt'), 'A has a mount namespace of its own');
      const mnt = bySource(a, 'lab-mnt');
      t.same(
        mnt.map((m) => `${m.mountPoint} ${m.fsType}`),
        ['/mnt tmpfs'],
        'A has the tmpfs at /mnt',
      );
      t.equal(lab2host('lab-mnt'), 0, 'the host does not');
      t.same(
        a.filter((m) => m.tags.some((x) => /^(shared|master):/.test(x))),
        [],
        'every mount of A is private',
      );
    },
    'proc-readonly': () => {
      const inside = at(table(pidA()), '/proc')!;
      const outside = at(table('self'), '/proc')!;
      t.ok(inside.options.split(',').includes('ro'), `A's /proc is ro (${inside.options})`);
      t.ok(outside.options.split(',').includes('rw'), `the host's /proc is rw (${outside.options})`);
      t.equal(inside.device, outside.device, 'the same procfs');
      t.equal(writeAccess(`/proc/${pidA()}/root/proc/sys/kernel/hostname`), 'EROFS', "through A's /proc: EROFS");
      t.equal(writeAccess('/proc/sys/kernel/hostname'), 'ok', "through the host's /proc: writable");
    },
    peers: () => {
      const a = table(pidA());
      const b = table(pidB());
      t.not(nsInode(pidB(), 'mnt'), nsInode(pidA(), 'mnt'), 'B has a namespace of its own');
      t.not(nsInode(pidB(), 'mnt'), nsInode('self', 'mnt'), "which is not the host's");
      const group = tag(at(a, '/mnt/shared'), 'shared');
      t.ok(group !== undefined, `A's /mnt/shared is shared:${group}`);
      t.equal(tag(at(b, '/mnt/shared'), 'shared'), group, "B's copy is in the same peer group");
      t.equal(propagationOf(at(a, '/mnt/private')!), 'private');
      t.equal(propagationOf(at(b, '/mnt/private')!), 'private');
      const [sharedNewA] = bySource(a, 'lab-shared-new');
      const [sharedNewB] = bySource(b, 'lab-shared-new');
      t.equal(sharedNewB?.mountPoint, '/mnt/shared/new', 'the mount under the shared directory reached B');
      t.equal(tag(sharedNewB, 'shared'), tag(sharedNewA, 'shared'), 'as a peer');
      t.equal(bySource(a, 'lab-private-new').length, 1, 'the mount under the private directory is in A');
      t.equal(bySource(b, 'lab-private-new').length, 0, 'and not in B');
      t.same(readdirSync(`/proc/${pidB()}/root/mnt/private/new`), [], 'B sees the directory, empty: no mount on it');
      t.equal(lab2host('lab-shared-new') + lab2host('lab-private-new'), 0, 'the host has neither');
    },
    slave: () => {
      const a = table(pidA());
      const b = table(pidB());
      t.equal(tag(at(b, '/mnt/shared'), 'shared'), undefined, "B's /mnt/shared left the peer group");
      t.equal(tag(at(b, '/mnt/shared'), 'master'), tag(at(a, '/mnt/shared'), 'shared'), 'and is a slave of it');
      const [fromA] = bySource(a, 'lab-from-a');
      t.equal(tag(bySource(b, 'lab-from-a')[0], 'master'), tag(fromA, 'shared'), "A's mount reached B as a slave copy");
      t.equal(bySource(b, 'lab-from-b').length, 1, "B's mount is in B");
      t.equal(bySource(a, 'lab-from-b').length, 0, 'and not in A');
      t.ok(readdirSync(`/proc/${pidA()}/root/mnt/shared`).includes('from-b'), 'A sees the directory B made');
    },
    unbindable: () => {
      const a = table(pidA());
      const [unbindable] = bySource(a, 'lab-unbindable');
      t.equal(unbindable?.mountPoint, '/mnt/tree/unbindable', 'the unbindable tmpfs is mounted once, where A put it');
      t.same(unbindable?.tags, ['unbindable'], 'its only optional field is unbindable');
      t.same(
        bySource(a, 'lab-bindable')
          .map((m) => m.mountPoint)
          .sort(),
        ['/mnt/tree-copy/bindable', '/mnt/tree/bindable'],
        'the private tmpfs is mounted twice: the recursive bind copied it',
      );
      t.equal(at(a, '/mnt/tree-copy/unbindable'), undefined, 'and left the unbindable one out');
      t.equal(at(a, '/mnt/one-copy'), undefined, 'the plain bind mounted nothing');
      // Our own attempt, with the kernel's errno as the exit status.
      const [cmd, ...args] = ['nsenter', '--target', String(pidA()), '--mount', '--', ...bindMountProbeArgv('/mnt/tree/unbindable', '/mnt/one-copy')];
      const bind = spawnSync(cmd!, args, { encoding: 'utf8' });
      t.equal(bind.status, errnoNumber('EINVAL'), `mount(2) MS_BIND of it: EINVAL (${bind.stderr.trim()})`);
      t.equal(at(table(pidA()), '/mnt/one-copy'), undefined, 'still nothing mounted there');
      t.equal(lab2host('lab-unbindable') + lab2host('lab-bindable'), 0, 'the host has neither');
    },
    propagate: () => {
      const [mine] = bySource(table(pidA()), 'lab-task');
      const [copy] = bySource(table(pidB()), 'lab-task');
      t.ok(mine && copy, 'lab-task is in A and in B');
      t.equal(tag(copy, 'master'), tag(mine, 'shared'), "B's is the kernel's copy of A's");
      t.equal(lab2host('lab-task'), 0, 'the host has none');
    },
  };
  await verifyLeavingHost(t, lab, facts, (s) => (session = s));
  t.notOk(isAlive(pidA()) || isAlive(pidB()), 'A and B were killed in cleanup');
});

t.test('with / mounted shared, the lab leaves the mount table exactly as it was', { skip: needsRoot() }, async (t) => {
  const run = verifyUnderSharedRoot(t, 'mount-namespace', {
    extra: (dir) => [
      // Control: a namespace that keeps its propagation, as B does, would pass its mounts back here.
      'unshare --mount --propagation unchanged mount -t tmpfs lab-leak-probe /mnt',
      `cat /proc/self/mountinfo > ${dir}/control`,
    ],
  });
  const checks = run.checks();
  const received = checks.find((e) => e.check === 'received-by-b');
  t.ok(received?.ok, `the propagation task passed there too: ${received?.found}`);
  t.equal(checks.filter((e) => e.ok).length, 17, "all 17 checks passed: 16 read from the kernel and the quiz's answer");
  t.ok(
    run.table('control').some((m) => m.source === 'lab-leak-probe'),
    'control: a non-private namespace does leak back',
  );
});
