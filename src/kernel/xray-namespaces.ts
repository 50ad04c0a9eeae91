// The namespaces of a process against the host's, for the X-ray (xray.ts): the inode of each /proc/<pid>/ns link,
// the host's (PID 1's; kthreadd's where PID 1's are unreadable), and the other processes in each, in one pass over the
// proc root. Pure reads of a proc root given as a parameter.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { NamespaceType } from '../common/vocabulary.js';

/** The namespace types in the order the X-ray lists them. */
export const XRAY_NAMESPACES: readonly NamespaceType[] = ['mnt', 'uts', 'ipc', 'net', 'pid', 'user', 'cgroup', 'time'];

/** How many of the processes sharing a namespace are named (the count is always whole). */
export const SHARERS_SHOWN = 5;

/** Another process in the same namespace. */
export interface Sharer {
  pid: number;
  comm: string;
}

/** One namespace of the process against the host's. */
export interface NamespaceFact {
  type: NamespaceType;
  /** The inode of /proc/<pid>/ns/<type>; null when this kernel has no such namespace type. */
  inode: number | null;
  hostInode: number | null;
  /** Its own: the inode differs from the host's. */
  own: boolean;
  /** The other processes whose namespace of this type has the same inode: how many, and the first few. */
  sharedWith: { count: number; processes: Sharer[] };
}

/**
 * The process the host's namespaces are read from: PID 1; kthreadd (always in the initial namespaces) when PID 1's
 * ns links are unreadable (PID 1 may hold capabilities root lacks, as on a microVM); this process as a last resort.
 */
export interface Reference {
  pid: number;
  why: 'pid-1' | 'kthreadd' | 'self';
}

/** A file's text; undefined when it cannot be read. */
export const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** The errno name of a failed read. */
export const errno = (error: unknown): string => String((error as { code?: unknown }).code ?? 'EIO');

/** The inode of a namespace link (`mnt:[4026531841]`); undefined when there is none, throws on EACCES. */
export function nsLink(procRoot: string, pid: number | string, type: NamespaceType): number | undefined {
  try {
    const m = /\[(\d+)\]$/.exec(readlinkSync(join(procRoot, String(pid), 'ns', type)));
    return m ? Number(m[1]) : undefined;
  } catch (error) {
    if (errno(error) === 'EACCES' || errno(error) === 'EPERM') throw error;
    return undefined;
  }
}

/** Every namespace inode of a process, or undefined when its links cannot be read. */
function nsInodes(procRoot: string, pid: number | string): Map<NamespaceType, number> | undefined {
  const inodes = new Map<NamespaceType, number>();
  try {
    for (const type of XRAY_NAMESPACES) {
      const inode = nsLink(procRoot, pid, type);
      if (inode !== undefined) inodes.set(type, inode);
    }
  } catch {
    return undefined;
  }
  return inodes.size ? inodes : undefined;
}

/** The host's namespaces: PID 1's, else kthreadd's, else this process's. */
export function hostReference(procRoot: string): { reference: Reference; inodes: Map<NamespaceType, number> } {
  const init = nsInodes(procRoot, 1);
  if (init) return { reference: { pid: 1, why: 'pid-1' }, inodes: init };
  const kthreadd = read(join(procRoot, '2', 'comm'))?.trim() === 'kthreadd' ? nsInodes(procRoot, 2) : undefined;
  if (kthreadd) return { reference: { pid: 2, why: 'kthreadd' }, inodes: kthreadd };
  const self = Number(readlinkSafe(join(procRoot, 'self')) ?? 0);
  return { reference: { pid: self, why: 'self' }, inodes: nsInodes(procRoot, 'self') ?? new Map() };
}

function readlinkSafe(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** The other processes in each of the given namespaces: one pass over the proc root. */
export function sharers(procRoot: string, pid: number, inodes: Map<NamespaceType, number>): Map<NamespaceType, NamespaceFact['sharedWith']> {
  const found = new Map<NamespaceType, NamespaceFact['sharedWith']>();
  for (const type of inodes.keys()) found.set(type, { count: 0, processes: [] });
  let names: string[] = [];
  try {
    names = readdirSync(procRoot);
  } catch {
    // No proc root: nobody to share with.
  }
  const pids = names.filter((name) => /^\d+$/.test(name) && Number(name) !== pid).map(Number);
  for (const other of pids.sort((a, b) => a - b)) {
    for (const [type, inode] of inodes) {
      let theirs: number | undefined;
      try {
        theirs = nsLink(procRoot, other, type);
      } catch {
        break; // Unreadable (more privileged than we are): it is counted nowhere.
      }
      if (theirs !== inode) continue;
      const entry = found.get(type)!;
      entry.count++;
      if (entry.processes.length < SHARERS_SHOWN) entry.processes.push({ pid: other, comm: read(join(procRoot, String(other), 'comm'))?.trim() ?? '?' });
    }
  }
  return found;
}
