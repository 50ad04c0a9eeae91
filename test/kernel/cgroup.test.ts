// The cgroup v2 parsers and plans on texts the kernel writes. No cgroup file is written here.
import t from 'tap';
import {
  controllersFor,
  enablePlan,
  formatCpuMax,
  isPopulated,
  limitPlan,
  missingControllers,
  parseControllers,
  parseCpuMax,
  parseFlatKeyed,
  parseIoMax,
  parseMax,
  parseNestedKeyed,
  parsePressure,
  parseSize,
} from '../../src/kernel/cgroup.js';

// Texts as a 6.1 kernel writes them.
const MEMORY_EVENTS = 'low 0\nhigh 12\nmax 40\noom 2\noom_kill 1\noom_group_kill 0\n';
const MEMORY_STAT = 'anon 1048576\nfile 4096\nkernel 61440\npgfault 3187\nworkingset_refault_anon 0\n';
const CPU_STAT = 'usage_usec 51230\nuser_usec 30001\nsystem_usec 21229\nnr_periods 9\nnr_throttled 7\nthrottled_usec 412345\n';
const PIDS_EVENTS = 'max 3\n';
const CGROUP_EVENTS_ON = 'populated 1\nfrozen 0\n';
const CGROUP_EVENTS_OFF = 'populated 0\nfrozen 0\n';
const IO_MAX = '8:16 rbps=2097152 wbps=max riops=max wiops=120\n254:0 rbps=max wbps=1048576 riops=max wiops=max\n';
const PSI = 'some avg10=1.53 avg60=0.87 avg300=0.21 total=1234567\nfull avg10=0.50 avg60=0.25 avg300=0.05 total=456789\n';
const PSI_CPU_OLD = 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';

t.test('flat-keyed files: memory.events, memory.stat, cpu.stat, pids.events, cgroup.events', async (t) => {
  t.same(parseFlatKeyed(MEMORY_EVENTS), { low: 0, high: 12, max: 40, oom: 2, oom_kill: 1, oom_group_kill: 0 });
  t.equal(parseFlatKeyed(MEMORY_STAT).anon, 1048576);
  t.equal(parseFlatKeyed(CPU_STAT).nr_throttled, 7);
  t.equal(parseFlatKeyed(CPU_STAT).throttled_usec, 412345);
  t.same(parseFlatKeyed(PIDS_EVENTS), { max: 3 });
  t.equal(isPopulated(CGROUP_EVENTS_ON), true);
  t.equal(isPopulated(CGROUP_EVENTS_OFF), false);
  t.same(parseFlatKeyed('bogus line here\nkey notanumber\n\n'), {}, 'lines that are not `key number` are left out');
});

t.test('nested-keyed files: io.max and PSI', async (t) => {
  t.same(parseNestedKeyed('8:0 rbps=1 wbps=max'), [{ key: '8:0', fields: { rbps: '1', wbps: 'max' } }]);
  t.same(parseIoMax(IO_MAX), [
    { device: '8:16', rbps: 2097152, wbps: 'max', riops: 'max', wiops: 120 },
    { device: '254:0', rbps: 'max', wbps: 1048576, riops: 'max', wiops: 'max' },
  ]);
  t.same(parseIoMax(''), [], 'an empty io.max: no device limited');
  t.same(parsePressure(PSI), {
    some: { avg10: 1.53, avg60: 0.87, avg300: 0.21, total: 1234567 },
    full: { avg10: 0.5, avg60: 0.25, avg300: 0.05, total: 456789 },
  });
  t.same(parsePressure(PSI_CPU_OLD), { some: { avg10: 0, avg60: 0, avg300: 0, total: 0 } }, 'cpu.pressure before 5.13 has no full line');
  t.throws(() => parsePressure('nonsense'), RangeError);
});

