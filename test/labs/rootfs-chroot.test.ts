// Runs the rootfs-chroot lab for real and asserts the kernel facts after each step independently of the lab's own
// checks (stat of /proc/<pid>/root against the rootfs directory, namespace links, the rootfs's /proc), then that the
// host is exactly as before; and runs it again in a test namespace whose / is rshared, as on systemd hosts.
import t from 'tap';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { readMountinfo } from '../../src/kernel/mountinfo.js';
import { isAlive, listPids, nsInode, ppid } from '../../src/kernel/proc.js';
import { fileId, needsRoot, verifyLeavingHost } from '../helpers.js';
import { verifyUnderSharedRoot } from './shared-root.js';

t.test('rootfs-chroot, verified step by step against the kernel', { skip: needsRoot() }, async (t) => {
  const lab = await loadLab('rootfs-chroot');
  let session: Session | undefined;
  const box = (): number => session!.proc('box').pid;
  const rootfs = (): string => fileId(`/proc/${box()}/root/mnt/rootfs`);
  const facts: Record<string, () => void> = {
    build: () => {
      const base = `/proc/${box()}/root/mnt/rootfs`;
      t.equal(statSync(`${base}/bin/busybox`).size, statSync('/bin/busybox').size, "the rootfs's busybox is a copy of the host's");
      t.equal(statSync(`${base}/bin/sh`).ino, statSync(`${base}/bin/busybox`).ino, 'sh is a hard link to it');
      t.same(readdirSync(`${base}/proc`), [], '/proc is empty');
      t.equal(readFileSync(`${base}/etc/hostname`, 'utf8').trim(), 'lab-rootfs', 'the marker file is there');
      t.notOk(
        readMountinfo('self')?.some((m) => m.source === 'lab-rootfs'),
        'the host has no lab-rootfs mount',
      );
    },
    chroot: () => {
      const jail = session!.proc('jail').pid;
      t.equal(fileId(`/proc/${jail}/root`), rootfs(), "the sleep's root is the rootfs directory");
      t.not(fileId(`/proc/${jail}/root`), fileId(`/proc/${box()}/root`), "which is not the namespace's root");
      for (const type of ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'] as const)
        t.equal(nsInode(jail, type), nsInode(box(), type), `same ${type} namespace as box`);
    },
    'same-world': () => {
      const inside = readdirSync(`/proc/${box()}/root/mnt/rootfs/proc`)
        .filter((name) => /^\d+$/.test(name))
        .map(Number);
      t.ok(inside.includes(1) && inside.includes(process.pid), "the rootfs's /proc lists the host's PID 1 and this test's PID");
      t.ok(inside.length >= listPids().length / 2, 'and about as many processes as the host has');
      const jail = session!.proc('jail').pid;
      t.equal(readlinkSync(`/proc/${box()}/root/mnt/rootfs/proc/${jail}/ns/uts`), readlinkSync('/proc/self/ns/uts'), 'the host UTS namespace');
      t.equal(readlinkSync(`/proc/${box()}/root/mnt/rootfs/proc/${jail}/ns/net`), readlinkSync('/proc/self/ns/net'), 'the host network namespace');
    },
    escape: () => {
      const real = fileId(`/proc/${box()}/root`);
      const mnt = nsInode(box(), 'mnt');
      const escaped = listPids().filter((pid) => {
        if (nsInode(pid, 'mnt') !== mnt || fileId(`/proc/${pid}/root`) !== real) return false;
        const parent = ppid(pid);
        const grand = parent === undefined ? undefined : ppid(parent);
        return [parent, grand].some((p) => p !== undefined && fileId(`/proc/${p}/root`) === rootfs());
      });
      t.ok(escaped.length > 0, `a process whose (grand)parent is in the chroot has the real root: ${escaped.join(' ')}`);
    },
  };
  await verifyLeavingHost(t, lab, facts, (s) => (session = s));
  t.notOk(isAlive(box()), 'box was killed in cleanup');
});

t.test('rootfs-chroot with / mounted shared leaves the mount table exactly as it was', { skip: needsRoot() }, async (t) => {
  verifyUnderSharedRoot(t, 'rootfs-chroot');
});
