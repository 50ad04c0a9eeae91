// An OCI runtime bundle (a directory with config.json and a root filesystem, what `runc run` takes) as the input of
// a container plan, for `lab container run --bundle DIR`. lab reads a documented subset of config.json (runtime-spec
// v1) and refuses the rest by its field name, so nothing a bundle asks for is silently left out:
//
//   ociVersion                                 required, a string
//   process.args, process.cwd                  required: the command (non-empty) and its absolute directory
//   process.env, process.terminal              `K=V` strings; a terminal (a pty, as `-it`)
//   process.user                               only uid 0, gid 0 (lab runs the container as root)
//   root.path, root.readonly                   required path, relative to the bundle or absolute; read-only `/`
//   hostname                                   the UTS namespace's name
//   mounts[]: destination, type, source, options   type proc, tmpfs or bind (options ro, rbind, nosuid, ...)
//   linux.namespaces[].type                    required: pid, mount, ipc, uts, cgroup; network optional (without
//                                              it the host's network is kept); no `path` (joining), no user, time
//   linux.resources.memory.limit, .cpu.quota + .cpu.period, .pids.limit
//   linux.maskedPaths, linux.readonlyPaths     instead of Docker's default lists
//
// Pure apart from bundleInput, which reads config.json and checks the root is a directory.
import { readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { LabError } from '../common/errors.js';
import type { Text } from '../common/vocabulary.js';
import type { CgroupLimits } from './cgroup.js';
import { validateHostname, type ContainerConfig, type Parsed } from './container-config.js';
import type { PlanImage, PlanMount, PlanRoot } from './container-plan.js';

/** What a bundle gives a container plan: the config and image parts of PlanInput, its root, and whether it wants a pty. */
export interface BundleInput {
  /** The command, cwd, hostname, limits and network (`none` with a network namespace, else `host`); no volumes. */
  config: ContainerConfig;
  /** No layers; `env` is process.env. */
  image: PlanImage;
  /** PlanInput's `root`. */
  root: PlanRoot;
  /** process.terminal: run it on a pseudo-terminal, as `-it`. */
  terminal: boolean;
}

/** The namespace types config.json may list; every one but `network` must be there (lab always makes them). */
const NAMESPACES = ['pid', 'mount', 'ipc', 'uts', 'cgroup', 'network'] as const;
const REQUIRED_NAMESPACES = ['pid', 'mount', 'ipc', 'uts', 'cgroup'];

/** Mount options lab passes on: flags, and `mode=`, `size=`, `nr_inodes=` of a tmpfs. */
const FLAG_OPTIONS = new Set(['ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'strictatime', 'relatime', 'noatime', 'nodiratime']);
const BIND_OPTIONS = new Set(['bind', 'rbind', 'ro', 'rw', 'nosuid', 'nodev', 'noexec']);
const TMPFS_VALUE = /^(mode=[0-7]{3,4}|size=\d+[kmg%]?|nr_inodes=\d+[kmg]?)$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A problem with config.json: `field` is the JSON path (`linux.namespaces[2].type`), then what is wrong. */
class FieldError {
  constructor(
    readonly field: string,
    readonly text: Text,
  ) {}
}

const missing = (field: string): FieldError => new FieldError(field, { en: 'is missing', zh: '缺失' });
const unsupported = (field: string): FieldError =>
  new FieldError(field, { en: 'is not in the subset of config.json lab runs', zh: '不在 lab 支持的 config.json 子集中' });
const invalid = (field: string, en: string, zh: string): FieldError => new FieldError(field, { en, zh });

/** Refuse any key of `object` not in `known`, naming it under `at`. */
function onlyKeys(object: Json, at: string, known: readonly string[]): void {
  for (const key of Object.keys(object)) if (!known.includes(key)) throw unsupported(`${at}${key}`);
}

function objectAt(value: unknown, field: string, required: boolean): Json | undefined {
  if (value === undefined) {
    if (required) throw missing(field);
    return undefined;
  }
  if (!isObject(value)) throw invalid(field, 'is not an object', '不是对象');
  return value;
}

function stringsAt(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw invalid(field, 'is not a list of strings', '不是字符串列表');
  return value as string[];
}

/** An absolute path without `..`, normalized; a path that would climb out of the root is refused. */
function insidePath(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(field, 'is not a string', '不是字符串');
  if (!value.startsWith('/') || value.split('/').includes('..')) {
    throw invalid(field, `"${value}" is not an absolute path inside the root (no "..")`, `"${value}" 不是根文件系统内的绝对路径（不能含 ".."）`);
  }
  return posix.normalize(value).replace(/(.)\/$/, '$1');
}

function integerAt(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `is not an integer from ${min} to ${max}`, `不是 ${min} 到 ${max} 之间的整数`);
  }
  return value;
}

function parseProcess(json: Json): Pick<ContainerConfig, 'command' | 'workdir'> & { env: string[]; terminal: boolean } {
  const process = objectAt(json.process, 'process', true) as Json;
  onlyKeys(process, 'process.', ['args', 'env', 'cwd', 'terminal', 'user']);
  if (process.args === undefined) throw missing('process.args');
  const args = stringsAt(process.args, 'process.args');
  if (args.length === 0) throw invalid('process.args', 'is empty: there is no command to run', '为空：没有要运行的命令');
  if (process.cwd === undefined) throw missing('process.cwd');
  const cwd = insidePath(process.cwd, 'process.cwd');
  const env = process.env === undefined ? [] : stringsAt(process.env, 'process.env');
  env.forEach((entry, i) => {
    // The container's shell exports the variables (container-plan.ts), so a key must be a shell name.
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(entry)) throw invalid(`process.env[${i}]`, 'is not NAME=value', '不是 NAME=value 的形式');
  });
  if (process.terminal !== undefined && typeof process.terminal !== 'boolean') throw invalid('process.terminal', 'is not true or false', '不是 true 或 false');
  const user = objectAt(process.user, 'process.user', false);
  if (user) {
    onlyKeys(user, 'process.user.', ['uid', 'gid']);
    if (user.uid !== undefined && user.uid !== 0) throw unsupported('process.user.uid');
    if (user.gid !== undefined && user.gid !== 0) throw unsupported('process.user.gid');
  }
  return { command: args, workdir: cwd, env, terminal: process.terminal === true };
}

