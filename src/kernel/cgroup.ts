// cgroup v2 files as data (Documentation/admin-guide/cgroup-v2.rst): parsers for what the kernel writes in them,
// and plans (ordered lists of file writes) for enabling controllers and setting limits. Pure: nothing here reads or
// writes under /sys/fs/cgroup; src/host/cgroup.ts runs the plans.
import { join, relative, sep } from 'node:path';

/** One write to a cgroup file: `echo <value> > <path>`. */
export interface CgroupWrite {
  path: string;
  value: string;
}

/** A limit value: a number, or `max` for none. */
export type MaxValue = number | 'max';

/** The controllers of the v2 hierarchy that labs use. */
export type Controller = 'memory' | 'cpu' | 'pids' | 'io' | 'cpuset' | 'hugetlb' | 'rdma' | 'misc';

/** A space-separated controller list (cgroup.controllers, cgroup.subtree_control). */
export function parseControllers(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/**
 * A flat-keyed file (memory.events, memory.stat, cpu.stat, pids.events, cgroup.events, cgroup.stat):
 * one `key value` per line. Values that are not numbers are left out.
 */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value, ...rest] = line.trim().split(/\s+/);
    if (!key || value === undefined || rest.length > 0 || !/^-?\d+$/.test(value)) continue;
    out[key] = Number(value);
  }
  return out;
}

/** One line of a nested-keyed file: `<key> sub=value sub=value ...`. */
export interface NestedLine {
  key: string;
  fields: Record<string, string>;
}

/** A nested-keyed file (io.max, io.stat, the PSI *.pressure files). */
export function parseNestedKeyed(text: string): NestedLine[] {
  const lines: NestedLine[] = [];
  for (const line of text.split('\n')) {
    const [key, ...pairs] = line.trim().split(/\s+/);
    if (!key) continue;
    const fields: Record<string, string> = {};
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq > 0) fields[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    lines.push({ key, fields });
  }
  return lines;
}

/** A single-value limit file (memory.max, memory.high, memory.swap.max, pids.max): `max` or a number. */
export function parseMax(text: string): MaxValue {
  const value = text.trim();
  if (value === 'max') return 'max';
  if (!/^\d+$/.test(value)) throw new RangeError(`not a cgroup limit: \`${value}\` (expected \`max\` or a number)`);
  return Number(value);
}

/** cpu.max: `$MAX $PERIOD` in microseconds, `max 100000` when there is no quota. */
export interface CpuMax {
  quota: MaxValue;
  period: number;
}

/** Parse cpu.max (`20000 100000`, `max 100000`). */
export function parseCpuMax(text: string): CpuMax {
  const [quota, period = '100000'] = text.trim().split(/\s+/);
  return { quota: parseMax(quota ?? ''), period: Number(parseMax(period)) };
}

/** The text cpu.max takes; the period defaults to the kernel's 100000 µs. */
export function formatCpuMax({ quota, period = 100_000 }: { quota: MaxValue; period?: number }): string {
  return `${quota} ${period}`;
}

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** A size as memory.* files take it (`50M`, `1G`, `4096`; binary units, like the kernel's memparse) in bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+)([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!match) throw new RangeError(`not a size: \`${text}\` (expected bytes or a number with K, M, G or T)`);
  return Number(match[1]) * (UNITS[(match[2] ?? '').toUpperCase()] ?? 1);
}

/** A memory limit for a memory.* file: `max`, bytes, or a size string, written as bytes (or `max`). */
export function formatMemory(value: MaxValue | string): string {
  if (value === 'max') return 'max';
  const bytes = typeof value === 'number' ? value : parseSize(value);
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new RangeError(`not a memory size: ${value}`);
  return String(bytes);
}

/** One line of io.max: a device (`MAJ:MIN`) and its four limits. */
export interface IoMax {
  device: string;
  rbps: MaxValue;
  wbps: MaxValue;
  riops: MaxValue;
  wiops: MaxValue;
}

/** Parse io.max (`8:0 rbps=1048576 wbps=max riops=max wiops=max`, one line per limited device). */
export function parseIoMax(text: string): IoMax[] {
  return parseNestedKeyed(text)
    .filter((line) => /^\d+:\d+$/.test(line.key))
    .map(({ key, fields }) => ({
      device: key,
      rbps: parseMax(fields.rbps ?? 'max'),
      wbps: parseMax(fields.wbps ?? 'max'),
      riops: parseMax(fields.riops ?? 'max'),
      wiops: parseMax(fields.wiops ?? 'max'),
    }));
}

/** One io.max line to write: the device and the limits to change (the others are left as they are). */
export type IoMaxLimit = { device: string } & Partial<Omit<IoMax, 'device'>>;

/** The text that sets one device's io.max line (`8:0 rbps=1048576 wbps=max`). */
export function formatIoMax(limit: IoMaxLimit): string {
  if (!/^\d+:\d+$/.test(limit.device)) throw new RangeError(`io.max needs a device as MAJ:MIN, not \`${limit.device}\``);
  const keys = ['rbps', 'wbps', 'riops', 'wiops'] as const;
  const pairs = keys.filter((k) => limit[k] !== undefined).map((k) => `${k}=${limit[k]}`);
  return [limit.device, ...pairs].join(' ');
}

/** A PSI line: the share of wall time (in %) stalled over 10, 60 and 300 s, and the total stall in µs. */
export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  total: number;
}

/** A *.pressure file: `some` (at least one task stalled) and `full` (all stalled; absent in old cpu.pressure). */
export interface Pressure {
  some: PressureLine;
  full?: PressureLine;
}

