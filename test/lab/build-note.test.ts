// noting: the note is taken when the action's turn comes, before the action is made.
import t from 'tap';
import { noting } from '../../src/lab/build-note.js';
import { pid, run } from '../../src/lab/build.js';
import type { LabContext } from '../../src/lab/spec.js';

t.test('the note comes first, then the action as it would be without it', async (t) => {
  const order: string[] = [];
  const ctx: LabContext = {
    runId: 'lab-fake-4242-mx9o4xdp',
    shell: { target: 'init', namespaces: [] },
    proc: (name: string) => {
      order.push(`proc ${name}`);
      return { pid: 4300, leader: 4300, ns: {} };
    },
    get: () => 'x',
    set: (key, value) => void order.push(`set ${key}=${value}`),
  };
  const spec = noting((c) => c.set('before', '7'), run(['kill', pid('init')]));
  t.type(spec, 'function');
  t.same(order, [], 'nothing is noted when the lab is loaded');
  t.same(typeof spec === 'function' ? spec(ctx) : spec, { kind: 'run', argv: ['kill', '4300'] });
  t.same(order, ['set before=7', 'proc init']);
  t.same(typeof spec === 'function' && spec(ctx), run(['kill', '4300']), 'a fixed action is returned as it is');
});
