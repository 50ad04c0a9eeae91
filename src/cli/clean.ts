// `lab clean`: remove everything lab runs (and containers whose init is dead) left on the host, newest first, from
// their journals; then any process still marked as belonging to an owner that is gone. The work is in
// src/host/cleanup.ts; this prints what it did.
import { cleanAll, type CleanReport } from '../host/cleanup.js';
import type { Lang } from '../lab/spec.js';
import { parse } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab clean [--lang en|zh]

Stops every lab that is running and removes everything any lab run left on this host (processes, and
later mounts, cgroups, network namespaces and links), newest first, as recorded in the journals under
/var/lib/lab. Containers whose process is dead are removed; running ones are kept. Networks made with
\`lab container network create\` that no container is attached to are removed (as docker network prune),
and lab-host-net and lab-internet once no container or network needs them. Use it after a crash, a kill -9,
or a power cut. Touches nothing lab did not create.`,
  zh: `用法：lab clean [--lang en|zh]

停止所有正在运行的实验，并按日志（journal，位于 /var/lib/lab）记录，从新到旧移除实验在这台宿主机上留下的
一切（进程，以及后续实验的挂载、cgroup、网络命名空间和网卡）。在崩溃、kill -9 或断电之后使用。
进程已死的容器会被移除，正在运行的容器会保留。用 \`lab container network create\` 创建、
又没有容器连接的网络会被删除（和 docker network prune 一样）；当没有容器或网络再需要 lab-host-net 和
lab-internet 时，它们也会被删除。不会碰 lab 没有创建的任何东西。`,
};

/** Who a report is about: a run by its lab and id, any other owner by its kind and id. */
function ownerLine(report: CleanReport, zh: boolean): string {
  const removed = report.removed.length;
  if (report.kind === 'run')
    return zh ? `${report.lab}（${report.id}）：移除 ${removed} 项资源` : `${report.lab} (${report.id}): removed ${removed} resource(s)`;
  if (report.kind === 'network')
    return zh ? `容器网络（${report.id}）：移除 ${removed} 项资源` : `container networks (${report.id}): removed ${removed} resource(s)`;
  return zh ? `容器 ${report.id}：移除 ${removed} 项资源` : `container ${report.id}: removed ${removed} resource(s)`;
}

/** Run `lab clean`. */
export async function run(args: string[], lang: Lang): Promise<number> {
  parse('clean', args, {}, { maxArgs: 0 });
  const { reports, orphans, kept } = await cleanAll();
  const removed = reports.reduce((n, r) => n + r.removed.length, 0);
  const failed = reports.flatMap((r) => r.failed);
  const zh = lang === 'zh';
  for (const owner of kept) {
    if (owner.kind === 'network') {
      process.stdout.write(
        zh
          ? `容器网络（${owner.id}）还有容器或网络在用：保留 lab-host-net 和 lab-internet\n`
          : `container networks (${owner.id}) are in use by containers or networks: lab-host-net and lab-internet are kept\n`,
      );
      continue;
    }
    process.stdout.write(
      zh
        ? `容器 ${owner.id} 还在运行（init 进程 ${owner.holder.pid}）：保留它的资源\n`
        : `container ${owner.id} is running (init process ${owner.holder.pid}): its resources are kept\n`,
    );
  }
  if (reports.length === 0 && orphans === 0) {
    if (kept.length === 0)
      process.stdout.write(zh ? '没有需要清理的东西：宿主机上没有 lab 留下的资源。\n' : 'Nothing to clean: no lab resources are left on this host.\n');
  } else {
    for (const r of reports) process.stdout.write(`${ownerLine(r, zh)}\n`);
    process.stdout.write(
      zh ? `共移除 ${removed} 项资源，另杀死 ${orphans} 个残留进程。\n` : `Removed ${removed} resource(s) and ${orphans} stray process(es).\n`,
    );
  }
  for (const f of failed) process.stderr.write(`${zh ? '无法移除' : 'could not remove'}: ${JSON.stringify(f)}\n`);
  return failed.length === 0 ? 0 : 1;
}
