// The live panel's facts, read from the kernel on every refresh: each lab process's namespace inodes against the
// host's (PID 1's) and the harness's own, and the cgroup of the lab's processes with its memory, CPU and pids
// files. Only files are read (readlink, read): nothing is spawned per refresh.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCgroupLayout, type CgroupMode } from '../../kernel/cgroup-mode.js';
import { readProcCgroup, v2PathOf } from '../../kernel/cgroup-path.js';
import { parseFlatKeyed, parseMax, type MaxValue } from '../../kernel/cgroup.js';
import { isAlive, nsInode, type PidRef } from '../../kernel/proc.js';
import type { LabProcess, NamespaceType } from '../../lab/spec.js';

export const NS_TYPES: NamespaceType[] = ['pid', 'mnt', 'uts', 'ipc', 'net', 'user', 'cgroup', 'time'];

/** A process's namespace inodes by type (absent when unreadable, or when the kernel lacks that type). */
export type NsInodes = Partial<Record<NamespaceType, number>>;

/** One lab process, as the kernel sees it now. */
export interface LiveProcess {
  name: string;
  pid: number;
  alive: boolean;
  ns: NsInodes;
}

/** A value against its limit, from `<x>.current` and `<x>.max`. */
export interface Gauge {
  current: number;
  max: MaxValue;
}

/** The lab's cgroup: where it is and what its controller files say (undefined where a file is absent). */
export interface LiveCgroup {
  mode: CgroupMode;
  /** Mount point of the cgroup v2 hierarchy; absent when none is mounted. */
  root?: string;
  /** The cgroup's path inside that hierarchy, from /proc/<pid>/cgroup of a lab process. */
  path?: string;
  memory?: Gauge;
  /** CPU use since the previous refresh, in percent of one CPU (from cpu.stat's usage_usec). */
  cpuPercent?: number;
  /** Whether cpu.stat exists (the first refresh has no previous sample to compare with). */
  cpu: boolean;
  pids?: Gauge;
}

export interface LiveSnapshot {
  host: NsInodes;
  self: NsInodes;
  processes: LiveProcess[];
  cgroup: LiveCgroup;
}

function inodes(pid: PidRef): NsInodes {
  const out: NsInodes = {};
  for (const type of NS_TYPES) {
    const inode = nsInode(pid, type);
    if (inode !== undefined) out[type] = inode;
  }
  return out;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readGauge(dir: string, controller: 'memory' | 'pids'): Gauge | undefined {
  const current = readText(join(dir, `${controller}.current`));
  if (current === undefined) return undefined;
  const max = readText(join(dir, `${controller}.max`));
  try {
    return { current: Number(current.trim()), max: max === undefined ? 'max' : parseMax(max) };
  } catch {
    return undefined;
  }
}

/** Reads the live facts; keeps the previous CPU sample to turn usage_usec into a rate. */
export class LiveReader {
  private layout = readCgroupLayout();
  private self = inodes('self');
  // The host's namespaces are PID 1's; where PID 1's cannot be read (a sandbox), the harness's own stand in.
  private host: NsInodes = { ...this.self, ...inodes(1) };
  private lastCpu: { dir: string; usec: number; at: number } | undefined;

  /** The facts now, for these lab processes. `now` is in milliseconds (a parameter, for tests). */
  read(processes: ReadonlyMap<string, LabProcess>, now = Date.now()): LiveSnapshot {
    const live: LiveProcess[] = [];
    for (const [name, proc] of processes) {
      const alive = isAlive(proc.pid);
      live.push({ name, pid: proc.pid, alive, ns: alive ? inodes(proc.pid) : {} });
    }
    return { host: this.host, self: this.self, processes: live, cgroup: this.cgroup(live, now) };
  }

  private cgroup(processes: LiveProcess[], now: number): LiveCgroup {
    const root = this.layout.v2Path;
    const facts: LiveCgroup = { mode: this.layout.mode, cpu: false, ...(root !== undefined && { root }) };
    const first = processes.find((p) => p.alive);
    if (root === undefined || !first) return facts;
    const path = v2PathOf(readProcCgroup(first.pid));
    if (path === undefined) return facts;
    facts.path = path;
    const dir = join(root, path);
    const memory = readGauge(dir, 'memory');
    const pids = readGauge(dir, 'pids');
    if (memory) facts.memory = memory;
    if (pids) facts.pids = pids;
    const stat = readText(join(dir, 'cpu.stat'));
    const usec = stat === undefined ? undefined : parseFlatKeyed(stat).usage_usec;
    if (usec !== undefined) {
      facts.cpu = true;
      const last = this.lastCpu;
      if (last && last.dir === dir && now > last.at) facts.cpuPercent = Math.max(0, ((usec - last.usec) / 1000 / (now - last.at)) * 100);
      this.lastCpu = { dir, usec, at: now };
    }
    return facts;
  }
}
