// The slower probes of `lab doctor`: run the real commands (through the one executor) and read the kernel's lists,
// to learn what this host can do, not only what is installed. Facts only; the words live in src/cli/doctor.ts.
import { accessSync, constants, existsSync, readFileSync, readdirSync } from 'node:fs';
import { release } from 'node:os';
import { delimiter, join } from 'node:path';
import { unshareArgv } from '../kernel/namespaces.js';
import { delegatedScopeArgv, scopeUnit } from '../kernel/systemd.js';
import { NAMESPACE_TYPES, type NamespaceType } from '../common/vocabulary.js';
import { errnoOf } from '../common/errors.js';
import { runCommand } from './exec.js';

/** Every namespace type, in the order of namespaces(7). */

/**
 * Why creating a namespace failed: an errno the kernel gave unshare(2), `unsupported-option` when this
 * util-linux is too old to know the flag, `missing` when unshare is not installed, `timeout`, or `failed`.
 */
export type NamespaceFailure = 'EPERM' | 'EINVAL' | 'ENOSPC' | 'ENOENT' | 'unsupported-option' | 'missing' | 'timeout' | 'failed';

/** The result of trying to create one namespace type with `unshare`. */
export interface NamespaceProbe {
  type: NamespaceType;
  /** The command that was run, exactly. */
  argv: string[];
  ok: boolean;
  failure?: NamespaceFailure;
  /** unshare's own message, when it failed. */
  message?: string;
}

/** The full path of an executable on PATH (or in the sbin directories root has), if there is one. */
export function findOnPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  for (const dir of dirs.filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The command that creates a namespace of this type and runs `true` in it, as the labs build it. */
export function namespaceProbeArgv(type: NamespaceType): string[] {
  return unshareArgv({ namespaces: [type] }, ['true']);
}

/** Name the failure from unshare's message, e.g. `unshare: unshare failed: Operation not permitted`. */
export function classifyUnshareFailure(exitCode: number, stderr: string): NamespaceFailure {
  if (exitCode === 124) return 'timeout';
  if (/Operation not permitted/i.test(stderr)) return 'EPERM';
  if (/Invalid argument/i.test(stderr)) return 'EINVAL';
  if (/No space left on device/i.test(stderr)) return 'ENOSPC';
  if (/unrecognized option|invalid option|unknown option/i.test(stderr)) return 'unsupported-option';
  if (/No such file or directory/i.test(stderr)) return 'ENOENT';
  return 'failed';
}

/** Try to create one namespace type for real. */
export async function probeNamespace(type: NamespaceType): Promise<NamespaceProbe> {
  const argv = namespaceProbeArgv(type);
  try {
    const result = await runCommand(argv, { timeoutMs: 5_000 });
    if (result.exitCode === 0) return { type, argv, ok: true };
    const message = result.stderr.trim().split('\n')[0] ?? '';
    return { type, argv, ok: false, failure: classifyUnshareFailure(result.exitCode, result.stderr), message };
  } catch (error) {
    // runCommand throws only when unshare cannot be started at all.
    const missing = errnoOf((error as { cause?: unknown }).cause) === 'ENOENT' || errnoOf(error) === 'ENOENT';
    return { type, argv, ok: false, failure: missing ? 'missing' : 'failed', message: (error as Error).message };
  }
}

/** Try every namespace type at once (each probe is a short-lived process). */
export function probeNamespaces(): Promise<NamespaceProbe[]> {
  return Promise.all(NAMESPACE_TYPES.map(probeNamespace));
}

/** The util-linux version from `unshare --version` (`unshare from util-linux 2.38.1`), if unshare runs. */
export async function probeUtilLinux(): Promise<string | undefined> {
  try {
    const result = await runCommand(['unshare', '--version'], { timeoutMs: 5_000 });
    return /util-linux\s+(\S+)/.exec(result.stdout)?.[1];
  } catch {
    return undefined;
  }
}

/** Where overlayfs comes from: built in or loaded (/proc/filesystems), or a module the kernel can load. */
export type OverlaySource = 'proc-filesystems' | 'module';

/** Whether this kernel offers overlayfs, and how. */
export function probeOverlayfs(): OverlaySource | undefined {
  try {
    const lines = readFileSync('/proc/filesystems', 'utf8').split('\n');
    if (lines.some((line) => line.trim().split(/\s+/).pop() === 'overlay')) return 'proc-filesystems';
  } catch {
    // no /proc: fall through to the module directory
  }
  const dir = `/lib/modules/${release()}/kernel/fs/overlayfs`;
  try {
    if (readdirSync(dir).some((name) => name.startsWith('overlay.ko'))) return 'module';
  } catch {
    // no module directory
  }
  return undefined;
}

/** Whether /dev/kvm exists and this user may open it (what makes the test VM fast). */
export function probeKvm(): { present: boolean; usable: boolean } {
  const present = existsSync('/dev/kvm');
  if (!present) return { present, usable: false };
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return { present, usable: true };
  } catch {
    return { present, usable: false };
  }
}

/** What a delegated systemd scope gets: the controllers in its cgroup.controllers, or why none could be had. */
export interface DelegationProbe {
  /** The command that was run, exactly. */
  argv: string[];
  controllers?: string[];
  /** systemd-run's message, when the scope could not be made. */
  message?: string;
}

/**
 * Ask systemd for a delegated scope as the cgroup labs do, and read the controllers it gets. The scope lives as long
 * as its one command, which prints the scope's cgroup.controllers (found through its own /proc/self/cgroup).
 */
export async function probeDelegation(v2Root: string): Promise<DelegationProbe> {
  const unit = scopeUnit(`lab-doctor-${process.pid}-${Date.now()}`);
  const read = `cat "${v2Root}$(sed -n 's/^0:://p' /proc/self/cgroup)/cgroup.controllers"`;
  const argv = delegatedScopeArgv(unit, ['sh', '-c', read]);
  const result = await runCommand(argv, { timeoutMs: 20_000 });
  if (result.exitCode !== 0) return { argv, message: result.stderr.trim() || `exit ${result.exitCode}` };
  return { argv, controllers: result.stdout.split(/\s+/).filter(Boolean) };
}
