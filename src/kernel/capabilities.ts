// Capability sets as /proc/<pid>/status shows them (capabilities(7)): hexadecimal bitmasks such as
// `CapEff: 000001ffffffffff`, one bit per capability, relative to the process's own user namespace.
import { readFileSync } from 'node:fs';
import { readStatus, type PidRef } from './proc.js';

/** The status fields that hold capability sets. */
export type CapabilitySet = 'CapInh' | 'CapPrm' | 'CapEff' | 'CapBnd' | 'CapAmb';

/** A capability mask from its hexadecimal text; undefined when the text is not one. */
export function parseCapMask(hex: string): bigint | undefined {
  return /^[0-9a-fA-F]{1,16}$/.test(hex.trim()) ? BigInt(`0x${hex.trim()}`) : undefined;
}

/** The mask with every capability this kernel knows set (bits 0 to `lastCap`). */
export function allCapabilities(lastCap: number): bigint {
  return (1n << BigInt(lastCap + 1)) - 1n;
}

/** The number of the highest capability the running kernel knows, from /proc/sys/kernel/cap_last_cap. */
export function readLastCap(): number | undefined {
  try {
    const value = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
    return Number.isInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** How many capabilities a mask holds. */
export function countCapabilities(mask: bigint): number {
  let count = 0;
  for (let rest = mask; rest > 0n; rest >>= 1n) if (rest & 1n) count++;
  return count;
}

/** One capability set of a process, with its text as shown; undefined when the process is gone. */
export function readCapabilities(pid: PidRef, set: CapabilitySet = 'CapEff'): { text: string; mask: bigint } | undefined {
  const text = readStatus(pid)?.get(set);
  const mask = text === undefined ? undefined : parseCapMask(text);
  return text === undefined || mask === undefined ? undefined : { text, mask };
}
