// Runs the overlay-layers lab for real and asserts, after each step, the kernel facts independently of the lab's own
// checks: the mounts of box's mount namespace (mountinfo), the files of its tmpfs through /proc/<PID>/root (lstat:
// type, device number, inode; contents), the opaque xattrs read with getxattr(2) by python3, the exported tar's
// members; then that the host is exactly as before. And the same lab inside a test namespace whose / is rshared, as on
// systemd hosts, leaving that namespace's mount table as it was. Unit tests of the lab's pure helpers first.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { propagationOf, readMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { isAlive, nsInode } from '../../src/kernel/proc.js';
import { deviceName, kindOf } from '../../labs/overlay-layers/facts.js';
import { C1, C2, IMAGE, overlayOptions, readOpaqueArgv } from '../../labs/overlay-layers/layout.js';
import { inEnglish } from '../../src/common/vocabulary.js';
import { needsRoot, verifyLeavingHost } from '../helpers.js';
import { verifyUnderSharedRoot } from './shared-root.js';

t.test('the overlay options list the layers top first; device numbers read as major:minor', async (t) => {
  t.equal(
    overlayOptions(IMAGE, C1),
    'lowerdir=/mnt/layers/opaque:/mnt/layers/delete:/mnt/layers/add:/mnt/layers/base,upperdir=/mnt/c1/upper,workdir=/mnt/c1/work',
  );
  t.equal(overlayOptions(['/a', '/b'], C2), 'lowerdir=/b:/a,upperdir=/mnt/c2/upper,workdir=/mnt/c2/work');
  t.equal(deviceName(0), '0:0', 'a whiteout');
  t.equal(deviceName((8 << 8) | 1), '8:1', '/dev/sda1');
  t.equal(deviceName((259 << 8) | 0x10000000 | 3), '259:65539', 'a large minor (gnu_dev_minor)');
  t.equal(kindOf(undefined, inEnglish), 'missing');
  t.same(readOpaqueArgv('/x').slice(0, 2), ['python3', '-c']);
  t.equal(readOpaqueArgv('/x').at(-1), '/x', 'the path is an argument, never part of the program');
});

/** lstat(2) of a path, or undefined. */
const stat = (path: string): Stats | undefined => {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
};
/** A file's contents, or undefined. */
const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};
/** Whether lstat shows a whiteout: a character device 0/0. */
const whiteout = (path: string): boolean => {
  const s = stat(path);
  return s !== undefined && s.isCharacterDevice() && s.rdev === 0;
};
/** trusted.overlay.opaque of a directory, with getxattr(2) (python3's os.getxattr), or the error. */
const opaque = (path: string): string => {
  const program = 'import os, sys\ntry: print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())\nexcept OSError as e: print(e.errno)';
  return spawnSync('python3', ['-c', program, path], { encoding: 'utf8' }).stdout.trim();
};
/** The mounts of a source in a table. */
const bySource = (entries: MountEntry[], source: string): MountEntry[] => entries.filter((m) => m.source === source);
/** One superblock option of a mount. */
const option = (m: MountEntry | undefined, key: string): string | undefined =>
  m?.superOptions
    .split(',')
    .find((o) => o.startsWith(`${key}=`))
    ?.slice(key.length + 1);

