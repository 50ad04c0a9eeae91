// Time namespaces (time_namespaces(7)): the clock offsets the kernel keeps per namespace, the uptime it derives
// from CLOCK_BOOTTIME, and the `unshare` command that sets offsets. Readers are pure reads; the builder returns an argv.
import { readFileSync } from 'node:fs';
import { unshareArgv } from './namespaces.js';
import type { PidRef } from './proc.js';

/** The two clocks a time namespace can shift, in seconds (CLOCK_REALTIME cannot be shifted). */
export interface ClockOffsets {
  monotonic: number;
  boottime: number;
}

/** Parse /proc/<pid>/timens_offsets (`monotonic <s> <ns>` and `boottime <s> <ns>` lines); undefined when malformed. */
export function parseTimensOffsets(text: string): ClockOffsets | undefined {
  const found: Partial<ClockOffsets> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(monotonic|boottime)\s+(-?\d+)\s+(\d+)\s*$/.exec(line);
    if (m) found[m[1] as keyof ClockOffsets] = Number(m[2]) + Number(m[3]) / 1e9;
  }
  return found.monotonic !== undefined && found.boottime !== undefined ? (found as ClockOffsets) : undefined;
}

/**
 * The offsets of the time namespace a process's children are created in (for a process inside a namespace, its
 * own); undefined when the process is gone or the kernel has no time namespaces.
 */
export function readTimensOffsets(pid: PidRef): ClockOffsets | undefined {
  try {
    return parseTimensOffsets(readFileSync(`/proc/${pid}/timens_offsets`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The first field of /proc/uptime: seconds since boot on the reader's CLOCK_BOOTTIME. */
export function parseUptime(text: string): number | undefined {
  const first = text.trim().split(/\s+/)[0];
  const value = first ? Number(first) : NaN;
  return Number.isFinite(value) ? value : undefined;
}

/** The calling process's uptime in seconds (the host's, for the harness). */
export function readUptime(): number | undefined {
  try {
    return parseUptime(readFileSync('/proc/uptime', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * `unshare --time --fork` with clock offsets. The offsets must be written before the first process enters the
 * namespace, so unshare writes them between creating the namespace and forking the command into it.
 */
export function unshareTimeArgv(offsets: Partial<ClockOffsets>, command: string[]): string[] {
  const argv = unshareArgv({ namespaces: ['time'], fork: true }, []);
  if (offsets.boottime !== undefined) argv.push('--boottime', String(offsets.boottime));
  if (offsets.monotonic !== undefined) argv.push('--monotonic', String(offsets.monotonic));
  return [...argv, ...command];
}
