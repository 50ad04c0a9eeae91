// Waiting for something to become true (the kernel needs a moment: a process reaped, a cgroup emptied).

/** Poll until `done()` or the time is up; returns whether it got done. */
export async function waitFor(done: () => boolean, timeoutMs: number, intervalMs = 5): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return true;
}
