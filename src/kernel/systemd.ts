// systemd as the owner of the cgroup tree: the argv that asks it for a delegated transient scope, and where that
// scope's cgroup is. Pure builders; the session runs them and journals the scope.
import { join } from 'node:path';

/**
 * The slice systemd puts the scope in. It is systemd's default for units of the system manager, and where
 * `docker run` (docker-<id>.scope) and other container runtimes' scopes live.
 */
export const DELEGATE_SLICE = 'system.slice';

/** The unit name of a scope: `lab-cpu-4242-1733360000.scope`. */
export function scopeUnit(name: string): string {
  return `${name}.scope`;
}

/** The cgroup directory systemd makes for a scope of `DELEGATE_SLICE`, under the v2 hierarchy at `v2Root`. */
export function scopeCgroup(v2Root: string, unit: string): string {
  return join(v2Root, DELEGATE_SLICE, unit);
}

/**
 * `systemd-run --scope` runs `argv` in a new transient scope (systemd-run registers its own PID, then executes
 * `argv` in place, so the program keeps the caller as its parent). `Delegate=yes` hands the scope's cgroup subtree
 * over to whoever runs in it: systemd enables every controller it can delegate on the path from the root down to
 * the scope and leaves everything below the scope to us. `--collect` lets systemd forget the unit even if it fails.
 */
export function delegatedScopeArgv(unit: string, argv: readonly string[]): string[] {
  return ['systemd-run', '--scope', `--unit=${unit}`, `--slice=${DELEGATE_SLICE}`, '--property=Delegate=yes', '--collect', '--', ...argv];
}

/** `systemctl stop <unit>`: systemd kills what is left in the scope and removes its cgroup. */
export function stopScopeArgv(unit: string): string[] {
  return ['systemctl', 'stop', unit];
}
