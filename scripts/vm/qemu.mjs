// The qemu command line of the test VM (a pure builder), and what the host offers to run it:
// the qemu binary and whether /dev/kvm can be used.
import { accessSync, closeSync, constants, openSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { VmError } from './errors.mjs';
import { TAG_IO, TAG_KEEP, TAG_ROOT } from './init.mjs';

export const QEMU = 'qemu-system-x86_64';

/** @typedef {'kvm' | 'tcg'} Accel */

/**
 * Everything the command line depends on.
 * @typedef {{ qemu: string, accel: Accel, kernel: string, initrd: string, ioDir: string,
 *   interactive: boolean, cpus: number, memoryMiB: number, keepDir?: string }} QemuPlan
 */

// The kernel's command line. `quiet` keeps the console for our own output; panic=-1 turns a
// panic into a reboot, which -no-reboot turns into qemu exiting: a crashed guest never hangs.
const APPEND = [
  'console=ttyS0',
  'quiet',
  'loglevel=3',
  'panic=-1',
  'rdinit=/init',
  // No PS/2 mouse or keyboard multiplexer to probe: saves time under TCG.
  'i8042.noaux',
  'i8042.nomux',
  'i8042.nopnp',
  // No BIOS disk probing before a bzImage starts (a PVH vmlinux skips it anyway).
  'edd=off',
];

/**
 * The argv (after the qemu binary) for `plan`.
 * @param {QemuPlan} plan
 */
export function qemuArgs(plan) {
  const cpu = plan.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg', '-cpu', 'max'];
  // Interactive: the console and qemu's monitor share the terminal (Ctrl-A X quits, Ctrl-A C is
  // the monitor). signal=off sends Ctrl-C to the guest rather than stopping qemu.
  const consoleArgs = plan.interactive
    ? ['-chardev', 'stdio,id=console,mux=on,signal=off', '-serial', 'chardev:console', '-mon', 'chardev=console,mode=readline']
    : ['-chardev', 'stdio,id=console,signal=off', '-serial', 'chardev:console'];
  return [
    '-nodefaults',
    '-no-user-config',
    '-nographic',
    '-no-reboot',
    '-machine',
    'pc',
    ...cpu,
    '-smp',
    String(plan.cpus),
    '-m',
    `${plan.memoryMiB}M`,
    '-kernel',
    plan.kernel,
    '-initrd',
    plan.initrd,
    '-append',
    APPEND.join(' '),
    ...consoleArgs,
    // The host's whole tree, read-only (the guest puts a tmpfs overlay on it). remap keeps inode
    // numbers unique across the host's mounts.
    '-fsdev',
    `local,id=root,path=/,security_model=none,readonly=on,multidevs=remap`,
    '-device',
    `virtio-9p-pci,fsdev=root,mount_tag=${TAG_ROOT}`,
    // The per-run exchange directory, writable: the command in, the exit status out.
    '-fsdev',
    `local,id=io,path=${plan.ioDir.replace(/,/g, ',,')},security_model=none`,
    '-device',
    `virtio-9p-pci,fsdev=io,mount_tag=${TAG_IO}`,
    // Optional (LAB_VM_KEEP): a host directory that outlives the VM, writable, for tests that boot twice
    // (test/hardening/clean-reboot.test.ts). The guest mounts it itself: tag TAG_KEEP.
    ...(plan.keepDir
      ? ['-fsdev', `local,id=keep,path=${plan.keepDir.replace(/,/g, ',,')},security_model=none`, '-device', `virtio-9p-pci,fsdev=keep,mount_tag=${TAG_KEEP}`]
      : []),
    '-nic',
    'none',
  ];
}

/** The full path of qemu-system-x86_64 on the PATH, or an explained error. */
export function findQemu() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, QEMU);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory
    }
  }
  throw new VmError(
    'missing',
    `${QEMU} not found on the PATH. Install it: \`sudo apt-get install qemu-system-x86\` (or \`sudo scripts/provision.sh --with-vm\`).`,
  );
}

/** Why KVM cannot be used here, or false when /dev/kvm opens for reading and writing. */
export function kvmUnusable() {
  try {
    closeSync(openSync('/dev/kvm', 'r+'));
    return false;
  } catch (err) {
    const code = /** @type {NodeJS.ErrnoException} */ (err).code;
    if (code === 'ENOENT') return '/dev/kvm does not exist';
    if (code === 'EACCES' || code === 'EPERM') return 'no permission to open /dev/kvm (join the kvm group)';
    return `open /dev/kvm: ${code}`;
  }
}
