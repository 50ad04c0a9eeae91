// What the cgroup labs share: where a run's cgroups live (a scope systemd delegates to the run, or the v2 root on a
// host without systemd), named from the short name the lab declares once (`LabSpec.cgroup`, in the context as
// `ctx.cgroup`); the actions that make them, and the argv that starts a program inside one. Builders of argv and
// paths; the session runs them and journals what they create. The labs use them through build-cgroup.ts.
import { join } from 'node:path';
import type { Action, ActionSpec, LabContext } from './spec.js';
import { readCgroupLayout } from '../kernel/cgroup-mode.js';
import { readProcCgroup, v2PathOf } from '../kernel/cgroup-path.js';
import { readInitSystem } from '../kernel/init-system.js';
import { dieWithHarness } from '../kernel/namespaces.js';
import { quoteWord, renderCommand } from '../kernel/shell.js';
import { delegatedScopeArgv, scopeCgroup, scopeUnit } from '../kernel/systemd.js';

/** What naming a run's cgroups needs of its context: the run's id and the lab's short cgroup name. */
export type RunOf = Pick<LabContext, 'runId' | 'cgroup'>;

/** The lab's short cgroup name (`LabSpec.cgroup`); a lab that makes cgroups without declaring one is a bug. */
export function shortOf(ctx: RunOf): string {
  if (ctx.cgroup === undefined) throw new Error('this lab declares no `cgroup` name in its spec: the cgroup builders name its cgroups from it');
  return ctx.cgroup;
}

/** Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on a v2 host (/sys/fs/cgroup/unified on a hybrid one). */
export function v2Root(): string {
  return readCgroupLayout().v2Path ?? '/sys/fs/cgroup';
}

/** The end of the run's id (`<pid>-<time>`): unique on this host, so a crashed run's leftovers never clash. */
export function runSuffix(ctx: RunOf): string {
  return ctx.runId.split('-').slice(-2).join('-');
}

/** Whether this host's cgroups come from systemd (a delegated scope) rather than straight from the v2 root. */
export function fromSystemd(): boolean {
  return readInitSystem().manager === 'systemd';
}

/** The systemd scope a run gets its cgroups from: `lab-<short>-<pid>-<time>.scope`. */
export function labScopeUnit(ctx: RunOf): string {
  return scopeUnit(`lab-${shortOf(ctx)}-${runSuffix(ctx)}`);
}

/**
 * The cgroup that hands the run's cgroup its controllers: on a systemd host the run's delegated scope,
 * `/sys/fs/cgroup/system.slice/lab-<short>-<pid>-<time>.scope`; elsewhere the v2 root.
 */
export function labParent(ctx: RunOf): string {
  return fromSystemd() ? scopeCgroup(v2Root(), labScopeUnit(ctx)) : v2Root();
}

/**
 * The run's own cgroup: inside its delegated scope on a systemd host (`.../lab-<short>-<pid>-<time>.scope/lab-<short>`),
 * right under the v2 root elsewhere (`/sys/fs/cgroup/lab-<short>-<pid>-<time>`).
 */
export function labCgroup(ctx: RunOf): string {
  const short = shortOf(ctx);
  return fromSystemd() ? join(labParent(ctx), `lab-${short}`) : join(v2Root(), `lab-${short}-${runSuffix(ctx)}`);
}

/** The leaf of the scope where the process that keeps the scope alive waits (a cgroup with children holds no process). */
export const KEEPER = 'lab-keeper';

/** The lab process that keeps the run's scope alive: systemd ends a scope once no process is left in it. */
export const SCOPE_PROCESS = 'scope';

/**
 * How a run gets its cgroups on a systemd host, as actions to put before the `mkdirCgroup` of the run's cgroup (the
 * start of cgroupPreamble; each gives nothing on a host without systemd, where the run's cgroup goes right under the
 * v2 root):
 * 1. `systemd-run --scope --property=Delegate=yes`: systemd makes the scope, with `controllers` (and every other
 *    controller it delegates) enabled on the path from the root; the scope, and the cgroups below it, are ours.
 * 2. The process that keeps the scope alive moves into a leaf of its own (`lab-keeper`): by the no-internal-process
 *    rule, the scope can pass controllers to its children only once it holds no process itself.
 * 3. `+controller` in the scope's cgroup.subtree_control, for the lab's cgroup.
 * Nothing is written above the scope: the part of the tree systemd owns stays systemd's.
 */
export function delegation(controllers: readonly string[]): ActionSpec[] {
  const onSystemd =
    (make: (ctx: LabContext, scope: string) => Action) =>
    (ctx: LabContext): Action[] =>
      fromSystemd() ? [make(ctx, labParent(ctx))] : [];
  return [
    onSystemd((ctx, scope) => {
      const unit = labScopeUnit(ctx);
      return {
        kind: 'start',
        name: SCOPE_PROCESS,
        argv: delegatedScopeArgv(unit, dieWithHarness(['sleep', 'infinity'])),
        creates: { kind: 'scope', unit, path: scope },
        // systemd-run executes the program only once systemd has made the scope and put systemd-run's PID in it.
        execs: 'sleep',
      };
    }),
    onSystemd((_ctx, scope) => ({ kind: 'run', argv: ['mkdir', join(scope, KEEPER)] })),
    onSystemd((ctx, scope) => ({ kind: 'write', path: join(scope, KEEPER, 'cgroup.procs'), value: String(ctx.proc(SCOPE_PROCESS).pid) })),
    ...(controllers.length > 0 ? [onSystemd((_ctx, scope) => enableAction(scope, controllers))] : []),
  ];
}

/** `mkdir` a cgroup, declared as the run's: journaled before, removed (processes killed first) at the end. */
export function mkdirCgroup(path: string): Action {
  return { kind: 'run', argv: ['mkdir', path], creates: { kind: 'cgroup', path } };
}

/** Enable controllers for a cgroup's children: `echo "+memory +pids" > <cgroup>/cgroup.subtree_control`. */
function enableAction(cgroup: string, controllers: readonly string[]): Action {
  return { kind: 'write', path: join(cgroup, 'cgroup.subtree_control'), value: controllers.map((c) => `+${c}`).join(' ') };
}

/**
 * A shell that moves itself into `cgroup` (its PID to cgroup.procs: one PID per write) and then becomes `argv`
 * with `exec`, so the program is the very process that was moved and everything it forks starts inside.
 */
export function joinCgroupArgv(cgroup: string, argv: readonly string[]): string[] {
  return ['sh', '-c', `echo $$ > ${quoteWord(join(cgroup, 'cgroup.procs'))} && exec ${renderCommand(argv)}`];
}

/** `joinCgroupArgv`, killed by the kernel when the harness dies (for long-lived and foreground workloads). */
export function inCgroupArgv(cgroup: string, argv: readonly string[]): string[] {
  return dieWithHarness(joinCgroupArgv(cgroup, argv));
}

/** The cgroup v2 directory a process is in, as the host sees it (its `0::` line of /proc/<pid>/cgroup). */
export function cgroupDirOf(pid: number): string {
  const path = v2PathOf(readProcCgroup(pid));
  if (path === undefined) throw new Error(`process ${pid} has no cgroup v2 line in /proc/${pid}/cgroup`);
  return join(v2Root(), path);
}
