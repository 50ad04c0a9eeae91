// The plan a cgroup lab follows to get its cgroups on a systemd host: the exact actions, in order, and where the
// cgroups end up. Pure: LAB_CGROUP_MANAGER=systemd stands in for a host booted with systemd; nothing is run.
import t from 'tap';

process.env.LAB_CGROUP_MANAGER = 'systemd';
const { delegation, KEEPER, labCgroup, labParent, labScopeUnit, SCOPE_PROCESS, v2Root } = await import('../../src/lab/cgroup-lab.js');
const { readInitSystem } = await import('../../src/kernel/init-system.js');
const { labCgroupOf, shellCommand } = await import('../../src/lab/runner.js');
import type { Action, LabContext, LabSpec } from '../../src/lab/spec.js';

const ctx: LabContext = {
  runId: 'lab-cgroup-cpu-4242-mx9o4xdp',
  shell: { target: SCOPE_PROCESS, namespaces: [] },
  proc: (name: string) => {
    if (name !== SCOPE_PROCESS) throw new Error(`no process ${name}`);
    return { pid: 4300, leader: 4300, ns: {} };
  },
  get: () => {
    throw new Error('no values');
  },
  set: () => undefined,
};

const expand = (specs: ReturnType<typeof delegation>): Action[] => specs.flatMap((spec) => [typeof spec === 'function' ? spec(ctx) : spec].flat());

t.test('on a systemd host a run asks for a delegated scope, parks its keeper, enables its controllers below the scope', async (t) => {
  t.equal(readInitSystem().manager, 'systemd');
  const root = v2Root();
  const scope = `${root}/system.slice/lab-cpu-4242-mx9o4xdp.scope`;
  t.equal(labScopeUnit(ctx, 'cpu'), 'lab-cpu-4242-mx9o4xdp.scope');
  t.equal(labParent(ctx, 'cpu'), scope);
  t.equal(labCgroup(ctx, 'cpu'), `${scope}/lab-cpu`);
  t.same(expand(delegation('cpu', ['cpu', 'cpuset'])), [
    {
      kind: 'start',
      name: SCOPE_PROCESS,
      argv: [
        'systemd-run', '--scope', '--unit=lab-cpu-4242-mx9o4xdp.scope', '--slice=system.slice', '--property=Delegate=yes', '--collect', '--',
        'setpriv', '--pdeathsig', 'KILL', '--', 'sleep', 'infinity',
      ],
      creates: { kind: 'scope', unit: 'lab-cpu-4242-mx9o4xdp.scope', path: scope },
      execs: 'sleep',
    },
    { kind: 'run', argv: ['mkdir', `${scope}/${KEEPER}`] },
    { kind: 'write', path: `${scope}/${KEEPER}/cgroup.procs`, value: '4300' },
    { kind: 'write', path: `${scope}/cgroup.subtree_control`, value: '+cpu +cpuset' },
  ]);
  const writes = expand(delegation('cpu', ['cpu'])).filter((a) => a.kind === 'write').map((a) => (a as { path: string }).path);
  t.notOk(writes.some((path) => !path.startsWith(`${scope}/`)), 'nothing is written above the scope');
  t.equal(expand(delegation('cgns', [])).length, 3, 'no controllers: no subtree_control write');
});

t.test('the shells of a lab with a cgroup get its path as $LAB_CGROUP', async (t) => {
  const spec = { cgroup: 'cpu' } as LabSpec;
  const path = labCgroupOf(spec, ctx.runId);
  t.equal(path, `${v2Root()}/system.slice/lab-cpu-4242-mx9o4xdp.scope/lab-cpu`);
  t.same(shellCommand('cgroup-cpu', path), ['env', 'PS1=[lab:cgroup-cpu] \\w # ', `LAB_CGROUP=${path}`, 'bash', '--norc', '-i']);
  t.equal(labCgroupOf({} as LabSpec, ctx.runId), undefined, 'a lab without a cgroup');
  t.notOk(shellCommand('pid-namespace').some((arg) => arg.startsWith('LAB_CGROUP=')));
});
