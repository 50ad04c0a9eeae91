// One entry per kind of host resource: which of its fields are names that must carry the lab- prefix, how it is
// named to the learner, how the harness tells that it exists, how it is removed and how the removal is shown. The
// compiler refuses a kind without all of them. Every other module (the lab session, cleanup, the validator) goes
// through this table, so a new kind is one entry here and one member of `Resource` (resource.ts).
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { Text } from '../common/vocabulary.js';
import { waitFor } from '../common/wait.js';
import { loopDevicesOf } from '../kernel/loop.js';
import { readMountinfo } from '../kernel/mountinfo.js';
import { isAlive } from '../kernel/proc.js';
import { renderCommand } from '../kernel/shell.js';
import { IPCRM_FLAG, readSysvipc } from '../kernel/sysvipc.js';
import { stopScopeArgv } from '../kernel/systemd.js';
import { teardown, writeCgroupFile } from './cgroup.js';
import { containerDir, containerOwnerId, findContainerByName } from './container-store.js';
import { runCommand } from './exec.js';
import { stateDirPath } from './state-dir.js';
import type { Resource, ResourceKind, ResourceOf } from './resource.js';
import { killProcess } from './wait.js';

/** How long systemd may take to remove a stopped scope's cgroup before the harness removes it itself. */
const SCOPE_GONE_MS = 3000;

/** How many mounts stacked on one mount point cleanup takes off before it gives up. */
const MAX_STACKED_MOUNTS = 16;

/** What the harness knows how to do with one kind of host resource. */
export interface KindOps<R extends Resource> {
  /**
   * The fields that name the resource on the host: each must have a basename starting with `lab-`, checked by the
   * validator for a declared resource and again before the resource is journaled (the harness touches nothing else).
   */
  named: readonly Exclude<keyof R & string, 'kind'>[];
  /**
   * Whether it outlives a reboot (a file or directory does; a mount, cgroup, process or namespace does not): its
   * journal records are fsynced before it is made, so that even a power cut leaves nothing `lab clean` cannot find.
   * The others need only write(2), which a crash or `kill -9` of the harness cannot undo.
   */
  persistent: boolean;
  /** The resource in words, for messages (`the network namespace lab-net`). */
  what(resource: R): Text;
  /** How its removal is shown in the cleanup report: the command that does it, or its equivalent. */
  describe(resource: R): string;
  /** Whether it is on the host now. */
  exists(resource: R): boolean;
  /** Remove it; false when it is still there (or may not be touched). Never throws. */
  remove(resource: R): Promise<boolean>;
  /**
   * For a kind the kernel names only once it is made (a System V object's id): called before the action that
   * makes it, returns what finds it afterwards (undefined when it cannot be told apart). Such a kind is never
   * refused for existing beforehand: it has no name until it exists.
   */
  find?(resource: R): () => R | undefined;
  /** How its removal is said to the learner, where a command alone would not say it (which process stopped). */
  removed?(resource: R): Text | undefined;
}

/** Whether a name is one the harness could have given (it never touches anything else). */
export function isLabName(path: string): boolean {
  return basename(path).startsWith('lab-');
}

/** The same, for a path that must also lie under `root` (a cgroup under /sys/fs/cgroup/). */
const labPathUnder = (path: string, root: string): boolean => isLabName(path) && path.startsWith(root);

/** Run a removal command when the resource is there; true once it is gone. */
async function removeWith<R extends Resource>(resource: R, argv: string[] | undefined, exists: (r: R) => boolean): Promise<boolean> {
  if (!exists(resource)) return true;
  if (argv) await runQuietly(argv);
  return !exists(resource);
}

/**
 * A short removal command (`ip netns del`, `ip link del`, `ipcrm`), its output discarded: node's own spawn, not
 * execa, whose import alone (its modules, read on first use) took 150 ms of a container's removal.
 */
function runQuietly(argv: string[]): Promise<void> {
  return new Promise((done) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore', timeout: 30_000 });
    child.on('error', () => done());
    child.on('exit', () => done());
  });
}

