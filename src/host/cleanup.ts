// Removing what owners left on the host (`lab clean`, `lab reset`): each journal's resources newest first, each
// removal journaled, and only what the journals name; then processes still marked as an owner's that no live owner
// claims. A running lab is asked to stop and clean up after itself; a running container is left alone (it is alive
// while its init runs: its own `rm` removes it, or `lab clean` once the init is dead).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, ftruncateSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LabError } from '../common/errors.js';
import { waitFor } from '../common/wait.js';
import { environValue, isAlive, listPids, startTime } from '../kernel/proc.js';
import { RUN_MARKER } from './exec.js';
import { findOwners, labOfRunId, ownerOf, type FoundRun, type Owner } from './journal.js';
import { NETWORKS_OWNER, pruneNetworks } from './networks.js';
import { cleanOwner, type CleanReport } from './owner.js';
import { describeResource } from './resource-kinds.js';
import { assertPrivateDir, DEFAULT_STATE_DIR, stateDirPath } from './state-dir.js';
import { killProcess } from './wait.js';

export { describeResource, isLabName, removeResource, resourceExists } from './resource-kinds.js';
export { cleanOwner, killMarked, type CleanReport } from './owner.js';
export { killProcess } from './wait.js';
export { waitFor } from '../common/wait.js';

/** Remove everything a run (any owner) left behind, newest first, then delete its journal if nothing failed. */
export const cleanRun = cleanOwner;

/** What `cleanAll` did. */
export interface CleanAllReport {
  /** One per owner whose resources were removed. */
  reports: CleanReport[];
  /** Marked processes of no live owner, killed. */
  orphans: number;
  /** Owners still alive that are not stopped by a clean (a running container), left as they are. */
  kept: FoundRun[];
  /** Lab runs whose harness is alive, left to it (with `live: 'keep'`). */
  live: FoundRun[];
  /** Another clean held the lock when this one started: its PID (this one waited for it). */
  waitedFor?: number;
}

/** What `cleanAll` does to a lab run whose harness is alive. */
export interface CleanAllOptions {
  /**
   * `stop` (`lab reset`, the default): ask it to stop (SIGTERM; it cleans up after itself), then remove what is left.
   * `keep` (`lab clean`): leave it to its harness, which is alive and removes its own resources when it ends.
   */
  live?: 'stop' | 'keep';
  /** Called when another clean holds the lock, before waiting for it. */
  onWait?: (holder: number | undefined) => void;
}

/** How long a clean waits for another one to finish before it gives up. */
const CLEAN_LOCK_WAIT_S = 120;

/**
 * One clean at a time: two at once would both remove the same journal's resources and both write its `removed`
 * records, and the second would write them into a journal the first had deleted (creating it again, headless).
 * The lock is flock(2) on `<state>/lab-clean.lock`, taken by util-linux flock(1) on a descriptor this process
 * shares with it: a lock belongs to the open file, so it stays held after flock(1) exits, and the kernel drops it
 * when this process dies however it dies (kill -9, a power cut): no stale lock to recover, no PID to trust. The
 * file is never deleted (deleting a lock file races with its next taker); it holds the holder's PID, to say whom
 * a waiting clean waits for. Without flock(1) (no util-linux: lab could not run a lab either) it goes unlocked.
 * Undefined when there is no state directory (then there are no journals to share).
 */
