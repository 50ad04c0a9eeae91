// `lab container commit` and `export`, the two ways out of a container that the overlay-layers lab teaches:
// commit keeps the writable (upper) layer as a layer, whiteouts and opaque directories included, on top of the
// image's layers; export writes the merged view as one tar (what `docker export` writes, `import` takes back).
import { spawn } from 'node:child_process';
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { renderCommand } from '../kernel/shell.js';
import { containerDir } from '../host/container-store.js';
import { commitLayers, getImage, type StoredImage } from '../host/image-store.js';
import { emptyConfig, type ImageConfig } from '../kernel/image-format.js';
import { commandError } from './errors.js';
import type { Found } from './lifecycle.js';

/** The config a committed image gets: the container's command, environment and working directory. */
function committedConfig(found: Found): ImageConfig {
  let base = emptyConfig();
  try {
    base = getImage(found.record.image).config;
  } catch {
    // The image is gone; the container's own record says enough.
  }
  return {
    ...base,
    entrypoint: [],
    cmd: found.record.command,
    env: found.record.env.filter((e) => !e.startsWith('HOSTNAME=')),
    workingDir: found.record.workdir === '/' ? '' : found.record.workdir,
  };
}

/** Commit the container's upper layer over its image's layers, as a new image `name`. */
export async function commitContainer(found: Found, name: string): Promise<StoredImage> {
  return commitLayers(name, found.record.layers, found.record.dirs.upper, committedConfig(found));
}

/**
 * The argv that writes the merged view as a tar to `output` (`-` for stdout). A running container's root is read
 * through /proc/<pid>/root (its volumes and kernel filesystems left out with --one-file-system); a stopped one's is
 * mounted read-only in a mount namespace of its own (private: the host never sees it) from the upper dir and the
 * image's layers, all as lower layers, so it needs no work dir and does not touch the container's.
 */
export function exportArgv(found: Found, output: string, mountPoint: string): string[] {
  const tar = (root: string): string[] => ['tar', '--numeric-owner', '--one-file-system', '-C', root, '-c', '-f', output, '.'];
  if (found.running && found.state.pid !== undefined) return tar(`/proc/${found.state.pid}/root`);
  const lower = [found.record.dirs.upper, ...[...found.record.layers].reverse()].join(':');
  const mount = renderCommand(['mount', '-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${lower}`, mountPoint]);
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `${mount} && exec ${renderCommand(tar(mountPoint))}`];
}

/** `export`: the tar to `output`, or to stdout for `-`. */
export async function exportContainer(found: Found, output: string): Promise<void> {
  const mountPoint = join(containerDir(found.record.id), 'export');
  mkdirSync(mountPoint, { recursive: true });
  try {
    const argv = exportArgv(found, output, mountPoint);
    const code = await new Promise<number>((resolve) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
      child.once('error', () => resolve(127));
      child.once('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) {
      throw commandError(`${renderCommand(argv)}`, 'export-failed', {
        en: `Writing the container's files as a tar failed (exit status ${code}).`,
        zh: `把容器的文件写成 tar 失败（退出状态 ${code}）。`,
      });
    }
  } finally {
    try {
      rmdirSync(mountPoint);
    } catch {
      // Still busy or gone: it is inside the container's directory, which rm removes.
    }
  }
}
