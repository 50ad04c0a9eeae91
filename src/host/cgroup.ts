// The executor of cgroup v2 plans: writes and reads cgroup files, makes the harness's lab-* cgroups, moves
// processes, and tears cgroups down. Every failure names the file and says what the kernel meant by it.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, writeSync, constants } from 'node:fs';
import { basename, join } from 'node:path';
import { readCgroupLayout, type CgroupLayout, type CgroupMode, readV2Controllers } from '../kernel/cgroup-mode.js';
import { parseCgroupProcs } from '../kernel/cgroup-path.js';
import {
  enablePlan,
  isPopulated,
  limitPlan,
  missingControllers,
  parseCpuMax,
  parseFlatKeyed,
  parseIoMax,
  parseMax,
  parsePressure,
  type CgroupLimits,
  type CgroupWrite,
  type CpuMax,
  type IoMax,
  type MaxValue,
  type Pressure,
} from '../kernel/cgroup.js';
import type { Text } from '../lab/spec.js';
import { killProcess, waitFor } from './wait.js';
import { errnoOf, explainSystemError, LabError } from './errors.js';
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

/** Read a cgroup file as text. */
export function readCgroupFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw cgroupError(`read \`${path}\``, path, error);
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

/** The PIDs in a cgroup (not its children). */
export function readPids(path: string): number[] {
  return parseCgroupProcs(readCgroupFile(join(path, 'cgroup.procs')));
}

/** A flat-keyed file of a cgroup: memory.events, memory.stat, cpu.stat, pids.events, cgroup.events. */
export function readFlatKeyed(path: string, file: string): Record<string, number> {
  return parseFlatKeyed(readCgroupFile(join(path, file)));
}

/** A single-value file of a cgroup: memory.max / .high / .swap.max / .current, pids.max / .current. */
export function readMaxValue(path: string, file: string): MaxValue {
  return parseMax(readCgroupFile(join(path, file)));
}

/** cpu.max of a cgroup. */
export function readCpuMax(path: string): CpuMax {
  return parseCpuMax(readCgroupFile(join(path, 'cpu.max')));
}

/** io.max of a cgroup: one entry per limited device. */
export function readIoMax(path: string): IoMax[] {
  return parseIoMax(readCgroupFile(join(path, 'io.max')));
}

/** A PSI file of a cgroup (cpu.pressure, memory.pressure, io.pressure). */
export function readPressure(path: string, resource: 'cpu' | 'memory' | 'io'): Pressure {
  return parsePressure(readCgroupFile(join(path, `${resource}.pressure`)));
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
  const operation = layout.v2Path === undefined
    ? 'find the cgroup v2 hierarchy in /proc/self/mountinfo'
    : `read \`${join(layout.v2Path, 'cgroup.controllers')}\``;
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
    children = readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(path, e.name));
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
    const removed = await waitFor(() => {
      try {
        rmdirSync(dir);
        return true;
      } catch (error) {
        last = error;
        // The exiting tasks of a killed cgroup stay linked to it for a moment after populated goes to 0.
        return errnoOf(error) === 'ENOENT';
      }
    }, EBUSY_RETRY_MS, 20);
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

/** An error from a cgroup file, explained for that file; errors we have no words for get the generic ones. */
export function cgroupError(operation: string, path: string, error: unknown): unknown {
  const code = errnoOf(error);
  if (!code) return error;
  const file = basename(path);
  const explain = CGROUP_ERRNO[code === 'ENOTSUP' ? 'EOPNOTSUPP' : code]?.(file, operation.startsWith('mkdir') || operation.startsWith('rmdir'));
  if (!explain) return explainSystemError(operation, error);
  return new LabError({ operation, code, meaning: explain.meaning, fix: explain.fix, cause: error });
}

type Explain = (file: string, isDir: boolean) => { meaning: Text; fix: Text } | undefined;

// ---- Messages (English and Simplified Chinese), glossary terms from /work/shared/GLOSSARY.md ----

const GET_V2: Text = {
  en: 'Get cgroup v2: boot with `systemd.unified_cgroup_hierarchy=1` on the kernel command line (add it to GRUB_CMDLINE_LINUX in /etc/default/grub, run `sudo update-grub`, reboot), or use the project\'s Vagrant VM (`vagrant up`), or the test VM (`npm run vm`).',
  zh: '获得 cgroup v2：在内核命令行加上 `systemd.unified_cgroup_hierarchy=1` 启动（加到 /etc/default/grub 的 GRUB_CMDLINE_LINUX，运行 `sudo update-grub` 后重启），或使用项目的 Vagrant 虚拟机（`vagrant up`），或测试虚拟机（`npm run vm`）。',
};

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
const RUN_CLEAN: Text = { en: 'Wait a moment, then run `sudo lab clean`.', zh: '稍等片刻，然后运行 `sudo lab clean`。' };

const AS_ROOT: Text = {
  en: 'Run as root (`sudo lab run <id>`); in a delegated subtree, write only to cgroups your user owns.',
  zh: '以 root 身份运行（`sudo lab run <id>`）；在委派（delegation）给你的子树中，只能写你的用户拥有的控制组（cgroup）。',
};

