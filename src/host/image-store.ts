// The local image store: `<state>/images/<repo>/<tag>/` holds image.json and `layers/<n>/` (0 is the lowest), each
// layer a directory ready to be an overlayfs lower layer. Images come from Debian's busybox-static (built offline),
// a root filesystem tar or directory (`docker export`, debootstrap), or an archive (`docker save`, OCI layout).
// Every image is assembled in a `.partial-<pid>-*` directory and renamed into place, so a crash leaves no half image.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { commandError, LabError } from '../common/errors.js';
import {
  emptyConfig,
  extractLayerArgv,
  formatImageName,
  nameFromReference,
  parseImageName,
  type ImageConfig,
  type ImageRecord,
  type ImageSource,
} from '../kernel/image-format.js';
import { withBuildLock } from './build-lock.js';
import { runCommand } from './exec.js';
import { applyWhiteouts, list, readArchive, runTool, verifyDigest } from './image-archive.js';
import { ensureStateDir, stateDirPath } from './state-dir.js';

/** An image in the store: its record, its directory, and its layer directories, lowest first. */
export interface StoredImage extends ImageRecord {
  dir: string;
  layerDirs: string[];
}

/** Where images live: `<state>/images`. */
export function imagesDir(): string {
  return join(stateDirPath(), 'images');
}

/** The directory of an image name (validated; the tag defaults to `latest`). */
export function imageDir(name: string): string {
  const { repo, tag } = parseImageName(name);
  return join(imagesDir(), repo, tag);
}

