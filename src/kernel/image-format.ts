// Container images as data: an image is an ordered stack of read-only layers (each a directory) plus the metadata a
// runtime needs (default command, environment, working directory, where it came from). Parsers for what
// `docker save` writes (manifest.json) and for an OCI image layout (oci-layout, index.json, manifest, config), and
// the OCI whiteout rules turned into what overlayfs understands. Pure: callers read the files and pass the JSON.
import { LabError } from '../common/errors.js';
import type { Text } from '../common/vocabulary.js';

/** What a runtime takes from an image's config (the `config` object of Docker's and OCI's image config). */
export interface ImageConfig {
  /** Entrypoint, then Cmd: the default command is both, in that order. */
  entrypoint: string[];
  cmd: string[];
  /** `KEY=value` strings. */
  env: string[];
  /** Where the command starts; '' means `/`. */
  workingDir: string;
}

/** Where an image came from. */
export interface ImageSource {
  kind: 'busybox' | 'rootfs' | 'docker-save' | 'oci-layout';
  /** The path it was made from (or `/bin/busybox`). */
  from: string;
  /** The reference the archive named (a RepoTag, an OCI ref.name), when it named one. */
  ref?: string;
}

/** An image as the store records it in image.json; its layers are `layers/0` (lowest) to `layers/<count-1>`. */
export interface ImageRecord {
  format: 1;
  /** `repo:tag`. */
  name: string;
  layerCount: number;
  config: ImageConfig;
  source: ImageSource;
  /** ISO time of creation. */
  created: string;
}

/** The default command of an image: Entrypoint followed by Cmd. */
export function defaultCommand(config: ImageConfig): string[] {
  return [...config.entrypoint, ...config.cmd];
}

/** An empty config: no command, no environment, `/`. */
export function emptyConfig(): ImageConfig {
  return { entrypoint: [], cmd: [], env: [], workingDir: '' };
}

// ---- image names --------------------------------------------------------------------------------------------------

/** An image name split: `busybox` is `{ repo: 'busybox', tag: 'latest' }`. */
export interface ImageName {
  repo: string;
  tag: string;
}

const NAME_PART = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** Parse `repo[:tag]` (lowercase `[a-z0-9._-]`, starting with a letter or digit; the tag defaults to `latest`). */
export function parseImageName(name: string): ImageName {
  const colon = name.indexOf(':');
  const repo = colon < 0 ? name : name.slice(0, colon);
  const tag = colon < 0 ? 'latest' : name.slice(colon + 1);
  if (!NAME_PART.test(repo) || !NAME_PART.test(tag)) {
    throw new LabError({
      operation: `name image \`${name}\``,
      code: 'bad-image-name',
      meaning: {
        en: `"${name}" is not a valid image name: a name is lowercase letters, digits, '.', '_' and '-', starting with a letter or digit, optionally followed by ':' and a tag of the same characters.`,
        zh: `"${name}" 不是有效的镜像名：名字由小写字母、数字、'.'、'_' 和 '-' 组成，以字母或数字开头，后面可以跟 ':' 和同样字符组成的标签（tag）。`,
      },
      fix: { en: 'Use a name such as `busybox` or `myimage:v1`.', zh: '使用 `busybox` 或 `myimage:v1` 这样的名字。' },
      exitCode: 125,
    });
  }
  return { repo, tag };
}

/** `repo:tag`, the canonical form of a name. */
export function formatImageName(name: ImageName): string {
  return `${name.repo}:${name.tag}`;
}

/**
 * A store name for a reference an archive carries (`docker.io/library/busybox:1.36`, `localhost:5000/app`): the
 * last path component, lowercased, with its tag; undefined when nothing valid is left.
 */
export function nameFromReference(ref: string): string | undefined {
  const last = ref.slice(ref.lastIndexOf('/') + 1).toLowerCase();
  const withoutDigest = last.split('@')[0] ?? '';
  try {
    return formatImageName(parseImageName(withoutDigest));
  } catch {
    return undefined;
  }
}

// ---- errors -------------------------------------------------------------------------------------------------------

/** A LabError for an archive whose contents are not what its format says: `what` names the file and the problem. */
export function corruptArchive(archive: string, what: Text): LabError {
  return new LabError({
    operation: `load \`${archive}\``,
    code: 'corrupt-archive',
    meaning: {
      en: `This is not a valid image archive: ${what.en}.`,
      zh: `这不是有效的镜像归档：${what.zh}。`,
    },
    fix: {
      en: 'Give a tar written by `docker save IMAGE -o FILE` or an OCI image layout (`skopeo copy docker://IMAGE oci:DIR`, `podman save --format oci-archive`); for `docker export` output use import instead.',
      zh: '请提供由 `docker save IMAGE -o FILE` 生成的 tar，或 OCI 镜像布局（`skopeo copy docker://IMAGE oci:DIR`、`podman save --format oci-archive`）；`docker export` 的输出请改用 import。',
    },
    exitCode: 125,
  });
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const stringList = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;

/** A path inside an archive: relative, no `..`, no empty part. */
export function isSafeArchivePath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\0')) return false;
  return path.split('/').every((part) => part !== '' && part !== '..');
}

