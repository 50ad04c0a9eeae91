// The cgroup builders make exactly the actions the cgroup labs used to write out by hand, every path under the run's
// cgroup named from the lab's short cgroup name in the context. Pure: LAB_CGROUP_MANAGER=none stands in for a host
// without systemd, where the run's cgroup sits right under the v2 root; nothing is run.
import t from 'tap';

process.env.LAB_CGROUP_MANAGER = 'none';
const { cgroupFile, cgroupPreamble, enable, initIn, labPath, runIn, set, startIn } = await import('../../src/lab/build-cgroup.js');
const { pid } = await import('../../src/lab/build.js');
const { v2Root } = await import('../../src/lab/cgroup-lab.js');
import type { Action, ActionSpec, LabContext } from '../../src/lab/spec.js';

const ctx: LabContext = {
  runId: 'lab-cgroup-pids-4242-mx9o4xdp',
  shell: { target: 'box', namespaces: [], cgroup: true },
  cgroup: 'pids',
  proc: (name: string) => ({ pid: name === 'box' ? 4300 : 4400, leader: 4299, ns: {} }),
  get: () => 'x',
  set: () => undefined,
};
const at = (spec: ActionSpec): Action | Action[] => (typeof spec === 'function' ? spec(ctx) : spec);
const expand = (specs: ActionSpec[]): Action[] => specs.flatMap((spec) => [at(spec)].flat());
const top = `${v2Root()}/lab-pids-4242-mx9o4xdp`;
const DIE = ['setpriv', '--pdeathsig', 'KILL', '--'];

t.test("paths under the run's cgroup, from the name the lab declares", async (t) => {
  t.equal(labPath()(ctx), top);
  t.equal(labPath('bomb')(ctx), `${top}/bomb`);
  t.equal(cgroupFile('/sys/fs/cgroup/lab-x', 'pids.max'), '/sys/fs/cgroup/lab-x/pids.max', 'a path known now stays a string');
  const late = cgroupFile(labPath('bomb'), 'pids.max');
  t.equal(typeof late === 'function' ? late(ctx) : late, `${top}/bomb/pids.max`);
  t.throws(() => labPath()({ ...ctx, cgroup: undefined }), /declares no `cgroup` name/);
});

t.test('set and enable write one interface file each', async (t) => {
  t.same(at(set(labPath('bomb'), 'pids.max', 20)), { kind: 'write', path: `${top}/bomb/pids.max`, value: '20' });
  t.same(at(set(labPath('box'), 'cgroup.procs', pid('box'))), { kind: 'write', path: `${top}/box/cgroup.procs`, value: '4300' });
  t.same(set('/sys/fs/cgroup/lab-x', 'cgroup.kill', 1), { kind: 'write', path: '/sys/fs/cgroup/lab-x/cgroup.kill', value: '1' });
  t.same(at(enable(labPath(), ['memory'], { expect: 'fail', record: 'refused' })), {
    kind: 'write',
    path: `${top}/cgroup.subtree_control`,
    value: '+memory',
    expect: 'fail',
    record: 'refused',
  });
});

t.test('runIn and startIn: a shell moves itself into the cgroup, then becomes the program', async (t) => {
  const joined = (leaf: string, program: string): string[] => [...DIE, 'sh', '-c', `echo $$ > ${top}/${leaf}/cgroup.procs && exec ${program}`];
  t.same(at(runIn(labPath('bomb'), ['perl', '-e', 'fork', labPath('bomb')], { expect: 'fail', record: 'probe' })), {
    kind: 'run',
    argv: joined('bomb', `perl -e fork ${top}/bomb`),
    expect: 'fail',
    record: 'probe',
  });
  t.same(at(startIn('family', labPath(), ['sh', '-c', 'sleep infinity & wait'], { pidOf: 'child' })), {
    kind: 'start',
    name: 'family',
    argv: [...DIE, 'sh', '-c', `echo $$ > ${top}/cgroup.procs && exec sh -c 'sleep infinity & wait'`],
    pidOf: 'child',
  });
});

t.test('initIn: the cgroup first, then unshare, so that the new cgroup namespace is rooted there', async (t) => {
  t.same(at(initIn('init', labPath(), { namespaces: ['cgroup', 'mnt'], fork: true })), {
    kind: 'start',
    name: 'init',
    argv: [...DIE, 'sh', '-c', `echo $$ > ${top}/cgroup.procs && exec unshare --mount --cgroup --fork --kill-child --propagation private sleep infinity`],
    pidOf: 'child',
  });
  t.equal(
    (at(initIn('x', '/sys/fs/cgroup/lab-x', { namespaces: ['cgroup'] })) as Action & { pidOf: string }).pidOf,
    'self',
    'no fork: the name is the process itself',
  );
});

t.test("the preamble without systemd: the run's cgroup under the root, controllers for its leaves, box in its leaf", async (t) => {
  t.same(expand(cgroupPreamble({ controllers: ['pids'], leaves: ['box', 'bomb'], box: 'box' })), [
    { kind: 'run', argv: ['mkdir', top], creates: { kind: 'cgroup', path: top } },
    { kind: 'write', path: `${top}/cgroup.subtree_control`, value: '+pids' },
    { kind: 'run', argv: ['mkdir', `${top}/box`, `${top}/bomb`] },
    { kind: 'start', name: 'box', argv: [...DIE, 'sh', '-c', `echo $$ > ${top}/box/cgroup.procs && exec sleep infinity`] },
  ]);
  t.same(
    expand(cgroupPreamble({ controllers: ['cpu', 'memory', 'pids'] })),
    [{ kind: 'run', argv: ['mkdir', top], creates: { kind: 'cgroup', path: top } }],
    'no leaves: nothing enabled yet',
  );
  t.throws(() => cgroupPreamble({ controllers: ['pids'], leaves: ['bomb'], box: 'box' }), /not one of the leaves/);
});