function parseMount(value: unknown, i: number, bundle: string): PlanMount {
  const at = `mounts[${i}]`;
  const mount = objectAt(value, at, true) as Json;
  onlyKeys(mount, `${at}.`, ['destination', 'type', 'source', 'options']);
  if (mount.destination === undefined) throw missing(`${at}.destination`);
  const destination = insidePath(mount.destination, `${at}.destination`);
  if (destination === '/') throw invalid(`${at}.destination`, 'is the root itself', '是根目录本身');
  const options = mount.options === undefined ? [] : stringsAt(mount.options, `${at}.options`);
  const type = mount.type ?? (options.includes('bind') || options.includes('rbind') ? 'bind' : undefined);
  if (type === undefined) throw missing(`${at}.type`);
  if (type !== 'proc' && type !== 'tmpfs' && type !== 'bind') throw unsupported(`${at}.type (${String(type)})`);
  options.forEach((option, j) => {
    const known = type === 'bind' ? BIND_OPTIONS.has(option) : FLAG_OPTIONS.has(option) || (type === 'tmpfs' && TMPFS_VALUE.test(option));
    if (!known) throw unsupported(`${at}.options[${j}] (${option})`);
  });
  if (mount.source !== undefined && typeof mount.source !== 'string') throw invalid(`${at}.source`, 'is not a string', '不是字符串');
  if (type === 'bind') {
    if (mount.source === undefined || mount.source === '') throw missing(`${at}.source`);
    // runc takes a relative bind source from the bundle directory.
    return { destination, type, source: posix.resolve(bundle, mount.source as string), options };
  }
  const source = (mount.source as string | undefined) ?? type;
  if (!/^[A-Za-z0-9_.-]+$/.test(source)) throw invalid(`${at}.source`, `"${source}" is not a plain name`, `"${source}" 不是简单的名字`);
  return { destination, type, source, options };
}

