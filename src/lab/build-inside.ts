// A long-lived process started inside the namespaces of a lab process that is already running, as `docker exec -d`
// starts one: nsenter, under setpriv so that the kernel kills it when the harness dies. Like the builders of
// build.ts it only makes the action; the session runs it and shows the command exactly as it runs.
import { dieWithHarness } from '../kernel/namespaces.js';
import { nsenter, start, type Argv, type Into, type StartOptions } from './build.js';
import type { ActionSpec } from './spec.js';

/**
 * Start `argv` in a lab process's namespaces (by default the lab's shell spec), killed if the harness dies:
 * `startInside('server', replyServerArgv(28080, ['hi']), { into: 'c1', ns: ['net'] })`.
 */
export function startInside(name: string, argv: Argv, options: Into & StartOptions = {}): ActionSpec {
  const { into, ns, ...rest } = options;
  const inside = nsenter(argv, { into, ns });
  return start(name, (ctx) => dieWithHarness(inside(ctx)), rest);
}
