// The detached supervisor of one container, `node shim.js <id>`: started by `lab container run -d` in a session of
// its own (setsid), it takes over the container's journal and supervises it to its end (supervise.ts).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerDir, containerOwnerId, readContainerState, writeContainerState } from '../host/container-store.js';
import { Owned } from '../host/owner.js';
import { supervise } from './supervise.js';

/** Supervise the container `id`; a failure of the shim itself is recorded in the container's state (exit 125). */
export async function shimMain(id: string): Promise<void> {
  // A closed terminal is not ours: the shim lives in its own session.
  process.on('SIGHUP', () => {});
  process.on('SIGINT', () => {});
  try {
    const owned = Owned.open(containerOwnerId(id));
    if (!owned) throw new Error(`no journal for container ${id}`);
    await supervise(id, owned);
  } catch (error) {
    try {
      appendFileSync(join(containerDir(id), 'shim.err'), `${(error as Error).stack ?? String(error)}\n`);
      writeContainerState(id, { ...readContainerState(id), status: 'exited', exitCode: 125, reason: 'lab-error', error: (error as Error).message });
    } catch {
      // The container is gone already.
    }
  }
}

if (process.argv[2] !== undefined && /^[0-9a-f]{64}$/.test(process.argv[2])) await shimMain(process.argv[2]);
