// Mount propagation as the kernel records it in mountinfo (mount_namespaces(7)): peer groups (`shared:N`),
// masters (`master:N`), and which mount a path shows. Pure: every function reads parsed mountinfo entries.
import type { MountEntry } from './mountinfo.js';

/** The number in an optional field such as `shared:7`; undefined when the mount has no such field. */
function tagNumber(entry: MountEntry, name: 'shared' | 'master'): number | undefined {
  const tag = entry.tags.find((t) => t.startsWith(`${name}:`));
  if (tag === undefined) return undefined;
  const value = Number(tag.slice(name.length + 1));
  return Number.isInteger(value) ? value : undefined;
}

/** The peer group a mount belongs to (its `shared:N`); undefined when it is not shared. */
export function peerGroupOf(entry: MountEntry): number | undefined {
  return tagNumber(entry, 'shared');
}

/** The peer group a slave mount receives mount events from (its `master:N`); undefined when it is no slave. */
export function masterOf(entry: MountEntry): number | undefined {
  return tagNumber(entry, 'master');
}

/**
 * The mount a path shows: of the entries mounted at exactly this mount point, the one no other of them is
 * mounted on (a mount stacked on another hides it). Undefined when nothing is mounted there.
 */
export function mountAt(entries: MountEntry[], mountPoint: string): MountEntry | undefined {
  const here = entries.filter((e) => e.mountPoint === mountPoint);
  return here.find((e) => !here.some((other) => other.parentId === e.id)) ?? here.at(-1);
}

/** The mounts whose source field is this name (a tmpfs's source is whatever name `mount` was given). */
export function mountsFrom(entries: MountEntry[], source: string): MountEntry[] {
  return entries.filter((e) => e.source === source);
}

/** A mount's propagation fields as mountinfo writes them (`shared:3 master:2`), or `private` when it has none. */
export function propagationTags(entry: MountEntry): string {
  const tags = entry.tags.filter((t) => t.startsWith('shared:') || t.startsWith('master:') || t === 'unbindable');
  return tags.length > 0 ? tags.join(' ') : 'private';
}

/** One mount as a short fact: `/mnt/shared shared:2`. */
export function describeMount(entry: MountEntry): string {
  return `${entry.mountPoint} ${propagationTags(entry)}`;
}

/**
 * How `copy` (a mount of another namespace) is linked to `original`: `peer` when both are in the same peer group
 * (mount events go both ways), `slave` when `copy` is a slave of `original`'s peer group (events go from
 * `original` to `copy` only), undefined when nothing propagates between them.
 */
export function propagationLink(original: MountEntry, copy: MountEntry): 'peer' | 'slave' | undefined {
  const group = peerGroupOf(original);
  if (group === undefined) return undefined;
  if (peerGroupOf(copy) === group) return 'peer';
  if (masterOf(copy) === group) return 'slave';
  return undefined;
}
