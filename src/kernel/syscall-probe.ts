// Builders of one-line perl probes that make a single system call and, when the kernel refuses it, exit with the
// kernel's errno as their status (perl's `die` exits with $!). A check then reads the errno from the wait status a
// `record` action stored (`exit 22`), a number the kernel computed, never from printed text. Pure: each builder
// returns an argv, which the one executor runs and shows the learner verbatim.
import { constants } from 'node:os';

/** MS_BIND from <linux/mount.h>: mount(2) makes a bind mount. */
export const MS_BIND = 4096;

/** The numbers of the system calls perl has no function for, per architecture (Node's `process.arch`). */
const SYSCALL_NUMBERS: Record<string, { mount: number; umount2: number }> = {
  // arch/x86/entry/syscalls/syscall_64.tbl
  x64: { mount: 165, umount2: 166 },
  // include/uapi/asm-generic/unistd.h, shared by arm64, riscv64 and loongarch64
  arm64: { mount: 40, umount2: 39 },
  riscv64: { mount: 40, umount2: 39 },
  loong64: { mount: 40, umount2: 39 },
};

/** The number of a system call on this machine; throws on an architecture the labs were not written for. */
export function syscallNumber(name: 'mount' | 'umount2', arch: string = process.arch): number {
  const numbers = SYSCALL_NUMBERS[arch];
  if (!numbers) throw new Error(`the number of ${name}(2) on ${arch} is not known to lab`);
  return numbers[name];
}

/** `mount(2)` with MS_BIND of `source` onto `target`, as `mount --bind` makes it; exits with the errno on refusal. */
export function bindMountProbeArgv(source: string, target: string, arch?: string): string[] {
  const nr = syscallNumber('mount', arch);
  return ['perl', '-e', `syscall(${nr}, $ARGV[0], $ARGV[1], 0, ${MS_BIND}, 0) == 0 or die "mount: $!\\n"`, source, target];
}

/** `umount2(2)` of `target` without flags, as `umount` makes it; exits with the errno on refusal. */
export function umountProbeArgv(target: string, arch?: string): string[] {
  const nr = syscallNumber('umount2', arch);
  return ['perl', '-e', `syscall(${nr}, $ARGV[0], 0) == 0 or die "umount2: $!\\n"`, target];
}

/**
 * `open(2)` of an existing file for writing (O_WRONLY: no O_CREAT, no O_TRUNC, nothing is written); exits with the
 * errno on refusal. Changes nothing when it succeeds, so a check may run it.
 */
export function openForWriteProbeArgv(path: string): string[] {
  return ['perl', '-MFcntl', '-e', 'sysopen(my $f, $ARGV[0], O_WRONLY) or die "open: $!\\n"', path];
}

/** The errno number of a name (`EINVAL` → 22) on this system. */
export function errnoNumber(name: keyof typeof constants.errno): number {
  return constants.errno[name];
}

/** The errno a probe reported through a recorded wait status (`exit 22` → `EINVAL`); undefined for anything else. */
export function errnoOfExit(status: string): string | undefined {
  const m = /^exit (\d+)$/.exec(status);
  if (!m) return undefined;
  const code = Number(m[1]);
  if (code === 0) return undefined;
  return Object.entries(constants.errno).find(([, value]) => value === code)?.[0];
}
