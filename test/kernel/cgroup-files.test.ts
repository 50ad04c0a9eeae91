// The errors of cgroup file reads and writes: the operation and file named, the errno explained. No file is touched.
import t from 'tap';
import { LabError } from '../../src/common/errors.js';
import { cgroupError } from '../../src/kernel/cgroup-files.js';

t.test('cgroup file errors name the file and explain the errno', async (t) => {
  const errno = (code: string): Error => Object.assign(new Error(code), { code });
  const busy = cgroupError('write `/sys/fs/cgroup/lab-3/cgroup.subtree_control`', '/sys/fs/cgroup/lab-3/cgroup.subtree_control', errno('EBUSY')) as LabError;
  t.equal(busy.message, 'write `/sys/fs/cgroup/lab-3/cgroup.subtree_control`: EBUSY');
  t.match(busy.meaning.en, /no-internal-process rule/);
  t.match(busy.meaning.zh, /无内部进程/);
  const absent = cgroupError('write `/sys/fs/cgroup/lab-3/memory.max`', '/sys/fs/cgroup/lab-3/memory.max', errno('ENOENT')) as LabError;
  t.match(absent.meaning.en, /no memory\.max here: its controller is not enabled/);
  const bad = cgroupError('write `/sys/fs/cgroup/lab-3/cpu.max`', '/sys/fs/cgroup/lab-3/cpu.max', errno('EINVAL')) as LabError;
  t.match(bad.meaning.en, /did not accept that value for cpu\.max/);
  const notsup = cgroupError('write `x/memory.max`', 'x/memory.max', errno('ENOTSUP')) as LabError;
  t.equal(notsup.code, 'ENOTSUP');
  t.match(notsup.meaning.en, /not supported here/);
  const other = cgroupError('write `x/pids.max`', 'x/pids.max', errno('ENOSPC')) as LabError;
  t.ok(other instanceof LabError, 'an errno without cgroup words gets the generic explanation');
});
