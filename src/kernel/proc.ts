// Readers of /proc: the kernel's own account of processes and their namespaces. Pure reads, no side effects;
// each returns undefined when the process is gone, because processes vanish between two reads.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { NamespaceType } from '../common/vocabulary.js';

/** A PID, or 'self' for the calling process. */
export type PidRef = number | 'self';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The inode of a process's namespace of this type, from the link `/proc/<pid>/ns/<type>` (`pid:[4026531836]`). */
export function nsInode(pid: PidRef, type: NamespaceType): number | undefined {
  try {
    const link = readlinkSync(`/proc/${pid}/ns/${type}`);
    const m = /\[(\d+)\]$/.exec(link);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The fields of `/proc/<pid>/status` as a map (`NSpid` → `4242\t1`). */
export function readStatus(pid: PidRef): Map<string, string> | undefined {
  return readStatusFile(`/proc/${pid}/status`);
}

/** A status file at any path, e.g. through another mount namespace: `/proc/<init>/root/proc/<pid>/status`. */
export function readStatusFile(path: string): Map<string, string> | undefined {
  const text = read(path);
  return text === undefined ? undefined : parseStatus(text);
}

/** Parse the text of a status file. */
export function parseStatus(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** `NSpid`: the process's PID in each PID namespace it belongs to, from the reader's namespace inward. */
export function nspid(pid: PidRef): number[] | undefined {
  const value = readStatus(pid)?.get('NSpid');
  return value === undefined ? undefined : value.split(/\s+/).map(Number);
}

/** The parent's PID as the reader sees it (0 when the parent is outside the reader's PID namespace). */
export function ppid(pid: PidRef): number | undefined {
  const value = readStatus(pid)?.get('PPid');
  return value === undefined ? undefined : Number(value);
}

/** The one-letter scheduler state (`S`, `R`, `T`, `Z`, ...). */
export function procState(pid: PidRef): string | undefined {
  return readStatus(pid)?.get('State')?.charAt(0);
}

/** The process's argument vector, from `/proc/<pid>/cmdline`. */
export function cmdline(pid: PidRef): string[] | undefined {
  const text = read(`/proc/${pid}/cmdline`);
  if (text === undefined) return undefined;
  const args = text.split('\0');
  if (args.at(-1) === '') args.pop();
  return args;
}

/** The short command name (`comm`). */
export function comm(pid: PidRef): string | undefined {
  return read(`/proc/${pid}/comm`)?.trimEnd();
}

/** The fields of `/proc/<pid>/stat` that identify a process and tell whether it still runs. */
export interface ProcStat {
  /** One-letter state; `Z` is a zombie: dead, waiting for its parent to reap it. */
  state: string;
  /** Start time in clock ticks since boot (field 22): with the PID, it names one process for good. */
  start: number;
}

/** Read a process's stat line. */
export function procStat(pid: PidRef): ProcStat | undefined {
  const text = read(`/proc/${pid}/stat`);
  return text === undefined ? undefined : parseStat(text);
}

/** Parse a stat line; the command name (field 2) may hold spaces and parentheses, so count from its end. */
export function parseStat(stat: string): ProcStat | undefined {
  const end = stat.lastIndexOf(')');
  if (end < 0) return undefined;
  const rest = stat.slice(end + 2).split(' ');
  const start = Number(rest[19]);
  const state = rest[0];
  return state && Number.isFinite(start) ? { state, start } : undefined;
}

/** Start time of a process in clock ticks since boot. */
export function startTime(pid: PidRef): number | undefined {
  return procStat(pid)?.start;
}

/** Whether a process with this PID runs (zombies do not); with `start`, whether it is that same process. */
export function isAlive(pid: number, start?: number): boolean {
  const stat = procStat(pid);
  if (!stat || stat.state === 'Z') return false;
  return start === undefined || stat.start === start;
}

/** Every PID visible in this /proc (default: the host's, as mounted at /proc). */
export function listPids(procRoot = '/proc'): number[] {
  try {
    return readdirSync(procRoot)
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/** Host PIDs of every process whose namespace of `type` has this inode. */
export function pidsInNamespace(type: NamespaceType, inode: number): number[] {
  return listPids().filter((pid) => nsInode(pid, type) === inode);
}

/** Host PIDs of the direct children of a process. */
export function childrenOf(pid: number): number[] {
  return listPids().filter((child) => ppid(child) === pid);
}

/** The value of one variable in a process's initial environment, from `/proc/<pid>/environ`. */
export function environValue(pid: number, name: string): string | undefined {
  const text = read(`/proc/${pid}/environ`);
  if (text === undefined) return undefined;
  const prefix = `${name}=`;
  for (const entry of text.split('\0')) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return undefined;
}
