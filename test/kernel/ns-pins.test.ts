import t from 'tap';
import { parseMountinfo } from '../../src/kernel/mountinfo.js';
import { describeReferences, inodeAt, nsMountsIn, nsName, nsReferences } from '../../src/kernel/ns-pins.js';
import { nsInode } from '../../src/kernel/proc.js';

t.test('a namespace is named as the kernel names it in links and mountinfo', async (t) => {
  t.equal(nsName('uts', 4026532174), 'uts:[4026532174]');
});

t.test('nsfs mounts are found by their root, not by their mount point', async (t) => {
  const table = parseMountinfo(
    [
      '67 66 0:60 / /mnt rw,relatime - tmpfs lab-pins rw',
      '68 67 0:4 uts:[4026532174] /mnt/uts rw - nsfs nsfs rw',
      '69 67 0:4 net:[4026532300] /mnt/net rw - nsfs nsfs rw',
    ].join('\n'),
  );
  t.same(
    nsMountsIn(table, 'uts:[4026532174]').map((m) => m.mountPoint),
    ['/mnt/uts'],
  );
  t.same(nsMountsIn(table, 'uts:[1]'), []);
});

t.test('references are described in both languages', async (t) => {
  const text = describeReferences({ processes: [], fds: [{ pid: 42, fd: 3 }], mounts: [{ pid: 40, mountPoint: '/mnt/uts' }] });
  t.equal(text.en, 'processes: none; fds: 42/3; mounts: 40:/mnt/uts');
  t.equal(text.zh, '进程：无；文件描述符：42/3；挂载：40:/mnt/uts');
});

t.test('this process is a reference to its own namespaces', async (t) => {
  const inode = nsInode('self', 'uts');
  t.ok(inode);
  t.ok(nsReferences('uts', inode!).processes.includes(process.pid), 'the test process is in its UTS namespace');
  t.equal(inodeAt('/proc/self/ns/uts'), inode, "the namespace file has the namespace's inode");
});
