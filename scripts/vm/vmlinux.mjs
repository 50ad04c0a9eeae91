// The uncompressed kernel inside a bzImage (vmlinuz), for a faster boot: qemu starts a vmlinux
// with a PVH entry point directly, which skips the BIOS disk probing and, above all, the
// decompression of the kernel, which takes seconds under TCG. Without a PVH entry, or in a
// format we cannot undo, the VM boots the vmlinuz as it is.
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { hasPvhEntry } from './elf.mjs';

// The compressors a bzImage payload can start with, and how to undo them (one stream only:
// the kernel build appends the uncompressed size after it).
/** @type {({ magic: Buffer, tool: string[], gunzip?: undefined } | { magic: Buffer, tool?: undefined, gunzip: true })[]} */
const FORMATS = [
  { magic: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), tool: ['xz', '-dc', '--single-stream'] },
  { magic: Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), tool: ['zstd', '-dc'] },
  { magic: Buffer.from([0x1f, 0x8b]), gunzip: true },
];

/**
 * The vmlinux inside `bzImage`, if it can be had and booted directly; otherwise the reason.
 * @param {Buffer} bzImage
 * @returns {{ vmlinux: Buffer } | { reason: string }}
 */
export function extractVmlinux(bzImage) {
  // The setup header (Documentation/arch/x86/boot.rst): "HdrS", protocol >= 2.08 for payload_*.
  if (bzImage.length < 0x250 || bzImage.toString('latin1', 0x202, 0x206) !== 'HdrS') return { reason: 'not a bzImage' };
  if (bzImage.readUInt16LE(0x206) < 0x208) return { reason: 'boot protocol older than 2.08' };
  const setupSects = bzImage[0x1f1] || 4;
  const start = (setupSects + 1) * 512 + bzImage.readUInt32LE(0x248);
  const payload = bzImage.subarray(start, start + bzImage.readUInt32LE(0x24c));
  // The last 4 bytes of the payload: the size of the uncompressed kernel.
  const size = payload.readUInt32LE(payload.length - 4);
  const format = FORMATS.find((f) => payload.subarray(0, f.magic.length).equals(f.magic));
  if (!format) return { reason: `payload compressed in a format not handled here (${payload.subarray(0, 4).toString('hex')})` };
  let vmlinux;
  if (format.gunzip) {
    vmlinux = gunzipSync(payload.subarray(0, payload.length - 4));
  } else {
    const [tool, ...args] = format.tool;
    const res = spawnSync(tool, args, { input: payload, maxBuffer: 1024 * 1024 * 1024 });
    if (res.status !== 0) return { reason: `\`${format.tool.join(' ')}\` failed: ${res.error?.message ?? String(res.stderr).trim()}` };
    vmlinux = res.stdout;
  }
  if (vmlinux.length !== size) return { reason: `uncompressed ${vmlinux.length} bytes, the bzImage says ${size}` };
  if (!hasPvhEntry(vmlinux)) return { reason: 'the kernel has no PVH entry point (CONFIG_PVH)' };
  return { vmlinux };
}