t.test('max values, cpu.max and sizes', async (t) => {
  t.equal(parseMax('max\n'), 'max');
  t.equal(parseMax('52428800\n'), 52428800);
  t.throws(() => parseMax('50M'), RangeError, 'the kernel never writes units back');
  t.same(parseCpuMax('20000 100000\n'), { quota: 20000, period: 100000 });
  t.same(parseCpuMax('max 100000\n'), { quota: 'max', period: 100000 });
  t.equal(formatCpuMax({ quota: 'max' }), 'max 100000');
  t.equal(parseSize('50M'), 52428800);
  t.equal(parseSize('1G'), 1073741824);
  t.equal(parseSize('64k'), 65536);
  t.equal(parseSize('4096'), 4096);
  t.equal(parseSize('10MiB'), 10485760);
  t.throws(() => parseSize('ten'), RangeError);
  t.same(parseControllers('cpuset cpu io memory hugetlb pids rdma misc\n'), ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc']);
});

t.test('enablePlan writes subtree_control from the root down to the parent of the leaf', async (t) => {
  t.same(enablePlan('/sys/fs/cgroup', '/sys/fs/cgroup/lab-3/leaf', ['memory', 'pids']), [
    { path: '/sys/fs/cgroup/cgroup.subtree_control', value: '+memory +pids' },
    { path: '/sys/fs/cgroup/lab-3/cgroup.subtree_control', value: '+memory +pids' },
  ]);
  t.same(
    enablePlan('/sys/fs/cgroup/unified', '/sys/fs/cgroup/unified/lab-3', ['cpu']),
    [{ path: '/sys/fs/cgroup/unified/cgroup.subtree_control', value: '+cpu' }],
    'a direct child: only the root enables',
  );
  t.same(enablePlan('/sys/fs/cgroup', '/sys/fs/cgroup', ['cpu']), [], 'the root itself: nothing above it');
  t.same(enablePlan('/sys/fs/cgroup', '/sys/fs/cgroup/lab-3/leaf', []), [], 'no controllers: no writes');
  t.throws(() => enablePlan('/sys/fs/cgroup', '/tmp/lab-3', ['cpu']), RangeError, 'a path outside the hierarchy');
});

t.test('limitPlan: one write per file, values as the kernel takes them', async (t) => {
  const leaf = '/sys/fs/cgroup/lab-3/leaf';
  t.same(
    limitPlan(leaf, {
      memoryMax: '50M',
      memoryHigh: 40 * 1024 * 1024,
      memorySwapMax: 0,
      cpuMax: { quota: 20000 },
      cpuWeight: 50,
      pidsMax: 20,
      ioMax: [{ device: '8:0', rbps: 1048576, wbps: 'max' }],
    }),
    [
      { path: `${leaf}/memory.max`, value: '52428800' },
      { path: `${leaf}/memory.high`, value: '41943040' },
      { path: `${leaf}/memory.swap.max`, value: '0' },
      { path: `${leaf}/cpu.max`, value: '20000 100000' },
      { path: `${leaf}/cpu.weight`, value: '50' },
      { path: `${leaf}/pids.max`, value: '20' },
      { path: `${leaf}/io.max`, value: '8:0 rbps=1048576 wbps=max' },
    ],
  );
  t.same(limitPlan(leaf, { memoryMax: 'max', pidsMax: 'max', cpuMax: { quota: 'max', period: 50000 } }), [
    { path: `${leaf}/memory.max`, value: 'max' },
    { path: `${leaf}/cpu.max`, value: 'max 50000' },
    { path: `${leaf}/pids.max`, value: 'max' },
  ]);
  t.same(limitPlan(leaf, {}), [], 'no limits: no writes');
  t.throws(() => limitPlan(leaf, { cpuWeight: 0 }), RangeError, 'cpu.weight starts at 1');
  t.throws(() => limitPlan(leaf, { cpuMax: { quota: 20000, period: 10 } }), RangeError, 'the period is at least 1 ms');
  t.throws(() => limitPlan(leaf, { pidsMax: -1 }), RangeError);
  t.throws(() => limitPlan(leaf, { ioMax: [{ device: 'sda', rbps: 1 }] }), RangeError, 'io.max needs MAJ:MIN');
  t.same(controllersFor({ pidsMax: 5, memoryMax: 1, memoryHigh: 1, ioMax: [] }), ['memory', 'pids', 'io']);
});

t.test('missing controllers: what the v2 root does not offer', async (t) => {
  t.same(missingControllers(['hugetlb'], ['memory', 'pids']), ['memory', 'pids'], 'this kind of hybrid host');
  t.same(missingControllers(['cpu', 'memory', 'pids', 'io'], ['memory', 'pids']), []);
  t.same(missingControllers(undefined, ['memory']), ['memory'], 'no v2 hierarchy: everything is missing');
});