/**
 * Remove a cgroup and any child cgroups made inside it (by a learner during the lab): the cgroup library's
 * teardown kills the whole subtree at once (cgroup.kill, so a fork bomb cannot outrun it), waits until it is
 * empty, and removes directories deepest first.
 */
async function removeCgroup(path: string): Promise<boolean> {
  try {
    await teardown(path);
  } catch {
    // Reported as not removed; `lab clean` tries again.
  }
  return !existsSync(path);
}

/**
 * Stop a systemd scope the run was handed: every process left in its subtree is killed first (cgroup.kill, so
 * systemd's stop does not wait out a process that ignores SIGTERM), then `systemctl stop` ends the unit and
 * systemd removes its cgroup, as the owner of that part of the tree. Should systemd be gone, the cgroup is removed
 * here.
 */
async function removeScope(unit: string, path: string): Promise<boolean> {
  if (existsSync(join(path, 'cgroup.kill'))) {
    try {
      writeCgroupFile(join(path, 'cgroup.kill'), '1');
    } catch {
      // Gone meanwhile, or an old kernel: systemctl stop kills what is left.
    }
  }
  await runCommand(stopScopeArgv(unit));
  if (await waitFor(() => !existsSync(path), SCOPE_GONE_MS, 20)) return true;
  return removeCgroup(path);
}

/** Whether a mount sits on `target` in the harness's mount namespace (the host's). */
function mounted(target: string): boolean {
  const point = resolve(target);
  return (readMountinfo('self') ?? []).some((entry) => entry.mountPoint === point);
}

const sysvArgv = (r: ResourceOf<'sysv'>): string[] | undefined => (r.id === undefined ? undefined : ['ipcrm', IPCRM_FLAG[r.type], String(r.id)]);
const linkExists = (r: ResourceOf<'link'>): boolean => existsSync(`/sys/class/net/${r.name}`);
const netnsExists = (r: ResourceOf<'netns'>): boolean => existsSync(`/run/netns/${r.name}`);
const sysvExists = (r: ResourceOf<'sysv'>): boolean => readSysvipc(r.type).some((o) => o.id === r.id && o.key === r.key);