// ---- docker save --------------------------------------------------------------------------------------------------

/** One image of a `docker save` manifest.json. */
export interface DockerSaveEntry {
  /** Path of the config JSON inside the archive. */
  config: string;
  repoTags: string[];
  /** Paths of the layer tars, lowest first. */
  layers: string[];
}

/** Parse manifest.json of `docker save`: an array of { Config, RepoTags, Layers }. */
export function parseDockerManifest(json: unknown, archive: string): DockerSaveEntry[] {
  const bad = (en: string, zh: string): LabError => corruptArchive(archive, { en: `manifest.json ${en}`, zh: `manifest.json ${zh}` });
  if (!Array.isArray(json) || json.length === 0) throw bad('is not a non-empty array', '不是非空数组');
  return json.map((item, i) => {
    if (!isObject(item)) throw bad(`entry ${i} is not an object`, `第 ${i} 项不是对象`);
    const config = item.Config;
    const layers = stringList(item.Layers);
    const repoTags = item.RepoTags == null ? [] : stringList(item.RepoTags);
    if (typeof config !== 'string' || !isSafeArchivePath(config)) throw bad(`entry ${i} has no valid Config path`, `第 ${i} 项没有有效的 Config 路径`);
    if (!layers || layers.length === 0 || !layers.every(isSafeArchivePath)) {
      throw bad(`entry ${i} has no valid Layers list`, `第 ${i} 项没有有效的 Layers 列表`);
    }
    if (!repoTags) throw bad(`entry ${i} has a RepoTags that is not a list of strings`, `第 ${i} 项的 RepoTags 不是字符串列表`);
    return { config, repoTags, layers };
  });
}

// ---- image config (Docker and OCI share it) -----------------------------------------------------------------------

/** Parse an image config JSON (Docker's or OCI's: `{ config: { Entrypoint, Cmd, Env, WorkingDir } }`). */
export function parseImageConfig(json: unknown, archive: string): ImageConfig {
  if (!isObject(json)) throw corruptArchive(archive, { en: 'the image config is not a JSON object', zh: '镜像配置不是 JSON 对象' });
  const config = json.config ?? json.Config ?? {};
  if (!isObject(config)) throw corruptArchive(archive, { en: 'the image config\'s "config" is not an object', zh: '镜像配置中的 "config" 不是对象' });
  const field = (key: string): string[] => {
    const value = config[key];
    if (value == null) return [];
    const list = stringList(value);
    if (!list) throw corruptArchive(archive, { en: `the image config's ${key} is not a list of strings`, zh: `镜像配置中的 ${key} 不是字符串列表` });
    return list;
  };
  const workingDir = config.WorkingDir ?? '';
  if (typeof workingDir !== 'string')
    throw corruptArchive(archive, { en: "the image config's WorkingDir is not a string", zh: '镜像配置中的 WorkingDir 不是字符串' });
  return { entrypoint: field('Entrypoint'), cmd: field('Cmd'), env: field('Env'), workingDir };
}

// ---- OCI image layout ---------------------------------------------------------------------------------------------

/** OCI media types this store reads. */
export const OCI_MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** A content descriptor: what a blob is, its digest, and (for an index entry) its platform and ref name. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  /** `org.opencontainers.image.ref.name` (or containerd's full image name), when present. */
  ref?: string;
  platform?: { os: string; architecture: string };
}

/** How a layer blob is compressed: tar options to read it. */
export type LayerCompression = 'none' | 'gzip';

const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;

/** The path of a blob in an OCI layout: `blobs/<algorithm>/<hex>`; a digest we cannot verify is corrupt. */
export function blobPath(digest: string, archive: string): string {
  if (!DIGEST.test(digest)) throw corruptArchive(archive, { en: `"${digest}" is not a sha256 or sha512 digest`, zh: `"${digest}" 不是 sha256 或 sha512 摘要` });
  const [algorithm, hex] = digest.split(':');
  return `blobs/${algorithm}/${hex}`;
}

/** Check the `oci-layout` file: `{ "imageLayoutVersion": "1.0.0" }`. */
export function parseOciLayout(json: unknown, archive: string): void {
  if (!isObject(json) || typeof json.imageLayoutVersion !== 'string' || !json.imageLayoutVersion.startsWith('1.')) {
    throw corruptArchive(archive, { en: 'oci-layout does not name image layout version 1.x', zh: 'oci-layout 没有声明镜像布局版本 1.x' });
  }
}

