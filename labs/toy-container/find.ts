// How the toy-container lab finds, from the host's /proc alone, the container `lab container run` started: its
// PID 1 (the one process of a PID namespace's level 1 whose environment carries the run's marker), the supervisor
// above it, the files the supervisor holds open, and where the other end of a socket or pipe is.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { runSuffix } from '../../src/lab/cgroup-lab.js';
import { environValue, listPids, nspid, ppid } from '../../src/kernel/proc.js';
import type { LabContext } from '../../src/lab/spec.js';

/** The container's name: `lab-toy-<pid>-<time>`, unique to the run. */
export const containerName = (ctx: LabContext): string => `lab-toy-${runSuffix(ctx)}`;

/** The variable `-e` gives the container, so that its processes can be told from the host: TOY_RUN=<pid>-<time>. */
export const MARKER = 'TOY_RUN';

/** The value of the marker in this run. */
export const markerValue = (ctx: LabContext): string => runSuffix(ctx);

/** The host PID of the container's PID 1, or undefined while there is none. */
export function containerInit(ctx: LabContext): number | undefined {
  const value = markerValue(ctx);
  return listPids().find((pid) => environValue(pid, MARKER) === value && nspid(pid)?.at(-1) === 1);
}

/** The processes of the container other than PID 1 (the marker is in every process `lab container exec` starts). */
export function containerOthers(ctx: LabContext, init: number): number[] {
  const value = markerValue(ctx);
  return listPids().filter((pid) => pid !== init && environValue(pid, MARKER) === value && (nspid(pid)?.length ?? 0) > 1);
}

/** The supervisor of a container: the parent of `unshare`, PID 1's parent. */
export function supervisorOf(init: number): number | undefined {
  const unshare = ppid(init);
  return unshare === undefined ? undefined : ppid(unshare);
}

/** Whether a process leads a session of its own (setsid(2): its session id is its PID). */
export function leadsSession(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name: state, ppid, pgrp, session (proc(5)).
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]) === pid;
  } catch {
    return false;
  }
}

/** Whether `pid` descends from `ancestor` (walking PPids up to PID 1). */
export function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p: number | undefined = ppid(pid); p !== undefined && p > 1; p = ppid(p)) if (p === ancestor) return true;
  return false;
}

/** Where each file descriptor of a process points (`/dev/null`, `socket:[123]`, `pipe:[45]`, a path). */
export function fdTargets(pid: number): Map<number, string> {
  const fds = new Map<number, string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        fds.set(Number(fd), readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        // Closed meanwhile.
      }
    }
  } catch {
    // No such process.
  }
  return fds;
}

/** The file a process holds open whose path ends so (the supervisor's container.log). */
export function openFileEnding(pid: number, ending: string): string | undefined {
  return [...fdTargets(pid).values()].find((target) => target.endsWith(ending));
}

/**
 * The other end of a socket or pipe: a pipe is one inode both ends share; a connected Unix socket's peer is another
 * inode, which `ss -xn` reports from the kernel's socket diagnostics (the column after the local inode).
 */
export function otherEnd(target: string, ssText: string): string | undefined {
  if (target.startsWith('pipe:')) return target;
  const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
  if (inode === undefined) return undefined;
  for (const line of ssText.split('\n')) {
    const m = /\s(\d+)\s+\S+\s+(\d+)\s*$/.exec(line);
    if (m?.[1] === inode) return `socket:[${m[2]}]`;
  }
  return undefined;
}
