// The systemd test VM's base image: what goes into it, the cache key that says when it must be built again,
// and building it (scripts/systemd-vm/build-image.sh, as root) into the cache. Nothing is installed on this host.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VmError } from '../vm/errors.mjs';
import { removeDeadRunDirs } from '../vm/stale.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(dirname(here));
const BUILD_SCRIPT = join(here, 'build-image.sh');

/** Debian suites the image can be built from: bookworm (Debian 12) by default, trixie (13) for manual runs. */
/** @type {Readonly<Record<string, string>>} */
export const SUITES = Object.freeze({ bookworm: 'Debian 12', trixie: 'Debian 13' });

// An image older than this is built again, so that it keeps up with Debian's updates (LAB_SYSTEMD_VM_MAX_AGE_DAYS).
const DEFAULT_MAX_AGE_DAYS = 30;

/** The cache: $LAB_SYSTEMD_VM_CACHE, else /var/cache/lab-systemd-vm (building needs root anyway). */
export function cacheRoot() {
  return process.env.LAB_SYSTEMD_VM_CACHE || '/var/cache/lab-systemd-vm';
}

/** The Debian packages scripts/provision.sh installs, read from the script itself (`--print-packages`). */
export function provisionPackages() {
  const script = join(root, 'scripts', 'provision.sh');
  const res = spawnSync('bash', [script, '--print-packages'], { encoding: 'utf8' });
  const packages = (res.stdout ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (res.status !== 0 || packages.length === 0) {
    throw new VmError('usage', `\`bash ${script} --print-packages\` failed (status ${res.status ?? res.signal}): ${(res.stderr ?? '').trim()}`);
  }
  return packages;
}

/**
 * The Debian mirrors: $LAB_SYSTEMD_VM_MIRROR and $LAB_SYSTEMD_VM_SECURITY_MIRROR, else the ones this host's apt
 * already uses for its own Debian release, else Debian's own addresses.
 */
export function debianMirrors() {
  let mirror = process.env.LAB_SYSTEMD_VM_MIRROR;
  let security = process.env.LAB_SYSTEMD_VM_SECURITY_MIRROR;
  const osRelease = readText('/etc/os-release');
  const codename = /^VERSION_CODENAME=(\S+)$/m.exec(osRelease)?.[1];
  if (/^ID=debian$/m.test(osRelease) && codename && (!mirror || !security)) {
    const res = spawnSync('apt-get', ['indextargets', '--format', '$(REPO_URI) $(RELEASE)', 'Created-By: Packages'], { encoding: 'utf8' });
    const targets = (res.stdout ?? '').split('\n').map((l) => l.trim().split(/\s+/));
    mirror ||= targets.find(([, release]) => release === codename)?.[0];
    security ||= targets.find(([, release]) => release === `${codename}-security`)?.[0];
  }
  return {
    mirror: (mirror || 'http://deb.debian.org/debian/').replace(/\/?$/, '/'),
    security: (security || 'http://deb.debian.org/debian-security/').replace(/\/?$/, '/'),
  };
}

/**
 * The text of a file, or '' when it cannot be read.
 * @param {string} path
 */
function readText(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The SHA-256 of `data`, in hex.
 * @param {string | Buffer} data
 */
function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * What the image is made of, and the key naming it in the cache: a hash of the recipe (build-image.sh), the
 * suite, the package list, and the node and npm copied in. Change any of them and the image is built again.
 * @param {string} suite
 */
export function imageRecipe(suite) {
  const node = realpathSync(process.execPath);
  const npmDir = dirname(dirname(realpathSync(whichNpm())));
  const npmVersion = JSON.parse(readFileSync(join(npmDir, 'package.json'), 'utf8')).version;
  const recipe = {
    suite,
    script: sha256(readFileSync(BUILD_SCRIPT)),
    packages: provisionPackages(),
    node: `${process.version} ${sha256(readFileSync(node))}`,
    npm: npmVersion,
  };
  return { recipe, nodePath: node, key: sha256(JSON.stringify(recipe)).slice(0, 12) };
}

/** The npm on the PATH, or an explained error. */
function whichNpm() {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'npm'))) return join(dir, 'npm');
  }
  throw new VmError('missing', "npm not found on the PATH: the image needs this host's npm to run `npm ci` offline");
}

/**
 * A built image, as kept in the cache.
 * @typedef {{ dir: string, rootImage: string, kernel: string, initrd: string, suite: string, key: string,
 *   builtAt: string, buildSeconds: number, cached: boolean }} Image
 */

