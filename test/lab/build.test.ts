// The lab builders make exactly the actions a lab used to write out by hand; words known only at run time are
// read from the context when the action's turn comes.
import t from 'tap';
import { enter, init, nsenter, pid, proc, run, start, write } from '../../src/lab/build.js';
import type { Action, ActionSpec, LabContext } from '../../src/lab/spec.js';

const ctx: LabContext = {
  runId: 'lab-fake-4242-mx9o4xdp',
  shell: { target: 'init', namespaces: ['pid', 'mnt'] },
  proc: (name: string) => ({ pid: name === 'init' ? 4300 : 4400, leader: 4299, ns: {} }),
  get: () => 'x',
  set: () => undefined,
};
const at = (spec: ActionSpec): Action | Action[] => (typeof spec === 'function' ? spec(ctx) : spec);

t.test('a command with every word known is an action now; one with a PID is made when its turn comes', async (t) => {
  t.same(run(['ls', '/proc']), { kind: 'run', argv: ['ls', '/proc'] });
  t.same(run(['false'], { expect: 'fail', record: 'end' }), { kind: 'run', argv: ['false'], expect: 'fail', record: 'end' });
  const late = run(['grep', 'NSpid', proc('init', 'status')]);
  t.type(late, 'function');
  t.same(at(late), { kind: 'run', argv: ['grep', 'NSpid', '/proc/4300/status'] });
  t.same(at(run(['kill', '-0', pid('box')])), { kind: 'run', argv: ['kill', '-0', '4400'] });
  t.same(at(run((c) => ['echo', c.runId])), { kind: 'run', argv: ['echo', 'lab-fake-4242-mx9o4xdp'] });
});

t.test('start and write', async (t) => {
  t.same(start('box', ['sleep', 'infinity']), { kind: 'start', name: 'box', argv: ['sleep', 'infinity'] });
  t.same(at(start('b', ['nsenter', '-t', pid('init')], { pidOf: 'child' })), { kind: 'start', name: 'b', argv: ['nsenter', '-t', '4300'], pidOf: 'child' });
  t.same(write('/sys/fs/cgroup/lab-x/pids.max', 20), { kind: 'write', path: '/sys/fs/cgroup/lab-x/pids.max', value: '20' });
  t.same(at(write('/sys/fs/cgroup/lab-x/cgroup.procs', pid('init'), { expect: 'fail' })), {
    kind: 'write',
    path: '/sys/fs/cgroup/lab-x/cgroup.procs',
    value: '4300',
    expect: 'fail',
  });
});

t.test("enter goes where the lab's shell goes unless told otherwise", async (t) => {
  t.same(at(enter(['hostname'])), { kind: 'run', argv: ['nsenter', '--target', '4300', '--pid', '--mount', '--', 'hostname'] });
  t.same(at(enter(['ip', 'link'], { into: 'box', ns: ['net'], expect: 'fail' })), {
    kind: 'run',
    argv: ['nsenter', '--target', '4400', '--net', '--', 'ip', 'link'],
    expect: 'fail',
  });
  t.same(nsenter(['cat', proc('box', 'status')], { ns: ['mnt'] })(ctx), ['nsenter', '--target', '4300', '--mount', '--', 'cat', '/proc/4400/status']);
});

t.test('init: unshare killed with the harness; with a PID namespace the name is the child, PID 1 inside', async (t) => {
  t.same(init('init', { namespaces: ['pid', 'mnt'] }), {
    kind: 'start',
    name: 'init',
    argv: ['setpriv', '--pdeathsig', 'KILL', '--', 'unshare', '--pid', '--mount', '--fork', '--kill-child', '--propagation', 'private', 'sleep', 'infinity'],
    pidOf: 'child',
  });
  t.same(init('box', { namespaces: ['uts'] }, ['sleep', '1000']), {
    kind: 'start',
    name: 'box',
    argv: ['setpriv', '--pdeathsig', 'KILL', '--', 'unshare', '--uts', 'sleep', '1000'],
    pidOf: 'self',
  });
});