function parseDescriptor(value: unknown, where: string, archive: string): Descriptor {
  if (!isObject(value) || typeof value.mediaType !== 'string' || typeof value.digest !== 'string') {
    throw corruptArchive(archive, { en: `${where} is not a descriptor with mediaType and digest`, zh: `${where} 不是带 mediaType 和 digest 的描述符` });
  }
  blobPath(value.digest, archive);
  const annotations = isObject(value.annotations) ? value.annotations : {};
  const ref = annotations['org.opencontainers.image.ref.name'] ?? annotations['io.containerd.image.name'];
  const platform = value.platform;
  return {
    mediaType: value.mediaType,
    digest: value.digest,
    ...(typeof ref === 'string' ? { ref } : {}),
    ...(isObject(platform) && typeof platform.os === 'string' && typeof platform.architecture === 'string'
      ? { platform: { os: platform.os, architecture: platform.architecture } }
      : {}),
  };
}

/** Parse index.json (or a nested image index): its manifests' descriptors. */
export function parseOciIndex(json: unknown, archive: string): Descriptor[] {
  if (!isObject(json) || !Array.isArray(json.manifests) || json.manifests.length === 0) {
    throw corruptArchive(archive, { en: 'index.json lists no manifests', zh: 'index.json 中没有列出任何 manifest' });
  }
  return json.manifests.map((m, i) => parseDescriptor(m, `index.json manifests[${i}]`, archive));
}

/** Whether a descriptor points at another index (a multi-platform image) rather than at one image's manifest. */
export function isIndex(descriptor: Descriptor): boolean {
  return descriptor.mediaType === OCI_MEDIA.index || descriptor.mediaType === OCI_MEDIA.dockerManifestList;
}

/** Node's `process.arch` as OCI names it. */
export function ociArchitecture(nodeArch: string): string {
  return (
    ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[nodeArch] ??
    nodeArch
  );
}

/**
 * Pick the manifest to load from an index's entries: the one whose ref name is `ref` when given, else the one for
 * linux/<architecture> when entries name platforms, else the only one. Undefined when the choice is ambiguous.
 */
export function pickManifest(entries: Descriptor[], architecture: string, ref?: string): Descriptor | undefined {
  let candidates = ref === undefined ? entries : entries.filter((e) => e.ref === ref);
  const forPlatform = candidates.filter((e) => e.platform?.os === 'linux' && e.platform.architecture === architecture);
  if (forPlatform.length > 0) candidates = forPlatform;
  else candidates = candidates.filter((e) => !e.platform || e.platform.os === 'linux');
  const distinct = new Set(candidates.map((e) => e.digest));
  return distinct.size === 1 ? candidates[0] : undefined;
}

/** A layer of an OCI manifest. */
export interface OciLayer {
  digest: string;
  compression: LayerCompression;
}

/** The compression of a layer media type (OCI's and Docker's), or undefined for one this store cannot read. */
export function layerCompression(mediaType: string): LayerCompression | undefined {
  const oci = /^application\/vnd\.oci\.image\.layer(?:\.nondistributable)?\.v1\.tar(\+gzip)?$/.exec(mediaType);
  if (oci) return oci[1] ? 'gzip' : 'none';
  const docker = /^application\/vnd\.docker\.image\.rootfs\.(?:foreign\.)?diff\.tar(\.gzip)?$/.exec(mediaType);
  if (docker) return docker[1] ? 'gzip' : 'none';
  return undefined;
}

/** An image manifest: its config's digest and its layers, lowest first. */
export interface OciManifest {
  config: string;
  layers: OciLayer[];
}

/** Parse an OCI (or Docker v2) image manifest. A layer type we cannot read (zstd, encrypted) is named. */
export function parseOciManifest(json: unknown, archive: string): OciManifest {
  if (!isObject(json) || !Array.isArray(json.layers)) {
    throw corruptArchive(archive, { en: 'the image manifest has no layers list', zh: '镜像 manifest 没有 layers 列表' });
  }
  const config = parseDescriptor(json.config, 'the manifest config', archive);
  const layers = json.layers.map((value, i) => {
    const layer = parseDescriptor(value, `the manifest layers[${i}]`, archive);
    const compression = layerCompression(layer.mediaType);
    if (!compression) {
      throw corruptArchive(archive, {
        en: `layer ${i} has media type ${layer.mediaType}, which this store cannot read (it reads tar and tar+gzip layers)`,
        zh: `第 ${i} 层的媒体类型是 ${layer.mediaType}，本存储无法读取（只支持 tar 和 tar+gzip 层）`,
      });
    }
    return { digest: layer.digest, compression };
  });
  if (layers.length === 0) throw corruptArchive(archive, { en: 'the image manifest lists no layers', zh: '镜像 manifest 没有列出任何层' });
  return { config: config.digest, layers };
}

