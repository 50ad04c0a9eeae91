// The test VM's initramfs: busybox-static, the kernel's modules in load order and the two init
// stages. Built at run time and cached beside the kernel under a hash of everything in it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCpio } from './cpio.mjs';
import { isStaticElf } from './elf.mjs';
import { VmError } from './errors.mjs';
import { STAGE1, STAGE2 } from './init.mjs';

/** Where busybox-static puts busybox (/bin on Debian 12, /usr/bin where /bin is merged). */
export const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];

/** The static busybox to put in the initramfs, or an explained error. */
export function findStaticBusybox() {
  const found = BUSYBOX_PATHS.find((p) => existsSync(p));
  if (!found) throw new VmError('missing', `busybox not found (looked at ${BUSYBOX_PATHS.join(', ')}). ${INSTALL_BUSYBOX}`);
  if (!isStaticElf(found)) throw new VmError('missing', `\`${found}\` is dynamically linked: it cannot run in an empty initramfs. ${INSTALL_BUSYBOX}`);
  return found;
}

/**
 * The entries of the initramfs, in order.
 * @param {import('./kernel.mjs').Kernel} kernel
 * @param {Buffer} busybox
 * @returns {import('./cpio.mjs').CpioEntry[]}
 */
export function initramfsEntries(kernel, busybox) {
  const dirs = ['bin', 'dev', 'proc', 'sys', 'mnt', 'newroot', 'lib', 'lib/lab-vm'];
  return [
    ...dirs.map((path) => ({ path, kind: /** @type {const} */ ('dir') })),
    // The console the kernel opens as PID 1's stdin, stdout and stderr before anything is mounted.
    { path: 'dev/console', kind: 'chardev', major: 5, minor: 1 },
    { path: 'bin/busybox', kind: 'file', data: busybox, mode: 0o755 },
    { path: 'bin/sh', kind: 'symlink', target: 'busybox' },
    { path: 'init', kind: 'file', data: STAGE1, mode: 0o755 },
    { path: 'lib/lab-vm/stage2', kind: 'file', data: STAGE2, mode: 0o644 },
    { path: 'lib/lab-vm/order', kind: 'file', data: `${kernel.modules.map((m) => m.name).join('\n')}\n` },
    ...kernel.modules.map((m) => ({ path: `lib/lab-vm/${m.name}.ko`, kind: /** @type {const} */ ('file'), data: readFileSync(m.file) })),
  ];
}

/**
 * The path of an initramfs for `kernel`, built now unless the cache has one with the same content.
 * @param {import('./kernel.mjs').Kernel} kernel
 * @param {string} busyboxPath
 */
export function ensureInitramfs(kernel, busyboxPath) {
  const archive = buildCpio(initramfsEntries(kernel, readFileSync(busyboxPath)));
  const hash = createHash('sha256').update(archive).digest('hex').slice(0, 16);
  const name = `initramfs-${hash}.cpio`;
  const path = join(kernel.dir, name);
  if (existsSync(path)) return path;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, archive);
  renameSync(tmp, path);
  // Older builds (other init scripts, another busybox) are of no more use.
  for (const old of readdirSync(kernel.dir)) {
    if (/^initramfs-[0-9a-f]+\.cpio$/.test(old) && old !== name) rmSync(join(kernel.dir, old), { force: true });
  }
  return path;
}

const INSTALL_BUSYBOX = 'Install busybox-static: `sudo apt-get install busybox-static` (or `sudo scripts/provision.sh --with-vm`).';