/** Every kind of host resource, and what the harness does with it. */
export const RESOURCE_KINDS = {
  process: {
    persistent: false,
    named: [],
    what: (r) => ({ en: `the process ${r.name}`, zh: `进程 ${r.name}` }),
    describe: (r) => `kill -KILL ${r.pid ?? '?'}  (${r.name})`,
    exists: (r) => r.pid !== undefined && isAlive(r.pid, r.start),
    // Killing the spawned process (unshare, with --kill-child) kills the namespace's init, and with it the kernel
    // kills every process of the PID namespace; the target is killed too in case it was reparented.
    remove: async (r) => {
      let ok = true;
      if (r.pid !== undefined) ok = (await killProcess(r.pid, r.start)) && ok;
      // Without its start time the target is not killed: its PID may belong to another process by now.
      if (r.target !== undefined && r.target !== r.pid && r.targetStart !== undefined) ok = (await killProcess(r.target, r.targetStart)) && ok;
      return ok;
    },
    removed: (r) => stoppedLabel(r),
  },
  path: {
    persistent: true,
    named: ['path'],
    what: (r) => ({ en: r.path, zh: `路径 ${r.path}` }),
    describe: (r) => `rm -rf ${r.path}`,
    exists: (r) => existsSync(r.path),
    remove: async (r) => {
      if (!isLabName(r.path)) return false;
      rmSync(r.path, { recursive: true, force: true });
      return true;
    },
  },
  link: {
    persistent: false,
    named: ['name'],
    what: (r) => ({ en: `the network interface ${r.name}`, zh: `网卡 ${r.name}` }),
    describe: (r) => renderCommand(['ip', 'link', 'del', r.name]),
    exists: linkExists,
    remove: async (r) => isLabName(r.name) && removeWith(r, ['ip', 'link', 'del', r.name], linkExists),
  },
  netns: {
    persistent: false,
    named: ['name'],
    what: (r) => ({ en: `the network namespace ${r.name}`, zh: `网络命名空间 ${r.name}` }),
    describe: (r) => renderCommand(['ip', 'netns', 'del', r.name]),
    exists: netnsExists,
    remove: async (r) => isLabName(r.name) && removeWith(r, ['ip', 'netns', 'del', r.name], netnsExists),
  },
  cgroup: {
    persistent: false,
    named: ['path'],
    what: (r) => ({ en: `the cgroup ${r.path}`, zh: `控制组（cgroup）${r.path}` }),
    describe: (r) => `rmdir ${r.path}`,
    exists: (r) => existsSync(r.path),
    remove: async (r) => labPathUnder(r.path, '/sys/fs/cgroup/') && (!existsSync(r.path) || removeCgroup(r.path)),
  },
  scope: {
    persistent: false,
    named: ['unit', 'path'],
    what: (r) => ({ en: `the systemd scope ${r.unit}`, zh: `systemd scope ${r.unit}` }),
    describe: (r) => renderCommand(stopScopeArgv(r.unit)),
    exists: (r) => existsSync(r.path),
    remove: async (r) => isLabName(r.unit) && labPathUnder(r.path, '/sys/fs/cgroup/') && removeScope(r.unit, r.path),
  },
  loop: {
    persistent: false,
    named: ['file'],
    what: (r) => ({ en: `a loop device on ${r.file}`, zh: `${r.file} 上的 loop 设备` }),
    describe: (r) => `losetup -d $(losetup -j ${r.file} -O NAME -n)`,
    exists: (r) => loopDevicesOf(r.file).length > 0,
    remove: async (r) => {
      if (!isLabName(r.file)) return false;
      for (const loop of loopDevicesOf(r.file)) await runCommand(['losetup', '-d', loop.device]);
      return loopDevicesOf(r.file).length === 0;
    },
  },
  sysv: {
    persistent: false,
    named: [],
    what: (r) => ({ en: `a System V ${r.type} object`, zh: `System V ${r.type} 对象` }),
    describe: (r) => {
      const argv = sysvArgv(r);
      return argv ? renderCommand(argv) : 'sysv';
    },
    exists: sysvExists,
    remove: async (r) => removeWith(r, sysvArgv(r), sysvExists),
    // The one object of its type that was not there before the action is the one it made.
    find: (r) => {
      const known = new Set(readSysvipc(r.type).map((o) => `${o.id}:${o.key}`));
      return () => {
        const made = readSysvipc(r.type).filter((o) => !known.has(`${o.id}:${o.key}`));
        return made.length === 1 ? { ...r, id: made[0]!.id, key: made[0]!.key } : undefined;
      };
    },
  },
  mount: {
    persistent: false,
    named: ['target'],
    what: (r) => ({ en: `the mount on ${r.target}`, zh: `挂载在 ${r.target} 上的文件系统` }),
    describe: (r) => renderCommand(['umount', '-l', r.target]),
    exists: (r) => mounted(r.target),
    remove: async (r) => {
      if (!isLabName(r.target) || !isAbsolute(r.target)) return false;
      for (let i = 0; i < MAX_STACKED_MOUNTS && mounted(r.target); i++) {
        const result = await runCommand(['umount', '-l', r.target]);
        if (result.exitCode !== 0) break;
      }
      return !mounted(r.target);
    },
  },
  container: {
    persistent: true,
    named: ['name'],
    what: (r) => ({ en: `the container ${r.name}`, zh: `容器 ${r.name}` }),
    describe: (r) => renderCommand(['lab', 'container', 'rm', '-f', r.name]),
    exists: (r) => findContainerByName(r.name) !== undefined,
    remove: async (r) => isLabName(r.name) && removeContainer(r.name),
  },
  network: {
    persistent: true,
    named: ['name'],
    what: (r) => ({ en: `the container network ${r.name}`, zh: `容器网络 ${r.name}` }),
    describe: (r) => renderCommand(['lab', 'container', 'network', 'rm', r.name]),
    // The record networks.ts keeps (`<state>/networks/lab-<name>.json`): read here, as networks.ts imports this table.
    exists: (r) => existsSync(join(stateDirPath(), 'networks', `lab-${r.name}.json`)),
    remove: async (r) => isLabName(r.name) && removeNetworkNamed(r.name),
  },
} satisfies { [K in ResourceKind]: KindOps<ResourceOf<K>> };

