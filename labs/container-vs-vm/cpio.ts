// Reads the entries of a cpio archive in the "newc" format (the one the kernel unpacks as an initramfs): each entry is
// a 110-byte ASCII header of hexadecimal fields, its name, then its data, both padded to 4 bytes; TRAILER!!! ends it.
import { readFileSync } from 'node:fs';

/** One entry: its path (without `./`), mode bits (type and permissions) and size. */
export interface CpioEntry {
  name: string;
  mode: number;
  size: number;
}

const MAGIC = '070701';
const HEADER = 110;

/** A number up to the next multiple of 4. */
const pad4 = (n: number): number => (n + 3) & ~3;

/** The entries of a newc archive, or undefined when the file is absent or not one. */
export function readArchive(path: string): CpioEntry[] | undefined {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch {
    return undefined;
  }
  const entries: CpioEntry[] = [];
  let at = 0;
  while (at + HEADER <= data.length) {
    const header = data.toString('latin1', at, at + HEADER);
    if (!header.startsWith(MAGIC)) return undefined;
    // Fields after the magic, 8 hex digits each: ino, mode, uid, gid, nlink, mtime, filesize, ..., namesize (12th).
    const field = (i: number): number => Number.parseInt(header.slice(6 + i * 8, 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const name = data.toString('utf8', at + HEADER, at + HEADER + nameSize - 1);
    if (name === 'TRAILER!!!') return entries;
    entries.push({ name: name.replace(/^\.\//, ''), mode, size });
    at = pad4(pad4(at + HEADER + nameSize) + size);
  }
  return undefined;
}
