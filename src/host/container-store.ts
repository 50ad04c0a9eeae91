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

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
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
  return readJson<ContainerRecord>(join(containerDir(id), 'config.json'));
}

/** A container's state; `created` when it has none yet. */
export function readContainerState(id: string): ContainerState {
  return readJson<ContainerState>(join(containerDir(id), 'state.json')) ?? { status: 'created' };
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
