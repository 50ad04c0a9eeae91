// Reading image archives for the store: what `docker save` writes and OCI image layouts (a directory, after the
// store has unpacked a tar), each file checked to be inside the archive and each OCI blob against its digest; and
// turning an extracted layer's OCI whiteout markers into overlayfs whiteouts, with the commands the plan names.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, lstatSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { commandError, LabError } from '../common/errors.js';
import type { Text } from '../common/vocabulary.js';
import {
  blobPath,
  corruptArchive,
  isIndex,
  isSafeArchivePath,
  ociArchitecture,
  opaqueArgv,
  opaqueArgvPython,
  parseDockerManifest,
  parseImageConfig,
  parseOciIndex,
  parseOciLayout,
  parseOciManifest,
  pickManifest,
  whiteoutArgv,
  whiteoutPlan,
  type ImageConfig,
  type LayerCompression,
  type LayerEntry,
} from '../kernel/image-format.js';
import { runCommand } from './exec.js';

/** A layer of an archive: its file inside the archive and how to read it. */
export interface ArchiveLayer {
  file: string;
  compression: LayerCompression;
  /** The digest the file must have (OCI blobs). */
  digest?: string;
}

/** What an archive holds: its format, the reference it names, its layers (lowest first) and its config. */
export interface ArchivePlan {
  kind: 'docker-save' | 'oci-layout';
  ref?: string;
  layers: ArchiveLayer[];
  config: ImageConfig;
}

/** Read a `docker save` directory (manifest.json first: it names the image) or an OCI layout. */
export function readArchive(dir: string, archive: string): ArchivePlan {
  if (existsSync(join(dir, 'manifest.json'))) {
    const entries = parseDockerManifest(readJson(dir, 'manifest.json', archive), archive);
    if (entries.length !== 1)
      throw corruptArchive(archive, { en: `it holds ${entries.length} images; load one at a time`, zh: `其中有 ${entries.length} 个镜像；请一次载入一个` });
    const [entry] = entries as [(typeof entries)[number]];
    const config = parseImageConfig(readJson(dir, entry.config, archive), archive);
    for (const file of entry.layers) archiveFile(dir, file, archive);
    return {
      kind: 'docker-save',
      ...(entry.repoTags[0] ? { ref: entry.repoTags[0] } : {}),
      layers: entry.layers.map((file) => ({ file, compression: 'none' as const })),
      config,
    };
  }
  if (!existsSync(join(dir, 'oci-layout'))) {
    throw corruptArchive(archive, {
      en: 'it has neither manifest.json (docker save) nor oci-layout (OCI image layout)',
      zh: '其中既没有 manifest.json（docker save），也没有 oci-layout（OCI 镜像布局）',
    });
  }
  parseOciLayout(readJson(dir, 'oci-layout', archive), archive);
  const arch = ociArchitecture(process.arch);
  let entries = parseOciIndex(readJson(dir, 'index.json', archive), archive);
  let chosen = pickManifest(entries, arch);
  const ref = chosen?.ref;
  for (let depth = 0; chosen && isIndex(chosen) && depth < 4; depth++) {
    entries = parseOciIndex(readJson(dir, blobPath(chosen.digest, archive), archive), archive);
    chosen = pickManifest(entries, arch);
  }
  if (!chosen || isIndex(chosen)) {
    throw corruptArchive(archive, { en: `index.json does not name one image for linux/${arch}`, zh: `index.json 没有唯一指明一个 linux/${arch} 镜像` });
  }
  const manifest = parseOciManifest(readJson(dir, blobPath(chosen.digest, archive), archive), archive);
  const config = parseImageConfig(readJson(dir, blobPath(manifest.config, archive), archive), archive);
  const layers = manifest.layers.map((l) => ({ file: blobPath(l.digest, archive), compression: l.compression, digest: l.digest }));
  for (const layer of layers) archiveFile(dir, layer.file, archive);
  return { kind: 'oci-layout', ...(ref ? { ref } : {}), layers, config };
}

