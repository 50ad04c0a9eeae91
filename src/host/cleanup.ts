// Removing what a run created: newest first, each removal journaled, and only what the journal names.
import { existsSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loopDevicesOf } from '../kernel/loop.js';
import { environValue, isAlive, listPids } from '../kernel/proc.js';
import { renderCommand } from '../kernel/shell.js';
import { IPCRM_FLAG, readSysvipc } from '../kernel/sysvipc.js';
import { stopScopeArgv } from '../kernel/systemd.js';
import { teardown, writeCgroupFile } from './cgroup.js';
import { waitFor } from '../common/wait.js';
import { killProcess } from './wait.js';
import { RUN_MARKER, runCommand } from './exec.js';
import { appendRecord, type FoundRun, type Resource } from './journal.js';

export { killProcess } from './wait.js';
export { waitFor } from '../common/wait.js';

/** How long systemd may take to remove a stopped scope's cgroup before the harness removes it itself. */
const SCOPE_GONE_MS = 3000;

/** Whether a name is one the harness could have given (it never touches anything else). */
export function isLabName(path: string): boolean {
  return basename(path).startsWith('lab-');
}

/** Where a host resource shows that it exists. */
export function resourceExists(resource: Resource): boolean {
  switch (resource.kind) {
    case 'process':
      return resource.pid !== undefined && isAlive(resource.pid, resource.start);
    case 'link':
      return existsSync(`/sys/class/net/${resource.name}`);
    case 'netns':
      return existsSync(`/run/netns/${resource.name}`);
    case 'cgroup':
    case 'scope':
    case 'path':
      return existsSync(resource.path);
    case 'sysv':
      return readSysvipc(resource.type).some((o) => o.id === resource.id && o.key === resource.key);
    case 'loop':
      return loopDevicesOf(resource.file).length > 0;
  }
}

/** The command that removes a resource, when a command does it (shown to the learner in the cleanup). */
export function removalCommand(resource: Resource): string[] | undefined {
  switch (resource.kind) {
    case 'link':
      return ['ip', 'link', 'del', resource.name];
    case 'netns':
      return ['ip', 'netns', 'del', resource.name];
    case 'sysv':
      return resource.id === undefined ? undefined : ['ipcrm', IPCRM_FLAG[resource.type], String(resource.id)];
    case 'scope':
      return stopScopeArgv(resource.unit);
    default:
      return undefined;
  }
}

/** How a resource is named in the cleanup report. */
export function describeResource(resource: Resource): string {
  const command = removalCommand(resource);
  if (command) return renderCommand(command);
  switch (resource.kind) {
    case 'process':
      return `kill -KILL ${resource.pid ?? '?'}  (${resource.name})`;
    case 'cgroup':
      return `rmdir ${resource.path}`;
    case 'path':
      return `rm -rf ${resource.path}`;
    case 'loop':
      return `losetup -d $(losetup -j ${resource.file} -O NAME -n)`;
    default:
      return resource.kind;
  }
}

/**
 * Remove a cgroup and any child cgroups made inside it (by a learner during the lab): the cgroup library's
 * teardown kills the whole subtree at once (cgroup.kill, so a fork bomb cannot outrun it), waits until it is
 * empty, and removes directories deepest first.
 */
async function removeCgroup(path: string): Promise<boolean> {
  try {
    await teardown(path);
  } catch {
    // Reported as not removed; `lab clean` tries again.
  }
  return !existsSync(path);
}

/**
 * Stop a systemd scope the run was handed: every process left in its subtree is killed first (cgroup.kill, so
 * systemd's stop does not wait out a process that ignores SIGTERM), then `systemctl stop` ends the unit and
 * systemd removes its cgroup, as the owner of that part of the tree. Should systemd be gone, the cgroup is removed
 * here.
 */
async function removeScope(unit: string, path: string): Promise<boolean> {
  if (existsSync(join(path, 'cgroup.kill'))) {
    try {
      writeCgroupFile(join(path, 'cgroup.kill'), '1');
    } catch {
      // Gone meanwhile, or an old kernel: systemctl stop kills what is left.
    }
  }
  await runCommand(stopScopeArgv(unit));
  if (await waitFor(() => !existsSync(path), SCOPE_GONE_MS, 20)) return true;
  return removeCgroup(path);
}

/** Remove one journaled resource. Returns false when it could not be removed. */
export async function removeResource(resource: Resource): Promise<boolean> {
  switch (resource.kind) {
    case 'process': {
      // Killing the spawned process (unshare, with --kill-child) kills the namespace's init, and with it the
      // kernel kills every process of the PID namespace; the target is killed too in case it was reparented.
      let ok = true;
      if (resource.pid !== undefined) ok = (await killProcess(resource.pid, resource.start)) && ok;
      if (resource.target !== undefined && resource.target !== resource.pid) {
        // Without its start time the target is not killed: its PID may belong to another process by now.
        if (resource.targetStart !== undefined) ok = (await killProcess(resource.target, resource.targetStart)) && ok;
      }
      return ok;
    }
    case 'path':
      // Never remove a path the harness could not have named.
      if (!isLabName(resource.path)) return false;
      rmSync(resource.path, { recursive: true, force: true });
      return true;
    case 'cgroup':
      if (!isLabName(resource.path) || !resource.path.startsWith('/sys/fs/cgroup/')) return false;
      return !existsSync(resource.path) || removeCgroup(resource.path);
    case 'scope':
      if (!isLabName(resource.unit) || !isLabName(resource.path) || !resource.path.startsWith('/sys/fs/cgroup/')) return false;
      return removeScope(resource.unit, resource.path);
    case 'loop': {
      if (!isLabName(resource.file)) return false;
      for (const loop of loopDevicesOf(resource.file)) await runCommand(['losetup', '-d', loop.device]);
      return !resourceExists(resource);
    }
    case 'link':
    case 'netns':
    case 'sysv': {
      if (resource.kind !== 'sysv' && !isLabName(resource.name)) return false;
      if (!resourceExists(resource)) return true;
      const command = removalCommand(resource);
      if (command) await runCommand(command);
      return !resourceExists(resource);
    }
  }
}

/** Kill every process still carrying the run's marker in its environment (children the journal never saw). */
export async function killMarked(runId: string): Promise<number> {
  const marked = listPids().filter((pid) => pid !== process.pid && environValue(pid, RUN_MARKER) === runId);
  for (const pid of marked) await killProcess(pid);
  return marked.length;
}

/** What `cleanRun` did. */
export interface CleanReport {
  runId: string;
  lab: string;
  removed: Resource[];
  failed: Resource[];
  strays: number;
}

/** Remove everything a run left behind, newest first, then delete its journal if nothing failed. */
export async function cleanRun(run: FoundRun): Promise<CleanReport> {
  const report: CleanReport = { runId: run.runId, lab: run.lab, removed: [], failed: [], strays: 0 };
  for (const { id, resource } of [...run.live].reverse()) {
    if (await removeResource(resource)) {
      appendRecord(run.file, { t: 'removed', id });
      report.removed.push(resource);
    } else {
      report.failed.push(resource);
    }
  }
  report.strays = await killMarked(run.runId);
  if (report.failed.length === 0) rmSync(run.file, { force: true });
  return report;
}