/**
 * Remove a container by name, running or not: its supervisor first (marked with the container's owner id; its
 * PID 1 dies with it, PR_SET_PDEATHSIG), then everything the container's own journal holds, newest first. owner.ts
 * is loaded here, not imported at the top: it imports this table.
 */
async function removeContainer(name: string): Promise<boolean> {
  const record = findContainerByName(name);
  if (!record) return true;
  const { cleanOwner, killMarked } = await import('./owner.js');
  const { findOwners } = await import('./journal.js');
  const ownerId = containerOwnerId(record.id);
  await killMarked(ownerId);
  const found = findOwners().find((owner) => owner.id === ownerId);
  if (found) await cleanOwner({ ...found, ownerAlive: false });
  // A container whose journal is gone (removed by hand) leaves only its directory, named by the harness.
  rmSync(containerDir(record.id), { recursive: true, force: true });
  const { detachNetwork } = await import('./networks.js');
  await detachNetwork(record);
  return findContainerByName(name) === undefined;
}

/** Remove a network made with `lab container network create` (refused while a container is on it). */
async function removeNetworkNamed(name: string): Promise<boolean> {
  const { removeNetwork } = await import('./networks.js');
  try {
    await removeNetwork(name);
  } catch {
    return false;
  }
  return !existsSync(join(stateDirPath(), 'networks', `lab-${name}.json`));
}

/** The kinds an action may declare it creates (a process is made by a `start` action, not declared). */
export const DECLARABLE_KINDS: readonly ResourceKind[] = (Object.keys(RESOURCE_KINDS) as ResourceKind[]).filter((kind) => kind !== 'process');

/** Whether a journal record of this resource must reach the disk before the harness goes on (see `persistent`). */
export function mustSync(resource: Resource): boolean {
  return RESOURCE_KINDS[resource.kind]?.persistent ?? true;
}

/** The table's entry for a resource's kind. */
export function opsOf<R extends Resource>(resource: R): KindOps<R> {
  return RESOURCE_KINDS[resource.kind] as unknown as KindOps<R>;
}

/** Whether a host resource is there now. */
export function resourceExists(resource: Resource): boolean {
  return opsOf(resource).exists(resource);
}

/** Remove one resource. Returns false when it could not be removed, or is not the harness's to remove. */
export async function removeResource(resource: Resource): Promise<boolean> {
  return opsOf(resource).remove(resource);
}

/** How a resource's removal is named in the cleanup report. */
export function describeResource(resource: Resource): string {
  return opsOf(resource).describe(resource);
}

/**
 * The name fields of a resource of `kind` that do not carry the lab- prefix, as `field: value`; empty when every
 * name is the harness's own. Takes an unchecked object: the validator asks before anything is typed.
 */
export function foreignNames(kind: ResourceKind, resource: Record<string, unknown>): string[] {
  const named: readonly string[] = RESOURCE_KINDS[kind].named;
  return named
    .filter((field) => typeof resource[field] !== 'string' || !isLabName(resource[field] as string))
    .map((field) => `${field}: ${String(resource[field])}`);
}

/**
 * A stopped process in words, by its name and the host PID the commands and the live panel showed for it (the
 * process the name stands for), with the process that started it when that is another one (`unshare --fork`).
 */
export function stoppedLabel(resource: ResourceOf<'process'>): Text {
  const pid = resource.target ?? resource.pid;
  if (pid === undefined) return { en: `stopped ${resource.name}`, zh: `已停止 ${resource.name}` };
  const leader = resource.pid !== undefined && resource.pid !== pid ? resource.pid : undefined;
  const program = (resource.argv[0] ?? '').split('/').pop();
  if (leader === undefined) return { en: `stopped ${resource.name} (host PID ${pid})`, zh: `已停止 ${resource.name}（宿主机 PID ${pid}）` };
  return {
    en: `stopped ${resource.name} (host PID ${pid}) and the ${program} that started it (host PID ${leader})`,
    zh: `已停止 ${resource.name}（宿主机 PID ${pid}）和启动它的 ${program}（宿主机 PID ${leader}）`,
  };
}