async function takeCleanLock(onWait?: (holder: number | undefined) => void): Promise<{ release: () => void; waitedFor?: number } | undefined> {
  const dir = stateDirPath();
  try {
    statSync(dir);
  } catch {
    return undefined;
  }
  assertPrivateDir(dir);
  const file = join(dir, 'lab-clean.lock');
  const fd = openSync(file, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  const release = (): void => closeSync(fd);
  const flock = (args: string[]): Promise<number | null> =>
    new Promise((done) => {
      const child = spawn('flock', [...args, '3'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
      child.on('error', () => done(null));
      child.on('exit', (code) => done(code));
    });
  let waitedFor: number | undefined;
  const first = spawnSync('flock', ['-n', '-x', '3'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
  if (first.error) return { release };
  if (first.status !== 0) {
    waitedFor = Number(readFileSync(file, 'utf8').trim().split(' ')[0]) || undefined;
    onWait?.(waitedFor);
    if ((await flock(['-x', '-w', String(CLEAN_LOCK_WAIT_S)])) !== 0) {
      release();
      throw new LabError({
        operation: `flock \`${file}\``,
        code: 'clean-busy',
        meaning: {
          en: `Another lab clean (PID ${waitedFor ?? '?'}) has held the lock for over ${CLEAN_LOCK_WAIT_S} s; two cleans at once would remove the same resources twice.`,
          zh: `另一个 lab clean（PID ${waitedFor ?? '?'}）持有锁已超过 ${CLEAN_LOCK_WAIT_S} 秒；两个清理同时进行会把同一批资源移除两次。`,
        },
        fix: {
          en: `Wait for it to finish (\`ps -p ${waitedFor ?? '<pid>'}\`), then run \`sudo lab clean\` again.`,
          zh: `等它结束（\`ps -p ${waitedFor ?? '<pid>'}\`），然后再运行 \`sudo lab clean\`。`,
        },
      });
    }
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid} ${startTime('self') ?? 0}\n`, 0);
  return { release, waitedFor };
}

/**
 * Refuse to clean what cannot be read: a journal directory or journal this user may not read (`lab clean` without
 * sudo) would otherwise look empty, and "nothing to clean" would be a lie. Without a state directory, a user other
 * than root cannot tell either: root's runs keep theirs in root's state directory, and their processes are root's.
 */
export function assertJournalsReadable(): void {
  const dir = stateDirPath();
  const runs = join(dir, 'runs');
  const uid = process.getuid?.() ?? 0;
  const refuse = (path: string, code: string, why: { en: string; zh: string }): LabError =>
    new LabError({
      operation: `read \`${path}\``,
      code,
      meaning: {
        en: `lab clean cannot read the journals in ${runs} (${why.en}), so it cannot know what lab runs left on this host; it removed nothing.`,
        zh: `lab clean 无法读取 ${runs} 中的日志（journal）（${why.zh}），因此不知道实验在这台宿主机上留下了什么；它什么也没有移除。`,
      },
      fix: { en: 'Run it as root: sudo lab clean', zh: '以 root 身份运行：sudo lab clean' },
    });
  let names: string[];
  try {
    names = readdirSync(runs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code !== 'ENOENT') throw refuse(runs, code, { en: `${code} as uid ${uid}`, zh: `以 uid ${uid} 运行时得到 ${code}` });
    let stateCode: string | undefined;
    try {
      readdirSync(dir);
    } catch (e) {
      stateCode = (e as NodeJS.ErrnoException).code ?? 'error';
    }
    if (stateCode && stateCode !== 'ENOENT') throw refuse(dir, stateCode, { en: `${stateCode} as uid ${uid}`, zh: `以 uid ${uid} 运行时得到 ${stateCode}` });
    if (stateCode === 'ENOENT' && uid !== 0)
      throw refuse(dir, 'ENOENT', {
        en: `${dir} does not exist for uid ${uid}: lab keeps them as root, and root's processes are not uid ${uid}'s to see or stop`,
        zh: `对 uid ${uid} 来说 ${dir} 不存在：lab 以 root 身份保存日志，而 root 的进程 uid ${uid} 既看不到也停不了`,
      });
    return;
  }
  for (const name of names.filter((n) => n.endsWith('.jsonl'))) {
    try {
      closeSync(openSync(join(runs, name), 'r'));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'ENOENT') continue; // removed meanwhile (its owner finished)
      throw refuse(join(runs, name), code, { en: `${code} as uid ${uid}`, zh: `以 uid ${uid} 运行时得到 ${code}` });
    }
  }
}

/** When this boot began (ms since the epoch), from /proc/stat's btime; undefined when it cannot be read. */
function bootTimeMs(): number | undefined {
  try {
    const line = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    return line ? Number(line[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a journal was last written before this boot (with a margin for btime's rounding): then its processes,
 * mounts, namespaces and cgroups went with the reboot, and only what is on disk can be left. Its processes are not
 * looked for by PID then (see `present` in owner.ts); every other resource still is, by name, so that a clock set
 * forward after boot cannot make lab skip one.
 */
function writtenBeforeBoot(file: string): boolean {
  const boot = bootTimeMs();
  try {
    return boot !== undefined && statSync(file).mtimeMs < boot - 2000;
  } catch {
    return false;
  }
}

/** Ask a live harness to stop (it cleans up after itself); true when its journal is gone in time. */
async function stopRun(run: FoundRun): Promise<boolean> {
  try {
    process.kill(run.owner, 'SIGTERM');
  } catch {
    return false;
  }
  return waitFor(() => !findOwners().some((r) => r.id === run.id) || !isAlive(run.owner, run.ownerStart), 5000, 20);
}

/** The owner a marked process belongs to: from its journal, or, with the journal gone, read from a run id. */
function ownerOfMarker(id: string, owners: readonly FoundRun[]): Owner {
  const found = owners.find((owner) => owner.id === id);
  return found ? ownerOf(found) : { kind: 'run', id, lab: labOfRunId(id) };
}

/**
 * Clean every owner `wanted` accepts: a running lab is stopped first (its harness cleans up after itself, and what
 * is left is removed here); a running container is kept; a dead one's resources are removed.
 */
export async function cleanAll(wanted: (owner: Owner) => boolean = () => true, options: CleanAllOptions = {}): Promise<CleanAllReport> {
  assertJournalsReadable();
  const lock = await takeCleanLock(options.onWait);
  try {
    return { ...(await cleanLocked(wanted, options.live ?? 'stop')), waitedFor: lock?.waitedFor };
  } finally {
    lock?.release();
  }
}

/** A journal this young without its head may be one a starting run is writing: it is left for a later clean. */
const HEADLESS_GRACE_MS = 10_000;

async function cleanLocked(wanted: (owner: Owner) => boolean, liveRuns: 'stop' | 'keep'): Promise<Omit<CleanAllReport, 'waitedFor'>> {
  const reports: CleanReport[] = [];
  const kept: FoundRun[] = [];
  const live: FoundRun[] = [];
  const isLive = (found: FoundRun): boolean => found.ownerAlive && found.owner !== process.pid;
  // What live owners hold now: a dead owner's journal naming the same thing (a name used again after a reboot)
  // does not make it dead's to remove.
  const heldByLive = (): Set<string> =>
    new Set(
      findOwners()
        .filter(isLive)
        .flatMap((owner) => owner.live.map((entry) => describeResource(entry.resource))),
    );
  // Owners kept or left live, each named once however many passes see them.
  const seen = new Set<string>();
  // One pass over the journals: every dead owner's resources, then the networks nothing needs.
  const pass = async (): Promise<void> => {
    for (const found of findOwners().filter((owner) => wanted(ownerOf(owner)))) {
      // The shared network namespaces live as long as a container or a network needs them: last, below.
      if (found.kind === 'network') continue;
      if (found.ownerAlive && found.kind !== 'run') {
        if (!seen.has(found.id)) kept.push(found);
        seen.add(found.id);
        continue;
      }
      if (isLive(found) && liveRuns === 'keep') {
        if (!seen.has(found.id)) live.push(found);
        seen.add(found.id);
        continue;
      }
      if (found.owner === 0 && found.live.length === 0 && youngerThan(found.file, HEADLESS_GRACE_MS)) continue;
      if (isLive(found)) await stopRun(found);
      const again = findOwners().find((owner) => owner.id === found.id);
      if (!again) continue;
      const held = heldByLive();
      const earlierBoot = writtenBeforeBoot(again.file);
      reports.push(await cleanOwner({ ...again, ownerAlive: false }, { earlierBoot, keep: (resource) => held.has(describeResource(resource)) }));
    }
    // Networks no container is attached to (as `docker network prune`), then the shared namespaces if nothing needs them.
    if (wanted({ kind: 'network', id: NETWORKS_OWNER })) {
      const { report } = await pruneNetworks();
      if (report) reports.push(report);
      const still = findOwners().find((owner) => owner.kind === 'network');
      if (still && !seen.has(still.id)) kept.push(still);
      if (still) seen.add(still.id);
    }
  };
  await pass();
  // Processes marked with an owner that is gone or dead (a crash between spawn and the journal write).
  const owners = findOwners();
  const alive = new Set(owners.filter((owner) => owner.ownerAlive).map((owner) => owner.id));
  const strays: { pid: number; start: number | undefined; id: string }[] = [];
  for (const pid of listPids()) {
    if (pid === process.pid) continue;
    const id = environValue(pid, RUN_MARKER);
    if (!id?.startsWith('lab-') || alive.has(id) || !ownMarkedProcess(pid, id)) continue;
    if (wanted(ownerOfMarker(id, owners))) strays.push({ pid, start: startTime(pid), id });
  }
  // A run that started during the scan wrote its journal before spawning anything: read the journals again, so
  // that its first processes are not taken for strays.
  const nowAlive = new Set(
    findOwners()
      .filter((owner) => owner.ownerAlive)
      .map((owner) => owner.id),
  );
  let orphans = 0;
  for (const stray of strays) {
    if (!nowAlive.has(stray.id) && (await killProcess(stray.pid, stray.start))) orphans++;
  }
  // A stray may have made something after the pass read the journals (a `lab container run` of a killed run,
  // still creating its container): read them once more now that it is dead.
  if (orphans > 0) await pass();
  return { reports, orphans, kept, live };
}

/**
 * Whether a marked process with no live owner in these journals is this state directory's to kill. Not when it
 * names another state directory (LAB_STATE_DIR in its environment: a run of another directory, whose journals are
 * not read here), nor when the harness its run id names (`lab-<lab>-<pid>-<time>`) is alive: a process with that
 * PID that started before the id was made. A run is left to its own harness, as a live run in these journals is.
 */
function ownMarkedProcess(pid: number, id: string): boolean {
  const theirs = environValue(pid, 'LAB_STATE_DIR');
  if (theirs !== undefined && resolve(theirs || DEFAULT_STATE_DIR) !== resolve(stateDirPath())) return false;
  const named = /-(\d+)-([0-9a-z]+)$/.exec(id);
  const boot = bootTimeMs();
  if (!named || boot === undefined) return true;
  const harness = Number(named[1]);
  const start = startTime(harness);
  // /proc/<pid>/stat counts in clock ticks of 1/100 s (USER_HZ) since boot.
  return !(harness !== process.pid && start !== undefined && isAlive(harness) && boot + start * 10 <= parseInt(named[2]!, 36) + 2000);
}

/** Whether a file was modified less than `ms` ago (false when it is gone). */
function youngerThan(file: string, ms: number): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < ms;
  } catch {
    return false;
  }
}