/** Parse a PSI file (cpu.pressure, memory.pressure, io.pressure). */
export function parsePressure(text: string): Pressure {
  const lines = new Map(parseNestedKeyed(text).map((l) => [l.key, l.fields]));
  const toLine = (fields: Record<string, string>): PressureLine => ({
    avg10: Number(fields.avg10 ?? 0),
    avg60: Number(fields.avg60 ?? 0),
    avg300: Number(fields.avg300 ?? 0),
    total: Number(fields.total ?? 0),
  });
  const some = lines.get('some');
  if (!some) throw new RangeError('not a PSI file: no `some` line');
  const full = lines.get('full');
  return { some: toLine(some), ...(full && { full: toLine(full) }) };
}

/** The part of `path` below `root`, as segments; throws when `path` is not inside `root`. */
function segmentsBelow(root: string, path: string): string[] {
  const rel = relative(root, path);
  if (rel === '') return [];
  if (rel.startsWith('..') || rel.startsWith(sep)) throw new RangeError(`${path} is not inside the cgroup hierarchy at ${root}`);
  return rel.split(sep);
}

/**
 * The writes that enable `controllers` for the cgroup at `path`: `+c1 +c2` into cgroup.subtree_control of every
 * cgroup from `root` down to the parent of `path`. Parents come first because a cgroup can only enable what its
 * own parent enabled for it (it shows up in its cgroup.controllers). `path` itself gets no write: it is the leaf
 * that holds the processes, and by the no-internal-process rule a cgroup with processes cannot enable
 * controllers for children.
 */
export function enablePlan(root: string, path: string, controllers: readonly string[]): CgroupWrite[] {
  if (controllers.length === 0) return [];
  const value = controllers.map((c) => `+${c}`).join(' ');
  const segments = segmentsBelow(root, path);
  const writes: CgroupWrite[] = [];
  let dir = root;
  for (const segment of segments) {
    writes.push({ path: join(dir, 'cgroup.subtree_control'), value });
    dir = join(dir, segment);
  }
  return writes;
}

/** The resource limits a lab can set on a cgroup; each undefined one is left as it is. */
export interface CgroupLimits {
  /** memory.max: the hard limit; the OOM killer acts above it. Bytes, a size (`50M`) or `max`. */
  memoryMax?: MaxValue | string;
  /** memory.high: the throttling limit; reclaim is forced above it. */
  memoryHigh?: MaxValue | string;
  /** memory.swap.max: how much swap the cgroup may use. */
  memorySwapMax?: MaxValue | string;
  /** cpu.max: quota and period in µs (`{ quota: 20000 }` is 20% of one CPU). */
  cpuMax?: { quota: MaxValue; period?: number };
  /** cpu.weight: the share under contention, 1 to 10000 (default 100). */
  cpuWeight?: number;
  /** pids.max: how many processes and threads the cgroup may hold. */
  pidsMax?: MaxValue;
  /** io.max: per-device bandwidth and IOPS limits. */
  ioMax?: IoMaxLimit[];
}

/** Which controller each limit needs. */
export const LIMIT_CONTROLLER: Record<keyof CgroupLimits, Controller> = {
  memoryMax: 'memory',
  memoryHigh: 'memory',
  memorySwapMax: 'memory',
  cpuMax: 'cpu',
  cpuWeight: 'cpu',
  pidsMax: 'pids',
  ioMax: 'io',
};

/** The controllers the given limits need, without repeats, in a fixed order. */
export function controllersFor(limits: CgroupLimits): Controller[] {
  const keys = (Object.keys(LIMIT_CONTROLLER) as (keyof CgroupLimits)[]).filter((k) => limits[k] !== undefined);
  return [...new Set(keys.map((k) => LIMIT_CONTROLLER[k]))];
}

function positiveInteger(name: string, value: MaxValue, min = 0, max = Number.MAX_SAFE_INTEGER): string {
  if (value === 'max') return 'max';
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, or max; got ${value}`);
  return String(value);
}

/** The writes that set `limits` on the cgroup at `path`, one file each (io.max: one write per device). */
export function limitPlan(path: string, limits: CgroupLimits): CgroupWrite[] {
  const writes: CgroupWrite[] = [];
  const add = (file: string, value: string): void => {
    writes.push({ path: join(path, file), value });
  };
  if (limits.memoryMax !== undefined) add('memory.max', formatMemory(limits.memoryMax));
  if (limits.memoryHigh !== undefined) add('memory.high', formatMemory(limits.memoryHigh));
  if (limits.memorySwapMax !== undefined) add('memory.swap.max', formatMemory(limits.memorySwapMax));
  if (limits.cpuMax !== undefined) {
    const period = limits.cpuMax.period ?? 100_000;
    // The kernel takes periods from 1 ms to 1 s, and quotas of at least 1 ms.
    positiveInteger('the cpu.max period', period, 1000, 1_000_000);
    positiveInteger('the cpu.max quota', limits.cpuMax.quota, 1000);
    add('cpu.max', formatCpuMax({ quota: limits.cpuMax.quota, period }));
  }
  if (limits.cpuWeight !== undefined) add('cpu.weight', positiveInteger('cpu.weight', limits.cpuWeight, 1, 10_000));
  if (limits.pidsMax !== undefined) add('pids.max', positiveInteger('pids.max', limits.pidsMax));
  for (const line of limits.ioMax ?? []) add('io.max', formatIoMax(line));
  return writes;
}

/** The controllers in `needed` that the v2 hierarchy does not offer (`available`: its root's cgroup.controllers). */
export function missingControllers(available: readonly string[] | undefined, needed: readonly string[]): string[] {
  const have = new Set(available ?? []);
  return [...new Set(needed)].filter((c) => !have.has(c));
}

/** Whether cgroup.events says the cgroup (or a descendant) still holds processes. */
export function isPopulated(eventsText: string): boolean {
  return parseFlatKeyed(eventsText).populated === 1;
}
