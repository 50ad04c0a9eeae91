// hostProcess starts a command in the host's namespaces, killed with the harness, whether its words are known now
// or only when its turn comes.
import t from 'tap';
import { proc } from '../../src/lab/build.js';
import { hostProcess } from '../../src/lab/build-process.js';
import { word } from '../../src/lab/build-words.js';
import type { Action, ActionSpec, LabContext } from '../../src/lab/spec.js';

const ctx: LabContext = {
  runId: 'lab-fake-4242-mx9o4xdp',
  shell: { target: 'box', namespaces: ['uts'] },
  proc: () => ({ pid: 4400, leader: 4399, ns: {} }),
  get: () => 'x',
  set: () => undefined,
};
const at = (spec: ActionSpec): Action | Action[] => (typeof spec === 'function' ? spec(ctx) : spec);

t.test('a host process is started under setpriv --pdeathsig KILL', async (t) => {
  t.same(hostProcess('host-sleeper', ['sleep', '3600']), {
    kind: 'start',
    name: 'host-sleeper',
    argv: ['setpriv', '--pdeathsig', 'KILL', '--', 'sleep', '3600'],
  });
  const late = hostProcess('holder', ['sh', '-c', word`exec sleep infinity 3<${proc('sibling', 'ns/uts')}`], { execs: 'sleep' });
  t.type(late, 'function');
  t.same(at(late), {
    kind: 'start',
    name: 'holder',
    argv: ['setpriv', '--pdeathsig', 'KILL', '--', 'sh', '-c', 'exec sleep infinity 3</proc/4400/ns/uts'],
    execs: 'sleep',
  });
  t.same(at(hostProcess('joined', (c) => ['nsenter', '--target', String(c.proc('x').pid), '--net', '--', 'sleep', '1'])), {
    kind: 'start',
    name: 'joined',
    argv: ['setpriv', '--pdeathsig', 'KILL', '--', 'nsenter', '--target', '4400', '--net', '--', 'sleep', '1'],
  });
});
