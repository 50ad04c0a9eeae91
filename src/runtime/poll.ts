// Waiting on another process (a supervisor, PID 1) without taking the CPU it needs: polls that start 1 ms apart and
// back off to `maxIntervalMs`. With 50 containers starting at once, fixed 1-5 ms polls of 50 waiting commands kept
// the CPUs of the test VM busy while the supervisors they waited for were starting.

/** Poll until `done()` or the time is up, backing off from 1 ms to `maxIntervalMs`; returns whether it got done. */
export async function poll(done: () => boolean, timeoutMs: number, maxIntervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let interval = 1;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 2, maxIntervalMs);
  }
  return true;
}
