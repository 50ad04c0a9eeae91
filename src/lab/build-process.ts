// A process of the lab that stays in the host's namespaces (a process to signal from inside, a holder of an open
// file), killed by the kernel if the harness dies: the counterpart of build.ts's init(), which makes a namespace.
import { dieWithHarness } from '../kernel/namespaces.js';
import { start, type Argv, type StartOptions } from './build.js';
import type { ActionSpec } from './spec.js';

/** Start `argv` in the host's namespaces under a name, killed with the harness: `hostProcess('host-sleeper', ['sleep', '3600'])`. */
export function hostProcess(name: string, argv: Argv, options: StartOptions = {}): ActionSpec {
  // dieWithHarness only puts `setpriv --pdeathsig KILL --` in front, so late words can follow that prefix as they are.
  const words: Argv = typeof argv === 'function' ? (ctx) => dieWithHarness([...argv(ctx)]) : [...dieWithHarness([]), ...argv];
  return start(name, words, options);
}
