// An action that first notes what a later check compares with, as the kernel has it right before the action: the
// refusals a cgroup counted before a probe, the processes of a cgroup before a kill. Pure, like build.ts: the note
// is taken when the action's turn comes, then the action is made.
import type { ActionSpec, LabContext } from './spec.js';

/**
 * `note` (which stores values with `ctx.set`) runs when the action's turn comes, just before the action is made:
 * `noting((ctx) => ctx.set('before', count(ctx)), set(bomb, 'cgroup.kill', 1))`.
 */
export function noting(note: (ctx: LabContext) => void, spec: ActionSpec): ActionSpec {
  return (ctx) => {
    note(ctx);
    return typeof spec === 'function' ? spec(ctx) : spec;
  };
}
