// `lab clean`: remove everything lab runs (and containers whose init is dead) left on the host, newest first, from
// their journals; then any process still marked as belonging to an owner that is gone. The work is in
// src/host/cleanup.ts; this prints what it did.
import { cleanAll, type CleanReport } from '../host/cleanup.js';
import type { FoundRun } from '../host/journal.js';
import { damageNotice, journalDamage } from '../host/journal.js';
import type { Lang } from '../lab/spec.js';
import { parse } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab clean [--lang en|zh]

Removes everything lab runs left on this host (processes, and later mounts, cgroups, network namespaces
and links), newest first, as recorded in the journals under /var/lib/lab. A lab run whose harness is still
alive (a \`lab run\` or \`lab verify\` in progress) is left to it: it removes its own resources when it ends;
stop it with Ctrl-C or kill, then run lab clean. What a crashed run left and is already gone (after a reboot)
is reported as gone, not as a failure. Running it twice, or twice at once, is safe: a second clean waits for
the first. It needs root to read the journals and says so. Containers whose process is dead are removed;
running ones are kept. Networks made with
\`lab container network create\` that no container is attached to are removed (as docker network prune),
and lab-host-net and lab-internet once no container or network needs them. Use it after a crash, a kill -9,
or a power cut. Touches nothing lab did not create.`,
  zh: `用法：lab clean [--lang en|zh]

按日志（journal，位于 /var/lib/lab）记录，从新到旧移除实验在这台宿主机上留下的一切（进程，以及后续实验的
挂载、cgroup、网络命名空间和网卡）。在崩溃、kill -9 或断电之后使用。框架进程仍然活着的实验运行（正在进行的
\`lab run\` 或 \`lab verify\`）会留给它自己：它结束时会移除自己的资源；要停止它，按 Ctrl-C 或用 kill，然后再运行
lab clean。崩溃的运行留下、但已经不在的资源（例如重启之后）会报告为已不存在，而不是失败。连续运行两次或同时
运行两个都是安全的：第二个会等第一个结束。它需要 root 才能读取日志，读不了时会明确说出来。
进程已死的容器会被移除，正在运行的容器会保留。用 \`lab container network create\` 创建、
又没有容器连接的网络会被删除（和 docker network prune 一样）；当没有容器或网络再需要 lab-host-net 和
lab-internet 时，它们也会被删除。不会碰 lab 没有创建的任何东西。`,
};

/** Who a report is about: a run by its lab and id, any other owner by its kind and id. */
function ownerLine(report: CleanReport, zh: boolean): string {
  const removed = report.removed.length - (report.gone?.length ?? 0);
  const gone = goneNote(report, zh);
  if (report.kind === 'run')
    return zh ? `${report.lab}（${report.id}）：移除 ${removed} 项资源${gone}` : `${report.lab} (${report.id}): removed ${removed} resource(s)${gone}`;
  if (report.kind === 'network')
    return zh ? `容器网络（${report.id}）：移除 ${removed} 项资源${gone}` : `container networks (${report.id}): removed ${removed} resource(s)${gone}`;
  return zh ? `容器 ${report.id}：移除 ${removed} 项资源${gone}` : `container ${report.id}: removed ${removed} resource(s)${gone}`;
}

/**
 * What of an owner's resources was already gone when clean came to it: after a reboot, what did not outlive it
 * (processes, mounts, namespaces, cgroups); otherwise what went by itself or another clean removed. Not failures.
 */
function goneNote(report: CleanReport, zh: boolean): string {
  const gone = report.gone?.length ?? 0;
  if (gone === 0) return '';
  if (report.earlierBoot) return zh ? `；${gone} 项已随重启消失（这次运行属于上一次启动）` : `; ${gone} gone with the reboot (the run was in an earlier boot)`;
  return zh ? `；${gone} 项已经不在` : `; ${gone} already gone`;
}

/** Lab runs whose harness is alive: left to it, and how to stop them. */
function writeLive(live: readonly FoundRun[], zh: boolean): void {
  if (live.length === 0) return;
  const owners = live.map((run) => (zh ? `PID ${run.owner}，实验 ${run.lab}` : `PID ${run.owner}, lab ${run.lab}`)).join(zh ? '；' : '; ');
  process.stdout.write(
    zh
      ? `${live.length} 个实验运行仍在进行：留给它们自己的进程（${owners}）；要停止它们，按 Ctrl-C 或用 kill，然后运行 lab clean\n`
      : `${live.length} run(s) are live: left to their owner (${owners}); stop them with Ctrl-C or kill, then lab clean\n`,
  );
}

/** Run `lab clean`. */
export async function run(args: string[], lang: Lang): Promise<number> {
  parse('clean', args, {}, { maxArgs: 0 });
  // Journals with unreadable lines: copied aside before the clean-up deletes them, and reported at the end (exit 1).
  const damaged = journalDamage();
  const zh = lang === 'zh';
  const onWait = (holder: number | undefined): void => {
    const who = holder ?? '?';
    process.stdout.write(
      zh ? `另一个 lab clean（PID ${who}）正在运行：等它结束……\n` : `Another lab clean (PID ${who}) is running: waiting for it to finish...\n`,
    );
  };
  const { reports, orphans, kept, live } = await cleanAll(undefined, { live: 'keep', onWait });
  const removed = reports.reduce((n, r) => n + r.removed.length - (r.gone?.length ?? 0), 0);
  const failed = reports.flatMap((r) => r.failed);
  writeLive(live, zh);
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
    if (kept.length === 0 && live.length === 0)
      process.stdout.write(zh ? '没有需要清理的东西：宿主机上没有 lab 留下的资源。\n' : 'Nothing to clean: no lab resources are left on this host.\n');
    else if (live.length > 0) process.stdout.write(zh ? '没有别的需要清理。\n' : 'Nothing else to clean.\n');
  } else {
    for (const r of reports) process.stdout.write(`${ownerLine(r, zh)}\n`);
    process.stdout.write(
      zh ? `共移除 ${removed} 项资源，另杀死 ${orphans} 个残留进程。\n` : `Removed ${removed} resource(s) and ${orphans} stray process(es).\n`,
    );
  }
  for (const f of failed) process.stderr.write(`${zh ? '无法移除' : 'could not remove'}: ${JSON.stringify(f)}\n`);
  for (const damage of damaged) process.stderr.write(`${damageNotice(damage, lang)}\n`);
  return failed.length === 0 && damaged.length === 0 ? 0 : 1;
}
