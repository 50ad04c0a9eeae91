// The systemd test VM's second disk, made for each run: it brings in this working tree (what `git ls-files -co
// --exclude-standard` lists: tracked files as they are now, untracked ones not ignored; never node_modules or
// dist), this host's npm cache (the VM has no network), the guest's test scripts and their settings, and takes
// the results back out (read with debugfs after power-off, so the disk is never mounted on this host).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from '../vm/command.mjs';
import { VmError } from '../vm/errors.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** The uid and gid of `learner` in the image (build-image.sh): the checkout, the npm cache and results/ are theirs. */
export const LEARNER_ID = 1000;
/** The data disk's label; the image mounts it by this label at /srv/labvm. */
export const DATA_LABEL = 'labvm';
/** What never goes into the VM's checkout, even when git is not there to say it is ignored. */
const NEVER = new Set(['.git', 'node_modules', 'dist', '.tap']);

/**
 * Run a command; throw an explained error when it fails.
 * @param {string} file
 * @param {string[]} args
 * @param {string} what  what it is part of, for the error
 */
function mustRun(file, args, what) {
  const res = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) {
    const said = (res.stderr || res.error?.message || '').trim().split('\n').slice(-5).join('\n    ');
    throw new VmError('boot', `${what}: \`${file} ${args.join(' ')}\` failed (status ${res.status ?? res.signal})${said ? `:\n    ${said}` : ''}`);
  }
  return res.stdout;
}

/**
 * The files of the working tree at `repo`, relative to it: git's view when it is a checkout, else a walk.
 * @param {string} repo
 */
export function checkoutFiles(repo) {
  const git = spawnSync('git', ['-C', repo, 'ls-files', '-z', '-co', '--exclude-standard'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const files = git.status === 0 ? git.stdout.split('\0').filter(Boolean) : walk(repo, '');
  // A tracked file deleted in the working tree is still in git's index: it is not part of the tree under test.
  return [...new Set(files)].filter((f) => !NEVER.has(f.split('/')[0]) && existsLstat(join(repo, f))).sort();
}

/**
 * Whether `path` exists, without following a symlink.
 * @param {string} path
 */
function existsLstat(path) {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The files under `base`/`rel`, relative to `base`, without the NEVER directories at the top.
 * @param {string} base
 * @param {string} rel
 * @returns {string[]}
 */
function walk(base, rel) {
  return readdirSync(join(base, rel), { withFileTypes: true }).flatMap((e) => {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (NEVER.has(e.name) && !rel) return [];
    return e.isDirectory() ? walk(base, path) : [path];
  });
}

/**
 * Copy `files` (relative to `from`) into `to`, keeping their modes and symlinks.
 * @param {string} from
 * @param {string} to
 * @param {string[]} files
 */
function copyFiles(from, to, files) {
  for (const file of files) {
    const src = join(from, file);
    const dst = join(to, file);
    mkdirSync(dirname(dst), { recursive: true });
    const st = lstatSync(src);
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (st.isFile()) {
      copyFileSync(src, dst);
      chmodSync(dst, st.mode & 0o7777);
    }
  }
}

/**
 * This host's npm cache directory (`npm config get cache`), or an explained error.
 * @param {string} repo  where npm runs (its .npmrc counts)
 */
export function npmCacheDir(repo) {
  const res = spawnSync('npm', ['config', 'get', 'cache'], { cwd: repo, encoding: 'utf8' });
  const dir = (res.stdout ?? '').trim();
  if (res.status !== 0 || !dir || !existsSync(join(dir, '_cacache'))) {
    throw new VmError(
      'missing',
      `no npm cache with packages at \`npm config get cache\` (${dir || res.stderr?.trim() || 'nothing'}): run \`npm ci\` here first; the VM has no network and installs from a copy of it`,
    );
  }
  return dir;
}

/**
 * Stage everything the guest needs in `staging` and make the data disk `image` from it.
 * @param {{ repo: string, staging: string, image: string, config: Record<string, string | number> }} o
 * @returns {{ files: number, npmCache: string, bytes: number }}
 */
export function makeDataDisk(o) {
  const files = checkoutFiles(o.repo);
  copyFiles(o.repo, join(o.staging, 'lab'), files);
  const npmCache = npmCacheDir(o.repo);
  // Only the content-addressed store: npm's logs and its other state stay here.
  cpSync(join(npmCache, '_cacache'), join(o.staging, 'npm-cache', '_cacache'), { recursive: true });
  mkdirSync(join(o.staging, 'results'));
  for (const script of ['guest-test.sh', 'guest-container.sh', 'snapshot.sh']) copyFileSync(join(here, script), join(o.staging, script));
  const config = Object.entries(o.config)
    .map(([k, v]) => `${k}=${shellQuote(String(v))}`)
    .join('\n');
  writeFileSync(join(o.staging, 'config'), `${config}\n`);
  for (const dir of ['lab', 'npm-cache', 'results']) mustRun('chown', ['-R', `${LEARNER_ID}:${LEARNER_ID}`, join(o.staging, dir)], 'making the data disk');

  const bytes = Number(mustRun('du', ['-sb', o.staging], 'measuring the data disk').split('\t')[0]);
  // Room for the results (the journal, the snapshots) beside what is staged; sparse, so only what is used counts.
  const size = Math.max(1024 ** 3, 2 * bytes + 512 * 1024 ** 2);
  mustRun('truncate', ['-s', String(size), o.image], 'making the data disk');
  mustRun('mkfs.ext4', ['-q', '-F', '-L', DATA_LABEL, '-d', o.staging, o.image], 'making the data disk');
  return { files: files.length, npmCache, bytes };
}

/**
 * Copy the guest's results/ out of the data disk `image` into `dest`/results, without mounting it. A VM stopped
 * before it powered off leaves the last writes in the filesystem's journal, which debugfs does not read: e2fsck
 * replays it first (and does nothing to a disk the VM unmounted). Returns what went wrong, or undefined.
 * @param {string} image
 * @param {string} dest
 */
export function readResults(image, dest) {
  mkdirSync(dest, { recursive: true });
  const fsck = spawnSync('e2fsck', ['-p', image], { encoding: 'utf8' });
  const res = spawnSync('debugfs', ['-R', `rdump /results ${dest}`, image], { encoding: 'utf8' });
  if (res.status === 0 && existsSync(join(dest, 'results'))) return undefined;
  return `\`debugfs -R 'rdump /results ${dest}' ${image}\` (status ${res.status ?? res.signal}): ${(res.stderr || res.error?.message || '').trim()}; e2fsck -p before it: status ${fsck.status}, ${(fsck.stdout + fsck.stderr).trim()}`;
}
