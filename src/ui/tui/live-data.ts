// The live panel's facts, read from the kernel on every refresh: each lab process's host PID and namespace inodes
// against the host's (PID 1's) and the harness's own, which processes and which cgroup the current step is about,
// and that cgroup's memory, CPU and pids files with the controllers it really has. Only files are read (readlink,
// read, stat): nothing is spawned per refresh.
import { NAMESPACE_TYPES } from '../../common/vocabulary.js';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readCgroupLayout, readV2Controllers, type CgroupLayout, type CgroupMode } from '../../kernel/cgroup-mode.js';
import { readProcCgroup, v2PathOf } from '../../kernel/cgroup-path.js';
import { parseFlatKeyed, parseMax, type MaxValue } from '../../kernel/cgroup.js';
import { isAlive, nsInode, type PidRef } from '../../kernel/proc.js';
import type { LabProcess, NamespaceType } from '../../lab/spec.js';
import type { TuiState } from './state.js';

/** A process's namespace inodes by type (absent when unreadable, or when the kernel lacks that type). */
export type NsInodes = Partial<Record<NamespaceType, number>>;

/** One lab process, as the kernel sees it now. */
export interface LiveProcess {
  /** The name the lab gave it (its role: box, init, c1...). */
  name: string;
  /** Its PID as the host sees it. */
  pid: number;
  alive: boolean;
  ns: NsInodes;
  /** The current step is about it: started by the step, or named (or its PID given) in the step's text. */
  focus?: boolean;
}

/** A value against its limit, from `<x>.current` and `<x>.max`. */
export interface Gauge {
  current: number;
  max: MaxValue;
}

/** The cgroup the panel follows: where it is and what its controller files say (undefined where a file is absent). */
export interface LiveCgroup {
  mode: CgroupMode;
  /** Mount point of the cgroup v2 hierarchy; absent when none is mounted. */
  root?: string;
  /** The cgroup's path inside that hierarchy: one the step wrote to or started a process in, or a lab process's. */
  path?: string;
  /**
   * Whether the cgroup is one the lab made (a `lab-` directory on its path). Only then are its gauges shown: the
   * cgroup a namespace lab's processes inherit (a login session's, or the root `/`) says nothing about the lab.
   * Absent in snapshots that predate the field: taken as true.
   */
  own?: boolean;
  /** The cgroup's cgroup.controllers: the controllers its parent enabled for it (undefined when unreadable). */
  controllers?: string[];
  /** The v2 root's cgroup.controllers: every controller the v2 tree has (on a hybrid host, not those in v1). */
  treeControllers?: string[];
  memory?: Gauge;
  /** CPU use since the previous refresh, in percent of one CPU (from cpu.stat's usage_usec). */
  cpuPercent?: number;
  /** Whether cpu.stat can be read (the first refresh has no previous sample to compare with). */
  cpu: boolean;
  pids?: Gauge;
}

export interface LiveSnapshot {
  host: NsInodes;
  self: NsInodes;
  processes: LiveProcess[];
  cgroup: LiveCgroup;
}

/** What the current step is about, as the panel's reader is told it (see focusOf). */
export interface LiveFocus {
  /** The current step's index: processes first seen while it is current are the step's. */
  step?: number;
  /** The commands the step ran so far (cgroup paths and PIDs are taken from them), oldest first. */
  commands?: readonly string[];
  /** The step's other text (title, explanation, check titles): process names mentioned there are the step's. */
  prose?: readonly string[];
}

/** What the current step of a TUI state is about: its index, its commands and its text in both languages. */
export function focusOf(state: TuiState): LiveFocus {
  const step = state.lab.steps[state.current];
  const view = state.steps[state.current];
  if (!step || !view) return {};
  const commands = view.log.flatMap((e) => (e.kind === 'command' ? [e.command] : []));
  const prose = (['en', 'zh'] as const).flatMap((lang) => [step.prose[lang].title, step.prose[lang].body]);
  for (const e of view.log) if (e.kind === 'check') prose.push(e.title.en);
  return { step: state.current, commands, prose };
}

/** Options for tests: a cgroup layout and a process's v2 cgroup path other than this host's. */
export interface LiveReaderOptions {
  layout?: CgroupLayout;
  cgroupOf?: (pid: number) => string | undefined;
}

