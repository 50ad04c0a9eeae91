// A path inside a container's root resolved as the container would resolve it, before the container exists: each
// component looked up in the image's layers (top first) and every symlink followed INSIDE the root (an absolute
// link starts again at the root), as runc's securejoin does. The result has no symlink left, so the harness's
// `mkdir -p <merged><path>` before the pivot cannot follow an image's link out to the host. Climbing above the
// root with `..` is refused: the caller exits 125.
import { lstatSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';

/** The resolved path, or why it could not be resolved. */
export type Joined = { ok: true; path: string } | { ok: false; why: 'escapes' | 'loop' };

/** How many links one path may go through (the kernel's MAXSYMLINKS). */
const MAX_LINKS = 40;

/** The first layer (from the top) that has this container path, and what it is there. */
function lookup(layersTopFirst: readonly string[], path: string): { kind: 'link'; target: string } | { kind: 'other' } | undefined {
  for (const layer of layersTopFirst) {
    const host = join(layer, path);
    try {
      const stat = lstatSync(host);
      // A whiteout (a 0/0 character device) hides what the layers below have.
      if (stat.isCharacterDevice() && stat.rdev === 0) return undefined;
      return stat.isSymbolicLink() ? { kind: 'link', target: readlinkSync(host) } : { kind: 'other' };
    } catch {
      // Not in this layer: look below.
    }
  }
  return undefined;
}

/** Resolve `path` (absolute, inside the container) over the layers, given lowest first as the image lists them. */
export function secureJoin(layers: readonly string[], path: string): Joined {
  const top = [...layers].reverse();
  let pending = path.split('/').filter((part) => part !== '' && part !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      if (done.length === 0) return { ok: false, why: 'escapes' };
      done.pop();
      continue;
    }
    const here = `/${[...done, part].join('/')}`;
    const found = lookup(top, here);
    if (found?.kind === 'link') {
      if (++links > MAX_LINKS) return { ok: false, why: 'loop' };
      const target = found.target.split('/').filter((p) => p !== '' && p !== '.');
      if (found.target.startsWith('/')) done.length = 0;
      pending = [...target, ...pending];
      continue;
    }
    done.push(part);
  }
  return { ok: true, path: posix.normalize(`/${done.join('/')}`) };
}
