// Which cgroup layout a host has (cgroups(7)): cgroup v2 only, v2 beside v1 hierarchies, or v1 only. Read-only:
// nothing here mounts or writes under /sys/fs/cgroup.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMountinfo } from './mountinfo.js';

/** Where systemd and the labs expect the cgroup hierarchy. */
export const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * `unified`: one cgroup v2 hierarchy holds every controller (no v1 controller is mounted).
 * `hybrid`: cgroup v2 is mounted (usually at /sys/fs/cgroup/unified) beside v1 hierarchies that hold controllers.
 * `legacy`: v1 hierarchies only. `none`: no cgroup filesystem is mounted at all.
 */
export type CgroupMode = 'unified' | 'hybrid' | 'legacy' | 'none';

/** The cgroup filesystems of a mount namespace. */
export interface CgroupLayout {
  mode: CgroupMode;
  /** Mount point of the cgroup v2 hierarchy (the one at /sys/fs/cgroup when there are several). */
  v2Path?: string;
  /** Controllers attached to v1 hierarchies, in mount order, e.g. `['cpu', 'memory', 'pids']`. */
  v1Controllers: string[];
  /** Named v1 hierarchies without controllers, e.g. `['systemd']` for `name=systemd`. */
  v1Named: string[];
}

/** v1 mount options that are not controllers (kernel/cgroup/cgroup-v1.c), plus `rw` / `ro` and SELinux's `seclabel`. */
const V1_FLAGS = new Set(['rw', 'ro', 'seclabel', 'all', 'none', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode', 'favordynmods']);

/** The controllers among a v1 mount's super options: `rw,cpu,cpuacct` gives `['cpu', 'cpuacct']`. */
export function v1ControllersOf(superOptions: string): string[] {
  return superOptions.split(',').filter((option) => option !== '' && !option.includes('=') && !V1_FLAGS.has(option));
}

/** The hierarchy name of a named v1 mount (`name=systemd` gives `systemd`). */
function v1NameOf(superOptions: string): string | undefined {
  const option = superOptions.split(',').find((o) => o.startsWith('name='));
  return option?.slice('name='.length);
}

const unique = (items: string[]): string[] => [...new Set(items)];

/** The cgroup layout described by /proc/<pid>/mountinfo text. */
export function parseCgroupMounts(mountinfoText: string): CgroupLayout {
  const mounts = parseMountinfo(mountinfoText);
  const v2Mounts = mounts.filter((m) => m.fsType === 'cgroup2').map((m) => m.mountPoint);
  const v1Mounts = mounts.filter((m) => m.fsType === 'cgroup');
  const v1Controllers = unique(v1Mounts.flatMap((m) => v1ControllersOf(m.superOptions)));
  const v1Named = unique(v1Mounts.flatMap((m) => v1NameOf(m.superOptions) ?? []));
  // A bind mount of the hierarchy (in a container, say) may appear too; the one at the usual place wins.
  const v2Path = v2Mounts.includes(CGROUP_ROOT) ? CGROUP_ROOT : v2Mounts[0];
  // A named v1 hierarchy alone (systemd's compatibility mount) holds no controller, so it does not make v2 hybrid.
  let mode: CgroupMode;
  if (v2Path !== undefined) mode = v1Controllers.length > 0 ? 'hybrid' : 'unified';
  else mode = v1Mounts.length > 0 ? 'legacy' : 'none';
  return { mode, ...(v2Path !== undefined && { v2Path }), v1Controllers, v1Named };
}

/** The cgroup layout of this process's mount namespace. */
export function readCgroupLayout(): CgroupLayout {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    // No /proc (not Linux): no cgroups either.
  }
  return parseCgroupMounts(text);
}

/** The controllers a cgroup v2 hierarchy offers (`<v2Path>/cgroup.controllers`); undefined when unreadable. */
export function readV2Controllers(v2Path: string): string[] | undefined {
  try {
    return readFileSync(join(v2Path, 'cgroup.controllers'), 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return undefined;
  }
}