/**
 * The image for `suite`, from the cache or else built into it (about a minute: mmdebstrap from Debian's mirrors).
 * Images of the same suite with another key are removed once the new one is in place.
 * @param {string} suite
 * @param {(line: string) => void} log
 * @param {AbortSignal} signal stops the build: then the result is undefined and nothing of it is left
 * @returns {Promise<Image | undefined>}
 */
export async function ensureImage(suite, log, signal) {
  const cache = cacheRoot();
  const { recipe, nodePath, key } = imageRecipe(suite);
  const images = join(cache, 'images');
  const name = `${suite}-${key}`;
  const dir = join(images, name);
  const maxAgeDays = Number(process.env.LAB_SYSTEMD_VM_MAX_AGE_DAYS ?? DEFAULT_MAX_AGE_DAYS);
  const cached = readImage(dir);
  if (cached && (Date.now() - Date.parse(cached.builtAt)) / 86_400_000 < maxAgeDays) return { ...cached, cached: true };
  if (cached) log(`the cached image ${name} is older than ${maxAgeDays} days: building it again`);

  mkdirSync(images, { recursive: true, mode: 0o755 });
  removeDeadRunDirs(cache, '.build-');
  const work = mkdtempSync(join(cache, `.build-${process.pid}-`));
  const out = join(work, name);
  const { mirror, security } = debianMirrors();
  const started = Date.now();
  log(`building the ${SUITES[suite]} (${suite}) image ${name} from ${mirror} (about a minute; log: ${join(work, 'build.log')})`);
  try {
    const status = await runLogged('bash', [BUILD_SCRIPT, out, suite, nodePath, mirror, security, ...recipe.packages], join(work, 'build.log'), signal);
    if (signal.aborted) return undefined;
    if (status !== 0) {
      const tail = readText(join(work, 'build.log'))
        .trim()
        .split('\n')
        .slice(-25)
        .map((l) => `    ${l}`)
        .join('\n');
      throw new VmError('boot', `building the image failed (build-image.sh exited with status ${status}). Last lines of its log:\n${tail}`);
    }
    const buildSeconds = Math.round((Date.now() - started) / 100) / 10;
    const info = { suite, key, recipe, mirror, security, builtAt: new Date().toISOString(), buildSeconds };
    writeFileSync(join(out, 'image.json'), `${JSON.stringify(info, null, 2)}\n`);
    renameSync(join(work, 'build.log'), join(out, 'build.log'));
    rmSync(dir, { recursive: true, force: true });
    renameSync(out, dir);
    for (const other of readdirSync(images)) {
      if (other !== name && other.startsWith(`${suite}-`)) rmSync(join(images, other), { recursive: true, force: true });
    }
    log(`image built in ${buildSeconds} s: ${dir}`);
    // Just built, so complete.
    return { .../** @type {Omit<Image, 'cached'>} */ (readImage(dir)), cached: false };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The image in `dir` when it is complete, else undefined.
 * @param {string} dir
 * @returns {Omit<Image, 'cached'> | undefined}
 */
function readImage(dir) {
  try {
    const info = JSON.parse(readFileSync(join(dir, 'image.json'), 'utf8'));
    const image = { dir, rootImage: join(dir, 'root.img'), kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), ...info };
    for (const file of [image.rootImage, image.kernel, image.initrd]) statSync(file);
    return image;
  } catch {
    return undefined;
  }
}

/**
 * Run a command with its stdout and stderr into `logFile`; resolves with its exit status once it and everything it
 * started have closed their output. It gets a process group of its own, sent SIGTERM when `signal` aborts (so that
 * mmdebstrap, apt and dpkg stop too, not only the script); the script itself dies with us.
 * @param {string} file
 * @param {string[]} args
 * @param {string} logFile
 * @param {AbortSignal} signal
 * @returns {Promise<number>}
 */
function runLogged(file, args, logFile, signal) {
  const log = createWriteStream(logFile);
  const [cmd, argv] = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', file, ...args]] : [file, args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const stop = () => {
    try {
      // (no pid: it never started, and kill throws)
      process.kill(-(/** @type {number} */ (child.pid)), 'SIGTERM');
    } catch {
      // already gone
    }
  };
  signal.addEventListener('abort', stop, { once: true });
  child.on('close', () => signal.removeEventListener('abort', stop));
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  return new Promise((resolve) => {
    child.on('error', (err) => {
      log.end(`spawn ${file}: ${err.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => log.end(() => resolve(code ?? (signal ? 128 : 0))));
  });
}
