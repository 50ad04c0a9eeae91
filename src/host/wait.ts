// Killing a process we started and waiting until it is gone.
import { waitFor } from '../common/wait.js';
import { isAlive } from '../kernel/proc.js';

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
