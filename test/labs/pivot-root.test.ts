// Runs the pivot-root lab for real and asserts the kernel facts after each step independently of the lab's own
// checks (box's raw mountinfo, stat of /proc/<pid>/root, the probes' wait statuses), then that the host is exactly as
// before; and runs it again in a test namespace whose / is rshared, as on systemd hosts.
import t from 'tap';
import { statSync } from 'node:fs';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { propagationOf, readMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { isAlive, listPids, nsInode, ppid } from '../../src/kernel/proc.js';
import { errnoNumber } from '../../src/kernel/syscall-probe.js';
import { fileId, needsRoot, verifyLeavingHost } from '../helpers.js';
import { verifyUnderSharedRoot } from './shared-root.js';

t.test('pivot-root, verified step by step against the kernel', { skip: needsRoot() }, async (t) => {
  const lab = await loadLab('pivot-root');
  let session: Session | undefined;
  const box = (): number => session!.proc('box').pid;
  const table = (): MountEntry[] => readMountinfo(box()) ?? [];
  let rootfs = 'unknown';
  const facts: Record<string, () => void> = {
    prepare: () => {
      t.not(nsInode(box(), 'mnt'), nsInode('self', 'mnt'), 'box has a mount namespace of its own');
      t.not(nsInode(box(), 'pid'), nsInode('self', 'pid'), 'and a PID namespace of its own');
      t.same(
        table().filter((m) => propagationOf(m) !== 'private'),
        [],
        'every mount of it is private',
      );
      t.equal(table().find((m) => m.mountPoint === '/mnt')?.source, 'lab-rootfs', 'the tmpfs is at /mnt');
      t.equal(statSync(`/proc/${box()}/root/mnt/rootfs/bin/busybox`).size, statSync('/bin/busybox').size, 'busybox is in the rootfs');
    },
    refusals: () => {
      t.equal(session!.get('at-root'), `exit ${errnoNumber('EBUSY')}`, 'pivot_root in / exited with EBUSY');
      t.equal(session!.get('at-dir'), `exit ${errnoNumber('EINVAL')}`, 'pivot_root in /mnt/rootfs exited with EINVAL');
      t.equal(fileId(`/proc/${box()}/root`), fileId('/'), "box's root is still the host's /");
    },
    bind: () => {
      const bind = table().find((m) => m.mountPoint === '/mnt/rootfs');
      t.equal(bind && `${bind.source} ${bind.root}`, 'lab-rootfs /rootfs', '/mnt/rootfs is a bind of /rootfs of lab-rootfs');
      t.equal(table().find((m) => m.mountPoint === '/mnt/rootfs/proc')?.fsType, 'proc', 'with a proc under it');
      rootfs = fileId(`/proc/${box()}/root/mnt/rootfs`);
    },
    pivot: () => {
      t.equal(fileId(`/proc/${box()}/root`), rootfs, "PID 1's root is the rootfs directory");
      const inside = table();
      t.same(
        inside.map((m) => `${m.mountPoint} ${m.fsType} ${m.source}`),
        ['/ tmpfs lab-rootfs', '/proc proc proc'],
        'the namespace has exactly two mounts left: the rootfs and its proc',
      );
      const host = new Set((readMountinfo('self') ?? []).map((m) => m.device));
      t.notOk(
        inside.some((m) => host.has(m.device)),
        'none of them is of a device the host mounts',
      );
      t.equal(fileId('/'), fileId(`/proc/${process.pid}/root`), "the test's own root did not move");
    },
    'escape-fails': () => {
      const pidNs = nsInode(box(), 'pid');
      const escapeDir = fileId(`/proc/${box()}/root/escape`);
      const tried = listPids().filter((pid) => nsInode(pid, 'pid') === pidNs && fileId(`/proc/${ppid(pid) ?? 0}/root`) === escapeDir);
      t.ok(tried.length > 0, 'a process was started from the shell chrooted to /escape');
      t.same(
        tried.map((pid) => fileId(`/proc/${pid}/root`)),
        tried.map(() => rootfs),
        'its root is the rootfs again',
      );
    },
  };
  await verifyLeavingHost(t, lab, facts, (s) => (session = s));
  t.notOk(isAlive(box()), 'box was killed in cleanup');
});

t.test('pivot-root with / mounted shared leaves the mount table exactly as it was', { skip: needsRoot() }, async (t) => {
  verifyUnderSharedRoot(t, 'pivot-root', { unchanged: 'the pivot and the unmount of the old root did not reach it' });
});
