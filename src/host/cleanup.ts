// Removing what a run created: newest first, each removal journaled, and only what the journal names.
import { basename } from 'node:path';
import { rmSync } from 'node:fs';
import { environValue, isAlive, listPids } from '../kernel/proc.js';
import { RUN_MARKER } from './exec.js';
import { appendRecord, type FoundRun, type Resource } from './journal.js';

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

/** Remove one journaled resource. Returns false when it could not be removed. */
export async function removeResource(resource: Resource): Promise<boolean> {
  switch (resource.kind) {
    case 'process': {
      // Killing the spawned process (unshare, with --kill-child) kills the namespace's init, and with it the
      // kernel kills every process of the PID namespace; the target is killed too in case it was reparented.
      let ok = true;
      if (resource.pid !== undefined) ok = (await killProcess(resource.pid, resource.start)) && ok;
      if (resource.target !== undefined && resource.target !== resource.pid) ok = (await killProcess(resource.target)) && ok;
      return ok;
    }
    case 'path': {
      // Never remove a path the harness could not have named.
      if (!basename(resource.path).startsWith('lab-')) return false;
      rmSync(resource.path, { recursive: true, force: true });
      return true;
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
