// The toy-container lab's container, as `lab container run` would plan it: containerPlan() (src/kernel/container-plan.ts)
// is given the lab's busybox layer, directories in the lab's tmpfs and the run's cgroup, and its stages become the
// lab's actions, so that what the lab shows is what the runtime runs. One split for teaching: the container's first
// process waits at a named pipe between its namespaces and its command, so that the lab can mount the root
// filesystem and pivot into it from outside, stage by stage, where the runtime's one script does it all in a row.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseContainerConfig } from '../../src/kernel/container-config.js';
import { containerPlan, renderScript, type ContainerPlan, type PlanStep, type StageId } from '../../src/kernel/container-plan.js';
import { dieWithHarness, nsenterArgv } from '../../src/kernel/namespaces.js';
import type { NamespaceType } from '../../src/common/vocabulary.js';
import { labCgroup, labParent, v2Root } from '../../src/lab/cgroup-lab.js';
import type { Action, LabContext } from '../../src/lab/spec.js';

/** The lab's workspace: a process in a private mount namespace of its own, holding the tmpfs everything lives in. */
export const WORKSPACE = 'workspace';
/** The container's first process (PID 1 of its PID namespace): first a shell, then the command it execs. */
export const INIT = 'init';
/** The tmpfs the workspace mounts at /mnt: the image layer and the container's directories, nothing on disk. */
export const TMPFS = 'lab-toy';
/** The image's one layer: busybox, built in the lab's tmpfs (the image store's `busybox` has the same layout). */
export const LAYER = '/mnt/layers/busybox';
/** The container's own directories: overlayfs's upper and work directories, and where the layers are merged. */
export const DIRS = { upper: '/mnt/container/upper', work: '/mnt/container/work', merged: '/mnt/container/merged' };
/** The named pipe the container's PID 1 waits at, before its command, until the lab has built its root. */
export const START_FIFO = '/mnt/container/start';
/** The named pipe PID 1 writes to once its namespaces are set up (lo up, the hostname set), which the lab waits on. */
export const READY_FIFO = '/mnt/container/ready';
/** The container's hostname (`--hostname`); Docker's default would be the first 12 characters of its id. */
export const HOSTNAME = 'toy-container';
/** The container's command: busybox's sleep, from the image, as PID 1. */
export const COMMAND = ['sleep', '3600'];
/** The pids limit written where this host's cgroup v2 hierarchy offers the pids controller (`--pids-limit 32`). */
export const PIDS_LIMIT = 32;

/** The six namespaces `lab container run --network none` gives a container (all but user and time). */
export const CONTAINER_NS: readonly NamespaceType[] = ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'];

/** Whether the v2 root offers the pids controller at all (not on a hybrid host, where cgroup v1 holds it). */
export function pidsOffered(): boolean {
  return controllers(join(v2Root(), 'cgroup.controllers')).includes('pids');
}

/** Whether the run's cgroup gets the pids controller from its parent (the v2 root, or the run's delegated scope). */
export function pidsEnabled(ctx: LabContext): boolean {
  return controllers(join(labParent(ctx), 'cgroup.subtree_control')).includes('pids');
}

function controllers(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** The plan `lab container run --privileged --network none --hostname toy-container [--pids-limit 32] busybox sleep 3600` makes. */
export function planOf(ctx: LabContext): ContainerPlan {
  // --privileged: every capability, no setpriv step (the lab runs its steps with sh, which cannot drop them).
  const config = parseContainerConfig({
    hostname: HOSTNAME,
    // Only lo, as the staged steps show: Docker's default bridge network is the container-network lab's.
    network: 'none',
    command: COMMAND,
    privileged: true,
    ...(pidsEnabled(ctx) ? { pidsLimit: String(PIDS_LIMIT) } : {}),
  });
  if (!config.ok) throw new Error(config.message.en);
  const plan = containerPlan({ id: 'toy', config: config.value, image: { layers: [LAYER], cmd: ['sh'] }, dirs: DIRS, cgroup: labCgroup(ctx) });
  if (!plan.ok) throw new Error(plan.message.en);
  return plan.value;
}

/** The steps of one stage of this run's plan. */
export function stageSteps(ctx: LabContext, id: StageId): PlanStep[] {
  return planOf(ctx).stages.find((s) => s.id === id)?.steps ?? [];
}

/** The text of a stage's `container` steps (what the runtime's script runs inside the namespaces), in order. */
export function containerTexts(ctx: LabContext, id: StageId): string[] {
  return stageSteps(ctx, id).flatMap((s) => (s.place === 'container' ? [s.text] : []));
}

/** A `container` step run from outside: a plain command as it is, a shell construct (`if`, `cd`) by `sh -c`. */
export function stepArgv(text: string): string[] {
  return /^[a-z_]+( [-./=:,a-zA-Z0-9_]+)*$/.test(text) ? text.split(' ') : ['sh', '-c', text];
}

/** nsenter into the container's six namespaces, as the runtime's script is inside them. */
export function intoContainer(ctx: LabContext, argv: string[]): string[] {
  return nsenterArgv(ctx.proc(INIT).pid, [...CONTAINER_NS], argv);
}

/**
 * The harness's steps of a stage as actions: a `mkdir` of the cgroup is declared (journaled, removed at the end);
 * a `mkdir` of a container directory runs in the workspace (the directories are in its tmpfs); a write is a write.
 */
export function harnessActions(ctx: LabContext, id: StageId): Action[] {
  const actions: Action[] = [];
  for (const step of stageSteps(ctx, id)) {
    if (step.place !== 'harness') continue;
    const { action } = step;
    if (action.kind === 'write') actions.push({ kind: 'write', path: action.path, value: action.value });
    else if (id === 'cgroup') actions.push({ kind: 'run', argv: ['mkdir', action.path], creates: { kind: 'cgroup', path: action.path } });
    else actions.push({ kind: 'run', argv: nsenterArgv(ctx.proc(WORKSPACE).pid, ['mnt'], ['mkdir', action.path]) });
  }
  return actions;
}

/**
 * The container's first process, started from the workspace's mount namespace (where the layer is): the plan's
 * own argv (join the cgroup, unshare, a clean environment, `sh -c <script>`) with one line added to its script
 * between the namespaces stage and the process stage: `read go < <fifo>`, which waits until the lab writes to the
 * pipe. `lab container run` has no such line: its script goes straight on to mount the root and pivot.
 */
export function initArgv(ctx: LabContext): string[] {
  const plan = planOf(ctx);
  const processArgv = plan.stages.flatMap((s) => s.steps.flatMap((step) => (step.place === 'process' ? step.argv : [])));
  const script = renderScript([
    ...containerTexts(ctx, 'namespaces'),
    `echo ready > ${READY_FIFO}`,
    `read go < ${START_FIFO}`,
    ...containerTexts(ctx, 'process'),
  ]);
  return nsenterArgv(ctx.proc(WORKSPACE).pid, ['mnt'], dieWithHarness([...processArgv, 'sh', '-c', script]));
}

/** The container's cgroup has a pids.max file (the controller reached it) and this value in it, or undefined. */
export function pidsMaxOf(cgroup: string): string | undefined {
  const file = join(cgroup, 'pids.max');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
