import t from 'tap';
import { parseMountinfo } from '../../src/kernel/mountinfo.js';
import { describeMount, masterOf, mountAt, mountsFrom, peerGroupOf, propagationLink, propagationTags } from '../../src/kernel/mount-propagation.js';

// Namespace A and namespace B, as the kernel listed them in a run of the mount-namespace lab.
const A = parseMountinfo(`44 30 254:0 / / rw,relatime - ext4 /dev/vda rw
46 44 0:21 / /proc ro,relatime - proc proc rw
65 44 0:39 / /mnt rw,relatime - tmpfs lab-mnt rw
66 65 0:39 /shared /mnt/shared rw,relatime shared:2 - tmpfs lab-mnt rw
67 65 0:39 /private /mnt/private rw,relatime - tmpfs lab-mnt rw
96 66 0:42 / /mnt/shared/from-a rw,relatime shared:4 - tmpfs lab-from-a rw
`);
const B = parseMountinfo(`69 88 254:0 / / rw,relatime - ext4 /dev/vda rw
90 69 0:39 / /mnt rw,relatime - tmpfs lab-mnt rw
91 90 0:39 /shared /mnt/shared rw,relatime master:2 - tmpfs lab-mnt rw
92 90 0:39 /private /mnt/private rw,relatime - tmpfs lab-mnt rw
94 91 0:40 / /mnt/shared/new rw,relatime shared:3 master:7 - tmpfs lab-shared-new rw
97 91 0:42 / /mnt/shared/from-a rw,relatime master:4 - tmpfs lab-from-a rw
`);

t.test('reads peer group and master numbers from the optional fields', async (t) => {
  t.equal(peerGroupOf(mountAt(A, '/mnt/shared')!), 2);
  t.equal(masterOf(mountAt(A, '/mnt/shared')!), undefined);
  t.equal(peerGroupOf(mountAt(B, '/mnt/shared')!), undefined);
  t.equal(masterOf(mountAt(B, '/mnt/shared')!), 2);
  const both = mountAt(B, '/mnt/shared/new')!;
  t.same([peerGroupOf(both), masterOf(both)], [3, 7], 'a mount can be shared and a slave at once');
  t.equal(peerGroupOf(mountAt(A, '/mnt/private')!), undefined);
});

t.test('finds the mount a path shows, the topmost when mounts are stacked', async (t) => {
  const stacked = parseMountinfo(`27 1 254:0 / / rw - ext4 /dev/vda rw
30 27 8:1 / /mnt rw - ext4 /dev/sdb1 rw
65 30 0:39 / /mnt rw - tmpfs lab-mnt rw
`);
  t.equal(mountAt(stacked, '/mnt')?.source, 'lab-mnt', 'the tmpfs mounted over /mnt hides the disk');
  t.equal(mountAt(stacked, '/nowhere'), undefined);
  t.same(
    mountsFrom(A, 'lab-mnt').map((m) => m.mountPoint),
    ['/mnt', '/mnt/shared', '/mnt/private'],
    'bind mounts keep their source',
  );
  t.same(mountsFrom(A, 'lab-task'), []);
});

t.test('writes propagation the way mountinfo does', async (t) => {
  t.equal(propagationTags(mountAt(A, '/mnt/shared')!), 'shared:2');
  t.equal(propagationTags(mountAt(B, '/mnt/shared/new')!), 'shared:3 master:7');
  t.equal(propagationTags(mountAt(A, '/proc')!), 'private');
  t.equal(propagationTags(parseMountinfo('52 27 0:42 / /u rw unbindable - tmpfs none rw\n')[0]!), 'unbindable');
  t.equal(describeMount(mountAt(B, '/mnt/shared')!), '/mnt/shared master:2');
});

t.test('tells peers, slaves and unrelated mounts apart', async (t) => {
  const peerOfA = parseMountinfo('91 90 0:39 /shared /mnt/shared rw shared:2 - tmpfs lab-mnt rw\n')[0]!;
  t.equal(propagationLink(mountAt(A, '/mnt/shared')!, peerOfA), 'peer');
  t.equal(propagationLink(mountAt(A, '/mnt/shared')!, mountAt(B, '/mnt/shared')!), 'slave');
  t.equal(propagationLink(mountAt(A, '/mnt/shared/from-a')!, mountAt(B, '/mnt/shared/from-a')!), 'slave');
  t.equal(propagationLink(mountAt(A, '/mnt/private')!, mountAt(B, '/mnt/private')!), undefined, 'private: no link');
  t.equal(propagationLink(mountAt(B, '/mnt/shared')!, mountAt(A, '/mnt/shared')!), undefined, 'a slave sends nothing to its master');
});
