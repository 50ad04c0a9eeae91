// Where containers keep their state: `<state>/containers/lab-<id>/` with config.json (what was asked for, written
// once), state.json (how it runs, rewritten atomically), the log and the overlay's upper, work and merged
// directories. Every name is the harness's (lab-), so the directory is a journaled `path` resource of the container.
// Here, not in src/runtime, because the `container` resource kind (resource-kinds.ts) finds a container by name.
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerConfig } from '../kernel/container-config.js';
import { stateDirPath } from './state-dir.js';

/** What a container was made from, written once when it is created. */
export interface ContainerRecord {
  /** 64 hex digits, like Docker's; the short id is its first 12. */
  id: string;
  name: string;
  /** The image as the learner named it (`busybox`), and its canonical name. */
  image: string;
  created: string;
  config: ContainerConfig;
  /** The command after the image's entrypoint and defaults, and its environment. */
  command: string[];
  env: string[];
  hostname: string;
  workdir: string;
  /** The one process the supervisor starts (container-plan.ts `argv`). */
  argv: string[];
  cgroup: string;
  dirs: { upper: string; work: string; merged: string };
  /** The image's layer directories, lowest first. */
  layers: string[];
  /** `--rm`: the supervisor removes the container once it ends. */
  autoRemove: boolean;
  /** `-t`: PID 1's stdio is a pseudo-terminal. */
  tty: boolean;
  /** `-i`: PID 1's stdin is kept open (foreground only). */
  interactive: boolean;
  /** On a bridge network: its eth0 address (the allocator's, returned when the record goes), prefix and gateway. */
  network?: ContainerAddress;
}

/** A container's place on a bridge network. */
export interface ContainerAddress {
  /** The network's name (`bridge`, or one made with `lab container network create`). */
  name: string;
  address: string;
  prefix: number;
  gateway: string;
  /** The bridge in lab-host-net its veth is a port of. */
  bridge: string;
}

/** How a container runs now, rewritten as it changes. */
export interface ContainerState {
  status: 'created' | 'running' | 'exited';
  /** Host PID of the container's PID 1, once it is known. */
  pid?: number;
  pidStart?: number;
  /** The process the supervisor started (unshare, after setpriv and the cgroup join exec'd into it). */
  processPid?: number;
  processStart?: number;
  /** The supervisor (containerd's shim, conmon): the CLI itself in the foreground, `shim.js` when detached. */
  supervisorPid?: number;
  supervisorStart?: number;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** container-exit's reason: exited, signal, oom-killed, setup-failed, cannot-execute, not-found, lab-error. */
  reason?: string;
  oomKilled?: boolean;
  /** What went wrong when lab itself failed. */
  error?: string;
}

/** `<state>/containers`. */
export function containersDir(): string {
  return join(stateDirPath(), 'containers');
}

/** The directory of one container. */
export function containerDir(id: string): string {
  return join(containersDir(), `lab-${id}`);
}

/** The owner id of a container's journal (it marks its supervisor too): `lab-container-<short id>`. */
export function containerOwnerId(id: string): string {
  return `lab-container-${id.slice(0, 12)}`;
}

/** Files found unreadable by this process, told once each. */
const told = new Set<string>();

/**
 * Tell the learner (on stderr, in English and Chinese, once per file) that a container's state file is garbled or
 * cut off: which container, which file, what it means, what to do. The file is left as it is.
 */
