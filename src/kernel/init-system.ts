// Who owns this host's cgroup tree. On a host booted with systemd, systemd is the single writer of the tree
// (Documentation/admin-guide/cgroup-v2.rst, "Delegation"; systemd's "Control Group APIs and Delegation"): it
// creates every cgroup, enables controllers where its units need them and undoes other writes there when it
// reloads. Anyone else asks it for a delegated subtree. Without systemd, nobody owns the tree and the labs make their
// cgroups right under the v2 root. Read-only.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Who hands out cgroups on this host: `systemd` (ask it for a delegated scope) or `none` (use the v2 root). */
export type CgroupManager = 'systemd' | 'none';

/** What the host's init is, as far as cgroups are concerned. */
export interface InitSystem {
  /** PID 1's command name (`systemd`, `init`, `sh`...), or undefined when /proc/1/comm is unreadable. */
  pid1?: string;
  /** Whether the host was booted with systemd: /run/systemd/system is a directory (sd_booted(3)). */
  systemdBooted: boolean;
  /** Whether `systemd-run` is installed, which asks systemd for a scope. */
  systemdRun: boolean;
  /** The cgroup manager the labs use. */
  manager: CgroupManager;
}

/** Whether an executable is in one of PATH's directories or the sbin/bin directories. */
function installed(name: string): boolean {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/bin', '/bin', '/usr/sbin', '/sbin']);
  return dirs.some((dir) => dir !== '' && existsSync(join(dir, name)));
}

/** The manager from the facts; `LAB_CGROUP_MANAGER` (systemd or none) overrides it, for tests. */
export function cgroupManagerOf(facts: Omit<InitSystem, 'manager'>, override = process.env.LAB_CGROUP_MANAGER): CgroupManager {
  if (override === 'systemd' || override === 'none') return override;
  return facts.systemdBooted && facts.systemdRun ? 'systemd' : 'none';
}

let cached: InitSystem | undefined;

/** This host's init system, read once per process (every cgroup lab's builders ask). */
export function readInitSystem(): InitSystem {
  if (cached) return cached;
  let pid1: string | undefined;
  try {
    pid1 = readFileSync('/proc/1/comm', 'utf8').trim();
  } catch {
    // Hidden (a container's /proc, hidepid): the other facts decide.
  }
  let systemdBooted = false;
  try {
    systemdBooted = statSync('/run/systemd/system').isDirectory();
  } catch {
    // Not booted with systemd.
  }
  const facts = { ...(pid1 !== undefined && { pid1 }), systemdBooted, systemdRun: installed('systemd-run') };
  cached = { ...facts, manager: cgroupManagerOf(facts) };
  return cached;
}
