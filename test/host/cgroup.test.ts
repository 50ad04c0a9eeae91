// requireV2Controllers: the cgroup v2 hierarchy a lab's controllers need, on given layouts and, as root on this
// host, the explained error a lab needing the v2 memory controller gets when the host does not offer it. No cgroup
// file is written here.
import t from 'tap';
import { LabError } from '../../src/common/errors.js';
import { requireV2Controllers } from '../../src/host/cgroup.js';
import { readCgroupLayout, readV2Controllers } from '../../src/kernel/cgroup-mode.js';

t.test('requireV2Controllers on layouts (no host access)', async (t) => {
  const unified = { mode: 'unified' as const, v2Path: '/sys/fs/cgroup', v1Controllers: [], v1Named: [] };
  t.same(requireV2Controllers(['memory'], unified, ['cpu', 'memory']), { root: '/sys/fs/cgroup', controllers: ['cpu', 'memory'] });
  const legacy = { mode: 'legacy' as const, v1Controllers: ['memory'], v1Named: ['systemd'] };
  const error = t.throws(() => requireV2Controllers(['memory'], legacy, undefined)) as LabError;
  t.equal(error.code, 'cgroup-v2-missing');
  t.match(error.meaning.en, /legacy cgroups/);
  t.match(error.fix.en, /systemd\.unified_cgroup_hierarchy=1/);
});

const layout = readCgroupLayout();
const hybridRoot =
  process.getuid?.() !== 0
    ? "needs root (to read this host's cgroup v2 root as the harness does)"
    : layout.mode !== 'hybrid' || readV2Controllers(layout.v2Path ?? '')?.includes('memory')
      ? `needs a hybrid host whose cgroup v2 lacks memory (this one is ${layout.mode})`
      : false;

t.test('on this hybrid host, a lab needing the v2 memory controller stops with the reason and the fixes', { skip: hybridRoot }, async (t) => {
  t.equal(layout.mode, 'hybrid', 'mountinfo: hybrid');
  t.notOk(readV2Controllers(layout.v2Path ?? '')?.includes('memory'), `${layout.v2Path}/cgroup.controllers has no memory`);
  const error = t.throws(() => requireV2Controllers(['memory'])) as LabError;
  t.ok(error instanceof LabError, 'a LabError: printed without a stack trace');
  t.equal(error.code, 'cgroup-v2-missing');
  t.equal(error.operation, `read \`${layout.v2Path}/cgroup.controllers\``);
  t.match(error.meaning.en, /hybrid cgroups/);
  t.match(error.meaning.en, /the memory controller is not in it/);
  if (layout.v1Controllers.includes('memory')) t.match(error.meaning.en, /cgroup v1 holds memory/);
  t.match(error.meaning.zh, /混合（hybrid）/);
  t.match(error.meaning.zh, /memory 控制器/);
  for (const fix of ['systemd.unified_cgroup_hierarchy=1', 'vagrant up', 'npm run vm']) {
    t.ok(error.fix.en.includes(fix), `the fix names ${fix}`);
    t.ok(error.fix.zh.includes(fix), `the Chinese fix names ${fix}`);
  }
  t.notMatch(error.message, /ENOENT/, 'no raw ENOENT');
});
