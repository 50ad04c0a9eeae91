// What the overlay-layers lab's checks read: files inside the lab's mount namespace, seen from the host through
// /proc/<PID>/root (lstat(2): type, device numbers, inode; the contents; a directory's entries), and the overlay mounts
// of its mount table. Nothing here writes.
import { lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { constants } from 'node:os';
import { readMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import type { CheckContext, LabContext } from '../../src/lab/spec.js';
import type { Say } from '../../src/common/vocabulary.js';
import type { Box } from './layout.js';

/** A path of the lab's mount namespace, seen from the host: /proc/<PID>/root<path>. */
export function inBox(ctx: LabContext, name: string, path: string): string {
  return `/proc/${ctx.proc(name).pid}/root${path}`;
}

/** lstat(2) of a path, or undefined when it does not exist. */
export function statOf(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** A file's contents, or undefined when it cannot be read. */
export function contentsOf(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** A directory's entries, sorted, or undefined when it is not one. */
export function entriesOf(path: string): string[] | undefined {
  try {
    return readdirSync(path).sort();
  } catch {
    return undefined;
  }
}

/** major:minor of a device number as stat(2) returns it (glibc's gnu_dev_major/minor). */
export function deviceName(dev: number): string {
  const major = Number((BigInt(dev) >> 8n) & 0xfffn);
  const minor = Number((BigInt(dev) & 0xffn) | ((BigInt(dev) >> 12n) & 0xfff00n));
  return `${major}:${minor}`;
}

/** What an entry is, as `ls -l` would say: `c 0:0` for a whiteout, `file ino 12`, `dir`, `missing`. */
export function kindOf(stats: Stats | undefined, say: Say): string {
  if (!stats) return say('missing', '不存在');
  if (stats.isCharacterDevice()) return say(`char device ${deviceName(stats.rdev)}`, `字符设备 ${deviceName(stats.rdev)}`);
  if (stats.isDirectory()) return say('directory', '目录');
  if (stats.isSymbolicLink()) return say('symlink', '符号链接');
  if (stats.isFile()) return say(`file, inode ${stats.ino}`, `文件，inode ${stats.ino}`);
  return say('other', '其他');
}

/** Whether lstat(2) shows an overlayfs whiteout: a character device with device number 0/0. */
export function isWhiteout(stats: Stats | undefined): boolean {
  return stats !== undefined && stats.isCharacterDevice() && stats.rdev === 0;
}

/** The overlay mount of this container in the lab's mount table, if it is mounted. */
export function overlayOf(ctx: LabContext, name: string, box: Box): MountEntry | undefined {
  const table = readMountinfo(ctx.proc(name).pid) ?? [];
  return table.find((m) => m.fsType === 'overlay' && m.source === box.source && m.mountPoint === box.merged);
}

/** One option of a mount's superblock options (`lowerdir`), or undefined. */
export function superOption(entry: MountEntry | undefined, key: string): string | undefined {
  const option = entry?.superOptions.split(',').find((o) => o.startsWith(`${key}=`));
  return option?.slice(key.length + 1);
}

/**
 * The value of trusted.overlay.opaque on a directory of the lab's namespace, read with getxattr(2) by a probe: `"y"`,
 * or the errno python3 reported (`ENODATA`: no such attribute; `ENOENT`: no such directory).
 */
export async function opaqueValue(ctx: CheckContext, argv: string[]): Promise<{ ok: boolean; fact: string }> {
  const result = await ctx.probe(argv);
  const value = result.stdout.trim();
  if (result.exitCode === 0) return { ok: value === 'y', fact: `"${value}"` };
  const errno = Number(/\[Errno (\d+)\]/.exec(result.stderr)?.[1]);
  const name = Object.entries(constants.errno).find(([, number]) => number === errno)?.[0];
  return { ok: false, fact: `getxattr: ${name ?? `exit ${result.exitCode}`}` };
}