function parseNamespaces(linux: Json): Set<string> {
  if (linux.namespaces === undefined) throw missing('linux.namespaces');
  if (!Array.isArray(linux.namespaces)) throw invalid('linux.namespaces', 'is not a list', '不是列表');
  const types = new Set<string>();
  linux.namespaces.forEach((value, i) => {
    const ns = objectAt(value, `linux.namespaces[${i}]`, true) as Json;
    onlyKeys(ns, `linux.namespaces[${i}].`, ['type']);
    if (ns.type === undefined) throw missing(`linux.namespaces[${i}].type`);
    if (!(NAMESPACES as readonly unknown[]).includes(ns.type)) throw unsupported(`linux.namespaces[${i}].type (${String(ns.type)})`);
    types.add(ns.type as string);
  });
  const absent = REQUIRED_NAMESPACES.filter((type) => !types.has(type));
  if (absent.length > 0) {
    throw invalid(
      'linux.namespaces',
      `lacks ${absent.join(', ')}: lab always makes the pid, mount, ipc, uts and cgroup namespaces`,
      `缺少 ${absent.join('、')}：lab 总是创建 pid、mount、ipc、uts 和 cgroup 命名空间`,
    );
  }
  return types;
}

function parseResources(linux: Json): CgroupLimits {
  const resources = objectAt(linux.resources, 'linux.resources', false);
  const limits: CgroupLimits = {};
  if (!resources) return limits;
  onlyKeys(resources, 'linux.resources.', ['memory', 'cpu', 'pids']);
  const memory = objectAt(resources.memory, 'linux.resources.memory', false);
  if (memory) {
    onlyKeys(memory, 'linux.resources.memory.', ['limit']);
    // -1 is unlimited, as runc reads it.
    if (memory.limit !== undefined) limits.memoryMax = memory.limit === -1 ? 'max' : integerAt(memory.limit, 'linux.resources.memory.limit', 1);
  }
  const cpu = objectAt(resources.cpu, 'linux.resources.cpu', false);
  if (cpu) {
    onlyKeys(cpu, 'linux.resources.cpu.', ['quota', 'period']);
    if (cpu.quota === undefined && cpu.period !== undefined) throw missing('linux.resources.cpu.quota');
    if (cpu.quota !== undefined) {
      // The kernel takes periods from 1 ms to 1 s and quotas from 1 ms; -1 is no quota.
      const quota = cpu.quota === -1 ? 'max' : integerAt(cpu.quota, 'linux.resources.cpu.quota', 1000);
      const period = cpu.period === undefined ? 100_000 : integerAt(cpu.period, 'linux.resources.cpu.period', 1000, 1_000_000);
      limits.cpuMax = { quota, period };
    }
  }
  const pids = objectAt(resources.pids, 'linux.resources.pids', false);
  if (pids) {
    onlyKeys(pids, 'linux.resources.pids.', ['limit']);
    if (pids.limit === undefined) throw missing('linux.resources.pids.limit');
    // 0 and -1 are unlimited, as runc reads them.
    limits.pidsMax = pids.limit === 0 || pids.limit === -1 ? 'max' : integerAt(pids.limit, 'linux.resources.pids.limit', 1);
  }
  return limits;
}

