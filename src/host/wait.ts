// Waiting for the kernel: polling a condition, and killing a process we started and waiting until it is gone.
import { isAlive } from '../kernel/proc.js';

/** Poll until `done()` or the time is up; returns whether it got done. */
export async function waitFor(done: () => boolean, timeoutMs: number, intervalMs = 5): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return true;
}

/** SIGKILL a process if it is still the one we started (same PID and start time), and wait until it is gone. */
export async function killProcess(pid: number, start?: number): Promise<boolean> {
  if (!isAlive(pid, start)) return true;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return !isAlive(pid, start);
  }
  return waitFor(() => !isAlive(pid, start), 3000);
}
