import t from 'tap';
import { mountFingerprint, parseMountLine, parseMountinfo, propagationOf, readMountinfo } from '../../src/kernel/mountinfo.js';

const SAMPLE = `22 27 0:21 / /proc rw,relatime shared:12 - proc proc rw
27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime master:7 - cgroup2 cgroup2 rw
50 27 0:40 /dir /mnt/with\\040space rw shared:3 master:2 - tmpfs lab-tmp rw,size=1k
51 27 0:41 / /private rw - tmpfs none rw
52 27 0:42 / /unbind rw unbindable - tmpfs none rw
`;

t.test('parses the fields of a line, including optional fields and escapes', async (t) => {
  const e = parseMountLine('50 27 0:40 /dir /mnt/with\\040space rw shared:3 master:2 - tmpfs lab-tmp rw,size=1k');
  t.same(e, {
    id: 50,
    parentId: 27,
    device: '0:40',
    root: '/dir',
    mountPoint: '/mnt/with space',
    options: 'rw',
    tags: ['shared:3', 'master:2'],
    fsType: 'tmpfs',
    source: 'lab-tmp',
    superOptions: 'rw,size=1k',
  });
  t.equal(parseMountLine('not a mountinfo line'), undefined);
  t.equal(parseMountLine(''), undefined);
});

t.test('tells each propagation type from the optional fields', async (t) => {
  const byPoint = new Map(parseMountinfo(SAMPLE).map((e) => [e.mountPoint, propagationOf(e)]));
  t.equal(byPoint.get('/'), 'shared');
  t.equal(byPoint.get('/sys/fs/cgroup/unified'), 'slave');
  t.equal(byPoint.get('/mnt/with space'), 'shared+slave');
  t.equal(byPoint.get('/private'), 'private');
  t.equal(byPoint.get('/unbind'), 'unbindable');
});

t.test("reads this process's real mount table, with / in it", async (t) => {
  const mounts = readMountinfo('self');
  t.ok(mounts && mounts.some((m) => m.mountPoint === '/'), 'the kernel lists a root mount');
  t.equal(readMountinfo(2 ** 22 + 7), undefined, 'a missing process has no mount table');
});

t.test('fingerprints ignore mount ids, which the kernel reuses', async (t) => {
  const a = mountFingerprint(parseMountinfo('22 27 0:21 / /proc rw - proc proc rw\n'));
  const b = mountFingerprint(parseMountinfo('99 30 0:21 / /proc rw - proc proc rw\n'));
  t.same(a, b);
});
