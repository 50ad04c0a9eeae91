// How the VM scripts stop when interrupted (Ctrl-C, SIGTERM, the terminal gone): the first signal aborts an
// AbortSignal that the build or qemu watches, so that the script cleans up and exits with the signal's status.

/** @type {NodeJS.Signals[]} */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * An AbortSignal the first of SIGINT, SIGTERM and SIGHUP aborts, instead of ending the process at once.
 * @returns {{ signal: AbortSignal, by: () => NodeJS.Signals | undefined, release: () => void }}
 *   by: the signal that came first, if any; release: remove the handlers (the process may be interrupted again)
 */
export function abortOnSignals() {
  const controller = new AbortController();
  /** @type {NodeJS.Signals | undefined} */
  let first;
  /** @param {NodeJS.Signals} signal */
  const onSignal = (signal) => {
    first ??= signal;
    controller.abort();
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return {
    signal: controller.signal,
    by: () => first,
    release: () => {
      for (const s of SIGNALS) process.off(s, onSignal);
    },
  };
}

/**
 * The exit status after an interruption, as a shell reports it: 130 for SIGINT, 129 for SIGHUP, 143 for SIGTERM.
 * @param {NodeJS.Signals | undefined} signal
 */
export function signalStatus(signal) {
  return signal === 'SIGINT' ? 130 : signal === 'SIGHUP' ? 129 : 143;
}
