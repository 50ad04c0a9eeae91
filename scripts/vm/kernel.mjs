// The kernel the test VM boots: Debian's own package, downloaded with `apt-get download` and
// unpacked with `dpkg-deb -x` into a staging directory, never installed (installing would run
// the host's initramfs and bootloader hooks). The cache keeps only what the VM needs: the kernel
// image (the uncompressed vmlinux when qemu can start it directly, which boots seconds faster
// under TCG, else the vmlinuz) and the modules to load, uncompressed, in an order where every
// module follows its dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { moduleDepends, normalizeModuleName } from './elf.mjs';
import { VmError } from './errors.mjs';
import { removeDeadRunDirs } from './stale.mjs';
import { extractVmlinux } from './vmlinux.mjs';

/** The metapackage whose dependency names the current kernel package. */
export const KERNEL_METAPACKAGE = 'linux-image-amd64';

/**
 * The modules the VM's /init loads, in this order: virtio PCI transport, then 9p over virtio
 * (the host's / and the exchange directory), then overlayfs (a writable layer over the
 * read-only host root), then the loop driver (the io lab's block device). Dependencies not
 * listed here are added before their users.
 */
export const VM_MODULES = Object.freeze([
  'virtio_ring',
  'virtio',
  'virtio_pci_modern_dev',
  'virtio_pci_legacy_dev',
  'virtio_pci',
  'netfs',
  'fscache',
  '9pnet',
  '9pnet_virtio',
  '9p',
  'overlay',
  'loop',
]);

/**
 * Modules cached beside those, never loaded at boot: a test that needs one loads it itself, from the directory the
 * guest gets as $LAB_VM_KERNEL_DIR (kernel.json lists them in load order as `extraModules`), and unloads it after,
 * so that the other tests see the VM as /init left it. veth and bridge (the network-namespace lab), then the tunnel
 * modules whose fallback devices appear in every new network namespace (test/vm/network-namespace.test.ts).
 */
export const VM_EXTRA_MODULES = Object.freeze(['veth', 'bridge', 'ipip', 'ip_gre', 'ip_vti', 'sit', 'ip6_tunnel', 'ip6_gre', 'ip6_vti']);

/**
 * A kernel ready to boot, as kept in the cache. `image` is what qemu's -kernel gets: the
 * vmlinux when it has a PVH entry point, else the vmlinuz (`imageNote` says why).
 * @typedef {{ release: string, package: string, version: string, dir: string, image: string,
 *   imageNote: string, modules: { name: string, file: string }[], builtin: string[],
 *   extraModules: { name: string, file: string }[] }} Kernel
 */

/** The cache directory: $LAB_VM_CACHE, else /var/cache/lab-vm for root, else ~/.cache/lab-vm. */
export function cacheRoot() {
  if (process.env.LAB_VM_CACHE) return process.env.LAB_VM_CACHE;
  if (process.getuid?.() === 0) return '/var/cache/lab-vm';
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lab-vm');
}

/**
 * Run a command to completion; the result, never an exception for a non-zero status.
 * @param {string} file
 * @param {string[]} args
 * @param {Omit<import('node:child_process').SpawnSyncOptions, 'encoding'>} [options]
 */
