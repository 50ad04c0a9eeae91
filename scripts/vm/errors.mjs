// Errors of the test VM and the exit status each kind gives scripts/vm.mjs, so that a caller
// (scripts/test.mjs) can tell a missing tool from a VM that did not boot from failing tests.

/** Exit statuses of `node scripts/vm.mjs`. */
export const EXIT = Object.freeze({
  /** the command (the test suite) passed */
  ok: 0,
  /** the command ran in the VM and failed: its own status is passed on when it is not 0 */
  failed: 1,
  /** bad arguments */
  usage: 2,
  /** the VM tests do not compile (a test failure: the suite cannot run) */
  compile: 1,
  /** the VM did not boot, or died before the command's status came back */
  boot: 3,
  /** a requirement is missing on the host (qemu, busybox-static, the kernel package): skip */
  missing: 77,
});

/**
 * An error with a kind that decides the exit status. `kind` is a key of EXIT.
 * @extends Error
 */
export class VmError extends Error {
  /**
   * @param {'usage' | 'compile' | 'boot' | 'missing'} kind
   * @param {string} message what failed (operation and path) and how to fix it
   * @param {{ cause?: unknown }} [options]
   */
  constructor(kind, message, options) {
    super(message, options);
    this.name = 'VmError';
    this.kind = kind;
  }
}
