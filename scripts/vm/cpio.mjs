// A cpio archive in the "newc" format the kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst). Written here rather than with
// cpio(1) so that the device node /dev/console can go in without root (mknod needs it), and so
// the same inputs give the same bytes: every entry is owned by root with mtime 0.

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

/**
 * One archive entry. `path` is relative, without a leading slash; parents come first.
 * @typedef {{ path: string, kind: 'dir', mode?: number }
 *   | { path: string, kind: 'file', data: Buffer | string, mode?: number }
 *   | { path: string, kind: 'symlink', target: string }
 *   | { path: string, kind: 'chardev', major: number, minor: number, mode?: number }} CpioEntry
 */

/** @param {number} n */
const pad4 = (n) => (4 - (n % 4)) % 4;
/** @param {number} n */
const hex8 = (n) => n.toString(16).padStart(8, '0');

/**
 * One newc record: the 110-byte header, the NUL-terminated name and the data, each padded to 4.
 * @param {number} ino
 * @param {string} name
 * @param {number} mode  the file type bits and the permissions
 * @param {Buffer} data
 * @param {[number, number]} [rdev]  a device's major and minor
 */
function record(ino, name, mode, data, rdev = [0, 0]) {
  const nameBuf = Buffer.from(`${name}\0`);
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], nameBuf.length, 0];
  const head = Buffer.from(`070701${fields.map(hex8).join('')}`, 'latin1');
  return [head, nameBuf, Buffer.alloc(pad4(head.length + nameBuf.length)), data, Buffer.alloc(pad4(data.length))];
}

/**
 * The bytes of a newc archive holding `entries`, in order, and the trailer.
 * @param {CpioEntry[]} entries
 */
export function buildCpio(entries) {
  const parts = [];
  let ino = 1;
  for (const e of entries) {
    if (e.kind === 'dir') parts.push(...record(ino++, e.path, S_IFDIR | (e.mode ?? 0o755), Buffer.alloc(0)));
    else if (e.kind === 'file') parts.push(...record(ino++, e.path, S_IFREG | (e.mode ?? 0o644), Buffer.from(e.data)));
    else if (e.kind === 'symlink') parts.push(...record(ino++, e.path, S_IFLNK | 0o777, Buffer.from(e.target)));
    else if (e.kind === 'chardev') parts.push(...record(ino++, e.path, S_IFCHR | (e.mode ?? 0o600), Buffer.alloc(0), [e.major, e.minor]));
    else throw new Error(`cpio: unknown entry kind for \`${/** @type {{path: string}} */ (e).path}\``);
  }
  parts.push(...record(0, 'TRAILER!!!', 0, Buffer.alloc(0)));
  return Buffer.concat(parts);
}
