// A command that creates a host resource whose name is known only when the command runs (it carries the run's
// id), so that the action that journals it is made then too. A resource named in advance needs no builder:
// `run(argv, { creates })`.
import { argvOf, type Argv, type RunOptions } from './build.js';
import type { ActionSpec, HostResource, LabContext } from './spec.js';

/** A host resource as it is named in this run. */
export type LateResource = (ctx: LabContext) => HostResource;

/**
 * `run` a command that creates a host resource: journaled before the command runs, removed at the end of the lab.
 * `runCreating((ctx) => ({ kind: 'path', path: dir(ctx) }), ['mkdir', dir])`.
 */
export function runCreating(resource: LateResource, argv: Argv, options: Omit<RunOptions, 'creates'> = {}): ActionSpec {
  return (ctx) => ({ kind: 'run', argv: argvOf(ctx, argv), ...options, creates: resource(ctx) });
}
