// The ID maps of a user namespace, /proc/<pid>/uid_map and gid_map (user_namespaces(7)): which user and group IDs
// inside stand for which IDs outside. Pure reads.
import { readFileSync } from 'node:fs';
import type { PidRef } from './proc.js';

/** One line of a map: `count` consecutive IDs from `inside` stand for as many from `outside`. */
export interface IdRange {
  /** First ID in the process's user namespace. */
  inside: number;
  /** First ID it stands for outside: in the reader's user namespace (for a reader on the host, the host's IDs). */
  outside: number;
  count: number;
}

/** Which of the two maps. */
export type IdKind = 'uid' | 'gid';

/** Parse the text of a uid_map or gid_map: one `inside outside count` line per range, padded with spaces. */
export function parseIdMap(text: string): IdRange[] {
  const ranges: IdRange[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 3 || !fields.every((f) => /^\d+$/.test(f))) continue;
    const [inside, outside, count] = fields.map(Number) as [number, number, number];
    ranges.push({ inside, outside, count });
  }
  return ranges;
}

/** A process's uid_map or gid_map as the kernel shows it to this process; undefined when the process is gone. */
export function readIdMap(pid: PidRef, kind: IdKind): IdRange[] | undefined {
  try {
    return parseIdMap(readFileSync(`/proc/${pid}/${kind}_map`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The outside ID an inside ID stands for; undefined when the map does not cover it (it shows as 65534 then). */
export function idOutside(ranges: readonly IdRange[], inside: number): number | undefined {
  const range = ranges.find((r) => inside >= r.inside && inside < r.inside + r.count);
  return range ? range.outside + (inside - range.inside) : undefined;
}

/** A map as one line per range, `inside outside count`, the way the learner reads it; `(empty)` when unmapped. */
export function formatIdMap(ranges: readonly IdRange[]): string {
  return ranges.length ? ranges.map((r) => `${r.inside} ${r.outside} ${r.count}`).join(', ') : '(empty)';
}

/** Whether a map is exactly one range of `count` IDs from `inside` to `outside`. */
export function isSingleRange(ranges: readonly IdRange[] | undefined, inside: number, outside: number, count = 1): boolean {
  return ranges?.length === 1 && ranges[0]!.inside === inside && ranges[0]!.outside === outside && ranges[0]!.count === count;
}
