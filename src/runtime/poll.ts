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
 * `wake`, when it settles, cuts the wait it falls in short, once: `done()` is asked at once (the supervisor learns
 * of its child's end at the end, not up to 4 ms later), and the polls go on as before if it is not done.
 */
export async function poll(done: () => boolean, timeoutMs: number, maxIntervalMs = 50, wake?: Promise<unknown>): Promise<boolean> {
  const start = Date.now();
  const deadline = start + timeoutMs;
  let interval = 1;
  // Set while a wait is under way; a wake that comes between two waits skips the next one.
  let cutShort: (() => void) | undefined;
  let skipNext = false;
  void wake?.then(() => {
    if (cutShort) cutShort();
    else skipNext = true;
  });
  while (!done()) {
    if (Date.now() > deadline) return false;
    if (skipNext) skipNext = false;
    else {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, interval);
        cutShort = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      cutShort = undefined;
    }
    interval = Math.min(interval * 2, Date.now() - start < QUICK_PHASE_MS ? QUICK_MS : maxIntervalMs);
  }
  return true;
}
