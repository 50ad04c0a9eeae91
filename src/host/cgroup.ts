// The executor of cgroup v2 plans: writes and reads cgroup files, makes the harness's lab-* cgroups, moves
// processes, and tears cgroups down. Every failure names the file and says what the kernel meant by it.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import { readCgroupLayout, type CgroupLayout, type CgroupMode, readV2Controllers } from '../kernel/cgroup-mode.js';
import { parseCgroupProcs } from '../kernel/cgroup-path.js';
import { enablePlan, isPopulated, limitPlan, missingControllers, type CgroupLimits, type CgroupWrite } from '../kernel/cgroup.js';
import { errnoOf, explainSystemError, LabError } from '../common/errors.js';
import type { Text } from '../common/vocabulary.js';
import { waitFor } from '../common/wait.js';
import { cgroupError, GET_V2, RUN_CLEAN } from '../kernel/cgroup-files.js';
import { killProcess } from './wait.js';
import type { Journal } from './journal.js';

/** Write one value to a cgroup file in a single write(2) (the kernel takes one value, one PID, per write). */
export function writeCgroupFile(path: string, value: string): void {
  let fd: number | undefined;
  try {
    // O_WRONLY without O_CREAT: a missing file fails with ENOENT rather than EACCES from a create attempt.
    fd = openSync(path, constants.O_WRONLY);
    writeSync(fd, value);
  } catch (error) {
    throw cgroupError(`write \`${path}\``, path, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Write one value to a kernel file in one write(2): a cgroup file (refusals explained for cgroups), or another
 * file such as one in /proc/sys (refusals explained by errno).
 */
export function writeKernelFile(path: string, value: string): void {
  if (path.startsWith('/sys/fs/cgroup/')) return writeCgroupFile(path, value);
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_WRONLY);
    writeSync(fd, value);
  } catch (error) {
    throw explainSystemError(`write \`${path}\``, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Run a plan: its writes in order; the first failure stops it. */
export function applyWrites(writes: readonly CgroupWrite[]): void {
  for (const { path, value } of writes) writeCgroupFile(path, value);
}

/**
 * Make a cgroup directory. When a journal is given the cgroup is written down first; journal only the harness's
 * own `lab-*` cgroup (its removal takes the children too).
 */
export function makeCgroup(path: string, journal?: Journal): void {
  journal?.intend({ kind: 'cgroup', path });
  try {
    mkdirSync(path);
  } catch (error) {
    throw cgroupError(`mkdir \`${path}\``, path, error);
  }
}

/** Enable `controllers` for the cgroup at `path`, from the hierarchy's root down to its parent. */
export function enableControllers(root: string, path: string, controllers: readonly string[]): void {
  applyWrites(enablePlan(root, path, controllers));
}

/** Set resource limits on a cgroup. */
export function setLimits(path: string, limits: CgroupLimits): void {
  applyWrites(limitPlan(path, limits));
}

/** Move a process into a cgroup: its PID written to cgroup.procs (one PID per write). */
export function movePid(path: string, pid: number): void {
  writeCgroupFile(join(path, 'cgroup.procs'), String(pid));
}

/** Where the v2 hierarchy is and what it offers, once `requireV2Controllers` found all that was needed. */
export interface V2Hierarchy {
  root: string;
  controllers: string[];
}

/**
 * The v2 hierarchy, when it offers every controller in `needed`; otherwise a LabError naming the missing
 * controllers, the host's cgroup mode and how to get cgroup v2. `layout` and `available` are for tests.
 */
export function requireV2Controllers(
  needed: readonly string[],
  layout: CgroupLayout = readCgroupLayout(),
  available: string[] | undefined = layout.v2Path === undefined ? undefined : readV2Controllers(layout.v2Path),
): V2Hierarchy {
  const missing = missingControllers(available, needed);
  if (layout.v2Path !== undefined && available !== undefined && missing.length === 0) {
    return { root: layout.v2Path, controllers: available };
  }
  const list = missing.join(', ');
  const heldByV1 = missing.filter((c) => layout.v1Controllers.includes(c));
  const operation =
    layout.v2Path === undefined ? 'find the cgroup v2 hierarchy in /proc/self/mountinfo' : `read \`${join(layout.v2Path, 'cgroup.controllers')}\``;
  return fail(operation, layout.mode, list, heldByV1, layout.v2Path);
}

function fail(operation: string, mode: CgroupMode, list: string, heldByV1: string[], v2Path?: string): never {
  // On a v2-only host, booting into cgroup v2 is no answer: the kernel itself does not offer the controller.
  const fix = mode === 'unified' ? NOT_OFFERED(list) : GET_V2;
  throw new LabError({ operation, code: 'cgroup-v2-missing', meaning: MODE_MEANING[mode](list, heldByV1, v2Path ?? ''), fix });
}

/** How long teardown waits for killed processes to leave and for rmdir to stop failing with EBUSY. */
const POPULATED_WAIT_MS = 5000;
const EBUSY_RETRY_MS = 2000;

/** The cgroup directories under `path` (children before parents), then `path` itself. */
function depthFirst(path: string): string[] {
  let children: string[] = [];
  try {
    children = readdirSync(path, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(path, e.name));
  } catch {
    // gone already
  }
  return [...children.flatMap(depthFirst), path];
}

/** How `teardown` kills. */
export interface TeardownOptions {
  /** false: SIGKILL each PID even where cgroup.kill exists (the path kernels before 5.14 take; for tests). */
  useCgroupKill?: boolean;
}

/**
 * Remove a lab cgroup and everything under it: kill its processes (cgroup.kill, or SIGKILL to each PID on kernels
 * before 5.14), wait until cgroup.events says `populated 0`, then rmdir children before parents, retrying the
 * brief EBUSY that follows a kill.
 */
export async function teardown(path: string, { useCgroupKill = true }: TeardownOptions = {}): Promise<void> {
  if (!path.split('/').some((segment) => segment.startsWith('lab-'))) {
    throw new LabError({ operation: `teardown \`${path}\``, code: 'not-a-lab-cgroup', meaning: NOT_OURS, fix: NOT_OURS_FIX });
  }
  if (!existsSync(path)) return;
  // cgroup.kill kills the whole subtree at once, so no process can fork its way out between reads of cgroup.procs.
  if (useCgroupKill && existsSync(join(path, 'cgroup.kill'))) {
    writeCgroupFile(join(path, 'cgroup.kill'), '1');
  } else {
    for (const dir of depthFirst(path)) {
      for (const pid of readPidsQuietly(dir)) await killProcess(pid);
    }
  }
  const emptied = await waitFor(() => !populated(path), POPULATED_WAIT_MS, 10);
  if (!emptied) throw new LabError({ operation: `read \`${join(path, 'cgroup.events')}\``, code: 'populated', meaning: STILL_POPULATED, fix: RUN_CLEAN });
  // Children first: rmdir of a cgroup that still has child cgroups fails with EBUSY.
  for (const dir of depthFirst(path)) {
    let last: unknown;
    const removed = await waitFor(
      () => {
        try {
          rmdirSync(dir);
          return true;
        } catch (error) {
          last = error;
          // The exiting tasks of a killed cgroup stay linked to it for a moment after populated goes to 0.
          return errnoOf(error) === 'ENOENT';
        }
      },
      EBUSY_RETRY_MS,
      20,
    );
    if (!removed) throw cgroupError(`rmdir \`${dir}\``, dir, last);
  }
}

function readPidsQuietly(dir: string): number[] {
  try {
    return parseCgroupProcs(readFileSync(join(dir, 'cgroup.procs'), 'utf8'));
  } catch {
    return [];
  }
}

function populated(path: string): boolean {
  try {
    return isPopulated(readFileSync(join(path, 'cgroup.events'), 'utf8'));
  } catch {
    // No cgroup.events (gone, or not a v2 cgroup): fall back to the processes it lists.
    return depthFirst(path).some((dir) => readPidsQuietly(dir).length > 0);
  }
}

// ---- Messages (English and Simplified Chinese), glossary terms from /work/shared/GLOSSARY.md ----

const NOT_OFFERED = (missing: string): Text => ({
  en: `Remove \`cgroup_disable=\` for ${missing} from the kernel command line if it is there; in a container, the runtime that started it must delegate ${missing}; or use the project's Vagrant VM (\`vagrant up\`) or the test VM (\`npm run vm\`).`,
  zh: `如果内核命令行里有针对 ${missing} 的 \`cgroup_disable=\`，去掉它；在容器里，需要启动该容器的运行时把 ${missing} 委派（delegate）进来；或者使用项目的 Vagrant 虚拟机（\`vagrant up\`）或测试虚拟机（\`npm run vm\`）。`,
});

const MODE_MEANING: Record<CgroupMode, (missing: string, heldByV1: string[], v2Path: string) => Text> = {
  hybrid: (missing, heldByV1, v2Path) => ({
    en: `This host runs hybrid cgroups: cgroup v2 is mounted at ${v2Path}, but the ${missing} controller${missing.includes(',') ? 's are' : ' is'} not in it${heldByV1.length ? ` (cgroup v1 holds ${heldByV1.join(', ')})` : ''}. A controller can be attached to only one hierarchy, so this lab cannot use the v2 ${missing} controller here.`,
    zh: `这台宿主机运行的是混合（hybrid）模式的控制组（cgroup）：cgroup v2 挂载在 ${v2Path}，但其中没有 ${missing} 控制器${heldByV1.length ? `（${heldByV1.join(', ')} 被 cgroup v1 占用）` : ''}。一个控制器只能挂在一个层级上，所以本实验在这里用不了 v2 的 ${missing} 控制器。`,
  }),
  unified: (missing, _heldByV1, v2Path) => ({
    en: `The cgroup v2 hierarchy at ${v2Path} does not offer the ${missing} controller (it is not in cgroup.controllers): the kernel lacks it, or it is turned off on the kernel command line (cgroup_disable=).`,
    zh: `${v2Path} 的 cgroup v2 层级没有提供 ${missing} 控制器（cgroup.controllers 中没有）：内核不支持它，或者它在内核命令行上被关闭了（cgroup_disable=）。`,
  }),
  legacy: (missing) => ({
    en: `This host runs legacy cgroups: only cgroup v1 hierarchies are mounted, so there is no cgroup v2 ${missing} controller.`,
    zh: `这台宿主机运行的是旧版（legacy）控制组（cgroup）：只挂载了 cgroup v1 层级，因此没有 cgroup v2 的 ${missing} 控制器。`,
  }),
  none: (missing) => ({
    en: `No cgroup filesystem is mounted on this host, so there is no cgroup v2 ${missing} controller.`,
    zh: `这台宿主机没有挂载任何 cgroup 文件系统，因此没有 cgroup v2 的 ${missing} 控制器。`,
  }),
};

const NOT_OURS: Text = {
  en: 'The harness removes only cgroups it made itself, whose path has a `lab-` directory.',
  zh: 'lab 只删除它自己创建的控制组（cgroup），即路径中含有 `lab-` 目录的那些。',
};
const NOT_OURS_FIX: Text = { en: 'Remove that cgroup yourself if it is really yours (`rmdir`).', zh: '如果它确实是你的，请自己删除（`rmdir`）。' };

const STILL_POPULATED: Text = {
  en: 'The cgroup still holds processes after they were killed: cgroup.events does not say `populated 0`.',
  zh: '进程已被终止，但控制组（cgroup）里仍有进程：cgroup.events 没有变为 `populated 0`。',
};