function run(file, args, options = {}) {
  return spawnSync(file, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
}

/** The kernel package the metapackage depends on now, from `apt-cache depends`, or an explained error. */
export function resolveKernelPackage() {
  const res = run('apt-cache', ['depends', KERNEL_METAPACKAGE]);
  if (res.error) throw new VmError('missing', `run \`apt-cache depends ${KERNEL_METAPACKAGE}\`: ${res.error.message}. ${NO_APT}`);
  const match = /^\s*Depends:\s*(linux-image-(\d\S*))\s*$/m.exec(res.stdout);
  if (res.status !== 0 || !match) {
    const said = (res.stderr || res.stdout).trim().split('\n').slice(-2).join(' / ');
    throw new VmError('missing', `\`apt-cache depends ${KERNEL_METAPACKAGE}\` names no kernel package${said ? ` (${said})` : ''}. ${NO_APT_LISTS}`);
  }
  return { package: match[1], release: match[2] };
}

/**
 * The newest kernel already in the cache, for when apt cannot say which one is current (offline).
 * @param {string} root
 */
function newestCachedKernel(root) {
  let names = [];
  try {
    names = readdirSync(root).filter((n) => existsSync(join(root, n, 'kernel.json')));
  } catch {
    return undefined;
  }
  names.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return names.length ? names[names.length - 1] : undefined;
}

/**
 * The cached kernel in `dir` if it was built for the same module list, else undefined.
 * @param {string} dir
 * @returns {Kernel | undefined}
 */
function readCached(dir) {
  try {
    const kernel = JSON.parse(readFileSync(join(dir, 'kernel.json'), 'utf8'));
    if (JSON.stringify(kernel.wanted) !== JSON.stringify(VM_MODULES)) return undefined;
    if (JSON.stringify(kernel.wantedExtra) !== JSON.stringify(VM_EXTRA_MODULES)) return undefined;
    if (!existsSync(kernel.image) || ![...kernel.modules, ...kernel.extraModules].every((m) => existsSync(m.file))) return undefined;
    return kernel;
  } catch {
    return undefined;
  }
}

/**
 * The kernel to boot, from the cache or else downloaded and unpacked into it.
 * @param {(line: string) => void} log progress, one line at a time
 * @returns {Kernel}
 */
export function ensureKernel(log) {
  const root = cacheRoot();
  let pkg;
  try {
    pkg = resolveKernelPackage();
  } catch (err) {
    const cached = newestCachedKernel(root);
    const kernel = cached && readCached(join(root, cached));
    if (!kernel) throw err;
    log(`${/** @type {Error} */ (err).message.split('. ')[0]}: using the cached kernel ${cached}`);
    return kernel;
  }
  const dir = join(root, pkg.release);
  const cached = readCached(dir);
  if (cached) return cached;

  mkdirSync(root, { recursive: true, mode: 0o755 });
  // A run killed while unpacking leaves a 400 MB staging directory behind.
  removeDeadRunDirs(root, '.staging-');
  const staging = mkdtempSync(join(root, `.staging-${process.pid}-`));
  try {
    log(`downloading ${pkg.package} (apt-get download, not installed) into ${root}`);
    // As root, apt drops to the _apt user to download, which cannot write a root-only directory.
    const sandbox = process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : [];
    const dl = run('apt-get', ['-q', ...sandbox, 'download', pkg.package], { cwd: staging });
    const deb = readdirSync(staging).find((n) => n.endsWith('.deb'));
    if (dl.status !== 0 || !deb) {
      throw new VmError('missing', `\`apt-get download ${pkg.package}\` failed: ${(dl.stderr || dl.error?.message || '').trim()}. ${NO_APT_LISTS}`);
    }
    const debPath = join(staging, deb);
    const version = run('dpkg-deb', ['-f', debPath, 'Version']).stdout.trim();
    const tree = join(staging, 'root');
    const x = run('dpkg-deb', ['-x', debPath, tree]);
    if (x.status !== 0) throw new VmError('missing', `\`dpkg-deb -x ${debPath} ${tree}\` failed: ${(x.stderr || x.error?.message || '').trim()}`);
    rmSync(debPath);
    const kernel = collect(tree, pkg, version, join(staging, 'out'), dir);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(staging, 'out'), dir);
    log(`kernel ${pkg.release} (${version}) cached in ${dir}`);
    return kernel;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Copy the kernel image and the wanted modules (with their dependencies, uncompressed, in load order)
 * from the unpacked package `tree` into `out`; the paths recorded are those under `finalDir`.
 * @param {string} tree
 * @param {{ package: string, release: string }} pkg  as resolveKernelPackage names it
 * @param {string} version
 * @param {string} out
 * @param {string} finalDir
 * @returns {Kernel}
 */
function collect(tree, pkg, version, out, finalDir) {
  const modDir = join(tree, 'lib', 'modules', pkg.release);
  const vmlinuzSrc = join(tree, 'boot', `vmlinuz-${pkg.release}`);
  if (!existsSync(vmlinuzSrc) || !existsSync(modDir)) {
    throw new VmError('missing', `unpack ${pkg.package}: expected \`boot/vmlinuz-${pkg.release}\` and \`lib/modules/${pkg.release}/\` in it`);
  }
  const index = indexModules(join(modDir, 'kernel'));
  const builtin = readBuiltin(join(modDir, 'modules.builtin'));

  /** @type {{ name: string, data: Buffer }[]} */
  const order = [];
  /** @type {Set<string>} */
  const seen = new Set();
  /** @param {string} name @param {string} [neededBy] */
  const visit = (name, neededBy) => {
    if (seen.has(name) || builtin.has(name)) return;
    seen.add(name);
    const file = index.get(name);
    if (!file) {
      throw new VmError(
        'missing',
        `kernel ${pkg.release}: module \`${name}\`${neededBy ? ` (needed by ${neededBy})` : ''} is neither in lib/modules nor built in`,
      );
    }
    const data = readModule(file);
    for (const dep of moduleDepends(data, file)) visit(dep, name);
    order.push({ name, data });
  };
  for (const name of VM_MODULES) visit(name);
  // The extra modules after the boot ones: their dependencies already loaded at boot are not repeated.
  const booted = order.length;
  for (const name of VM_EXTRA_MODULES) visit(name);

  mkdirSync(join(out, 'modules'), { recursive: true });
  const bzImage = readFileSync(vmlinuzSrc);
  const extracted = extractVmlinux(bzImage);
  const imageName = 'vmlinux' in extracted ? 'vmlinux' : 'vmlinuz';
  writeFileSync(join(out, imageName), 'vmlinux' in extracted ? extracted.vmlinux : bzImage);
  const all = order.map(({ name, data }) => {
    writeFileSync(join(out, 'modules', `${name}.ko`), data);
    return { name, file: join(finalDir, 'modules', `${name}.ko`) };
  });
  const modules = all.slice(0, booted);
  /** @type {Kernel} */
  const kernel = {
    release: pkg.release,
    package: pkg.package,
    version,
    dir: finalDir,
    image: join(finalDir, imageName),
    imageNote: 'vmlinux' in extracted ? 'vmlinux, PVH entry' : `vmlinuz (${extracted.reason})`,
    modules,
    builtin: VM_MODULES.filter((m) => builtin.has(m)),
    extraModules: all.slice(booted),
  };
  writeFileSync(join(out, 'kernel.json'), `${JSON.stringify({ ...kernel, wanted: VM_MODULES, wantedExtra: VM_EXTRA_MODULES }, null, 2)}\n`);
  return kernel;
}

/**
 * Module name -> file, for every module under `dir` (.ko, or compressed .ko.xz/.ko.zst/.ko.gz).
 * @param {string} dir
 * @param {Map<string, string>} [index]  where to add them
 * @returns {Map<string, string>}
 */
function indexModules(dir, index = new Map()) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) indexModules(path, index);
    const m = /^(.+)\.ko(\.xz|\.zst|\.gz)?$/.exec(entry.name);
    if (entry.isFile() && m) index.set(normalizeModuleName(m[1]), path);
  }
  return index;
}

