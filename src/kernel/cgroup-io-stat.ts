// io.stat as data, and a rate measured from it: the io controller counts every byte a cgroup reads and writes on
// each block device (`7:0 rbytes=… wbytes=… rios=… wios=… dbytes=… dios=…`), so the bandwidth a cgroup really got
// is the growth of one counter over a window of time. Pure: the file is read through a function the caller gives.
import { parseNestedKeyed } from './cgroup.js';

/** The counters io.stat keeps for one device (bytes and operations read, written and discarded). */
export interface IoStat {
  rbytes: number;
  wbytes: number;
  rios: number;
  wios: number;
  dbytes: number;
  dios: number;
}

const ZERO: IoStat = { rbytes: 0, wbytes: 0, rios: 0, wios: 0, dbytes: 0, dios: 0 };

/** Parse io.stat: one line per device the cgroup did I/O on, keyed by `MAJ:MIN`. */
export function parseIoStat(text: string): Record<string, IoStat> {
  const out: Record<string, IoStat> = {};
  for (const { key, fields } of parseNestedKeyed(text)) {
    if (!/^\d+:\d+$/.test(key)) continue;
    const stat = { ...ZERO };
    for (const name of Object.keys(ZERO) as (keyof IoStat)[]) {
      const value = fields[name];
      if (value !== undefined && /^\d+$/.test(value)) stat[name] = Number(value);
    }
    out[key] = stat;
  }
  return out;
}

/** The counters of one device; all zero when io.stat has no line for it (the cgroup never touched it). */
export function ioStatOf(text: string, device: string): IoStat {
  return parseIoStat(text)[device] ?? { ...ZERO };
}

/** A rate measured from a counter over a window. */
export interface MeasuredRate {
  /** false: the counter never moved before the window was due to start (nothing was doing that kind of I/O). */
  started: boolean;
  /** Counter at the start and at the end of the window. */
  from: number;
  to: number;
  seconds: number;
  /** (to - from) / seconds. */
  perSecond: number;
}

/** How `measureRate` samples. */
export interface MeasureOptions {
  /** Length of the window, counted from the first change of the counter. */
  windowMs: number;
  /** How long to wait for the counter's first change. */
  startMs: number;
  /** Interval between reads while waiting. */
  pollMs?: number;
  /** A monotonic clock in ms (tests pass a fake one). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Measure how fast a counter grows. The window opens at the first change seen, not at once: a process that is still
 * starting, or a throttle's first allowance, would otherwise bend the figure. Returns `started: false` when the
 * counter did not move within `startMs`.
 */
export async function measureRate(read: () => number, options: MeasureOptions): Promise<MeasuredRate> {
  const { windowMs, startMs, pollMs = 20, now = () => performance.now(), sleep = realSleep } = options;
  const first = read();
  const deadline = now() + startMs;
  let from = first;
  while (from === first && now() < deadline) {
    await sleep(pollMs);
    from = read();
  }
  if (from === first) return { started: false, from, to: from, seconds: 0, perSecond: 0 };
  const t0 = now();
  await sleep(windowMs);
  const to = read();
  const seconds = (now() - t0) / 1000;
  return { started: true, from, to, seconds, perSecond: seconds > 0 ? (to - from) / seconds : 0 };
}

/** A transfer of known size, timed from a counter. */
export interface TimedTransfer {
  /** false: the counter had not grown by the whole size when the time ran out. */
  done: boolean;
  /** How much the counter grew, and over how long. */
  bytes: number;
  seconds: number;
  perSecond: number;
}

/** How `timeTransfer` samples. */
export interface TransferOptions {
  /** The counter's value before the transfer, and the size of the transfer. */
  before: number;
  size: number;
  /** When the transfer could begin at the earliest (the clock of `now`): the start, when the first read has moved. */
  notBefore: number;
  timeoutMs: number;
  pollMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Time a transfer of known size from a counter read over and over: from the last read that still showed `before`
 * (or `notBefore`, when even the first read had moved) to the first read that shows all of it. The start-up of the
 * process doing it is left out, and the figure is never above the real rate: both ends are reads taken outside it.
 */
export async function timeTransfer(read: () => number, options: TransferOptions): Promise<TimedTransfer> {
  const { before, size, notBefore, timeoutMs, pollMs = 20, now = () => performance.now(), sleep = realSleep } = options;
  const deadline = now() + timeoutMs;
  let start = notBefore;
  for (;;) {
    const at = now();
    const value = read();
    if (value === before) start = at;
    if (value - before >= size) {
      const seconds = (at - start) / 1000;
      return { done: true, bytes: value - before, seconds, perSecond: seconds > 0 ? (value - before) / seconds : Infinity };
    }
    if (at >= deadline) return { done: false, bytes: value - before, seconds: (at - start) / 1000, perSecond: 0 };
    await sleep(pollMs);
  }
}

/** Bytes as MiB with two decimals (`4.00`). */
export function mib(bytes: number): string {
  return (bytes / 1048576).toFixed(2);
}
