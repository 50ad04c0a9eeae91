// The pod lab's names and how it finds, from the host's /proc alone, the processes of each container of the pod:
// every container gets its own name in the variable POD_CONTAINER (`-e`), as Kubernetes' downward API can hand a
// container its pod's name, so that its processes can be told apart from the host.
import { runSuffix } from '../../src/lab/cgroup-lab.js';
import { environValue, listPids, nspid } from '../../src/kernel/proc.js';
import type { Word } from '../../src/lab/build.js';
import type { LabContext } from '../../src/lab/spec.js';

/** The containers of the pod: the pause container, and those that join it. */
export type Role = 'pause' | 'server' | 'client' | 'runas';

/** The pod's name, unique to the run: `lab-pod-<pid>-<time>`; also its hostname, as a Kubernetes pod's. */
export const podName = (ctx: LabContext): string => `lab-pod-${runSuffix(ctx)}`;

/** A container's name: `lab-pod-<pid>-<time>-<role>`. */
export const nameOf =
  (role: Role) =>
  (ctx: LabContext): string =>
    `${podName(ctx)}-${role}`;

/** The pod's emptyDir: a host directory the lab makes (journaled) and binds into the containers. */
export const volumeDir = (ctx: LabContext): string => `/run/${podName(ctx)}`;

/** Where the containers see the volume. */
export const MOUNT = '/shared';

/** The variable that carries a container's name into each of its processes. */
export const MARKER = 'POD_CONTAINER';

/** The `-e` flag that marks a container's processes. */
export const markerFlag = (role: Role): Word[] => ['-e', (ctx: LabContext) => `${MARKER}=${nameOf(role)(ctx)}`];

/** The host PIDs of a container's processes (its PID 1 and everything below it or exec'd into it). */
export function processesOf(ctx: LabContext, role: Role): number[] {
  const name = nameOf(role)(ctx);
  return listPids().filter((pid) => environValue(pid, MARKER) === name && (nspid(pid)?.length ?? 0) > 1);
}

/** The host PID of a container's PID 1, or undefined while it does not run. */
export function pid1Of(ctx: LabContext, role: Role): number | undefined {
  return processesOf(ctx, role).find((pid) => nspid(pid)?.at(-1) === 1);
}

/** A container's PID 1, or an error that a check reports as what it found. */
export function mustPid1(ctx: LabContext, role: Role): number {
  const pid = pid1Of(ctx, role);
  if (pid === undefined) throw new Error(`no process with ${MARKER}=${nameOf(role)(ctx)} is PID 1 of a PID namespace: the container is not running`);
  return pid;
}

/** A word that is a container's PID 1 when the action runs: `['cat', procOf('pause', 'net/tcp')]`. */
export const procOf =
  (role: Role, file: string) =>
  (ctx: LabContext): string =>
    `/proc/${mustPid1(ctx, role)}/${file}`;
