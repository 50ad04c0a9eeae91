// Docker's default seccomp profile for x86_64, as a classic BPF program (`struct sock_filter` bytes) that
// lab-init loads just before the command, where runc loads the one libseccomp compiles from moby's profile. Pure.
//
// Honestly: Docker's profile is an ALLOWLIST (moby profiles/seccomp/default.json: ~350 system calls allowed,
// everything else EPERM). This is the same profile turned into a DENYLIST for the x86_64 table: the system calls
// of that table (up to set_mempolicy_home_node, 450) the allowlist leaves out are refused with EPERM, each one
// allowed again when the container holds the capability Docker's profile names for it (its `includes.caps`: mount
// with CAP_SYS_ADMIN, reboot with CAP_SYS_BOOT ...), exactly as moby generates the profile for a container's
// capabilities. What the two do the same: every x86_64 system call up to 450 gets the same answer. Where they
// differ: a system call newer than 450 passes here (the kernel's own permission checks still apply), where
// Docker's allowlist refuses one it does not list; and a 32-bit (i386) program is killed here, where Docker's
// profile lets the i386 table through with the same names (x32 calls are refused by both).
//
// The program, in order: the architecture must be x86_64 (else the process is killed: a different table would
// give the numbers other meanings); an x32 call (nr with bit 30) is refused; then the calls whose answer depends
// on an argument, as Docker's profile has them: clone with a CLONE_NEW* flag refused (and clone3 ENOSYS, so that
// libc falls back to clone, whose flags a filter can see), both allowed with CAP_SYS_ADMIN; socket(AF_VSOCK)
// refused; personality allowed only for the five personas Docker lists; then one JEQ per refused call; else ALLOW.
import { CAPABILITY_NAMES } from './capability-names.js';

/** One classic BPF instruction, `struct sock_filter`: opcode, jump offsets when true and when false, constant. */
export interface BpfInstruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** A system call Docker's default profile refuses, unless the container holds one of `allowedWith`. */
export interface RefusedSyscall {
  name: string;
  /** Its number on x86_64 (arch/x86/entry/syscalls/syscall_64.tbl). */
  nr: number;
  /** The capabilities that make Docker's profile allow it (none: always refused). */
  allowedWith: readonly string[];
}

/** The name of the file lab-init loads the filter from, in the container's directory. */
export const SECCOMP_FILE = 'seccomp.bpf';

const ADMIN = ['CAP_SYS_ADMIN'];
const NEVER: readonly string[] = [];

