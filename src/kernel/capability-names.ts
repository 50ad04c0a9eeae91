// The names of the capabilities (linux/capability.h, capabilities(7)) by bit number, and a capability mask as the
// names it holds: what `CapEff: 00000000a80425fb` in /proc/<pid>/status means.
import { allCapabilities, countCapabilities } from './capabilities.js';

/** Capability names by bit number, 0 to 40 (CAP_LAST_CAP of Linux 5.9 and later). */
export const CAPABILITY_NAMES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** The name of one capability; a bit this table does not know yet reads `CAP_<n>`. */
export function capabilityName(bit: number): string {
  return CAPABILITY_NAMES[bit] ?? `CAP_${bit}`;
}

/** The names of the capabilities a mask holds, lowest bit first. */
export function capabilityNames(mask: bigint): string[] {
  const names: string[] = [];
  for (let bit = 0, rest = mask; rest > 0n; bit++, rest >>= 1n) if (rest & 1n) names.push(capabilityName(bit));
  return names;
}

/** A capability set decoded: its mask as the kernel prints it, the names it holds, and whether it holds them all. */
export interface DecodedCapabilities {
  /** The 16 hexadecimal digits of /proc/<pid>/status. */
  hex: string;
  names: string[];
  count: number;
  /** Every capability this kernel knows (bits 0 to cap_last_cap) is set. */
  all: boolean;
}

/** Decode a mask against the kernel's highest capability (`lastCap`, from /proc/sys/kernel/cap_last_cap). */
export function decodeCapabilities(mask: bigint, lastCap: number): DecodedCapabilities {
  const full = allCapabilities(lastCap);
  return {
    hex: mask.toString(16).padStart(16, '0'),
    names: capabilityNames(mask),
    count: countCapabilities(mask),
    all: (mask & full) === full,
  };
}