function warnDamaged(id: string, file: string, what: 'config' | 'state'): void {
  if (told.has(file)) return;
  told.add(file);
  const short = id.slice(0, 12);
  const journal = join(stateDirPath(), 'runs', `${containerOwnerId(id)}.jsonl`);
  const en =
    what === 'config'
      ? `container ${short}: ${file} cannot be read (garbled or cut off), so the container is not listed and cannot be named. `
      : `container ${short}: ${file} cannot be read (garbled or cut off), so whether it runs is not known (shown as created). `;
  const zh =
    what === 'config'
      ? `容器 ${short}：${file} 无法读取（内容损坏或被截断），所以不会列出这个容器，也无法用名字指定它。`
      : `容器 ${short}：${file} 无法读取（内容损坏或被截断），所以不知道它是否在运行（显示为 created）。`;
  process.stderr.write(
    `${en}Its resources are in its journal ${journal}: \`sudo lab clean\` removes them once its process has ended; the file is left as it is.\n` +
      `${zh}它的资源记录在日志（journal）${journal} 中：进程结束后，\`sudo lab clean\` 会移除它们；该文件保留原样。\n`,
  );
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** Whether a parsed config.json has the fields every reader uses. */
function isRecord(value: unknown, id: string): value is ContainerRecord {
  if (!isObject(value) || value.id !== id || typeof value.name !== 'string' || typeof value.image !== 'string' || typeof value.created !== 'string')
    return false;
  const dirs = value.dirs;
  const config = value.config;
  return (
    isObject(config) &&
    isObject(config.network) &&
    typeof config.network.kind === 'string' &&
    Array.isArray(config.volumes) &&
    isStrings(config.env) &&
    isStrings(config.command) &&
    isObject(config.limits) &&
    (config.ports === undefined || Array.isArray(config.ports)) &&
    isStrings(value.command) &&
    isStrings(value.env) &&
    isStrings(value.argv) &&
    isStrings(value.layers) &&
    typeof value.cgroup === 'string' &&
    isObject(dirs) &&
    typeof dirs.upper === 'string' &&
    typeof dirs.work === 'string' &&
    typeof dirs.merged === 'string'
  );
}

/** Whether a parsed state.json is a state. */
function isState(value: unknown): value is ContainerState {
  if (!isObject(value) || !['created', 'running', 'exited'].includes(value.status as string)) return false;
  return ['pid', 'pidStart', 'processPid', 'processStart', 'supervisorPid', 'supervisorStart', 'exitCode'].every(
    (field) => value[field] === undefined || typeof value[field] === 'number',
  );
}

/** A file's JSON: `missing` when there is none, `damaged` when it is not JSON or not of the shape `valid` wants. */
function readJson<T>(path: string, valid: (value: unknown) => value is T): T | 'missing' | 'damaged' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return (error as { code?: string }).code === 'ENOENT' ? 'missing' : 'damaged';
  }
  try {
    const value: unknown = JSON.parse(text);
    return valid(value) ? value : 'damaged';
  } catch {
    return 'damaged';
  }
}

/** Write a file so that a reader sees the old text or the new one, never half of it (rename is atomic). */
export function writeAtomic(path: string, text: string): void {
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, text, { mode: 0o600 });
  renameSync(partial, path);
}

/** A container's record; undefined when it has none (gone, or being made). */
export function readContainerRecord(id: string): ContainerRecord | undefined {
  const file = join(containerDir(id), 'config.json');
  const record = readJson(file, (value): value is ContainerRecord => isRecord(value, id));
  if (record === 'missing') return undefined;
  if (record === 'damaged') {
    warnDamaged(id, file, 'config');
    return undefined;
  }
  return record;
}

/** A container's state; `created` when it has none yet (or it cannot be read: then the learner is told). */
export function readContainerState(id: string): ContainerState {
  const file = join(containerDir(id), 'state.json');
  const state = readJson(file, isState);
  if (state === 'damaged') warnDamaged(id, file, 'state');
  return typeof state === 'string' ? { status: 'created' } : state;
}

/** Replace a container's state. */
export function writeContainerState(id: string, state: ContainerState): void {
  writeAtomic(join(containerDir(id), 'state.json'), `${JSON.stringify(state)}\n`);
}

/** Every container with a record, oldest first. */
export function listContainerRecords(): ContainerRecord[] {
  let names: string[];
  try {
    names = readdirSync(containersDir());
  } catch {
    return [];
  }
  const records: ContainerRecord[] = [];
  for (const name of names) {
    if (!/^lab-[0-9a-f]{64}$/.test(name)) continue;
    const record = readContainerRecord(name.slice('lab-'.length));
    if (record) records.push(record);
  }
  return records.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
}

/** The container of that name, if any. */
export function findContainerByName(name: string): ContainerRecord | undefined {
  return listContainerRecords().find((record) => record.name === name);
}
