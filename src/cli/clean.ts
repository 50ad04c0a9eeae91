// `lab clean`: remove everything lab runs left on the host, newest first, from their journals; then any process
// still marked as belonging to a run that has no owner.
import { cleanRun, killProcess, waitFor, type CleanReport } from '../host/cleanup.js';
import { RUN_MARKER } from '../host/exec.js';
import { findRuns, labOfRunId, type FoundRun } from '../host/journal.js';
import { environValue, isAlive, listPids } from '../kernel/proc.js';
import type { Lang } from '../lab/spec.js';
import { parse } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab clean [--lang en|zh]

Stops every lab that is running and removes everything any lab run left on this host (processes, and
later mounts, cgroups, network namespaces and links), newest first, as recorded in the journals under
/var/lib/lab. Use it after a crash, a kill -9, or a power cut. Touches nothing lab did not create.`,
  zh: `用法：lab clean [--lang en|zh]

停止所有正在运行的实验，并按日志（journal，位于 /var/lib/lab）记录，从新到旧移除实验在这台宿主机上留下的
一切（进程，以及后续实验的挂载、cgroup、网络命名空间和网卡）。在崩溃、kill -9 或断电之后使用。
不会碰 lab 没有创建的任何东西。`,
};

/** Ask a live harness to stop (it cleans up after itself); true when its journal is gone in time. */
async function stopOwner(run: FoundRun): Promise<boolean> {
  try {
    process.kill(run.owner, 'SIGTERM');
  } catch {
    return false;
  }
  return waitFor(() => !findRuns().some((r) => r.runId === run.runId) || !isAlive(run.owner, run.ownerStart), 5000, 20);
}

/** Clean every run; returns the reports (for tests and the summary). */
export async function cleanAll(wanted: (lab: string) => boolean = () => true): Promise<{ reports: CleanReport[]; orphans: number }> {
  const reports: CleanReport[] = [];
  for (const run of findRuns().filter((r) => wanted(r.lab))) {
    if (run.ownerAlive && run.owner !== process.pid) await stopOwner(run);
    const again = findRuns().find((r) => r.runId === run.runId);
    if (again) reports.push(await cleanRun({ ...again, ownerAlive: false }));
  }
  // Processes marked with a run whose journal is gone (a crash between spawn and the journal write).
  const liveRuns = new Set(findRuns().filter((r) => r.ownerAlive).map((r) => r.runId));
  let orphans = 0;
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const runId = environValue(pid, RUN_MARKER);
    if (runId?.startsWith('lab-') && !liveRuns.has(runId) && wanted(labOfRunId(runId))) {
      if (await killProcess(pid)) orphans++;
    }
  }
  return { reports, orphans };
}

export async function run(args: string[], lang: Lang): Promise<number> {
  parse('clean', args, {});
  const { reports, orphans } = await cleanAll();
  const removed = reports.reduce((n, r) => n + r.removed.length, 0);
  const failed = reports.flatMap((r) => r.failed);
  const zh = lang === 'zh';
  if (reports.length === 0 && orphans === 0) {
    process.stdout.write(zh ? '没有需要清理的东西：宿主机上没有 lab 留下的资源。\n' : 'Nothing to clean: no lab resources are left on this host.\n');
  } else {
    for (const r of reports) {
      process.stdout.write(zh ? `${r.lab}（${r.runId}）：移除 ${r.removed.length} 项资源\n` : `${r.lab} (${r.runId}): removed ${r.removed.length} resource(s)\n`);
    }
    process.stdout.write(zh ? `共移除 ${removed} 项资源，另杀死 ${orphans} 个残留进程。\n` : `Removed ${removed} resource(s) and ${orphans} stray process(es).\n`);
  }
  for (const f of failed) process.stderr.write(`${zh ? '无法移除' : 'could not remove'}: ${JSON.stringify(f)}\n`);
  return failed.length === 0 ? 0 : 1;
}
