// Words of a command that are known only when the action runs, beyond build.ts's pid() and proc(): a word made of
// text and late parts, and the process the harness spawned for a name. Pure, like build.ts.
import { wordOf, type Word } from './build.js';
import type { LabContext } from './spec.js';

/** A word of text and late parts: word`--uts=${proc('holder', 'fd/3')}` is `--uts=/proc/<holder's PID>/fd/3`. */
export function word(strings: TemplateStringsArray, ...parts: Word[]): Word {
  const join = (values: readonly (string | number)[]): string =>
    strings.reduce((text, piece, i) => text + piece + (i < values.length ? String(values[i]) : ''), '');
  if (parts.every((part) => typeof part !== 'function')) return join(parts as (string | number)[]);
  return (ctx: LabContext) => join(parts.map((part) => wordOf(ctx, part)));
}

/** The host PID of the process the harness spawned for a name (for `pidOf: 'child'`, the parent: unshare). */
export const leader =
  (name: string) =>
  (ctx: LabContext): number =>
    ctx.proc(name).leader;