const CGROUP_ERRNO: Record<string, Explain> = {
  EBUSY: (file, isDir) => {
    if (file === 'cgroup.subtree_control') {
      return {
        meaning: {
          en: 'The kernel refused to enable controllers for the children of a cgroup that holds processes itself (the no-internal-process rule: processes live only in leaf cgroups), or to disable a controller that a child still uses.',
          zh: '内核拒绝为一个自身含有进程的控制组（cgroup）的子组启用控制器（“无内部进程”规则：进程只能放在叶子 cgroup 里），或拒绝关闭一个子组仍在使用的控制器。',
        },
        fix: {
          en: 'Move its processes into a leaf cgroup first (write each PID to the leaf\'s cgroup.procs), then enable the controllers.',
          zh: '先把它的进程移到一个叶子 cgroup（把每个 PID 写入叶子的 cgroup.procs），再启用控制器。',
        },
      };
    }
    if (file === 'cgroup.procs') {
      return {
        meaning: {
          en: 'This cgroup has controllers enabled for its children (cgroup.subtree_control is not empty), so by the no-internal-process rule it cannot hold processes.',
          zh: '这个控制组（cgroup）已为子组启用了控制器（cgroup.subtree_control 不为空），按“无内部进程”规则它不能再容纳进程。',
        },
        fix: { en: 'Put the process in a leaf cgroup below it.', zh: '把进程放进它下面的一个叶子 cgroup。' },
      };
    }
    if (isDir) {
      return {
        meaning: {
          en: 'The cgroup is still in use: it holds processes or child cgroups.',
          zh: '这个控制组（cgroup）仍在使用中：里面还有进程或子 cgroup。',
        },
        fix: RUN_CLEAN,
      };
    }
    return undefined;
  },
  EINVAL: (file) => ({
    meaning: file === 'cgroup.subtree_control'
      ? {
          en: 'The kernel does not know one of these controllers here: it is misspelled, or not in this cgroup\'s cgroup.controllers because the parent did not enable it in its own cgroup.subtree_control.',
          zh: '内核在这里不认识其中某个控制器：名字拼错了，或者它不在本 cgroup 的 cgroup.controllers 中，因为父 cgroup 没有在自己的 cgroup.subtree_control 里启用它。',
        }
      : {
          en: `The kernel did not accept that value for ${file}: memory.* take bytes or \`max\`, cpu.max takes \`<quota> <period>\` in µs, cpu.weight 1 to 10000, pids.max a number or \`max\`, io.max \`MAJ:MIN rbps=... wbps=...\`.`,
          zh: `内核不接受写入 ${file} 的这个值：memory.* 接受字节数或 \`max\`，cpu.max 接受以微秒计的 \`<配额> <周期>\`，cpu.weight 接受 1 到 10000，pids.max 接受数字或 \`max\`，io.max 接受 \`MAJ:MIN rbps=... wbps=...\`。`,
        },
    fix: file === 'cgroup.subtree_control'
      ? { en: 'Enable the controller in every ancestor first, from the root down (`cat cgroup.controllers` shows what is available).', zh: '先从根往下，在每一级祖先中启用该控制器（`cat cgroup.controllers` 显示可用的控制器）。' }
      : { en: `Check the value written to ${file}.`, zh: `检查写入 ${file} 的值。` },
  }),
  ENOENT: (file, isDir) => ({
    meaning: isDir
      ? { en: 'The parent cgroup does not exist.', zh: '父控制组（cgroup）不存在。' }
      : {
          en: `There is no ${file} here: its controller is not enabled in the parent's cgroup.subtree_control, or this host does not offer it in cgroup v2 (on a hybrid host cgroup v1 holds it).`,
          zh: `这里没有 ${file}：它的控制器没有在父 cgroup 的 cgroup.subtree_control 中启用，或者这台宿主机的 cgroup v2 不提供它（混合模式的宿主机上它被 cgroup v1 占用）。`,
        },
    fix: isDir
      ? { en: 'Create the cgroups from the top down.', zh: '从上往下依次创建 cgroup。' }
      : { en: `Enable the controller from the root down (\`echo +<controller> > cgroup.subtree_control\`); run \`lab doctor\` to see whether this host has cgroup v2 controllers. ${GET_V2.en}`, zh: `从根往下启用该控制器（\`echo +<控制器> > cgroup.subtree_control\`）；运行 \`lab doctor\` 查看这台宿主机是否有 cgroup v2 控制器。${GET_V2.zh}` },
  }),
  EOPNOTSUPP: (file) => ({
    meaning: {
      en: `${file} is not supported here: its controller is not enabled for this cgroup or not available on this host.`,
      zh: `这里不支持 ${file}：它的控制器没有为这个 cgroup 启用，或者这台宿主机上没有它。`,
    },
    fix: { en: `Enable the controller from the root down. ${GET_V2.en}`, zh: `从根往下启用该控制器。${GET_V2.zh}` },
  }),
  EACCES: () => ({
    meaning: { en: 'Permission denied: writing cgroup files needs root, or a cgroup subtree delegated to your user.', zh: '权限不足：写 cgroup 文件需要 root 权限，或者一个委派给你的用户的 cgroup 子树。' },
    fix: AS_ROOT,
  }),
  EPERM: () => ({
    meaning: { en: 'Operation not permitted: moving processes and writing cgroup files need root (or delegation of both the source and the target cgroup).', zh: '操作不被允许：移动进程和写 cgroup 文件需要 root 权限（或者源和目标 cgroup 都委派给了你）。' },
    fix: AS_ROOT,
  }),
  ESRCH: () => ({
    meaning: { en: 'No such process: the PID written to cgroup.procs does not exist (any more).', zh: '没有这个进程：写入 cgroup.procs 的 PID 不存在（或已经退出）。' },
    fix: { en: 'Check the PID with `ps`; write one existing PID per write.', zh: '用 `ps` 检查 PID；每次写入一个存在的 PID。' },
  }),
  EEXIST: () => ({
    meaning: { en: 'A cgroup of that name already exists, probably left by an earlier run.', zh: '同名的控制组（cgroup）已经存在，可能是之前的运行留下的。' },
    fix: RUN_CLEAN,
  }),
};
