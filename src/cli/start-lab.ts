// What `lab run` and `lab verify` share: loading a lab, refusing to start it on a host that lacks what it needs
// or while it already runs, and turning Ctrl-C and kill into an orderly cleanup.
import { requireV2Controllers } from '../host/cgroup.js';
import { LabError } from '../common/errors.js';
import { findRuns } from '../host/journal.js';
import { loadLab, type LoadedLab } from '../lab/load.js';
import { unmet, type Requirement } from '../lab/requirements.js';
import type { Lang } from '../lab/spec.js';

/**
 * The unmet requirements of a lab, explained (what, why, fix) in one error. Missing cgroup v2 controllers are
 * explained by the cgroup library: which ones, how this host mounts cgroups (hybrid: held by v1), how to get v2.
 */
export function missingError(lab: LoadedLab, missing: Requirement[], lang: Lang): LabError {
  const controllers = missing.filter((r) => r.id.startsWith('cgroup2-')).map((r) => r.id.slice('cgroup2-'.length));
  let cgroup: LabError | undefined;
  try {
    if (controllers.length) requireV2Controllers(controllers);
  } catch (error) {
    if (error instanceof LabError) cgroup = error;
  }
  const rest = cgroup ? missing.filter((r) => !r.id.startsWith('cgroup2-')) : missing;
  const lines = (pick: (r: Requirement) => string): string => rest.map((r) => `  - ${r.what[lang]}: ${pick(r).replaceAll('<id>', lab.spec.id)}`).join('\n');
  const join = (first: string | undefined, list: string): string => [first, list].filter(Boolean).join('\n');
  return new LabError({
    operation: `lab ${lab.spec.id}`,
    code: 'requirements',
    meaning: {
      en: join(cgroup?.meaning.en, rest.length ? `This host lacks what the lab needs:\n${lines((r) => r.why.en)}` : ''),
      zh: join(cgroup?.meaning.zh, rest.length ? `这台宿主机缺少实验所需的条件：\n${lines((r) => r.why.zh)}` : ''),
    },
    fix: {
      en: join(cgroup?.fix.en, rest.length ? `\n${lines((r) => r.fix.en)}` : ''),
      zh: join(cgroup?.fix.zh, rest.length ? `\n${lines((r) => r.fix.zh)}` : ''),
    },
  });
}

/** Why a lab cannot run here, in one line (for skips), or undefined when it can. */
export function unmetReason(lab: LoadedLab, lang: Lang): string | undefined {
  const missing = unmet(lab.spec.requires);
  return missing.length ? missing.map((r) => r.what[lang]).join(', ') : undefined;
}

/** Load a lab that is ready to start: requirements met, not running already. */
export async function loadRunnable(id: string, lang: Lang): Promise<LoadedLab> {
  const lab = await loadLab(id);
  const missing = unmet(lab.spec.requires);
  if (missing.length) throw missingError(lab, missing, lang);
  const running = findRuns().find((run) => run.lab === id && run.ownerAlive);
  if (running) {
    throw new LabError({
      operation: `lab run ${id}`,
      code: 'already-running',
      meaning: {
        en: `This lab is already running (process ${running.owner}); two runs would fight over the same names.`,
        zh: `这个实验已经在运行（进程 ${running.owner}）；同时运行两次会争用同样的资源名。`,
      },
      fix: {
        en: `Finish it there, or stop it (Ctrl-C in its terminal, or \`sudo kill ${running.owner}\`); it removes what it made as it stops.`,
        zh: `在那里完成它，或者停止它（在它的终端里按 Ctrl-C，或者运行 \`sudo kill ${running.owner}\`）；它停止时会清理自己创建的东西。`,
      },
    });
  }
  return lab;
}

/** Run `work` with an AbortSignal that fires on SIGINT, SIGTERM or SIGHUP; reports which signal came, if any. */
export async function withInterrupts<T>(work: (signal: AbortSignal) => Promise<T>): Promise<{ value: T; interrupted: boolean; by?: NodeJS.Signals }> {
  const controller = new AbortController();
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let by: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    by ??= signal;
    controller.abort();
  };
  for (const s of signals) process.on(s, onSignal);
  try {
    const value = await work(controller.signal);
    return { value, interrupted: controller.signal.aborted, ...(by ? { by } : {}) };
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}

/**
 * After a hang-up the run is cleaned up but its terminal is gone: end at once. (Node 20 restores the terminal's
 * settings at exit and aborts with a core dump when the terminal answers EIO.)
 */
export function endAfterHangup(by: NodeJS.Signals | undefined): void {
  if (by === 'SIGHUP' && process.stdin.isTTY) process.kill(process.pid, 'SIGKILL');
}