/** A regular file inside the archive directory; a missing one, or a link out of it, makes the archive corrupt. */
function archiveFile(dir: string, rel: string, archive: string): string {
  const missing = corruptArchive(archive, { en: `${rel} is missing or not a file inside the archive`, zh: `${rel} 不存在，或不是归档内的文件` });
  if (!isSafeArchivePath(rel)) throw missing;
  try {
    const real = realpathSync(join(dir, rel));
    if (!real.startsWith(`${realpathSync(dir)}/`) || !statSync(real).isFile()) throw missing;
    return real;
  } catch {
    throw missing;
  }
}

function readJson(dir: string, rel: string, archive: string): unknown {
  const file = archiveFile(dir, rel, archive);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    throw corruptArchive(archive, { en: `${rel} is not valid JSON`, zh: `${rel} 不是有效的 JSON` });
  }
}

/** Check that a blob has the digest its descriptor names; a mismatch makes the archive corrupt. */
export async function verifyDigest(file: string, digest: string, archive: string): Promise<void> {
  const [algorithm, expected] = digest.split(':') as [string, string];
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const actual = hash.digest('hex');
  if (actual !== expected) {
    throw corruptArchive(archive, { en: `blob ${digest} has digest ${algorithm}:${actual}`, zh: `数据块 ${digest} 的实际摘要是 ${algorithm}:${actual}` });
  }
}

/** Turn the OCI whiteout markers of an extracted layer into overlayfs whiteouts and opaque directories. */
export async function applyWhiteouts(layer: string): Promise<void> {
  const setfattr = onPath('setfattr');
  for (const change of whiteoutPlan(walk(layer))) {
    const path = join(layer, change.path);
    if (change.op === 'remove') rmSync(path, { recursive: true, force: true });
    else {
      const argv = change.op === 'whiteout' ? whiteoutArgv(path) : setfattr ? opaqueArgv(path) : opaqueArgvPython(path);
      const result = await runCommand(argv);
      if (result.exitCode !== 0) throw commandError(`run \`${argv.join(' ')}\``, result.stderr, whiteoutFailed);
    }
  }
}

/** Entries of a layer, found without following links (a link in a layer never leads the plan out of it). */
function walk(root: string, rel = ''): LayerEntry[] {
  return list(join(root, rel)).flatMap((name) => {
    const path = rel === '' ? name : `${rel}/${name}`;
    const stat = lstatSync(join(root, path));
    const type = stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : stat.isSymbolicLink() ? 'symlink' : 'other';
    return [{ path, type } as LayerEntry, ...(type === 'dir' ? walk(root, path) : [])];
  });
}

/**
 * Run a tool the store needs (tar, cp); a failure is a LabError with `code`, whose meaning ends with what the tool
 * said, so the learner sees what was wrong with the file.
 */
export async function runTool(argv: string[], failure: { code: string; meaning: Text; fix: Text }): Promise<void> {
  const result = await runCommand(argv, { timeoutMs: 30 * 60_000 });
  if (result.exitCode === 0) return;
  const said = result.stderr.trim().split('\n')[0] || `exit status ${result.exitCode}`;
  throw new LabError({
    operation: `run \`${argv.join(' ')}\``,
    code: failure.code,
    meaning: { en: `${failure.meaning.en} ${argv[0]} said: ${said}`, zh: `${failure.meaning.zh} ${argv[0]} 的输出：${said}` },
    fix: failure.fix,
    cause: result.stderr,
    exitCode: 125,
  });
}

/** A directory's entries, sorted; none when it cannot be read. */
export function list(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((dir) => dir !== '' && existsSync(join(dir, program)));
}

const whiteoutFailed = {
  meaning: {
    en: 'Turning a whiteout into an overlayfs one failed (mknod and trusted.* xattrs need root).',
    zh: '把 whiteout 转换成 overlayfs 的格式失败（mknod 和 trusted.* 扩展属性需要 root）。',
  },
  fix: { en: 'Run as root (`sudo`).', zh: '以 root 身份运行（`sudo`）。' },
};