function parseConfig(json: unknown, bundle: string): BundleInput {
  if (!isObject(json)) throw invalid('config.json', 'is not a JSON object', '不是 JSON 对象');
  onlyKeys(json, '', ['ociVersion', 'process', 'root', 'hostname', 'mounts', 'linux']);
  if (json.ociVersion === undefined) throw missing('ociVersion');
  if (typeof json.ociVersion !== 'string') throw invalid('ociVersion', 'is not a string', '不是字符串');
  const process = parseProcess(json);
  const root = objectAt(json.root, 'root', true) as Json;
  onlyKeys(root, 'root.', ['path', 'readonly']);
  if (root.path === undefined) throw missing('root.path');
  if (typeof root.path !== 'string' || root.path === '') throw invalid('root.path', 'is not a path', '不是路径');
  const rootPath = posix.resolve(bundle, root.path);
  if (rootPath === '/') throw invalid('root.path', "is the host's own /", '是宿主机自己的 /');
  if (root.readonly !== undefined && typeof root.readonly !== 'boolean') throw invalid('root.readonly', 'is not true or false', '不是 true 或 false');
  const mounts = json.mounts === undefined ? [] : json.mounts;
  if (!Array.isArray(mounts)) throw invalid('mounts', 'is not a list', '不是列表');
  const linux = objectAt(json.linux, 'linux', true) as Json;
  onlyKeys(linux, 'linux.', ['namespaces', 'resources', 'maskedPaths', 'readonlyPaths']);
  const namespaces = parseNamespaces(linux);
  const paths = (key: 'maskedPaths' | 'readonlyPaths'): string[] =>
    linux[key] === undefined ? [] : stringsAt(linux[key], `linux.${key}`).map((p, i) => insidePath(p, `linux.${key}[${i}]`));
  const config: ContainerConfig = {
    network: namespaces.has('network') ? { kind: 'none' } : { kind: 'host' },
    volumes: [],
    env: [],
    command: process.command,
    limits: parseResources(linux),
    ...(process.workdir !== undefined ? { workdir: process.workdir } : {}),
  };
  if (json.hostname !== undefined) {
    if (typeof json.hostname !== 'string') throw invalid('hostname', 'is not a string', '不是字符串');
    const hostname = validateHostname(json.hostname);
    if (!hostname.ok) throw new FieldError('hostname', hostname.message);
    config.hostname = hostname.value;
  }
  return {
    config,
    image: { layers: [], env: process.env },
    root: {
      path: rootPath,
      readonly: root.readonly === true,
      mounts: mounts.map((m, i) => parseMount(m, i, bundle)),
      maskedPaths: paths('maskedPaths'),
      readonlyPaths: paths('readonlyPaths'),
    },
    terminal: process.terminal,
  };
}

/** Parse a bundle's config.json (`bundle`: the bundle directory, absolute); a field outside the subset is a message. */
export function parseBundle(json: unknown, bundle: string): Parsed<BundleInput> {
  try {
    return { ok: true, value: parseConfig(json, bundle) };
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    return { ok: false, message: { en: `config.json: ${error.field} ${error.text.en}`, zh: `config.json：${error.field} ${error.text.zh}` } };
  }
}

/**
 * Read the bundle at `dir` for `lab container run --bundle DIR`: config.json parsed, its root an existing directory.
 * Anything wrong is a LabError that exits 125, naming the field.
 */
export function bundleInput(dir: string): BundleInput {
  const bundle = posix.resolve(dir);
  const file = posix.join(bundle, 'config.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    const absent = (error as { code?: string }).code === 'ENOENT';
    throw badBundle(
      file,
      absent ? 'ENOENT' : 'bad-bundle',
      absent ? { en: `There is no ${file}.`, zh: `没有 ${file}。` } : { en: `${file} is not valid JSON.`, zh: `${file} 不是有效的 JSON。` },
      error,
    );
  }
  const parsed = parseBundle(json, bundle);
  if (!parsed.ok) throw badBundle(file, 'bad-bundle', parsed.message);
  const root = parsed.value.root.path;
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDir) throw badBundle(file, 'bad-bundle', { en: `root.path ${root} is not a directory.`, zh: `root.path ${root} 不是目录。` });
  return parsed.value;
}

function badBundle(file: string, code: string, meaning: Text, cause?: unknown): LabError {
  return new LabError({
    operation: `read bundle \`${file}\``,
    code,
    meaning,
    fix: {
      en: 'A bundle is a directory with config.json and its root filesystem; lab runs the subset of config.json listed in src/kernel/oci-bundle.ts. Remove or change the field named.',
      zh: 'bundle 是一个包含 config.json 和根文件系统的目录；lab 只运行 src/kernel/oci-bundle.ts 中列出的 config.json 子集。请删除或修改所指出的字段。',
    },
    ...(cause === undefined ? {} : { cause }),
    exitCode: 125,
  });
}