t.test('overlay-layers, verified step by step against the kernel', { skip: needsRoot() }, async (t) => {
  const lab = await loadLab('overlay-layers');
  let session: Session | undefined;
  const box = (): number => session!.proc('box').pid;
  const p = (path: string): string => `/proc/${box()}/root${path}`;
  const table = (): MountEntry[] => readMountinfo(box()) ?? [];
  const onHost = (): MountEntry[] => (readMountinfo('self') ?? []).filter((m) => /^lab-(c\d|layers)$/.test(m.source));
  const lower = '/mnt/layers/opaque:/mnt/layers/delete:/mnt/layers/add:/mnt/layers/base';
  const facts: Record<string, () => void> = {
    image: () => {
      t.not(nsInode(box(), 'mnt'), nsInode('self', 'mnt'), 'box has a mount namespace of its own');
      const [tmpfs] = bySource(table(), 'lab-layers');
      t.equal(`${tmpfs?.mountPoint} ${tmpfs?.fsType}`, '/mnt tmpfs', 'the tmpfs is on /mnt in box');
      t.equal(tmpfs && propagationOf(tmpfs), 'private', 'and private');
      t.same(onHost(), [], 'the host has none of it');
      t.equal(stat(p('/mnt/layers/base/bin/busybox'))?.size, stat('/bin/busybox')?.size, 'busybox copied into the base layer');
      t.equal(read(p('/mnt/layers/base/etc/motd')), 'hello from the base layer\n');
      t.same(readdirSync(p('/mnt/layers/add')), ['app'], 'the second layer holds only app/');
    },
    deletions: () => {
      t.ok(whiteout(p('/mnt/layers/delete/tmp/build.log')), 'the third layer has a 0/0 character device');
      t.equal(opaque(p('/mnt/layers/opaque/app/cache')), 'y', "the fourth layer's app/cache is opaque");
      t.equal(opaque(p('/mnt/layers/base/app/cache')), '61', "the base layer's is not (ENODATA)");
    },
    mount: () => {
      const [c1] = bySource(table(), 'lab-c1');
      t.equal(`${c1?.mountPoint} ${c1?.fsType}`, '/mnt/c1/merged overlay', 'the overlay is mounted');
      t.equal(option(c1, 'lowerdir'), lower, 'lowerdir top first');
      t.equal(option(c1, 'upperdir'), '/mnt/c1/upper');
      t.same(onHost(), [], 'not on the host');
      t.same(readdirSync(p('/mnt/c1/merged/app/cache')), ['fresh'], 'app/cache is opaque in the merged view');
      t.equal(stat(p('/mnt/c1/merged/tmp/build.log')), undefined, 'tmp/build.log is whited out');
      t.equal(read(p('/mnt/c1/merged/app/hello.txt')), 'added by the second layer\n', 'the second layer shows through');
      t.same(readdirSync(p('/mnt/c1/upper')), [], 'the upper layer is empty');
    },
    'copy-up': () => {
      const base = stat(p('/mnt/layers/base/etc/motd'))!;
      const upper = stat(p('/mnt/c1/upper/etc/motd'));
      t.ok(upper?.isFile(), 'etc/motd is in the upper layer');
      t.equal(upper?.dev, base.dev, 'on the same tmpfs');
      t.not(upper?.ino, base.ino, 'another inode');
      t.equal(read(p('/mnt/layers/base/etc/motd')), 'hello from the base layer\n', 'the lower file is unchanged');
      t.equal(read(p('/mnt/c1/merged/etc/motd')), 'hello from the base layer\nwritten in container 1\n', 'the container reads the copy');
      t.not(stat(p('/mnt/c1/merged/etc/motd'))?.dev, base.dev, 'through the overlay (its own device)');
    },
    whiteout: () => {
      t.ok(whiteout(p('/mnt/c1/upper/app/hello.txt')), 'the delete is a whiteout in the upper layer');
      t.equal(stat(p('/mnt/c1/merged/app/hello.txt')), undefined, 'gone from the merged view');
      t.equal(read(p('/mnt/layers/add/app/hello.txt')), 'added by the second layer\n', 'still in its layer');
    },
    opaque: () => {
      t.equal(opaque(p('/mnt/c1/upper/data')), 'y', 'the new data is opaque in the upper layer');
      t.same(readdirSync(p('/mnt/c1/merged/data')), [], 'empty in the merged view');
      t.same(readdirSync(p('/mnt/layers/base/data')).sort(), ['a', 'b'], 'the base layer still has both');
    },
    'two-containers': () => {
      const [c2] = bySource(table(), 'lab-c2');
      t.equal(option(c2, 'lowerdir'), lower, 'the same lower layers');
      t.equal(option(c2, 'upperdir'), '/mnt/c2/upper', 'another upper layer');
      t.equal(read(p('/mnt/c2/merged/etc/motd')), 'hello from the base layer\n', "c2 does not see c1's copy-up");
      t.ok(stat(p('/mnt/c2/merged/app/hello.txt'))?.isFile(), "nor c1's delete");
      t.equal(stat(p('/mnt/c1/merged/tmp/c2.txt')), undefined, "c1 does not see c2's file");
      t.same(readdirSync(p('/mnt/c2/upper/tmp')), ['c2.txt'], "c2's write is in c2's upper layer");
    },
    commit: () => {
      t.ok(whiteout(p('/mnt/layers/commit/app/hello.txt')), 'the committed layer keeps the whiteout');
      t.equal(opaque(p('/mnt/layers/commit/data')), 'y', 'and the opaque directory');
      const [c3] = bySource(table(), 'lab-c3');
      t.equal(option(c3, 'lowerdir'), `/mnt/layers/commit:${lower}`, 'c3 has the committed layer on top');
      t.equal(read(p('/mnt/c3/merged/etc/motd')), 'hello from the base layer\nwritten in container 1\n');
      t.equal(stat(p('/mnt/c3/merged/app/hello.txt')), undefined);
      t.same(readdirSync(p('/mnt/c3/merged/data')), []);
      t.same(readdirSync(p('/mnt/c3/upper')), [], "c3's own layer is empty");
    },
    export: () => {
      const list = spawnSync('tar', ['-tvf', p('/mnt/export.tar')], { encoding: 'utf8' });
      t.equal(list.status, 0, 'the tar reads');
      const members = list.stdout.split('\n').filter(Boolean);
      const names = members.map((line) => line.split(/\s+/)[5]);
      t.same(
        [...names].sort(),
        ['./', './app/', './app/cache/', './app/cache/fresh', './bin/', './bin/busybox', './bin/sh', './data/', './etc/', './etc/motd', './tmp/'],
        'exactly the merged view',
      );
      t.notOk(
        members.some((line) => line.startsWith('c')),
        'no character device (whiteout) in it',
      );
    },
  };
  await verifyLeavingHost(t, lab, facts, (s) => (session = s));
  t.notOk(isAlive(box()), 'box was killed in cleanup');
});

t.test('with / mounted shared, the lab leaves the mount table exactly as it was', { skip: needsRoot() }, async (t) => {
  const run = verifyUnderSharedRoot(t, 'overlay-layers');
  t.equal(run.checks().filter((e) => e.ok).length, 18, "all 18 checks passed: 17 read from the kernel and the quiz's answer");
});
