// Which cgroup a process is in, from /proc/<pid>/cgroup (cgroups(7)), and which processes a cgroup holds, from its
// cgroup.procs. Pure reads; nothing here writes under /sys/fs/cgroup.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PidRef } from './proc.js';

/** One line of /proc/<pid>/cgroup: `hierarchy-ID:controller-list:cgroup-path`. */
export interface CgroupMembership {
  /** 0 for the cgroup v2 hierarchy; for v1, the hierarchy's number (the second column of /proc/cgroups). */
  hierarchy: number;
  /** The v1 controllers of the hierarchy (`['cpu', 'cpuacct']`, or `['name=systemd']`); empty for v2. */
  controllers: string[];
  /** The cgroup, relative to the root of the READER's cgroup namespace (`/..` when it lies outside it). */
  path: string;
}

/** Parse the text of /proc/<pid>/cgroup. The path may itself hold colons, so split at the first two only. */
export function parseProcCgroup(text: string): CgroupMembership[] {
  const entries: CgroupMembership[] = [];
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 1 || second < 0) continue;
    const hierarchy = Number(line.slice(0, first));
    if (!Number.isInteger(hierarchy)) continue;
    const list = line.slice(first + 1, second);
    entries.push({ hierarchy, controllers: list ? list.split(',') : [], path: line.slice(second + 1) });
  }
  return entries;
}

/** A process's cgroups as this process sees them; undefined when the process is gone. */
export function readProcCgroup(pid: PidRef): CgroupMembership[] | undefined {
  try {
    return parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The cgroup v2 path among the lines (`0::<path>`); undefined when there is no v2 line. */
export function v2PathOf(entries: readonly CgroupMembership[] | undefined): string | undefined {
  return entries?.find((e) => e.hierarchy === 0 && e.controllers.length === 0)?.path;
}

/** Parse a cgroup.procs file: one PID per line. */
export function parseCgroupProcs(text: string): number[] {
  return text
    .split('\n')
    .filter((line) => /^\d+$/.test(line.trim()))
    .map(Number);
}

/** The PIDs (in the reader's PID namespace) of the processes in a cgroup directory; undefined when unreadable. */
export function readCgroupProcs(dir: string): number[] | undefined {
  try {
    return parseCgroupProcs(readFileSync(join(dir, 'cgroup.procs'), 'utf8'));
  } catch {
    return undefined;
  }
}
