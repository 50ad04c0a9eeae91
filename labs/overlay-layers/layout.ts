// Where the overlay-layers lab keeps everything, inside the tmpfs it mounts on /mnt in its own mount namespace: the
// image's layers (lowest first: base, add, delete, opaque, and the committed one), each container's upper, work and
// merged directories, the exported tar; what the files hold; and the commands that read an xattr.
import { lowerdirOption } from '../../src/kernel/image-format.js';

/** The tmpfs everything lives in (mounted in the lab's mount namespace only; its source names it on the mount table). */
export const ROOT = '/mnt';
export const TMPFS_SOURCE = 'lab-layers';

/** The image's layers, one directory each. */
export const LAYERS = `${ROOT}/layers`;
export const BASE = `${LAYERS}/base`;
export const ADD = `${LAYERS}/add`;
export const DELETE = `${LAYERS}/delete`;
export const OPAQUE = `${LAYERS}/opaque`;
/** The layer `commit` makes from container 1's upper directory. */
export const COMMITTED = `${LAYERS}/commit`;

/** The image, lowest layer first, as an image manifest lists them. */
export const IMAGE = [BASE, ADD, DELETE, OPAQUE] as const;

/** A container: its overlay mount's source, and its upper, work and merged directories (Docker's diff, work, merged). */
export interface Box {
  source: string;
  dir: string;
  upper: string;
  work: string;
  merged: string;
}

/** Container `n`'s directories under /mnt/c<n>. */
function container(n: number): Box {
  const dir = `${ROOT}/c${n}`;
  return { source: `lab-c${n}`, dir, upper: `${dir}/upper`, work: `${dir}/work`, merged: `${dir}/merged` };
}

/** The two containers of the image, and the one made from the committed image. */
export const C1 = container(1);
export const C2 = container(2);
export const C3 = container(3);

/** The `-o` of a container's overlay mount over these layers (given lowest first; overlayfs wants the top first). */
export function overlayOptions(layers: readonly string[], box: Box): string {
  return `lowerdir=${lowerdirOption(layers)},upperdir=${box.upper},workdir=${box.work}`;
}

/** The tar `export` writes. */
export const EXPORT_TAR = `${ROOT}/export.tar`;

/** What the files hold (each written with `echo`, so each ends with a newline). */
export const MOTD = 'hello from the base layer';
export const HELLO = 'added by the second layer';
export const C1_LINE = 'written in container 1';
export const C2_LINE = 'written in container 2';

/** The xattr overlayfs reads to make a directory opaque. */
export const OPAQUE_XATTR_NAME = 'trusted.overlay.opaque';

/** getxattr(2) of trusted.overlay.opaque with python3, printing the value (`y`); fails with ENODATA when absent. */
export function readOpaqueArgv(path: string): string[] {
  return ['python3', '-c', `import os, sys; print(os.getxattr(sys.argv[1], '${OPAQUE_XATTR_NAME}').decode())`, path];
}
