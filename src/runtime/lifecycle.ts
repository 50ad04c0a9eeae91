// A container's life after `run`: found by name or id (prefix), whether it runs, `stop` (SIGTERM to PID 1, SIGKILL
// after the grace period, as Docker), `rm` (everything its journal holds, newest first; -f stops it first), and
// the STATUS column of `ps` (`Up 3 seconds`, `Exited (137) 2 seconds ago`).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../common/wait.js';
import { isAlive } from '../kernel/proc.js';
import {
  containerDir,
  containerOwnerId,
  listContainerRecords,
  readContainerState,
  type ContainerRecord,
  type ContainerState,
} from '../host/container-store.js';
import { findOwners } from '../host/journal.js';
import { detachNetwork } from '../host/networks.js';
import { cleanOwner, killMarked } from '../host/owner.js';
import { commandError, noSuchContainer } from './errors.js';
import { KILL_MARK } from './supervise.js';

/** A container and its state as it is now. */
export interface Found {
  record: ContainerRecord;
  state: ContainerState;
  /** Whether its process runs (the state file alone could be stale after a kill -9 of the supervisor). */
  running: boolean;
}

/** Whether a state says the container's process runs, checked against /proc. */
export function isRunning(state: ContainerState): boolean {
  if (state.status === 'exited') return false;
  if (state.processPid !== undefined) return isAlive(state.processPid, state.processStart);
  return false;
}

/** A container with its live state. */
export function withState(record: ContainerRecord): Found {
  const state = readContainerState(record.id);
  return { record, state, running: isRunning(state) };
}

/** Every container, oldest first. */
export function listContainers(): Found[] {
  return listContainerRecords().map(withState);
}

/** The container a name, full id or unique id prefix names; otherwise `No such container`. */
export function findContainer(nameOrId: string, operation: string, exitCode = 1): Found {
  const all = listContainerRecords();
  const byName = all.find((r) => r.name === nameOrId);
  if (byName) return withState(byName);
  const byId = nameOrId.length >= 1 && /^[0-9a-f]+$/.test(nameOrId) ? all.filter((r) => r.id.startsWith(nameOrId)) : [];
  if (byId.length === 1) return withState(byId[0]!);
  throw noSuchContainer(operation, nameOrId, exitCode);
}

/** A signal to PID 1, quietly when it is gone. */
function signal(pid: number | undefined, start: number | undefined, name: NodeJS.Signals): void {
  if (pid === undefined || !isAlive(pid, start)) return;
  try {
    process.kill(pid, name);
  } catch {
    // Gone meanwhile.
  }
}

/** Wait until the supervisor recorded the end (or the process is gone and nobody is left to record it). */
async function waitForExit(id: string, ms: number): Promise<boolean> {
  return waitFor(
    () => {
      const state = readContainerState(id);
      if (state.status === 'exited') return true;
      const supervisor = state.supervisorPid !== undefined && isAlive(state.supervisorPid, state.supervisorStart);
      return !isRunning(state) && !supervisor;
    },
    ms,
    20,
  );
}

/**
 * `stop`: SIGTERM to PID 1, then SIGKILL once `graceSeconds` passed. A PID 1 gets a signal from outside its PID
 * namespace only when it has a handler for it (pid_namespaces(7)), except SIGKILL: a shell or `sleep` as PID 1
 * ignores SIGTERM, and the SIGKILL after the grace period ends it (137), as with `docker stop`.
 */
export async function stopContainer(found: Found, graceSeconds: number): Promise<void> {
  if (!found.running) return;
  const { record, state } = found;
  signal(state.pid, state.pidStart, 'SIGTERM');
  if (await waitForExit(record.id, graceSeconds * 1000)) return;
  // Recorded first: unshare may not report the SIGKILL itself (util-linux < 2.40, see supervise.ts).
  writeFileSync(join(containerDir(record.id), KILL_MARK), `${new Date().toISOString()}\n`);
  signal(state.pid, state.pidStart, 'SIGKILL');
  if (!(await waitForExit(record.id, 10_000))) signal(state.processPid, state.processStart, 'SIGKILL');
  await waitForExit(record.id, 5000);
}

/**
 * `rm`: a running container is refused unless `force` (then killed, as `docker rm -f`); then its supervisor, and
 * everything its journal holds is removed, newest first: the process, the cgroup, the directory.
 */
export async function removeContainer(found: Found, force: boolean): Promise<void> {
  const { record } = found;
  if (found.running && !force) {
    throw commandError(
      `lab container rm ${record.name}`,
      'running',
      {
        en: `You cannot remove a running container ${record.id}. Stop the container before attempting removal or force remove`,
        zh: `不能移除正在运行的容器 ${record.id}。请先停止它，或者强制移除（-f）`,
      },
      {
        en: `Run \`lab container stop ${record.name}\` first, or \`lab container rm -f ${record.name}\`.`,
        zh: `先运行 \`lab container stop ${record.name}\`，或者 \`lab container rm -f ${record.name}\`。`,
      },
    );
  }
  const ownerId = containerOwnerId(record.id);
  // The supervisor first: PID 1 dies with it (PR_SET_PDEATHSIG), and it cannot record or remove anything after.
  await killMarked(ownerId);
  const owner = findOwners().find((o) => o.id === ownerId);
  const report = owner ? await cleanOwner({ ...owner, ownerAlive: false }) : undefined;
  if (report && report.failed.length > 0) {
    throw commandError(`lab container rm ${record.name}`, 'not-removed', {
      en: `Could not remove everything of the container: ${report.failed.map((r) => JSON.stringify(r)).join(', ')}`,
      zh: `没能移除容器的全部资源：${report.failed.map((r) => JSON.stringify(r)).join('，')}`,
    });
  }
  if (existsSync(containerDir(record.id)) && !owner) {
    // No journal (removed by hand): the directory is the only trace, and it is the harness's (lab-<id>).
    const { rmSync } = await import('node:fs');
    rmSync(containerDir(record.id), { recursive: true, force: true });
  }
  await detachNetwork(record);
}

/** `3 seconds`, `About a minute`, `2 hours`: Docker's HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

/** The STATUS column: `Created`, `Up 3 seconds`, `Exited (137) 2 seconds ago`. */
export function statusText(found: Found, now = Date.now()): string {
  const { state } = found;
  if (found.running) return `Up ${humanDuration(now - Date.parse(state.startedAt ?? found.record.created))}`;
  if (state.status === 'created' && state.processPid === undefined) return 'Created';
  const code = state.exitCode ?? 137;
  const since = state.finishedAt ? ` ${humanDuration(now - Date.parse(state.finishedAt))} ago` : '';
  return `Exited (${code})${since}`;
}
