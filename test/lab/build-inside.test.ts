// startInside makes the action a lab used to write out by hand: setpriv around nsenter into a lab process.
import t from 'tap';
import { pid } from '../../src/lab/build.js';
import { startInside } from '../../src/lab/build-inside.js';
import type { Action, ActionSpec, LabContext } from '../../src/lab/spec.js';

const ctx: LabContext = {
  runId: 'lab-fake-4242-mx9o4xdp',
  shell: { target: 'a', namespaces: ['mnt'] },
  proc: (name: string) => ({ pid: name === 'a' ? 4300 : 4400, leader: 4299, ns: {} }),
  get: () => 'x',
  set: () => undefined,
};
const at = (spec: ActionSpec): Action | Action[] => (typeof spec === 'function' ? spec(ctx) : spec);

t.test("a process started in the lab's shell namespaces, killed with the harness", async (t) => {
  t.same(at(startInside('b', ['unshare', '--mount', 'sleep', 'infinity'], { pidOf: 'child' })), {
    kind: 'start',
    name: 'b',
    argv: ['setpriv', '--pdeathsig', 'KILL', '--', 'nsenter', '--target', '4300', '--mount', '--', 'unshare', '--mount', 'sleep', 'infinity'],
    pidOf: 'child',
  });
});

t.test('into another process, some namespaces, words known only when it runs', async (t) => {
  t.same(at(startInside('joined', ['kill', '-0', pid('a')], { into: 'c2', ns: ['net'] })), {
    kind: 'start',
    name: 'joined',
    argv: ['setpriv', '--pdeathsig', 'KILL', '--', 'nsenter', '--target', '4400', '--net', '--', 'kill', '-0', '4300'],
  });
});