function inodes(pid: PidRef): NsInodes {
  const out: NsInodes = {};
  for (const type of NAMESPACE_TYPES) {
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

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
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

/** Whether a cgroup path is one a lab made: a directory on it is named `lab-...` (its own cgroup or its scope). */
export function isLabCgroup(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('lab-'));
}

/** `word` as a whole word in `text` (names such as c1 must not match c10). */
function mentions(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w-])${escaped}($|[^\\w-])`).test(text);
}

/**
 * The cgroups under `root` that commands name (a directory, or the directory of a file such as memory.max), as
 * paths inside the hierarchy, in the order they are named.
 */
export function cgroupsNamed(commands: readonly string[], root: string): string[] {
  const out: string[] = [];
  const base = root.replace(/\/+$/, '');
  for (const command of commands) {
    let at = command.indexOf(base);
    while (at >= 0) {
      const end = command.slice(at).search(/[\s'";&|)<>]|$/);
      let path = command.slice(at, at + end).replace(/\/+$/, '');
      // Walk up from a file (memory.max, cgroup.procs) to the cgroup that holds it.
      while (path.length > base.length && !isDir(path)) path = path.slice(0, path.lastIndexOf('/'));
      if (path === base || path.startsWith(`${base}/`)) out.push(path.slice(base.length) || '/');
      at = command.indexOf(base, at + Math.max(end, 1));
    }
  }
  return out;
}

/** Reads the live facts; keeps the previous CPU samples to turn usage_usec into a rate. */
export class LiveReader {
  private readonly layout: CgroupLayout;
  private readonly cgroupOf: (pid: number) => string | undefined;
  private self = inodes('self');
  // The host's namespaces are PID 1's; where PID 1's cannot be read (a sandbox), the harness's own stand in.
  private host: NsInodes = { ...this.self, ...inodes(1) };
  private readonly lastCpu = new Map<string, { usec: number; at: number }>();
  /** The step during which each process (name and PID) was first seen. */
  private readonly firstSeen = new Map<string, number>();

  constructor(options: LiveReaderOptions = {}) {
    this.layout = options.layout ?? readCgroupLayout();
    this.cgroupOf = options.cgroupOf ?? ((pid) => v2PathOf(readProcCgroup(pid)));
  }

  /** The facts now, for these lab processes. `now` is in milliseconds (a parameter, for tests). */
  read(processes: ReadonlyMap<string, LabProcess>, now = Date.now(), focus: LiveFocus = {}): LiveSnapshot {
    const live: LiveProcess[] = [];
    const text = [...(focus.commands ?? []), ...(focus.prose ?? [])];
    for (const [name, proc] of processes) {
      const alive = isAlive(proc.pid);
      const key = `${name}:${proc.pid}`;
      if (focus.step !== undefined && !this.firstSeen.has(key)) this.firstSeen.set(key, focus.step);
      const started = focus.step !== undefined && this.firstSeen.get(key) === focus.step;
      const named = text.some((t) => mentions(t, name)) || (focus.commands ?? []).some((c) => mentions(c, String(proc.pid)));
      live.push({ name, pid: proc.pid, alive, ns: alive ? inodes(proc.pid) : {}, focus: started || named });
    }
    return { host: this.host, self: this.self, processes: live, cgroup: this.cgroup(live, now, focus) };
  }

  /** The cgroup to follow: the last lab cgroup the step's commands name, else a step's process's, else any lab process's. */
  private pick(processes: LiveProcess[], focus: LiveFocus, root: string): string | undefined {
    const named = cgroupsNamed(focus.commands ?? [], root).filter(isLabCgroup);
    if (named.length > 0) return named[named.length - 1];
    const alive = processes.filter((p) => p.alive);
    const paths = (list: LiveProcess[]): string[] => list.flatMap((p) => this.cgroupOf(p.pid) ?? []);
    const focused = paths(alive.filter((p) => p.focus)).filter(isLabCgroup);
    if (focused.length > 0) return focused[focused.length - 1];
    const all = paths(alive);
    const own = all.filter(isLabCgroup);
    return own.length > 0 ? own[own.length - 1] : all[0];
  }

  private cgroup(processes: LiveProcess[], now: number, focus: LiveFocus): LiveCgroup {
    const root = this.layout.v2Path;
    const facts: LiveCgroup = { mode: this.layout.mode, cpu: false, ...(root !== undefined && { root }) };
    if (root === undefined) return facts;
    const path = this.pick(processes, focus, root);
    if (path === undefined) return facts;
    facts.path = path;
    facts.own = isLabCgroup(path);
    const tree = readV2Controllers(root);
    if (tree) facts.treeControllers = tree;
    // Gauges only for the lab's own cgroup: the root's files (and a login session's) are the whole host's.
    if (!facts.own) return facts;
    const dir = join(root, path);
    const controllers = readV2Controllers(dir);
    if (controllers) facts.controllers = controllers;
    const has = (c: string): boolean => controllers === undefined || controllers.includes(c);
    const memory = has('memory') ? readGauge(dir, 'memory') : undefined;
    const pids = has('pids') ? readGauge(dir, 'pids') : undefined;
    if (memory) facts.memory = memory;
    if (pids) facts.pids = pids;
    // cpu.stat exists in every v2 cgroup, but the panel reports CPU only where the cpu controller is enabled.
    const stat = has('cpu') ? readText(join(dir, 'cpu.stat')) : undefined;
    const usec = stat === undefined ? undefined : parseFlatKeyed(stat).usage_usec;
    if (usec !== undefined) {
      facts.cpu = true;
      const last = this.lastCpu.get(dir);
      if (last && now > last.at) facts.cpuPercent = Math.max(0, ((usec - last.usec) / 1000 / (now - last.at)) * 100);
      this.lastCpu.set(dir, { usec, at: now });
    }
    return facts;
  }
}
