// The container-vs-vm lab's container, found and read from the host's /proc alone: its PID 1 (the process at level 1
// of a PID namespace whose environment carries the run's marker), kernel files as the container sees them (through
// /proc/<pid>/root, so /proc there is the container's own /proc mount of the same kernel), its memory, and the
// host's own copies of the same facts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCgroupProcs, readProcCgroup, v2PathOf } from '../../src/kernel/cgroup-path.js';
import { environValue, listPids, nspid, readStatus } from '../../src/kernel/proc.js';
import { runSuffix, v2Root } from '../../src/lab/cgroup-lab.js';
import type { LabContext } from '../../src/lab/spec.js';

/** The container's name: `lab-cvm-<pid>-<time>`, unique to the run. */
export const containerName = (ctx: LabContext): string => `lab-cvm-${runSuffix(ctx)}`;

/** The variable `-e` gives the container, so that its processes can be told from the host: CVM_RUN=<pid>-<time>. */
export const MARKER = 'CVM_RUN';

/** The value of the marker in this run. */
export const markerValue = (ctx: LabContext): string => runSuffix(ctx);

/** The container's command: print the kernel's uptime the moment its shell runs, then sleep as PID 1. */
export const SCRIPT = 'cat /proc/uptime; exec sleep 3600';

/** The host PID of the container's PID 1, or undefined while there is none. */
export function containerInit(ctx: LabContext): number | undefined {
  const value = markerValue(ctx);
  return listPids().find((pid) => environValue(pid, MARKER) === value && nspid(pid)?.at(-1) === 1);
}

/** A kernel file's first line as a process sees it (through its root), or undefined. */
export function readIn(pid: number | undefined, path: string): string | undefined {
  if (pid === undefined) return undefined;
  try {
    return readFileSync(`/proc/${pid}/root${path}`, 'utf8').split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
}

/** A kernel file's first line as the harness (the host) sees it, or undefined. */
export function readHost(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').split('\n')[0]?.trim();
  } catch {
    return undefined;
  }
}

/** MemTotal in kB from a meminfo file (the host's or one seen through a process's root). */
export function memTotalKb(path: string): number | undefined {
  try {
    const m = /^MemTotal:\s+(\d+) kB$/m.exec(readFileSync(path, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A process's resident memory in kB (VmRSS of its status), or undefined. */
export function rssKb(pid: number): number | undefined {
  const value = readStatus(pid)?.get('VmRSS');
  return value === undefined ? undefined : Number.parseInt(value, 10);
}

/** What the container costs in memory: its processes' resident memory, and its cgroup's memory.current if it has one. */
export interface ContainerMemory {
  /** The processes of its cgroup (or PID 1 alone when the cgroup cannot be read). */
  pids: number[];
  rssKb: number;
  /** memory.current of its v2 cgroup, where the v2 hierarchy has the memory controller. */
  currentKb?: number;
  cgroup?: string;
}

/** The container's memory, read from its cgroup and its processes. */
export function containerMemory(init: number): ContainerMemory {
  const path = v2PathOf(readProcCgroup(init));
  const cgroup = path === undefined ? undefined : join(v2Root(), path);
  const pids = (cgroup === undefined ? undefined : readCgroupProcs(cgroup)) ?? [init];
  const rss = pids.reduce((sum, pid) => sum + (rssKb(pid) ?? 0), 0);
  let currentKb: number | undefined;
  try {
    if (cgroup !== undefined) currentKb = Math.round(Number(readFileSync(join(cgroup, 'memory.current'), 'utf8')) / 1024);
  } catch {
    // no memory controller in the v2 hierarchy here (a hybrid host keeps it in cgroup v1)
  }
  return { pids, rssKb: rss, ...(currentKb !== undefined ? { currentKb } : {}), ...(cgroup !== undefined ? { cgroup } : {}) };
}

/** The host's uptime in seconds, from /proc/uptime (the clock the container shares). */
export function hostUptime(): number | undefined {
  const value = Number(readHost('/proc/uptime')?.split(' ')[0]);
  return Number.isFinite(value) ? value : undefined;
}

/** MiB, one decimal, from kB. */
export const mib = (kb: number): string => `${(kb / 1024).toFixed(1)} MiB`;