/** What moby's default profile leaves out of its allowlist on x86_64, with the capabilities that bring each back. */
export const REFUSED_SYSCALLS: readonly RefusedSyscall[] = [
  { name: 'syslog', nr: 103, allowedWith: ['CAP_SYS_ADMIN', 'CAP_SYSLOG'] },
  { name: 'uselib', nr: 134, allowedWith: NEVER },
  { name: 'ustat', nr: 136, allowedWith: NEVER },
  { name: 'sysfs', nr: 139, allowedWith: NEVER },
  { name: 'vhangup', nr: 153, allowedWith: ['CAP_SYS_TTY_CONFIG'] },
  { name: 'pivot_root', nr: 155, allowedWith: NEVER },
  { name: '_sysctl', nr: 156, allowedWith: NEVER },
  { name: 'chroot', nr: 161, allowedWith: ['CAP_SYS_CHROOT'] },
  { name: 'acct', nr: 163, allowedWith: ['CAP_SYS_PACCT'] },
  { name: 'settimeofday', nr: 164, allowedWith: ['CAP_SYS_TIME'] },
  { name: 'mount', nr: 165, allowedWith: ADMIN },
  { name: 'umount2', nr: 166, allowedWith: ADMIN },
  { name: 'swapon', nr: 167, allowedWith: NEVER },
  { name: 'swapoff', nr: 168, allowedWith: NEVER },
  { name: 'reboot', nr: 169, allowedWith: ['CAP_SYS_BOOT'] },
  { name: 'sethostname', nr: 170, allowedWith: ADMIN },
  { name: 'setdomainname', nr: 171, allowedWith: ADMIN },
  { name: 'iopl', nr: 172, allowedWith: ['CAP_SYS_RAWIO'] },
  { name: 'ioperm', nr: 173, allowedWith: ['CAP_SYS_RAWIO'] },
  { name: 'create_module', nr: 174, allowedWith: NEVER },
  { name: 'init_module', nr: 175, allowedWith: ['CAP_SYS_MODULE'] },
  { name: 'delete_module', nr: 176, allowedWith: ['CAP_SYS_MODULE'] },
  { name: 'get_kernel_syms', nr: 177, allowedWith: NEVER },
  { name: 'query_module', nr: 178, allowedWith: NEVER },
  { name: 'quotactl', nr: 179, allowedWith: ADMIN },
  { name: 'nfsservctl', nr: 180, allowedWith: NEVER },
  { name: 'getpmsg', nr: 181, allowedWith: NEVER },
  { name: 'putpmsg', nr: 182, allowedWith: NEVER },
  { name: 'afs_syscall', nr: 183, allowedWith: NEVER },
  { name: 'tuxcall', nr: 184, allowedWith: NEVER },
  { name: 'security', nr: 185, allowedWith: NEVER },
  { name: 'lookup_dcookie', nr: 212, allowedWith: ADMIN },
  { name: 'clock_settime', nr: 227, allowedWith: ['CAP_SYS_TIME'] },
  { name: 'vserver', nr: 236, allowedWith: NEVER },
  { name: 'mbind', nr: 237, allowedWith: ['CAP_SYS_NICE'] },
  { name: 'set_mempolicy', nr: 238, allowedWith: ['CAP_SYS_NICE'] },
  { name: 'get_mempolicy', nr: 239, allowedWith: ['CAP_SYS_NICE'] },
  { name: 'kexec_load', nr: 246, allowedWith: NEVER },
  { name: 'add_key', nr: 248, allowedWith: NEVER },
  { name: 'request_key', nr: 249, allowedWith: NEVER },
  { name: 'keyctl', nr: 250, allowedWith: NEVER },
  { name: 'migrate_pages', nr: 256, allowedWith: NEVER },
  { name: 'unshare', nr: 272, allowedWith: ADMIN },
  { name: 'move_pages', nr: 279, allowedWith: NEVER },
  { name: 'perf_event_open', nr: 298, allowedWith: ['CAP_SYS_ADMIN', 'CAP_PERFMON'] },
  { name: 'fanotify_init', nr: 300, allowedWith: ADMIN },
  { name: 'open_by_handle_at', nr: 304, allowedWith: ['CAP_DAC_READ_SEARCH'] },
  { name: 'setns', nr: 308, allowedWith: ADMIN },
  { name: 'kcmp', nr: 312, allowedWith: ['CAP_SYS_PTRACE'] },
  { name: 'finit_module', nr: 313, allowedWith: ['CAP_SYS_MODULE'] },
  { name: 'kexec_file_load', nr: 320, allowedWith: NEVER },
  { name: 'bpf', nr: 321, allowedWith: ['CAP_SYS_ADMIN', 'CAP_BPF'] },
  { name: 'userfaultfd', nr: 323, allowedWith: NEVER },
  { name: 'open_tree', nr: 428, allowedWith: ADMIN },
  { name: 'move_mount', nr: 429, allowedWith: ADMIN },
  { name: 'fsopen', nr: 430, allowedWith: ADMIN },
  { name: 'fsconfig', nr: 431, allowedWith: ADMIN },
  { name: 'fsmount', nr: 432, allowedWith: ADMIN },
  { name: 'fspick', nr: 433, allowedWith: ADMIN },
  { name: 'pidfd_getfd', nr: 438, allowedWith: ['CAP_SYS_PTRACE'] },
  { name: 'process_madvise', nr: 440, allowedWith: ['CAP_SYS_PTRACE'] },
  { name: 'mount_setattr', nr: 442, allowedWith: ADMIN },
  { name: 'quotactl_fd', nr: 443, allowedWith: ADMIN },
  { name: 'set_mempolicy_home_node', nr: 450, allowedWith: ['CAP_SYS_NICE'] },
];

/** x86_64 numbers of the system calls whose answer depends on an argument or on a capability. */
export const NR = { socket: 41, clone: 56, personality: 135, clone3: 435 } as const;

/** The namespace flags of clone(2) Docker's profile refuses without CAP_SYS_ADMIN (CLONE_NEWNS ... CLONE_NEWCGROUP). */
export const CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

/** The personalities Docker's profile allows (PER_LINUX, UNAME26, PER_LINUX32, UNAME26|PER_LINUX32, the query). */
export const ALLOWED_PERSONALITIES: readonly number[] = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

/** AF_VSOCK, the socket family Docker's profile refuses. */
export const AF_VSOCK = 40;

/** linux/audit.h AUDIT_ARCH_X86_64; the x32 ABI's bit in the system call number. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const X32_SYSCALL_BIT = 0x40000000;

/** Return values of a filter (linux/seccomp.h). */
export const RET = {
  killProcess: 0x80000000,
  allow: 0x7fff0000,
  errno: (code: number): number => (0x00050000 | (code & 0xffff)) >>> 0,
} as const;

/** errno values (asm-generic/errno-base.h, errno.h). */
export const EPERM = 1;
export const ENOSYS = 38;

/** Classic BPF opcodes the program uses (linux/bpf_common.h). */
export const OP = { ldAbsW: 0x20, jeq: 0x15, jge: 0x35, jset: 0x45, ret: 0x06 } as const;

