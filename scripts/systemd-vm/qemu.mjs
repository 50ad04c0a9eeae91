// The systemd test VM's qemu command line (a pure builder). The base image is opened with snapshot=on: the
// guest's writes go to a temporary overlay qemu deletes itself, so the cached image is never changed and one
// image serves any number of runs. The data disk is the run's own and written for real.

/** The machine: its vCPUs and memory, as the test and the bench boot it. */
export const CPUS = 2;
export const MEMORY_MIB = 3072;
/** The guest prints this once the learner's login shell has started its script (scripts/systemd-vm/guest-test.sh). */
export const LOGIN_MARKER = 'LAB_SYSTEMD_VM_LOGGED_IN';
/** systemd's boot under TCG takes 15 to 30 s; no login within this long means the VM is stuck. */
export const LOGIN_TIMEOUT_MS = 300_000;

/**
 * @typedef {{ accel: 'tcg' | 'kvm', kernel: string, initrd: string, rootImage: string, dataImage: string,
 *   cpus: number, memoryMiB: number }} SystemdQemuPlan
 */

/**
 * The argv (after the qemu binary) for `plan`.
 * @param {SystemdQemuPlan} plan
 */
export function systemdQemuArgs(plan) {
  const accel = plan.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg', '-cpu', 'max'];
  return [
    '-nodefaults',
    '-no-user-config',
    '-nographic',
    // A guest that reboots or panics (panic=-1) makes qemu exit instead: it never hangs in a boot loop.
    '-no-reboot',
    '-machine',
    'pc',
    ...accel,
    '-smp',
    String(plan.cpus),
    '-m',
    `${plan.memoryMiB}M`,
    '-kernel',
    plan.kernel,
    '-initrd',
    plan.initrd,
    '-append',
    'root=/dev/vda rw console=ttyS0 quiet loglevel=3 panic=-1',
    '-drive',
    `file=${plan.rootImage.replace(/,/g, ',,')},format=raw,if=virtio,snapshot=on,cache=unsafe`,
    '-drive',
    `file=${plan.dataImage.replace(/,/g, ',,')},format=raw,if=virtio,cache=unsafe`,
    '-chardev',
    'stdio,id=console,signal=off',
    '-serial',
    'chardev:console',
    // A network card on an empty hub: the machine has a NIC besides lo, as a learner's has, and reaches nothing.
    '-netdev',
    'hubport,id=n0,hubid=0',
    '-device',
    'virtio-net-pci,netdev=n0',
  ];
}
