// runCreating journals a host resource named only when the command runs, with the command as run.
import t from 'tap';
import { runCreating } from '../../src/lab/build-host.js';
import type { Action, ActionSpec, LabContext } from '../../src/lab/spec.js';

const ctx: LabContext = {
  runId: 'lab-fake-4242-mx9o4xdp',
  shell: { target: 'init', namespaces: ['user'] },
  proc: () => ({ pid: 4300, leader: 4299, ns: {} }),
  get: () => 'x',
  set: () => undefined,
};
const at = (spec: ActionSpec): Action | Action[] => (typeof spec === 'function' ? spec(ctx) : spec);
const dir = (c: LabContext): string => `/run/${c.runId}`;

t.test('the resource and the command are both made from the run', async (t) => {
  t.same(at(runCreating((c) => ({ kind: 'path', path: dir(c) }), ['mkdir', dir])), {
    kind: 'run',
    argv: ['mkdir', '/run/lab-fake-4242-mx9o4xdp'],
    creates: { kind: 'path', path: '/run/lab-fake-4242-mx9o4xdp' },
  });
  t.same(
    at(
      runCreating(
        (c) => ({ kind: 'cgroup', path: `/sys/fs/cgroup/${c.runId}` }),
        (c) => ['mkdir', `/sys/fs/cgroup/${c.runId}`],
        { expect: 'ok' },
      ),
    ),
    {
      kind: 'run',
      argv: ['mkdir', '/sys/fs/cgroup/lab-fake-4242-mx9o4xdp'],
      expect: 'ok',
      creates: { kind: 'cgroup', path: '/sys/fs/cgroup/lab-fake-4242-mx9o4xdp' },
    },
  );
});