/** Offsets in `struct seccomp_data`: nr, arch, the low 32 bits of args[0] (little-endian). */
const DATA = { nr: 0, arch: 4, arg0Low: 16 };

/** The system calls refused to a container holding `capabilities` (names as CAP_CHOWN ...), by name. */
export function refusedSyscalls(capabilities: readonly string[]): RefusedSyscall[] {
  const held = new Set(capabilities);
  return REFUSED_SYSCALLS.filter((call) => !call.allowedWith.some((cap) => held.has(cap)));
}

type Target = number | 'next' | 'allow' | 'eperm' | 'kill';

interface Draft {
  code: number;
  k: number;
  jt?: Target;
  jf?: Target;
  label?: string;
}

/**
 * Docker's default profile for a container holding `capabilities`, as a classic BPF program. The jumps go forward
 * only and each is at most 255 instructions, as the kernel's checker requires.
 */
export function seccompProgram(capabilities: readonly string[]): BpfInstruction[] {
  for (const cap of capabilities) if (!CAPABILITY_NAMES.includes(cap)) throw new Error(`seccompProgram: unknown capability ${cap}`);
  const admin = capabilities.includes('CAP_SYS_ADMIN');
  const code: Draft[] = [];
  const load = (offset: number): number => code.push({ code: OP.ldAbsW, k: offset });
  const ret = (value: number, label?: string): number => code.push({ code: OP.ret, k: value, ...(label ? { label } : {}) });
  // A call not of this architecture's table: its numbers would mean other calls. Killed, as libseccomp's bad arch.
  load(DATA.arch);
  code.push({ code: OP.jeq, k: AUDIT_ARCH_X86_64, jt: 1, jf: 0 });
  ret(RET.killProcess);
  load(DATA.nr);
  code.push({ code: OP.jge, k: X32_SYSCALL_BIT, jt: 'eperm', jf: 0 });
  // Argument checks: each block ends in a return, so the accumulator may be reloaded inside it.
  const block = (nr: number, body: Draft[]): void => {
    code.push({ code: OP.jeq, k: nr, jt: 0, jf: body.length });
    code.push(...body);
  };
  block(NR.socket, [
    { code: OP.ldAbsW, k: DATA.arg0Low },
    { code: OP.jeq, k: AF_VSOCK, jt: 'eperm', jf: 'allow' },
  ]);
  const personas = ALLOWED_PERSONALITIES.map((value): Draft => ({ code: OP.jeq, k: value, jt: 'allow', jf: 0 }));
  block(NR.personality, [{ code: OP.ldAbsW, k: DATA.arg0Low }, ...personas, { code: OP.ret, k: RET.errno(EPERM) }]);
  if (!admin) {
    block(NR.clone, [
      { code: OP.ldAbsW, k: DATA.arg0Low },
      { code: OP.jset, k: CLONE_NAMESPACE_FLAGS, jt: 'eperm', jf: 'allow' },
    ]);
    // ENOSYS, not EPERM: glibc then falls back to clone(2), whose flags the filter can read (clone3's are in memory).
    block(NR.clone3, [{ code: OP.ret, k: RET.errno(ENOSYS) }]);
  }
  for (const call of refusedSyscalls(capabilities)) code.push({ code: OP.jeq, k: call.nr, jt: 'eperm', jf: 0 });
  ret(RET.allow, 'allow');
  ret(RET.errno(EPERM), 'eperm');
  const labels = new Map(code.flatMap((d, index) => (d.label !== undefined ? [[d.label, index] as const] : [])));
  const at = (label: string): number => labels.get(label) ?? -1;
  const resolve = (target: Target | undefined, index: number): number => {
    if (target === undefined || target === 'next') return 0;
    const offset = typeof target === 'number' ? target : at(target) - index - 1;
    if (offset < 0 || offset > 255) throw new Error(`seccompProgram: jump of ${offset} at ${index}`);
    return offset;
  };
  return code.map((d, index) => ({ code: d.code, k: d.k >>> 0, jt: resolve(d.jt, index), jf: resolve(d.jf, index) }));
}

/** The program as the bytes of a `struct sock_filter` array (little-endian, x86_64), the file lab-init loads. */
export function encodeProgram(program: readonly BpfInstruction[]): Uint8Array {
  const bytes = new Uint8Array(program.length * 8);
  const view = new DataView(bytes.buffer);
  program.forEach((insn, i) => {
    view.setUint16(i * 8, insn.code, true);
    view.setUint8(i * 8 + 2, insn.jt);
    view.setUint8(i * 8 + 3, insn.jf);
    view.setUint32(i * 8 + 4, insn.k, true);
  });
  return bytes;
}

/** Docker's default seccomp profile for a container holding `capabilities`: the bytes of its filter file. */
export function seccompFilter(capabilities: readonly string[]): Uint8Array {
  return encodeProgram(seccompProgram(capabilities));
}
