// The harness's state directory: journals of live runs and the learner's progress. Root-only, and refused if it
// is anything but a real directory owned by us with mode 0700, so that no other user can plant links in it.
import { lstatSync, mkdirSync } from 'node:fs';
import { LabError } from '../common/errors.js';

/** Where lab keeps its journals, progress and containers unless LAB_STATE_DIR names another directory. */
export const DEFAULT_STATE_DIR = '/var/lib/lab';

/** Where state lives: LAB_STATE_DIR, or /var/lib/lab (outside any world-writable directory). */
export function stateDirPath(): string {
  return process.env.LAB_STATE_DIR || DEFAULT_STATE_DIR;
}

/** Make sure `dir` (and its parents) exist; each directory the harness owns is checked before use. */
export function ensureStateDir(dir = stateDirPath()): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw unsafe(dir, 'mkdir', error);
  }
  assertPrivateDir(dir);
  return dir;
}

/** Refuse a directory that is a symlink, not ours, or open to others. */
export function assertPrivateDir(dir: string): void {
  let stat;
  try {
    stat = lstatSync(dir);
  } catch (error) {
    throw unsafe(dir, 'lstat', error);
  }
  const uid = process.getuid?.() ?? 0;
  if (!stat.isDirectory() || stat.uid !== uid || (stat.mode & 0o077) !== 0) {
    throw new LabError({
      operation: `lstat \`${dir}\``,
      code: 'unsafe-state-dir',
      meaning: {
        en: `The state directory must be a real directory owned by uid ${uid} with mode 0700; this one is not (a link, another owner, or open to other users), so someone could tamper with what lab cleans up.`,
        zh: `状态目录必须是属于 uid ${uid}、权限为 0700 的真实目录；这个不是（是链接、属于别的用户或对其他用户开放），别人可能借此篡改 lab 要清理的内容。`,
      },
      fix: {
        en: `Inspect it (\`ls -ld ${dir}\`), remove it if it is not yours, and run lab again.`,
        zh: `检查它（\`ls -ld ${dir}\`），如果不是你的就删除，然后重新运行 lab。`,
      },
    });
  }
}

/**
 * A write under the state directory that failed because the filesystem is full, over quota or read-only, as an
 * error that says so (operation and path, what it means, how to fix); undefined for any other failure.
 */
export function stateWriteError(operation: string, cause: unknown): LabError | undefined {
  if (cause instanceof LabError) return cause;
  const code = (cause as { code?: string } | null)?.code;
  const dir = stateDirPath();
  const meaning: Record<string, { en: string; zh: string }> = {
    ENOSPC: { en: `no space left on ${dir}`, zh: `${dir} 所在的文件系统没有剩余空间` },
    EDQUOT: { en: `your disk quota on ${dir} is used up`, zh: `你在 ${dir} 上的磁盘配额已用完` },
    EROFS: { en: `${dir} is on a read-only filesystem`, zh: `${dir} 在只读文件系统上` },
  };
  const what = code ? meaning[code] : undefined;
  if (!what) return undefined;
  return new LabError({
    operation,
    code: code!,
    meaning: {
      en: `${what.en}. lab writes down every resource in its journal before it makes it, and keeps your progress there; it cannot, so it makes nothing (what it had made is removed).`,
      zh: `${what.zh}。lab 在创建每项资源之前都要先把它写进日志（journal），进度也保存在这里；现在写不进去，所以它什么都不创建（已经创建的会被移除）。`,
    },
    fix: {
      en: `Free some space (\`df -h ${dir}\`, \`du -sh ${dir}/*\`), or set LAB_STATE_DIR to a directory on a filesystem with room, then run \`sudo lab clean\` and try again.`,
      zh: `腾出一些空间（\`df -h ${dir}\`、\`du -sh ${dir}/*\`），或者把 LAB_STATE_DIR 设置为一个有空间的文件系统上的目录，然后运行 \`sudo lab clean\` 再重试。`,
    },
    cause,
  });
}

function unsafe(dir: string, op: string, cause: unknown): LabError {
  const full = stateWriteError(`${op} \`${dir}\``, cause);
  if (full) return full;
  return new LabError({
    operation: `${op} \`${dir}\``,
    code: (cause as { code?: string }).code ?? 'error',
    meaning: {
      en: 'lab keeps its journal and progress here and cannot use this directory.',
      zh: 'lab 把日志（journal）和进度保存在这里，但无法使用这个目录。',
    },
    fix: {
      en: 'Run lab as root (`sudo lab ...`), or set LAB_STATE_DIR to a directory of your own.',
      zh: '以 root 身份运行 lab（`sudo lab ...`），或者把 LAB_STATE_DIR 设置为你自己的目录。',
    },
    cause,
  });
}