/**
 * The names of the modules built into the kernel (modules.builtin lists their would-be paths).
 * @param {string} file
 * @returns {Set<string>}
 */
function readBuiltin(file) {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return new Set();
  }
  return new Set(
    text
      .split('\n')
      .filter(Boolean)
      .map((p) => normalizeModuleName(basename(p).replace(/\.ko$/, ''))),
  );
}

/**
 * A module's bytes, uncompressed: busybox insmod and the kernel both take a plain .ko.
 * @param {string} file
 * @returns {Buffer}
 */
function readModule(file) {
  if (file.endsWith('.gz')) return gunzipSync(readFileSync(file));
  const tool = file.endsWith('.xz') ? 'xz' : file.endsWith('.zst') ? 'zstd' : undefined;
  if (!tool) return readFileSync(file);
  const res = spawnSync(tool, ['-dc', file], { maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) {
    throw new VmError(
      'missing',
      `\`${tool} -dc ${file}\` failed: ${res.error?.message ?? String(res.stderr).trim()} (install ${tool === 'xz' ? 'xz-utils' : 'zstd'})`,
    );
  }
  return res.stdout;
}

const NO_APT = "The test VM boots Debian's kernel package; this host needs apt (Debian or Ubuntu).";
const NO_APT_LISTS = 'Run `sudo apt-get update` so apt knows the current kernel package, and check that the package registry is reachable.';
