// Waiting on another process (a supervisor, PID 1) without taking the CPU it needs: polls that start 1 ms apart and
// back off to `maxIntervalMs`. With 50 containers starting at once, fixed 1-5 ms polls of 50 waiting commands kept
// the CPUs of the test VM busy while the supervisors they waited for were starting.

/** For this long a wait polls at most `QUICK_MS` apart: a container on an idle machine is ready within it. */
const QUICK_PHASE_MS = 2000;
const QUICK_MS = 4;

/**
 * Poll until `done()` or the time is up; returns whether it got done. Polls start 1 ms apart and stay at most 4 ms
 * apart for the first two seconds (what an idle machine needs: each millisecond waited is a millisecond of every
 * `run`), then back off to `maxIntervalMs` (a loaded machine, where polling would take CPU from what it waits for).
 */
export async function poll(done: () => boolean, timeoutMs: number, maxIntervalMs = 50): Promise<boolean> {
  const start = Date.now();
  const deadline = start + timeoutMs;
  let interval = 1;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 2, Date.now() - start < QUICK_PHASE_MS ? QUICK_MS : maxIntervalMs);
  }
  return true;
}
