// One builder at a time for a thing many processes may want at once (the busybox image, wanted by every
// `lab container run` on a fresh host): a lock file made with O_EXCL that holds the builder's PID. The others wait
// for the result instead of building it too and throwing their work away (fifty containers started at once in
// the test VM used to build busybox fifty times). A lock whose process is gone (a crash) is taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAlive } from '../kernel/proc.js';

/** How often a waiter looks again, and how long it waits before it gives up. */
const WAIT_MS = 50;
const TIMEOUT_MS = 600_000;

/** The PID a lock file names, or undefined when it is unreadable (being written, or gone). */
function holderOf(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `ready()` if it has the result already; else build it holding `lock`, or wait for the process that holds it and
 * take its result. `build` runs at most once per lock at a time; its error is this call's.
 */
export async function withBuildLock<T>(lock: string, ready: () => T | undefined, build: () => Promise<T>, timeoutMs = TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = ready();
    if (done !== undefined) return done;
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(lock);
      // A holder that died left its lock: remove it and try again (another waiter may win the race: then wait).
      if (holder !== undefined && !isAlive(holder)) rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for process ${holder ?? '?'} to build what ${lock} guards`);
      else await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
      continue;
    }
    try {
      return ready() ?? (await build());
    } finally {
      rmSync(lock, { force: true });
    }
  }
}
