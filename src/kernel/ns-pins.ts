// What keeps a namespace alive (namespaces(7), "Namespace lifetime"): the processes in it, and the files that pin it
// without a process, an open file descriptor of its /proc/<pid>/ns/<type> file or a bind mount of that file. Pure
// reads of /proc; the kernel names a namespace in all three places the same way, `uts:[4026532174]`.
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import type { NamespaceType, Text } from '../common/vocabulary.js';
import { readMountinfo, type MountEntry } from './mountinfo.js';
import { listPids, nsInode, pidsInNamespace, type PidRef } from './proc.js';

/** How the kernel names a namespace in /proc/<pid>/ns links, fd links and mountinfo roots: `uts:[4026532174]`. */
export const nsName = (type: NamespaceType, inode: number): string => `${type}:[${inode}]`;

/** An open file descriptor that refers to a namespace. */
export interface NsFd {
  pid: number;
  fd: number;
}

/** A mount of a namespace file (nsfs), as one mount namespace shows it. */
export interface NsMount {
  /** A process whose mount namespace has the mount. */
  pid: number;
  mountPoint: string;
}

/** Every reference to one namespace that /proc shows: member processes, open descriptors and bind mounts. */
export interface NsReferences {
  processes: number[];
  fds: NsFd[];
  mounts: NsMount[];
}

/** The open file descriptors of a process whose link is `name` (the kernel's `uts:[inode]`). */
export function fdsNaming(pid: number, name: string): number[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  return fds
    .filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === name;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The mounts of a namespace file in a mount table: nsfs mounts whose root is `name` (`uts:[inode]`). */
export function nsMountsIn(entries: MountEntry[], name: string): MountEntry[] {
  return entries.filter((m) => m.fsType === 'nsfs' && m.root === name);
}

/** The nsfs mounts of this namespace in the mount namespace of process `pid`; undefined when it is gone. */
export function nsMountsOf(pid: PidRef, type: NamespaceType, inode: number): MountEntry[] | undefined {
  const entries = readMountinfo(pid);
  return entries && nsMountsIn(entries, nsName(type, inode));
}

/** The inode of the file at `path` (a pinned namespace file: the namespace's inode); undefined when absent. */
export function inodeAt(path: string): number | undefined {
  try {
    return Number(statSync(path, { bigint: true }).ino);
  } catch {
    return undefined;
  }
}

/**
 * Every process in the namespace, every open descriptor of it and every bind mount of it, in any mount namespace
 * (each mount namespace is read once, through one of its processes). Empty everywhere: the kernel has freed it.
 */
export function nsReferences(type: NamespaceType, inode: number): NsReferences {
  const name = nsName(type, inode);
  const refs: NsReferences = { processes: pidsInNamespace(type, inode), fds: [], mounts: [] };
  const seenMountNs = new Set<number>();
  for (const pid of listPids()) {
    for (const fd of fdsNaming(pid, name)) refs.fds.push({ pid, fd });
    const mnt = nsInode(pid, 'mnt');
    if (mnt === undefined || seenMountNs.has(mnt)) continue;
    seenMountNs.add(mnt);
    for (const m of nsMountsIn(readMountinfo(pid) ?? [], name)) refs.mounts.push({ pid, mountPoint: m.mountPoint });
  }
  return refs;
}

/** The references as one line of facts: `processes: none; fds: 4242/3; mounts: 4240:/mnt/uts`. */
export function describeReferences(refs: NsReferences): Text {
  const list = (items: string[], none: string): string => (items.length ? items.join(' ') : none);
  const pids = refs.processes.map(String);
  const fds = refs.fds.map((f) => `${f.pid}/${f.fd}`);
  const mounts = refs.mounts.map((m) => `${m.pid}:${m.mountPoint}`);
  return {
    en: `processes: ${list(pids, 'none')}; fds: ${list(fds, 'none')}; mounts: ${list(mounts, 'none')}`,
    zh: `进程：${list(pids, '无')}；文件描述符：${list(fds, '无')}；挂载：${list(mounts, '无')}`,
  };
}
