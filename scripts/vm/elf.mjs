// The two facts the test VM needs from ELF files, read without binutils: which modules a kernel
// module depends on (its `.modinfo` section), and whether a program is statically linked.
// 64-bit little-endian only: the VM is x86_64.
import { readFileSync } from 'node:fs';

const PT_INTERP = 3;

/**
 * The ELF header of `buf`, or an error naming `path` when it is not ELF64 little-endian.
 * @param {Buffer} buf
 * @param {string} path
 */
function header(buf, path) {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new Error(`read \`${path}\`: not an ELF file`);
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error(`read \`${path}\`: not a 64-bit little-endian ELF file`);
  return {
    phoff: Number(buf.readBigUInt64LE(0x20)),
    shoff: Number(buf.readBigUInt64LE(0x28)),
    phentsize: buf.readUInt16LE(0x36),
    phnum: buf.readUInt16LE(0x38),
    shentsize: buf.readUInt16LE(0x3a),
    shnum: buf.readUInt16LE(0x3c),
    shstrndx: buf.readUInt16LE(0x3e),
  };
}

/**
 * The `key=value` strings of a kernel module's `.modinfo` section (a `.ko`, uncompressed).
 * @param {Buffer} buf
 * @param {string} [path]  named in errors
 */
export function readModinfo(buf, path = '(module)') {
  const h = header(buf, path);
  /** @param {number} i */
  const section = (i) => {
    const at = h.shoff + i * h.shentsize;
    return { name: buf.readUInt32LE(at), offset: Number(buf.readBigUInt64LE(at + 0x18)), size: Number(buf.readBigUInt64LE(at + 0x20)) };
  };
  const names = section(h.shstrndx);
  for (let i = 0; i < h.shnum; i++) {
    const s = section(i);
    const end = buf.indexOf(0, names.offset + s.name);
    if (buf.toString('latin1', names.offset + s.name, end) !== '.modinfo') continue;
    return buf
      .toString('utf8', s.offset, s.offset + s.size)
      .split('\0')
      .filter((entry) => entry.includes('='));
  }
  throw new Error(`read \`${path}\`: no .modinfo section (is it a kernel module?)`);
}

/**
 * The modules a kernel module needs loaded first (modinfo's `depends=`), by module name.
 * @param {Buffer} buf
 * @param {string} [path]  named in errors
 */
export function moduleDepends(buf, path) {
  const entry = readModinfo(buf, path).find((e) => e.startsWith('depends='));
  const list = entry ? entry.slice('depends='.length) : '';
  return list ? list.split(',').map(normalizeModuleName) : [];
}

/**
 * A module's canonical name: the kernel treats `-` and `_` alike and reports `_`.
 * @param {string} name
 */
export function normalizeModuleName(name) {
  return name.replace(/-/g, '_');
}

/**
 * True when the program at `path` has no dynamic loader (no PT_INTERP): it runs in an empty initramfs.
 * @param {string} path
 */
export function isStaticElf(path) {
  const buf = readFileSync(path);
  const h = header(buf, path);
  for (let i = 0; i < h.phnum; i++) {
    if (buf.readUInt32LE(h.phoff + i * h.phentsize) === PT_INTERP) return false;
  }
  return true;
}

const PT_NOTE = 4;
const XEN_ELFNOTE_PHYS32_ENTRY = 18;

/**
 * True when the kernel ELF `buf` (a vmlinux) has a PVH entry point (the Xen note
 * PHYS32_ENTRY), so that qemu can start it directly, without the bzImage decompressor.
 * @param {Buffer} buf
 */
export function hasPvhEntry(buf) {
  const h = header(buf, 'vmlinux');
  for (let i = 0; i < h.phnum; i++) {
    const ph = h.phoff + i * h.phentsize;
    if (buf.readUInt32LE(ph) !== PT_NOTE) continue;
    let at = Number(buf.readBigUInt64LE(ph + 0x08));
    const end = at + Number(buf.readBigUInt64LE(ph + 0x20));
    while (at + 12 <= end) {
      const namesz = buf.readUInt32LE(at);
      const descsz = buf.readUInt32LE(at + 4);
      const type = buf.readUInt32LE(at + 8);
      const name = buf.toString('latin1', at + 12, at + 12 + namesz).replace(/\0+$/, '');
      if (name === 'Xen' && type === XEN_ELFNOTE_PHYS32_ENTRY) return true;
      at += 12 + Math.ceil(namesz / 4) * 4 + Math.ceil(descsz / 4) * 4;
    }
  }
  return false;
}
