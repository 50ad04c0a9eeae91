// The exit status of `lab container run`, Docker's: the command's own status; 128+N when a signal ended it (137
// for SIGKILL, the OOM killer's signal); 125 when lab itself failed; 126 when the command cannot be executed and
// 127 when it is not found. Pure: the executor says how the process ended and what memory.events said.
//
// Telling 126/127 from the rest. The container's shell runs lab's setup (mounts, pivot, ...) as one `&&` chain
// that exits 125 on any failure (container-plan.ts renderScript), so a failed setup step never shows as 126/127.
// Then `exec` replaces the shell with the command; when that fails the shell itself exits 127 (not found) or 126
// (found, not executable), as POSIX specifies for command search and execution. After a successful exec the status
// is the command's own, whatever it is, so a command that itself exits 127 reports 127, as under Docker. One case
// differs from Docker: a file with no `#!` and no ELF header is run by the shell as a script (POSIX), where runc
// would fail with ENOEXEC (126).
import { constants } from 'node:os';

/** How the container's process ended, as the executor saw it; `not-started` when lab failed before it ran. */
export type ContainerEnd = { kind: 'exited'; code: number } | { kind: 'signaled'; signal: string } | { kind: 'not-started' };

/**
 * Why the container ended, for `lab container ps -a` and inspect (Docker's State: ExitCode, OOMKilled, Error). A
 * command that itself exits 125, 126 or 127 reads as setup-failed, cannot-execute or not-found: as under Docker,
 * the status alone cannot tell them apart.
 */
export type ExitReason = 'exited' | 'signal' | 'oom-killed' | 'lab-error' | 'cannot-execute' | 'not-found' | 'setup-failed';

export interface ContainerExit {
  status: number;
  reason: ExitReason;
}

/** lab's own failure, Docker's 125 (the container's setup chain exits with it too). */
export const EXIT_LAB_ERROR = 125;
/** The command was found but cannot be executed. */
export const EXIT_CANNOT_EXECUTE = 126;
/** The command was not found in the container. */
export const EXIT_NOT_FOUND = 127;

/** A signal's number on this kernel (`SIGKILL` → 9); undefined for a name it does not have. */
export function signalNumber(signal: string): number | undefined {
  return (constants.signals as Record<string, number | undefined>)[signal];
}

/**
 * The status for how the process ended. `oomKilled` is from the cgroup's memory.events (`oom_kill` above 0): a
 * SIGKILL is then reported as the OOM kill. As under Docker, an OOM kill of another process of the container does
 * not change the status of a PID 1 that exits on its own.
 */
export function containerExit(end: ContainerEnd, oomKilled = false): ContainerExit {
  if (end.kind === 'not-started') return { status: EXIT_LAB_ERROR, reason: 'lab-error' };
  if (end.kind === 'signaled') {
    const number = signalNumber(end.signal) ?? 0;
    const killed = end.signal === 'SIGKILL';
    return { status: 128 + number, reason: killed && oomKilled ? 'oom-killed' : 'signal' };
  }
  const { code } = end;
  if (code === EXIT_LAB_ERROR) return { status: code, reason: 'setup-failed' };
  if (code === EXIT_CANNOT_EXECUTE) return { status: code, reason: 'cannot-execute' };
  if (code === EXIT_NOT_FOUND) return { status: code, reason: 'not-found' };
  // A shell in the chain reports a signal-killed child as 128+N; the kernel's own kill shows up as `signaled`.
  if (code === 128 + (signalNumber('SIGKILL') ?? 9) && oomKilled) return { status: code, reason: 'oom-killed' };
  return { status: code, reason: 'exited' };
}
