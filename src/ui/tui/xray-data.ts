// What the live panel's X-ray (x) is of, and the X-ray itself: the lab process the current step is about that is the
// most a container (namespaces of its own), else the lab's, else the step's or the first live one; then
// `lab inspect`'s reading of it (src/kernel/xray.ts) without the scan of every process for the sharers of each
// namespace, the one costly part, so that it can be read on every refresh (under a millisecond for a process).
import { xray, type Xray, type XrayFailure } from '../../kernel/xray.js';
import type { LiveProcess, LiveSnapshot } from './live-data.js';

/** The X-ray of one lab process, or why there is none. */
export interface XrayPanel {
  /** The name the lab gave the process. */
  name: string;
  /** Its PID on the host. */
  pid: number;
  result: { ok: true; xray: Xray } | XrayFailure;
}

/** How many namespaces of its own a process has (not the host's). */
function ownCount(p: LiveProcess, host: LiveSnapshot['host']): number {
  return Object.entries(p.ns).filter(([type, inode]) => inode !== host[type as keyof typeof host]).length;
}

/**
 * The lab process the X-ray is of: of the step's processes with a namespace of their own, the one with the most
 * (toy-container's PID 1 rather than the workspace it was made from), the newest on a tie; else the same among all
 * live processes; else the step's or the first live process.
 */
export function xrayTarget(snapshot: LiveSnapshot): LiveProcess | undefined {
  const alive = snapshot.processes.filter((p) => p.alive);
  const most = (list: LiveProcess[]): LiveProcess | undefined => {
    let best: LiveProcess | undefined;
    let count = 0;
    for (const p of list) {
      const own = ownCount(p, snapshot.host);
      if (own > 0 && own >= count) [best, count] = [p, own];
    }
    return best;
  };
  return most(alive.filter((p) => p.focus)) ?? most(alive) ?? alive.find((p) => p.focus) ?? alive[0];
}

/** The X-ray of the snapshot's target process (undefined when the lab has no live process); `read` is for tests. */
export function readXray(
  snapshot: LiveSnapshot,
  read: (pid: number) => XrayPanel['result'] = (pid) => xray(pid, '/proc', { sharers: false }),
): XrayPanel | undefined {
  const target = xrayTarget(snapshot);
  if (!target) return undefined;
  return { name: target.name, pid: target.pid, result: read(target.pid) };
}
