// Errors a learner can act on: what failed (operation and path), what it means, how to fix it, in both languages.
import type { Text } from './vocabulary.js';

export interface LabErrorDetails {
  /** What was being done, e.g. ``write `/sys/fs/cgroup/lab-3/pids.max` `` or `run unshare --pid`. */
  operation: string;
  /** The errno name or our own code, e.g. `EPERM`, `not-root`. */
  code: string;
  /** What it means, in plain words. */
  meaning: Text;
  /** What the learner can do about it. */
  fix: Text;
  cause?: unknown;
  /** Exit status of the CLI when this error ends it (2 for a usage error). Default 1. */
  exitCode?: number;
}

/** An expected failure: the CLI prints it without a stack trace and exits non-zero. */
export class LabError extends Error {
  readonly operation: string;
  readonly code: string;
  readonly meaning: Text;
  readonly fix: Text;
  readonly exitCode: number;

  constructor(details: LabErrorDetails) {
    super(`${details.operation}: ${details.code}`, { cause: details.cause });
    this.name = 'LabError';
    this.operation = details.operation;
    this.code = details.code;
    this.meaning = details.meaning;
    this.fix = details.fix;
    this.exitCode = details.exitCode ?? 1;
  }
}

/** The errno name of a Node.js system error, if it is one. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** Turn a system error from `operation` into a LabError that explains the errno; other errors pass through. */
export function explainSystemError(operation: string, error: unknown): unknown {
  const code = errnoOf(error);
  if (!code || error instanceof LabError) return error;
  const known = ERRNO[code];
  return new LabError({
    operation,
    code,
    meaning: known?.meaning ?? { en: `The kernel refused with ${code}.`, zh: `内核以 ${code} 拒绝了这个操作。` },
    fix: known?.fix ?? { en: 'Run `lab doctor` to see what this host is missing.', zh: '运行 `lab doctor` 查看这台宿主机缺少什么。' },
    cause: error,
  });
}

/** How command-line tools print the errnos above (strerror), so a failed command's stderr can be explained. */
const STRERROR: [RegExp, string][] = [
  [/Operation not permitted/i, 'EPERM'],
  [/Permission denied/i, 'EACCES'],
  [/No such file or directory/i, 'ENOENT'],
  [/Invalid argument/i, 'EINVAL'],
  [/Device or resource busy/i, 'EBUSY'],
  [/No space left on device/i, 'ENOSPC'],
];

/** The errno a failed command reported on stderr, if it printed one we know. */
export function errnoInOutput(stderr: string): string | undefined {
  return STRERROR.find(([pattern]) => pattern.test(stderr))?.[1];
}

/**
 * A command that failed when it should not have: explained by the errno it printed when there is one, else by
 * `fallback`.
 */
export function commandError(operation: string, stderr: string, fallback: { meaning: Text; fix: Text }): LabError {
  const code = errnoInOutput(stderr);
  const known = code ? ERRNO[code] : undefined;
  return new LabError({ operation, code: code ?? 'command-failed', meaning: known?.meaning ?? fallback.meaning, fix: known?.fix ?? fallback.fix });
}

/** The errnos learners meet in these labs, explained. */
const ERRNO: Record<string, { meaning: Text; fix: Text }> = {
  EPERM: {
    meaning: {
      en: 'Operation not permitted: creating namespaces, mounting and writing cgroup files need root (CAP_SYS_ADMIN), or a user namespace that grants it.',
      zh: '操作不被允许：创建命名空间（namespace）、挂载、写 cgroup 文件都需要 root 权限（CAP_SYS_ADMIN），或者一个授予该能力的用户命名空间。',
    },
    fix: { en: 'Run the command as root, e.g. `sudo lab run <id>`.', zh: '以 root 身份运行，例如 `sudo lab run <id>`。' },
  },
  EACCES: {
    meaning: { en: 'Permission denied on that path.', zh: '对该路径没有访问权限。' },
    fix: { en: 'Run as root (`sudo`).', zh: '以 root 身份运行（`sudo`）。' },
  },
  ENOENT: {
    meaning: {
      en: 'No such file or directory: the program or kernel file is not on this host.',
      zh: '没有这个文件或目录：这台宿主机上没有该程序或内核文件。',
    },
    fix: {
      en: 'Run `lab doctor`; it names the missing package. `sudo scripts/provision.sh` installs them all.',
      zh: '运行 `lab doctor`，它会指出缺少的软件包；`sudo scripts/provision.sh` 会全部装好。',
    },
  },
  EINVAL: {
    meaning: {
      en: 'Invalid argument: this kernel does not support that flag or namespace type.',
      zh: '参数无效：这个内核不支持该选项或该命名空间类型。',
    },
    fix: {
      en: 'Check the kernel version and config with `lab doctor`; the Vagrant VM has a kernel that supports every lab.',
      zh: '用 `lab doctor` 检查内核版本和配置；项目的 Vagrant 虚拟机的内核支持所有实验。',
    },
  },
  ENOSPC: {
    meaning: {
      en: 'No space left on device: for namespaces this means a per-user limit is reached (/proc/sys/user/max_*_namespaces), often set to 0 to turn a namespace type off.',
      zh: '设备上没有空间：对命名空间而言，这表示达到了每用户的上限（/proc/sys/user/max_*_namespaces），这个值常被设为 0 以禁用某种命名空间。',
    },
    fix: {
      en: 'Check `cat /proc/sys/user/max_user_namespaces` (and the others); raise it with `sysctl`, or use the Vagrant VM.',
      zh: '查看 `cat /proc/sys/user/max_user_namespaces`（及其他几个）；用 `sysctl` 调大，或使用 Vagrant 虚拟机。',
    },
  },
  EBUSY: {
    meaning: { en: 'Device or resource busy: something still uses it.', zh: '设备或资源忙：还有东西在使用它。' },
    fix: {
      en: 'Wait a moment and retry; if it persists, run `lab clean`.',
      zh: '稍等片刻再试；如果一直如此，运行 `lab clean`。',
    },
  },
};
