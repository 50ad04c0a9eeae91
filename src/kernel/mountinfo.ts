// Parsing of /proc/<pid>/mountinfo (proc(5)): which mounts a mount namespace has and how they propagate.
import { readFileSync } from 'node:fs';
import type { PidRef } from './proc.js';

/** How mount events spread from and to a mount (mount_namespaces(7)). */
export type Propagation = 'shared' | 'slave' | 'shared+slave' | 'private' | 'unbindable';

/** One line of mountinfo. */
export interface MountEntry {
  id: number;
  parentId: number;
  /** `major:minor` of the device. */
  device: string;
  /** The directory of the filesystem that forms this mount's root. */
  root: string;
  mountPoint: string;
  options: string;
  /** Optional fields such as `shared:1`, `master:3`, `unbindable`. */
  tags: string[];
  fsType: string;
  source: string;
  superOptions: string;
}

/** Undo the kernel's octal escapes (`\040` for a space) in paths. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parse one mountinfo line; undefined for a line that is not one. */
export function parseMountLine(line: string): MountEntry | undefined {
  const fields = line.trim().split(' ');
  const dash = fields.indexOf('-', 6);
  if (fields.length < 10 || dash < 6) return undefined;
  const [id, parentId, device, root, mountPoint, options] = fields as [string, string, string, string, string, string];
  return {
    id: Number(id),
    parentId: Number(parentId),
    device,
    root: unescape(root),
    mountPoint: unescape(mountPoint),
    options,
    tags: fields.slice(6, dash),
    fsType: fields[dash + 1] ?? '',
    source: unescape(fields[dash + 2] ?? ''),
    superOptions: fields[dash + 3] ?? '',
  };
}

/** Parse a whole mountinfo file. */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const entry = parseMountLine(line);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** The mounts of a process's mount namespace, read from the kernel; undefined when the process is gone. */
export function readMountinfo(pid: PidRef): MountEntry[] | undefined {
  try {
    return parseMountinfo(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A mount's propagation type, from its optional fields. */
export function propagationOf(entry: MountEntry): Propagation {
  const shared = entry.tags.some((tag) => tag.startsWith('shared:'));
  const slave = entry.tags.some((tag) => tag.startsWith('master:'));
  if (shared && slave) return 'shared+slave';
  if (shared) return 'shared';
  if (slave) return 'slave';
  if (entry.tags.includes('unbindable')) return 'unbindable';
  return 'private';
}

/** A stable fingerprint of a mount table for before/after comparison (mount IDs are left out: they are reused). */
export function mountFingerprint(entries: MountEntry[]): string[] {
  return entries.map((e) => `${e.mountPoint} ${e.fsType} ${e.source} ${e.root} ${e.tags.join(',')}`).sort();
}
