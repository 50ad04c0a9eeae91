// The security lab's containers: five `lab container run -d` containers of busybox sleeping, one per set of flags
// (Docker's defaults, --cap-add SYS_ADMIN, no-new-privileges, seccomp=unconfined, --privileged), each journaled by
// the run before it is made. Each is found from the host's /proc alone: its PID 1 is the process at level 1 of a
// PID namespace whose environment carries the variable -e gave it. Then the facts the checks compare, read from
// that PID 1's /proc/<pid>/status.
import { DEFAULT_CAPABILITIES } from '../../src/kernel/container-config.js';
import { CAPABILITY_NAMES, capabilityNames } from '../../src/kernel/capability-names.js';
import { environValue, listPids, nspid, readStatus } from '../../src/kernel/proc.js';
import { runSuffix } from '../../src/lab/cgroup-lab.js';
import { run, type RunOptions, type Word } from '../../src/lab/build.js';
import { runCreating } from '../../src/lab/build-host.js';
import { word } from '../../src/lab/build-words.js';
import type { ActionSpec, LabContext } from '../../src/lab/spec.js';

/** The containers of the lab, by the flags they differ in. */
export type Variant = 'default' | 'admin' | 'nnp' | 'unconfined' | 'privileged';

/** The `lab container run` flags of each container, besides `-d --name --network none -e`. */
const FLAGS: Record<Variant, string[]> = {
  default: [],
  admin: ['--cap-add', 'SYS_ADMIN'],
  nnp: ['--security-opt', 'no-new-privileges'],
  unconfined: ['--security-opt', 'seccomp=unconfined'],
  privileged: ['--privileged'],
};

/** Every container, in the order the lab starts them. */
export const VARIANTS: readonly Variant[] = ['default', 'admin', 'nnp', 'unconfined', 'privileged'];

/** A container's name: `lab-sec-<variant>-<pid>-<time>`, unique to the run. */
export const nameOf =
  (variant: Variant) =>
  (ctx: LabContext): string =>
    `lab-sec-${variant}-${runSuffix(ctx)}`;

/** The variable `-e` gives each container, so that its processes can be told from the host's. */
export const MARKER = 'LAB_SEC';

/** The marker's value in one container of this run: `<variant>-<pid>-<time>`. */
const markerOf =
  (variant: Variant) =>
  (ctx: LabContext): string =>
    `${variant}-${runSuffix(ctx)}`;

/** `lab container run -d` of one container, journaled by the run before it is made (removed at the end). */
export function startContainer(variant: Variant): ActionSpec {
  return runCreating(
    (ctx) => ({ kind: 'container', name: nameOf(variant)(ctx) }),
    [
      'lab',
      'container',
      'run',
      '-d',
      '--name',
      nameOf(variant),
      '--network',
      'none',
      ...FLAGS[variant],
      '-e',
      word`${MARKER}=${markerOf(variant)}`,
      'busybox',
      'sleep',
      '3600',
    ],
  );
}

/** `lab container exec <name> ARGV...`: a new process in the container, with its capabilities and filter. */
export function execIn(variant: Variant, argv: Word[], options: RunOptions = {}): ActionSpec {
  return run(['lab', 'container', 'exec', nameOf(variant), ...argv], options);
}

/** The host PID of a container's PID 1, or undefined while there is none. */
export function findInit(ctx: LabContext, variant: Variant): number | undefined {
  const value = markerOf(variant)(ctx);
  return listPids().find((pid) => environValue(pid, MARKER) === value && nspid(pid)?.at(-1) === 1);
}

/** The host PID of a container's PID 1; throws (a check reports it as its finding) when the container is not running. */
export function initOf(ctx: LabContext, variant: Variant): number {
  const found = findInit(ctx, variant);
  if (found === undefined)
    throw new Error(`no process with ${MARKER}=${markerOf(variant)(ctx)} is PID 1 of a PID namespace: ${nameOf(variant)(ctx)} is not running`);
  return found;
}

/** One field of a process's /proc/<pid>/status, or '?' when it cannot be read. */
export const field = (pid: number | 'self', name: string): string => readStatus(pid)?.get(name) ?? '?';

/** A capability set of a process as a mask (0 when unreadable: no process has no set at all, so it fails checks). */
export function maskOf(pid: number | 'self', name: 'CapInh' | 'CapPrm' | 'CapEff' | 'CapBnd' | 'CapAmb'): bigint {
  const text = readStatus(pid)?.get(name);
  return text !== undefined && /^[0-9a-f]{16}$/.test(text) ? BigInt(`0x${text}`) : -1n;
}

/** The mask of Docker's 14 default capabilities (00000000a80425fb). */
export const DOCKER_MASK: bigint = DEFAULT_CAPABILITIES.reduce((mask, name) => mask | (1n << BigInt(CAPABILITY_NAMES.indexOf(name))), 0n);

/** Bit 21: CAP_SYS_ADMIN. */
export const SYS_ADMIN: bigint = 1n << BigInt(CAPABILITY_NAMES.indexOf('CAP_SYS_ADMIN'));

/** A mask as /proc shows it, with its names without CAP_: `00000000a80425fb (14: CHOWN DAC_OVERRIDE ...)`. */
export function shownMask(mask: bigint): string {
  if (mask < 0n) return '?';
  const names = capabilityNames(mask).map((n) => n.replace(/^CAP_/, ''));
  return `${mask.toString(16).padStart(16, '0')} (${names.length}${names.length ? `: ${names.join(' ')}` : ''})`;
}
