// The plan a cgroup lab follows to get its cgroups on a systemd host: the exact actions, in order, and where the
// cgroups end up, all named from the short name the lab declares once (`cgroup:` in its spec, `ctx.cgroup`). Pure:
// LAB_CGROUP_MANAGER=systemd stands in for a host booted with systemd; nothing is run.
import t from 'tap';

process.env.LAB_CGROUP_MANAGER = 'systemd';
const { delegation, KEEPER, labCgroup, labParent, labScopeUnit, SCOPE_PROCESS, v2Root } = await import('../../src/lab/cgroup-lab.js');
const { cgroupPreamble } = await import('../../src/lab/build-cgroup.js');
const { readInitSystem } = await import('../../src/kernel/init-system.js');
const { labCgroupOf, shellArgvFor, shellCommand } = await import('../../src/lab/runner.js');
import type { Action, ActionSpec, LabContext, LabSpec } from '../../src/lab/spec.js';

const ctx: LabContext = {
  runId: 'lab-cgroup-cpu-4242-mx9o4xdp',
  shell: { target: SCOPE_PROCESS, namespaces: [] },
  cgroup: 'cpu',
  proc: (name: string) => {
    if (name !== SCOPE_PROCESS && name !== 'box') throw new Error(`no process ${name}`);
    return { pid: 4300, leader: 4300, ns: {} };
  },
  get: () => {
    throw new Error('no values');
  },
  set: () => undefined,
};

const expand = (specs: ActionSpec[]): Action[] => specs.flatMap((spec) => [typeof spec === 'function' ? spec(ctx) : spec].flat());

t.test('on a systemd host a run asks for a delegated scope, parks its keeper, enables its controllers below the scope', async (t) => {
  t.equal(readInitSystem().manager, 'systemd');
  const root = v2Root();
  const scope = `${root}/system.slice/lab-cpu-4242-mx9o4xdp.scope`;
  t.equal(labScopeUnit(ctx), 'lab-cpu-4242-mx9o4xdp.scope');
  t.equal(labParent(ctx), scope);
  t.equal(labCgroup(ctx), `${scope}/lab-cpu`);
  t.same(expand(delegation(['cpu', 'cpuset'])), [
    {
      kind: 'start',
      name: SCOPE_PROCESS,
      argv: [
        'systemd-run',
        '--scope',
        '--unit=lab-cpu-4242-mx9o4xdp.scope',
        '--slice=system.slice',
        '--property=Delegate=yes',
        '--collect',
        '--',
        'setpriv',
        '--pdeathsig',
        'KILL',
        '--',
        'sleep',
        'infinity',
      ],
      creates: { kind: 'scope', unit: 'lab-cpu-4242-mx9o4xdp.scope', path: scope },
      execs: 'sleep',
    },
    { kind: 'run', argv: ['mkdir', `${scope}/${KEEPER}`] },
    { kind: 'write', path: `${scope}/${KEEPER}/cgroup.procs`, value: '4300' },
    { kind: 'write', path: `${scope}/cgroup.subtree_control`, value: '+cpu +cpuset' },
  ]);
  const writes = expand(delegation(['cpu']))
    .filter((a) => a.kind === 'write')
    .map((a) => (a as { path: string }).path);
  t.notOk(
    writes.some((path) => !path.startsWith(`${scope}/`)),
    'nothing is written above the scope',
  );
  t.equal(expand(delegation([])).length, 3, 'no controllers: no subtree_control write');
});

t.test("the preamble: the delegation first, then the run's cgroup in the scope, its leaves and box", async (t) => {
  const scope = `${v2Root()}/system.slice/lab-cpu-4242-mx9o4xdp.scope`;
  const top = `${scope}/lab-cpu`;
  const actions = expand(cgroupPreamble({ controllers: ['cpu', 'cpuset'], leaves: ['box', 'capped'], box: 'box' }));
  t.same(actions.slice(0, 4), expand(delegation(['cpu', 'cpuset'])), 'the delegation, as above');
  t.same(actions.slice(4), [
    { kind: 'run', argv: ['mkdir', top], creates: { kind: 'cgroup', path: top } },
    { kind: 'write', path: `${top}/cgroup.subtree_control`, value: '+cpu +cpuset' },
    { kind: 'run', argv: ['mkdir', `${top}/box`, `${top}/capped`] },
    { kind: 'start', name: 'box', argv: ['setpriv', '--pdeathsig', 'KILL', '--', 'sh', '-c', `echo $$ > ${top}/box/cgroup.procs && exec sleep infinity`] },
  ]);
});

t.test('the shells of a lab with a cgroup get its path as $LAB_CGROUP', async (t) => {
  const spec = { cgroup: 'cpu' } as LabSpec;
  const path = labCgroupOf(spec, ctx.runId);
  t.equal(path, `${v2Root()}/system.slice/lab-cpu-4242-mx9o4xdp.scope/lab-cpu`);
  t.same(shellCommand('cgroup-cpu', path), ['env', 'PS1=[lab:cgroup-cpu] \\w # ', `LAB_CGROUP=${path}`, 'bash', '--norc', '-i']);
  t.equal(labCgroupOf({} as LabSpec, ctx.runId), undefined, 'a lab without a cgroup');
  t.notOk(shellCommand('pid-namespace').some((arg) => arg.startsWith('LAB_CGROUP=')));
  // A shell in the lab's mount namespace may see another cgroup tree at /sys/fs/cgroup (cgroup-namespace mounts its own).
  const inside = shellArgvFor(
    'cgroup-namespace',
    { target: 'init', namespaces: ['cgroup', 'mnt'] },
    4300,
    labCgroupOf({ cgroup: 'cgns' } as LabSpec, ctx.runId),
  );
  t.notOk(
    inside.some((arg) => arg.startsWith('LAB_CGROUP=')),
    "no $LAB_CGROUP in a shell that joins the lab's mount namespace",
  );
});

t.test('a lab that makes cgroups declares their name', async (t) => {
  t.throws(() => labCgroup({ runId: ctx.runId }), /declares no `cgroup` name/);
});
