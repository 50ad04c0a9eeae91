// The container-vs-vm lab's virtual machine: where its files are, which accelerator qemu uses, the qemu command line,
// and what the VM's kernel printed on its serial console (the VM's only way out: qemu copies every byte of it into a
// log file, which the checks read). The kernel is the test VM's (`node scripts/vm.mjs` unpacks Debian's package into
// its cache); the userspace is one static busybox and init.sh, packed into an initramfs by the lab itself.
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { labsDir } from '../../src/lab/paths.js';
import { runSuffix } from '../../src/lab/cgroup-lab.js';
import { staticBusybox, vmCacheRoot, vmKernel } from '../../src/lab/requirements.js';
import type { LabContext } from '../../src/lab/spec.js';

/** The VM's memory, as qemu's -m gives it: its kernel's MemTotal is this less what the kernel keeps for itself. */
export const VM_MEMORY_MIB = 256;

/** The line init.sh prints last, once everything before it has run: the VM has a shell's worth of userspace up. */
export const READY = 'lab-vm-shell-ready';

/** How long the lab waits for the marker (TCG on a slow machine takes tens of seconds at worst). */
export const BOOT_TIMEOUT_S = 180;

/** The VM kernel's command line: the serial port as its console, quiet, a panic ends qemu, our /init. */
export const APPEND = 'console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init';

/** The lab's directory on the host: `/run/lab-cvm-<pid>-<time>`, journaled before it is made. */
export const vmDir = (ctx: LabContext): string => `/run/lab-cvm-${runSuffix(ctx)}`;

/** The tree that becomes the VM's initramfs. */
export const treeDir = (ctx: LabContext): string => join(vmDir(ctx), 'initramfs');

/** The initramfs archive (cpio, newc format), what qemu's -initrd gets. */
export const archive = (ctx: LabContext): string => join(vmDir(ctx), 'initramfs.cpio');

/** Everything the VM wrote on its serial console, copied by qemu (its chardev's logfile). */
export const consoleLog = (ctx: LabContext): string => join(vmDir(ctx), 'console.log');

/** The lab's init script, shipped beside lab.ts. */
export const initScript = (): string => join(labsDir(), 'container-vs-vm', 'init.sh');

/** The static busybox copied into the VM (the requirement `busybox-static` makes sure there is one). */
export const busyboxPath = (): string => staticBusybox() ?? '/bin/busybox';

/** The kernel image qemu boots (the requirement `vm-kernel` makes sure there is one). */
export const kernelImage = (): string => vmKernel()?.image ?? join(vmCacheRoot(), 'vmlinux');

/** The accelerator, and why: KVM when /dev/kvm opens and has not failed here before, else TCG. */
export function accel(): { accel: 'kvm' | 'tcg'; why: string } {
  const forced = process.env.LAB_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, why: `LAB_VM_ACCEL=${forced}` };
  try {
    closeSync(openSync('/dev/kvm', 'r+'));
  } catch (error) {
    return { accel: 'tcg', why: `/dev/kvm: ${(error as NodeJS.ErrnoException).code ?? 'unusable'}` };
  }
  // What the test VM found out about KVM on this host (scripts/vm.mjs keeps it): nested KVM may hang or fail.
  try {
    const note = JSON.parse(readFileSync(join(vmCacheRoot(), 'accel.json'), 'utf8')) as { host?: string; kvm?: string };
    if ((note.kvm === 'hangs' || note.kvm === 'fails') && note.host?.startsWith(`${release()} `))
      return {
        accel: 'tcg',
        why: `KVM ${note.kvm === 'hangs' ? 'made no boot progress' : 'failed'} on this host before (${join(vmCacheRoot(), 'accel.json')})`,
      };
  } catch {
    // no note: KVM was never tried here
  }
  return { accel: 'kvm', why: '/dev/kvm works' };
}

/** The qemu command that boots the VM: no disk, no network, no display; the serial port on stdout and in the log. */
export function qemuArgv(ctx: LabContext): string[] {
  const a = accel().accel;
  return [
    'qemu-system-x86_64',
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-machine',
    'pc',
    '-accel',
    a,
    '-cpu',
    a === 'kvm' ? 'host' : 'max',
    '-smp',
    '1',
    '-m',
    `${VM_MEMORY_MIB}M`,
    '-kernel',
    kernelImage(),
    '-initrd',
    archive(ctx),
    '-append',
    APPEND,
    '-chardev',
    `stdio,id=console,signal=off,logfile=${consoleLog(ctx)}`,
    '-serial',
    'chardev:console',
    '-nic',
    'none',
  ];
}

/** What the VM's kernel said about itself, read from its console log: `vm <key>: <value>` lines. */
export interface VmFacts {
  /** Whether init.sh printed its last line. */
  ready: boolean;
  facts: Map<string, string>;
  /** When the log was last written (ms since the epoch): the marker is the last line the VM prints. */
  writtenAt?: number;
}

/** The VM's facts in this run (none before it boots). */
export function vmFacts(ctx: LabContext): VmFacts {
  let text: string;
  let writtenAt: number | undefined;
  try {
    text = readFileSync(consoleLog(ctx), 'utf8');
    writtenAt = statSync(consoleLog(ctx)).mtimeMs;
  } catch {
    return { ready: false, facts: new Map() };
  }
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const facts = new Map<string, string>();
  for (const line of lines) {
    const m = /^vm ([a-zA-Z_ 0-9]+): ?(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) facts.set(m[1], m[2].trim());
  }
  return { ready: lines.includes(READY), facts, writtenAt };
}
