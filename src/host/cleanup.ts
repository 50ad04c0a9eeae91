// Removing what owners left on the host (`lab clean`, `lab reset`): each journal's resources newest first, each
// removal journaled, and only what the journals name; then processes still marked as an owner's that no live owner
// claims. A running lab is asked to stop and clean up after itself; a running container is left alone (it is alive
// while its init runs: its own `rm` removes it, or `lab clean` once the init is dead).
import { waitFor } from '../common/wait.js';
import { environValue, isAlive, listPids } from '../kernel/proc.js';
import { RUN_MARKER } from './exec.js';
import { findOwners, labOfRunId, ownerOf, type FoundRun, type Owner } from './journal.js';
import { NETWORKS_OWNER, pruneNetworks } from './networks.js';
import { cleanOwner, type CleanReport } from './owner.js';
import { killProcess } from './wait.js';

export { describeResource, isLabName, removeResource, resourceExists } from './resource-kinds.js';
export { cleanOwner, killMarked, type CleanReport } from './owner.js';
export { killProcess } from './wait.js';
export { waitFor } from '../common/wait.js';

/** Remove everything a run (any owner) left behind, newest first, then delete its journal if nothing failed. */
export const cleanRun = cleanOwner;

/** What `cleanAll` did. */
export interface CleanAllReport {
  /** One per owner whose resources were removed. */
  reports: CleanReport[];
  /** Marked processes of no live owner, killed. */
  orphans: number;
  /** Owners still alive that are not stopped by a clean (a running container), left as they are. */
  kept: FoundRun[];
}

/** Ask a live harness to stop (it cleans up after itself); true when its journal is gone in time. */
async function stopRun(run: FoundRun): Promise<boolean> {
  try {
    process.kill(run.owner, 'SIGTERM');
  } catch {
    return false;
  }
  return waitFor(() => !findOwners().some((r) => r.id === run.id) || !isAlive(run.owner, run.ownerStart), 5000, 20);
}

/** The owner a marked process belongs to: from its journal, or, with the journal gone, read from a run id. */
function ownerOfMarker(id: string, owners: readonly FoundRun[]): Owner {
  const found = owners.find((owner) => owner.id === id);
  return found ? ownerOf(found) : { kind: 'run', id, lab: labOfRunId(id) };
}

/**
 * Clean every owner `wanted` accepts: a running lab is stopped first (its harness cleans up after itself, and what
 * is left is removed here); a running container is kept; a dead one's resources are removed.
 */
export async function cleanAll(wanted: (owner: Owner) => boolean = () => true): Promise<CleanAllReport> {
  const reports: CleanReport[] = [];
  const kept: FoundRun[] = [];
  for (const found of findOwners().filter((owner) => wanted(ownerOf(owner)))) {
    // The shared network namespaces live as long as a container or a network needs them: last, below.
    if (found.kind === 'network') continue;
    if (found.ownerAlive && found.kind !== 'run') {
      kept.push(found);
      continue;
    }
    if (found.ownerAlive && found.owner !== process.pid) await stopRun(found);
    const again = findOwners().find((owner) => owner.id === found.id);
    if (again) reports.push(await cleanOwner({ ...again, ownerAlive: false }));
  }
  // Networks no container is attached to (as `docker network prune`), then the shared namespaces if nothing needs them.
  if (wanted({ kind: 'network', id: NETWORKS_OWNER })) {
    const { report } = await pruneNetworks();
    if (report) reports.push(report);
    const still = findOwners().find((owner) => owner.kind === 'network');
    if (still) kept.push(still);
  }
  // Processes marked with an owner that is gone or dead (a crash between spawn and the journal write).
  const owners = findOwners();
  const live = new Set(owners.filter((owner) => owner.ownerAlive).map((owner) => owner.id));
  let orphans = 0;
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const id = environValue(pid, RUN_MARKER);
    if (id?.startsWith('lab-') && !live.has(id) && wanted(ownerOfMarker(id, owners))) {
      if (await killProcess(pid)) orphans++;
    }
  }
  return { reports, orphans, kept };
}
