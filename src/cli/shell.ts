// `lab shell <id>`: an interactive shell inside the namespaces of a running lab, the way `docker exec -it` works.
import { LabError } from '../common/errors.js';
import { runInteractive } from '../host/exec.js';
import { findRuns, type FoundRun } from '../host/journal.js';
import { isAlive } from '../kernel/proc.js';
import { renderCommand } from '../kernel/shell.js';
import { loadLab } from '../lab/load.js';
import { labCgroupOf, shellArgvFor } from '../lab/runner.js';
import type { Lang } from '../lab/spec.js';
import { parse, resolveLabId } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab shell <id> [--lang en|zh]

Opens a shell inside the namespaces of a lab that is running (start it with \`sudo lab run <id>\` in another
terminal). It runs \`nsenter\` with the host PID of the lab's init, which is what \`docker exec -it\` does.
Leave it with \`exit\`. The shell ends when the lab ends.`,
  zh: `用法：lab shell <id> [--lang en|zh]

在一个正在运行的实验的命名空间里打开 shell（先在另一个终端用 \`sudo lab run <id>\` 启动实验）。
它用实验 init 进程在宿主机上的 PID 运行 \`nsenter\`，这正是 \`docker exec -it\` 所做的事。
用 \`exit\` 离开。实验结束时这个 shell 也会结束。`,
};

/** The host PID of a running lab's process of this name, if it is alive. */
export function livePid(run: FoundRun, name: string): number | undefined {
  for (const { resource } of run.live) {
    if (resource.kind !== 'process' || resource.name !== name) continue;
    const pid = resource.target ?? resource.pid;
    const start = resource.target !== undefined ? resource.targetStart : resource.start;
    // The start time too: a recycled PID would put the learner in some other process's namespaces.
    if (pid !== undefined && start !== undefined && isAlive(pid, start)) return pid;
  }
  return undefined;
}

export async function run(args: string[], _lang: Lang): Promise<number> {
  const { positionals } = parse('shell', args, {}, { maxArgs: 1 });
  const id = resolveLabId(positionals[0], 'shell');
  const lab = await loadLab(id);
  const target = lab.spec.shell.target;
  const live = findRuns().filter((r) => r.lab === id && r.ownerAlive);
  const found = live.map((r) => ({ run: r, pid: livePid(r, target) })).find((r) => r.pid !== undefined);
  if (!found || found.pid === undefined) {
    throw new LabError({
      operation: `lab shell ${id}`,
      code: 'not-running',
      meaning: {
        en: `The lab is not running, or its "${target}" process has not started yet, so there are no namespaces to enter.`,
        zh: `实验没有在运行，或者它的「${target}」进程还没有启动，所以没有可以进入的命名空间。`,
      },
      fix: {
        en: `Start it in another terminal with \`sudo lab run ${id}\`, then run \`sudo lab shell ${id}\` again.`,
        zh: `先在另一个终端运行 \`sudo lab run ${id}\`，再重新运行 \`sudo lab shell ${id}\`。`,
      },
    });
  }
  const argv = shellArgvFor(id, lab.spec.shell, found.pid, labCgroupOf(lab.spec, found.run.runId));
  process.stderr.write(`$ ${renderCommand(argv)}\n`);
  return runInteractive(argv, { runId: found.run.runId });
}
