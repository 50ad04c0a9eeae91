// What the cgroup labs share: where a run's cgroups live, the actions that make them, and the argv that starts a
// program inside one. Pure builders (argv and paths); the session runs them and journals what they create.
import { join } from 'node:path';
import type { Action, LabContext } from '../lab/spec.js';
import { readCgroupLayout } from './cgroup-mode.js';
import { readProcCgroup, v2PathOf } from './cgroup-path.js';
import { dieWithHarness } from './namespaces.js';
import { quoteWord, renderCommand } from './shell.js';

/** Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on a v2 host (/sys/fs/cgroup/unified on a hybrid one). */
export function v2Root(): string {
  return readCgroupLayout().v2Path ?? '/sys/fs/cgroup';
}

/** The end of the run's id (`<pid>-<time>`): unique on this host, so a crashed run's leftovers never clash. */
export function runSuffix(ctx: LabContext): string {
  return ctx.runId.split('-').slice(-2).join('-');
}

/** The run's own cgroup, right under the v2 root: `/sys/fs/cgroup/lab-<short>-<pid>-<time>`. */
export function labCgroup(ctx: LabContext, short: string): string {
  return join(v2Root(), `lab-${short}-${runSuffix(ctx)}`);
}

/** `mkdir` a cgroup, declared as the run's: journaled before, removed (processes killed first) at the end. */
export function mkdirCgroup(path: string): Action {
  return { kind: 'run', argv: ['mkdir', path], creates: { kind: 'cgroup', path } };
}

/** `mkdir` a child of a cgroup the run already declared (removed with its parent, deepest first). */
export function mkdirChild(path: string): Action {
  return { kind: 'run', argv: ['mkdir', path] };
}

/** Enable controllers for a cgroup's children: `echo "+memory +pids" > <cgroup>/cgroup.subtree_control`. */
export function enableAction(cgroup: string, controllers: readonly string[]): Action {
  return { kind: 'write', path: join(cgroup, 'cgroup.subtree_control'), value: controllers.map((c) => `+${c}`).join(' ') };
}

/** Write one cgroup interface file: `echo VALUE > <cgroup>/<file>`. */
export function setAction(cgroup: string, file: string, value: string, expect: 'ok' | 'fail' = 'ok'): Action {
  return { kind: 'write', path: join(cgroup, file), value, ...(expect === 'fail' ? { expect } : {}) };
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
