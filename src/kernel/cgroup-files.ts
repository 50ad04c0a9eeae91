// Reading cgroup v2 files: each reader parses one interface file, and a failure names the file and says what the
// kernel meant by it (both languages). Read-only; writing, making and tearing down cgroups is src/host/cgroup.ts.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { errnoOf, explainSystemError, LabError } from '../common/errors.js';
import type { Text } from '../common/vocabulary.js';
import { parseCgroupProcs } from './cgroup-path.js';
import { parseCpuMax, parseFlatKeyed, parseIoMax, parseMax, parsePressure, type CpuMax, type IoMax, type MaxValue, type Pressure } from './cgroup.js';

/** Read a cgroup file as text. */
export function readCgroupFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw cgroupError(`read \`${path}\``, path, error);
  }
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

// ---- Messages (English and Simplified Chinese), glossary terms from GLOSSARY.md ----

/** How to get cgroup v2 on a host that lacks it. */
export const GET_V2: Text = {
  en: "Get cgroup v2: boot with `systemd.unified_cgroup_hierarchy=1` on the kernel command line (add it to GRUB_CMDLINE_LINUX in /etc/default/grub, run `sudo update-grub`, reboot), or use the project's Vagrant VM (`vagrant up`), or the test VM (`npm run vm`).",
  zh: '获得 cgroup v2：在内核命令行加上 `systemd.unified_cgroup_hierarchy=1` 启动（加到 /etc/default/grub 的 GRUB_CMDLINE_LINUX，运行 `sudo update-grub` 后重启），或使用项目的 Vagrant 虚拟机（`vagrant up`），或测试虚拟机（`npm run vm`）。',
};

/** What to do when a cgroup is still busy: wait, then clean. */
export const RUN_CLEAN: Text = { en: 'Wait a moment, then run `sudo lab clean`.', zh: '稍等片刻，然后运行 `sudo lab clean`。' };

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
          en: "Move its processes into a leaf cgroup first (write each PID to the leaf's cgroup.procs), then enable the controllers.",
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
    meaning:
      file === 'cgroup.subtree_control'
        ? {
            en: "The kernel does not know one of these controllers here: it is misspelled, or not in this cgroup's cgroup.controllers because the parent did not enable it in its own cgroup.subtree_control.",
            zh: '内核在这里不认识其中某个控制器：名字拼错了，或者它不在本 cgroup 的 cgroup.controllers 中，因为父 cgroup 没有在自己的 cgroup.subtree_control 里启用它。',
          }
        : {
            en: `The kernel did not accept that value for ${file}: memory.* take bytes or \`max\`, cpu.max takes \`<quota> <period>\` in µs, cpu.weight 1 to 10000, pids.max a number or \`max\`, io.max \`MAJ:MIN rbps=... wbps=...\`.`,
            zh: `内核不接受写入 ${file} 的这个值：memory.* 接受字节数或 \`max\`，cpu.max 接受以微秒计的 \`<配额> <周期>\`，cpu.weight 接受 1 到 10000，pids.max 接受数字或 \`max\`，io.max 接受 \`MAJ:MIN rbps=... wbps=...\`。`,
          },
    fix:
      file === 'cgroup.subtree_control'
        ? {
            en: 'Enable the controller in every ancestor first, from the root down (`cat cgroup.controllers` shows what is available).',
            zh: '先从根往下，在每一级祖先中启用该控制器（`cat cgroup.controllers` 显示可用的控制器）。',
          }
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
      : {
          en: `Enable the controller from the root down (\`echo +<controller> > cgroup.subtree_control\`); run \`lab doctor\` to see whether this host has cgroup v2 controllers. ${GET_V2.en}`,
          zh: `从根往下启用该控制器（\`echo +<控制器> > cgroup.subtree_control\`）；运行 \`lab doctor\` 查看这台宿主机是否有 cgroup v2 控制器。${GET_V2.zh}`,
        },
  }),
  EOPNOTSUPP: (file) => ({
    meaning: {
      en: `${file} is not supported here: its controller is not enabled for this cgroup or not available on this host.`,
      zh: `这里不支持 ${file}：它的控制器没有为这个 cgroup 启用，或者这台宿主机上没有它。`,
    },
    fix: { en: `Enable the controller from the root down. ${GET_V2.en}`, zh: `从根往下启用该控制器。${GET_V2.zh}` },
  }),
  EACCES: () => ({
    meaning: {
      en: 'Permission denied: writing cgroup files needs root, or a cgroup subtree delegated to your user.',
      zh: '权限不足：写 cgroup 文件需要 root 权限，或者一个委派给你的用户的 cgroup 子树。',
    },
    fix: AS_ROOT,
  }),
  EPERM: () => ({
    meaning: {
      en: 'Operation not permitted: moving processes and writing cgroup files need root (or delegation of both the source and the target cgroup).',
      zh: '操作不被允许：移动进程和写 cgroup 文件需要 root 权限（或者源和目标 cgroup 都委派给了你）。',
    },
    fix: AS_ROOT,
  }),
  ESRCH: () => ({
    meaning: {
      en: 'No such process: the PID written to cgroup.procs does not exist (any more).',
      zh: '没有这个进程：写入 cgroup.procs 的 PID 不存在（或已经退出）。',
    },
    fix: { en: 'Check the PID with `ps`; write one existing PID per write.', zh: '用 `ps` 检查 PID；每次写入一个存在的 PID。' },
  }),
  EEXIST: () => ({
    meaning: { en: 'A cgroup of that name already exists, probably left by an earlier run.', zh: '同名的控制组（cgroup）已经存在，可能是之前的运行留下的。' },
    fix: RUN_CLEAN,
  }),
};
