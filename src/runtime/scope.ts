// Where a container's cgroup lives. On a systemd host (detected as the labs detect it) systemd is the one writer of
// the cgroup tree, so the container gets a transient scope of its own, `lab-container-<id12>.scope`, made by
// `systemd-run --scope --property=Delegate=yes` as docker's systemd driver makes `docker-<id>.scope`: systemd
// enables the controllers on the path down to it and leaves its inside to lab. The scope lives as long as one
// process is in it: a keeper (`sleep infinity`, in a leaf of its own, `lab-keeper`, by the no-internal-process
// rule) holds it until `rm` or `lab clean` stops it; the container's cgroup is the scope's child of the same name,
// `lab-container-<id12>`, where PID 1 writes itself and the limits are set. Elsewhere that cgroup is right under the
// v2 root: `<v2 root>/lab-container-<id12>`.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { posix } from 'node:path';
import { waitFor } from '../common/wait.js';
import { v2PathOf, readProcCgroup } from '../kernel/cgroup-path.js';
import { readInitSystem } from '../kernel/init-system.js';
import { comm, isAlive } from '../kernel/proc.js';
import { delegatedScopeArgv, scopeCgroup, scopeUnit } from '../kernel/systemd.js';
import { movePid } from '../host/cgroup.js';
import { RUN_MARKER } from '../host/exec.js';
import type { Owned } from '../host/owner.js';
import { runError } from './errors.js';

/** The scope's leaf where the keeper waits (a cgroup that hands controllers to its children holds no process). */
export const KEEPER_LEAF = 'lab-keeper';

/** How long systemd-run may take to make the scope and execute the keeper. */
const SCOPE_START_MS = 10_000;

/** A container's transient systemd scope: its unit and its cgroup directory. */
export interface ContainerScope {
  unit: string;
  path: string;
}

/** Where a container's cgroup goes, and the cgroup that hands it its controllers. */
export interface CgroupPlace {
  /** The container's cgroup: PID 1 joins it, the limits are written there. */
  cgroup: string;
  /** Its parent, whose cgroup.subtree_control enables the controllers the limits need. */
  parent: string;
  /** On a systemd host, the scope to make first. */
  scope?: ContainerScope;
}

/** Where the cgroup of container `id` goes under the v2 hierarchy at `v2Root`: in its own scope on a systemd host. */
export function cgroupPlace(v2Root: string, id: string, systemd = readInitSystem().manager === 'systemd'): CgroupPlace {
  const name = `lab-container-${id.slice(0, 12)}`;
  if (!systemd) return { cgroup: posix.join(v2Root, name), parent: v2Root };
  const unit = scopeUnit(name);
  const path = scopeCgroup(v2Root, unit);
  return { cgroup: posix.join(path, name), parent: path, scope: { unit, path } };
}

/** The argv that makes the scope with its keeper in it. */
export function keeperArgv(scope: ContainerScope): string[] {
  return delegatedScopeArgv(scope.unit, ['sleep', 'infinity']);
}

/**
 * Make the container's scope, journaled in `owned` before systemd-run runs: the keeper started in it (detached: it
 * outlives this command for `run -d`; marked with the owner's id, so `lab clean` finds it even without its journal),
 * then moved into its own leaf so that the scope can pass controllers on to the container's cgroup.
 */
export async function makeScope(owned: Owned, scope: ContainerScope): Promise<void> {
  const madeScope = owned.claim({ kind: 'scope', unit: scope.unit, path: scope.path }, `systemd-run --scope --unit=${scope.unit}`);
  const [program, ...args] = keeperArgv(scope);
  const keeper = spawn(program!, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, [RUN_MARKER]: owned.id } });
  let stderr = '';
  keeper.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let failed: Error | undefined;
  keeper.once('error', (error) => (failed = error));
  const pid = keeper.pid;
  // systemd-run executes the keeper only once systemd has made the scope and put systemd-run's PID in it.
  await waitFor(() => failed !== undefined || pid === undefined || !isAlive(pid) || comm(pid) === 'sleep', SCOPE_START_MS, 5);
  const inScope = pid !== undefined && comm(pid) === 'sleep' && v2PathOf(readProcCgroup(pid)) === `/${posix.relative(v2RootOf(scope), scope.path)}`;
  keeper.stderr?.destroy();
  keeper.unref();
  madeScope.made();
  if (!inScope) {
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGKILL');
    const why = failed?.message ?? stderr.trim();
    throw runError(
      `systemd-run --scope --unit=${scope.unit}`,
      'scope-not-made',
      {
        en: `systemd did not make the container's scope ${scope.unit} within ${SCOPE_START_MS / 1000} s${why ? `: ${why}` : ''}.`,
        zh: `systemd 没有在 ${SCOPE_START_MS / 1000} 秒内创建容器的 scope ${scope.unit}${why ? `：${why}` : ''}。`,
      },
      {
        en: 'Check `systemctl status` and `journalctl -e`, then run `sudo lab clean`.',
        zh: '请查看 `systemctl status` 和 `journalctl -e`，然后运行 `sudo lab clean`。',
      },
    );
  }
  const leaf = posix.join(scope.path, KEEPER_LEAF);
  mkdirSync(leaf);
  movePid(leaf, pid);
}

/** The v2 root a scope's path lies under (`<root>/system.slice/<unit>`). */
function v2RootOf(scope: ContainerScope): string {
  return posix.dirname(posix.dirname(scope.path));
}