/** Every image in the store, sorted by name. An entry without a readable image.json is skipped. */
export function listImages(): StoredImage[] {
  const root = imagesDir();
  const images: StoredImage[] = [];
  for (const repo of list(root).filter((n) => !n.startsWith('.'))) {
    for (const tag of list(join(root, repo))) {
      const image = readRecord(join(root, repo, tag));
      if (image) images.push(image);
    }
  }
  return images.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The image of that name; an unknown image is a LabError that says how to get one. */
export function getImage(name: string): StoredImage {
  const canonical = formatImageName(parseImageName(name));
  const image = readRecord(imageDir(name));
  if (!image) throw unknownImage(canonical);
  return image;
}

/** Remove an image and its layers. */
export function removeImage(name: string): void {
  const image = getImage(name);
  rmSync(image.dir, { recursive: true, force: true });
  try {
    rmdirSync(join(image.dir, '..'));
  } catch {
    // Other tags of the repository are still there.
  }
}

/** Build the default image (`busybox:latest` unless named) from Debian's busybox-static, offline. */
export async function buildBusybox(name = 'busybox', busybox = '/bin/busybox'): Promise<StoredImage> {
  if (!existsSync(busybox)) throw busyboxMissing(busybox);
  const canonical = formatImageName(parseImageName(name));
  ensureStateDir();
  mkdirSync(imagesDir(), { recursive: true, mode: 0o700 });
  // Many `run`s at once on a fresh host: one builds, the others wait for its image (build-lock.ts).
  const lock = join(imagesDir(), `.lock-${canonical.replace(/[^a-zA-Z0-9._-]/g, '_')}`);
  return withBuildLock(
    lock,
    () => (existsSync(imageDir(canonical)) ? getImage(canonical) : undefined),
    () => assembleBusybox(name, busybox),
  );
}

/** The busybox image assembled: its one layer, the applets as links. */
function assembleBusybox(name: string, busybox: string): Promise<StoredImage> {
  return assemble(name, { kind: 'busybox', from: busybox }, async (partial) => {
    const layer = newLayer(partial, 0);
    for (const dir of ['bin', 'etc', 'proc', 'sys', 'dev', 'root', 'tmp']) mkdirSync(join(layer, dir), { mode: 0o755 });
    // mkdir's mode passes through the umask; these two need exact modes.
    chmodSync(join(layer, 'root'), 0o700);
    chmodSync(join(layer, 'tmp'), 0o1777);
    copyFileSync(busybox, join(layer, 'bin', 'busybox'));
    const applets = await runCommand([busybox, '--list']);
    if (applets.exitCode !== 0) throw commandError(`run \`${busybox} --list\``, applets.stderr, busyboxFailed);
    for (const applet of applets.stdout.split('\n').map((a) => a.trim())) {
      if (/^[a-zA-Z0-9._[-]+$/.test(applet) && applet !== 'busybox') symlinkSync('busybox', join(layer, 'bin', applet));
    }
    writeFileSync(join(layer, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    writeFileSync(join(layer, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    return { layerCount: 1, config: { ...emptyConfig(), cmd: ['sh'], env: [DEFAULT_PATH] } };
  });
}

/** Import a root filesystem as a one-layer image: a tar (what `docker export` writes, compressed or not) or a directory. */
export async function importRootfs(tarOrDir: string, name: string, config: Partial<ImageConfig> = {}): Promise<StoredImage> {
  let stat;
  try {
    stat = statSync(tarOrDir);
  } catch {
    throw notFound(tarOrDir, 'import');
  }
  refuseSource(tarOrDir, stat.isDirectory(), 'import');
  return assemble(name, { kind: 'rootfs', from: resolve(tarOrDir) }, async (partial) => {
    const layer = newLayer(partial, 0);
    const argv = stat.isDirectory() ? ['cp', '-a', '--', `${tarOrDir.replace(/\/+$/, '')}/.`, layer] : extractLayerArgv(tarOrDir, layer, 'none');
    await runTool(argv, stat.isDirectory() ? copyFailed : notATar);
    return { layerCount: 1, config: { ...emptyConfig(), env: [DEFAULT_PATH], ...config } };
  });
}

/**
 * Load what `docker save` writes or an OCI image layout (a directory or its tar), keeping each layer a layer with
 * its whiteouts turned into overlayfs ones. The name defaults to the one the archive carries.
 */
export async function loadArchive(path: string, name?: string): Promise<StoredImage> {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw notFound(path, 'load');
  }
  refuseSource(path, stat.isDirectory(), 'load');
  if (name !== undefined && existsSync(imageDir(name))) throw nameInUse(formatImageName(parseImageName(name)));
  sweepPartials();
  const scratch = partialDir();
  try {
    let dir = path;
    if (!stat.isDirectory()) {
      dir = join(scratch, 'archive');
      mkdirSync(dir);
      await runTool(['tar', '--numeric-owner', '-x', '-f', path, '-C', dir], notATar);
    }
    const plan = readArchive(dir, path);
    const imageName = name ?? (plan.ref ? nameFromReference(plan.ref) : undefined);
    if (!imageName) throw nameNeeded(path);
    return await assemble(imageName, { kind: plan.kind, from: resolve(path), ...(plan.ref ? { ref: plan.ref } : {}) }, async (partial) => {
      for (const [i, layer] of plan.layers.entries()) {
        if (layer.digest) await verifyDigest(join(dir, layer.file), layer.digest, path);
        const target = newLayer(partial, i);
        await runTool(extractLayerArgv(join(dir, layer.file), target, layer.compression), {
          code: 'corrupt-archive',
          meaning: { en: `Layer ${i} (${layer.file}) of ${path} is not a readable tar.`, zh: `${path} 的第 ${i} 层（${layer.file}）不是可读的 tar。` },
          fix: notATar.fix,
        });
        await applyWhiteouts(target);
      }
      return { layerCount: plan.layers.length, config: plan.config };
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Commit a container's writable layer as a new image: the base image's layers, lowest first (hard links: a lower
 * layer is never written), and then `upperDir`, copied with its overlayfs whiteouts and opaque directories, as the new top layer.
 */
export async function commitLayers(name: string, baseLayers: readonly string[], upperDir: string, config: ImageConfig): Promise<StoredImage> {
  return assemble(name, { kind: 'rootfs', from: resolve(upperDir) }, async (partial) => {
    for (const [i, layer] of baseLayers.entries()) await runTool(['cp', '-al', '--', `${layer}/.`, newLayer(partial, i)], copyFailed);
    await runTool(['cp', '-a', '--', `${upperDir}/.`, newLayer(partial, baseLayers.length)], copyFailed);
    return { layerCount: baseLayers.length + 1, config };
  });
}

// ---- assembling an image ------------------------------------------------------------------------------------------

type Fill = (partial: string) => Promise<{ layerCount: number; config: ImageConfig }>;

/** Make an image in a partial directory, write image.json, and rename it into place; nothing is left on failure. */
async function assemble(name: string, source: ImageSource, fill: Fill): Promise<StoredImage> {
  const canonical = formatImageName(parseImageName(name));
  const target = imageDir(canonical);
  if (existsSync(target)) throw nameInUse(canonical);
  sweepPartials();
  const partial = partialDir();
  try {
    mkdirSync(join(partial, 'layers'));
    const { layerCount, config } = await fill(partial);
    const record: ImageRecord = { format: 1, name: canonical, layerCount, config, source, created: new Date().toISOString() };
    writeFileSync(join(partial, 'image.json'), `${JSON.stringify(record, null, 2)}\n`);
    mkdirSync(join(target, '..'), { recursive: true, mode: 0o700 });
    try {
      renameSync(partial, target);
    } catch {
      throw nameInUse(canonical);
    }
    return getImage(canonical);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

function partialDir(): string {
  ensureStateDir();
  mkdirSync(imagesDir(), { recursive: true, mode: 0o700 });
  const dir = join(imagesDir(), `.partial-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/** Remove partial images whose process is gone (a crash mid-import). */
function sweepPartials(): void {
  for (const entry of list(imagesDir())) {
    const pid = Number(/^\.partial-(\d+)-/.exec(entry)?.[1]);
    if (pid && !alive(pid)) rmSync(join(imagesDir(), entry), { recursive: true, force: true });
  }
}

function newLayer(partial: string, index: number): string {
  const dir = join(partial, 'layers', String(index));
  mkdirSync(dir, { mode: 0o755 });
  return dir;
}

function readRecord(dir: string): StoredImage | undefined {
  try {
    const record = JSON.parse(readFileSync(join(dir, 'image.json'), 'utf8')) as ImageRecord;
    if (record.format !== 1 || !Number.isInteger(record.layerCount)) return undefined;
    return { ...record, dir, layerDirs: Array.from({ length: record.layerCount }, (_, i) => join(dir, 'layers', String(i))) };
  } catch {
    return undefined;
  }
}

/**
 * Refuse a source that is the host's `/`, lies inside the state directory (the store itself), or, for a directory,
 * holds the state directory: its copy would take in the store while the store writes into it.
 */
function refuseSource(path: string, isDirectory: boolean, what: 'import' | 'load'): void {
  const real = realpathSync(path);
  let state = resolve(stateDirPath());
  try {
    state = realpathSync(state);
  } catch {
    // No state directory yet: nothing can be inside it.
  }
  const inside = real === state || real.startsWith(`${state}/`);
  if (real === '/' || inside || (isDirectory && state.startsWith(`${real}/`))) throw refusedSource(path, real, state, what);
}

// ---- small helpers ------------------------------------------------------------------------------------------------

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// ---- errors -------------------------------------------------------------------------------------------------------

function unknownImage(name: string): LabError {
  return new LabError({
    operation: `find image \`${name}\``,
    code: 'unknown-image',
    meaning: {
      en: `There is no image ${name} in the local store; lab never pulls from a registry.`,
      zh: `本地存储中没有镜像 ${name}；lab 从不从镜像仓库拉取。`,
    },
    fix: {
      en: 'List the images with `lab container images`; bring one with `lab container load` (docker save, OCI layout) or `lab container import` (a root filesystem).',
      zh: '用 `lab container images` 列出镜像；用 `lab container load`（docker save、OCI 布局）或 `lab container import`（根文件系统）导入一个。',
    },
    exitCode: 125,
  });
}

function nameInUse(name: string): LabError {
  return new LabError({
    operation: `store image \`${name}\``,
    code: 'name-in-use',
    meaning: { en: `An image named ${name} is already in the store.`, zh: `存储中已经有名为 ${name} 的镜像。` },
    fix: { en: 'Choose another name or tag, or remove the old image first.', zh: '换一个名字或标签，或先删除旧镜像。' },
    exitCode: 125,
  });
}

function notFound(path: string, what: 'import' | 'load'): LabError {
  return new LabError({
    operation: `${what} \`${path}\``,
    code: 'ENOENT',
    meaning: { en: `There is no file or directory ${path}.`, zh: `没有文件或目录 ${path}。` },
    fix: { en: 'Check the path (relative paths start from the current directory).', zh: '检查路径（相对路径从当前目录算起）。' },
    exitCode: 125,
  });
}

function refusedSource(path: string, real: string, state: string, what: 'import' | 'load'): LabError {
  return new LabError({
    operation: `${what} \`${path}\``,
    code: 'refused-source',
    meaning:
      real === '/'
        ? { en: "That is the host's whole root filesystem, lab's own store included.", zh: '这是宿主机的整个根文件系统，其中也包括 lab 自己的镜像存储。' }
        : {
            en: `${real} is inside lab's state directory ${state}, or holds it: the copy would take in the image store while it is written.`,
            zh: `${real} 位于 lab 的状态目录 ${state} 之内，或包含该目录：复制时会把正在写入的镜像存储也一并带上。`,
          },
    fix: {
      en: 'Give a root filesystem of its own (a `docker export` tar, a debootstrap directory) or an archive outside the state directory.',
      zh: '请提供一个独立的根文件系统（`docker export` 的 tar、debootstrap 目录），或状态目录之外的归档。',
    },
    exitCode: 125,
  });
}

function nameNeeded(path: string): LabError {
  return new LabError({
    operation: `load \`${path}\``,
    code: 'name-needed',
    meaning: {
      en: 'The archive does not name its image (no RepoTags, no ref.name annotation).',
      zh: '归档没有给出镜像名（没有 RepoTags，也没有 ref.name 注解）。',
    },
    fix: { en: 'Give the image a name when loading it.', zh: '载入时给镜像指定一个名字。' },
    exitCode: 125,
  });
}

function busyboxMissing(path: string): LabError {
  return new LabError({
    operation: `build image \`busybox\` from \`${path}\``,
    code: 'ENOENT',
    meaning: {
      en: `${path} is not there: the default image is built from Debian's busybox-static.`,
      zh: `${path} 不存在：默认镜像由 Debian 的 busybox-static 构建。`,
    },
    fix: {
      en: 'Install it: `sudo apt-get install busybox-static` (scripts/provision.sh does).',
      zh: '安装它：`sudo apt-get install busybox-static`（scripts/provision.sh 会安装）。',
    },
    exitCode: 125,
  });
}

const busyboxFailed = {
  meaning: { en: 'busybox did not list its applets.', zh: 'busybox 没能列出它的小程序（applet）。' },
  fix: {
    en: 'Reinstall busybox-static: `sudo apt-get install --reinstall busybox-static`.',
    zh: '重新安装 busybox-static：`sudo apt-get install --reinstall busybox-static`。',
  },
};
const copyFailed = {
  code: 'copy-failed',
  meaning: { en: 'Copying the directory failed.', zh: '复制目录失败。' },
  fix: { en: 'Check that the directory is readable and there is space under the state directory.', zh: '检查该目录是否可读，以及状态目录下是否有足够空间。' },
};
const notATar = {
  code: 'corrupt-archive',
  meaning: {
    en: 'tar could not read it: it is not a tar archive (plain, gzip or xz), or it is truncated.',
    zh: 'tar 无法读取它：它不是 tar 归档（未压缩、gzip 或 xz），或者已被截断。',
  },
  fix: {
    en: 'Check the file with `tar -tf FILE`; make it again if it is damaged.',
    zh: '用 `tar -tf FILE` 检查该文件；如果已损坏，重新生成。',
  },
};