// ---- whiteouts ----------------------------------------------------------------------------------------------------

/** An entry of an extracted layer: its path relative to the layer's root (`etc/.wh.passwd`) and its type. */
export interface LayerEntry {
  path: string;
  type: 'dir' | 'file' | 'symlink' | 'other';
}

/**
 * One change that turns an OCI layer into an overlayfs layer, relative to the layer's root: `remove` a whiteout
 * marker file, `whiteout` (a character device 0/0 of that name hides the name in lower layers), `opaque` (the
 * xattr `trusted.overlay.opaque=y` on a directory hides everything lower layers have in it).
 */
export type WhiteoutChange = { op: 'remove'; path: string } | { op: 'whiteout'; path: string } | { op: 'opaque'; path: string };

/** The OCI marker that makes its directory opaque. */
export const OPAQUE_MARKER = '.wh..wh..opq';
/** The prefix of a whiteout file: `.wh.<name>` deletes `<name>` of lower layers. */
export const WHITEOUT_PREFIX = '.wh.';
/** The xattr overlayfs reads to make a directory opaque (kernel Documentation/filesystems/overlayfs.rst). */
export const OPAQUE_XATTR = { name: 'trusted.overlay.opaque', value: 'y' } as const;

const parentOf = (path: string): string => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
const join = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);

/**
 * The plan that applies the OCI whiteout rules to an extracted layer, in order. `.wh..wh..opq` makes its directory
 * opaque; `.wh.<name>` becomes a 0/0 character device `<name>`, unless this layer has `<name>` itself (a whiteout
 * only deletes from lower layers); other `.wh..wh.*` files (aufs metadata) are only removed. Every marker is removed.
 */
export function whiteoutPlan(entries: readonly LayerEntry[]): WhiteoutChange[] {
  const present = new Set(entries.map((e) => e.path));
  const plan: WhiteoutChange[] = [];
  for (const entry of [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const dir = parentOf(entry.path);
    const base = entry.path.slice(dir === '' ? 0 : dir.length + 1);
    if (!base.startsWith(WHITEOUT_PREFIX)) continue;
    plan.push({ op: 'remove', path: entry.path });
    if (base === OPAQUE_MARKER) {
      plan.push({ op: 'opaque', path: dir });
      continue;
    }
    const name = base.slice(WHITEOUT_PREFIX.length);
    if (name.startsWith(WHITEOUT_PREFIX) || name === '' || name === '.' || name === '..') continue;
    const target = join(dir, name);
    if (!present.has(target)) plan.push({ op: 'whiteout', path: target });
  }
  return plan;
}

/** The command that makes a whiteout: `mknod PATH c 0 0`. */
export function whiteoutArgv(path: string): string[] {
  return ['mknod', path, 'c', '0', '0'];
}

/** The command that marks a directory opaque: `setfattr -n trusted.overlay.opaque -v y DIR`. */
export function opaqueArgv(path: string): string[] {
  return ['setfattr', '-n', OPAQUE_XATTR.name, '-v', OPAQUE_XATTR.value, path];
}

/** The same with python3's os.setxattr, for hosts without setfattr (Debian's attr package). */
export function opaqueArgvPython(path: string): string[] {
  return ['python3', '-c', `import os, sys; os.setxattr(sys.argv[1], '${OPAQUE_XATTR.name}', b'${OPAQUE_XATTR.value}')`, path];
}

/** The `lowerdir=` value of an overlay mount for layers given lowest first (overlayfs wants the top one first). */
export function lowerdirOption(layerDirs: readonly string[]): string {
  for (const dir of layerDirs) {
    if (/[:,\\]/.test(dir)) throw new Error(`lowerdirOption: ${dir} contains ':', ',' or '\\'`);
  }
  return [...layerDirs].reverse().join(':');
}

/**
 * The command that extracts a layer tar into its directory, keeping owners as numbers and every xattr (file
 * capabilities) except overlayfs' own, which only the whiteout plan may set.
 */
export function extractLayerArgv(tarFile: string, dir: string, compression: LayerCompression): string[] {
  const gzip = compression === 'gzip' ? ['--gzip'] : [];
  return ['tar', '--xattrs', '--xattrs-include=*', '--xattrs-exclude=trusted.overlay.*', '--numeric-owner', ...gzip, '-x', '-f', tarFile, '-C', dir];
}
