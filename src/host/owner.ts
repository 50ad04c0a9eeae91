// The executor of an owner's hold on the host: it journals each resource before it is made (refusing what the
// harness could not have named, or what is already there), and removes them all newest first, each removal
// journaled, then every process still marked with the owner's id. A lab run's Session is one user; a container that
// outlives the command that started it is another: that command creates the journal and `close()`s it, and a later
// command (its `rm`, or `lab clean` once its init is dead) `open()`s it and removes what it holds.
import { existsSync, rmSync } from 'node:fs';
import { environValue, isAlive, listPids } from '../kernel/proc.js';
import { LabError } from '../common/errors.js';
import { RUN_MARKER } from './exec.js';
import { appendRecord, Journal, ownerFacts, type FoundRun, type LiveResource, type NewOwner, type Owner, type OwnerKind } from './journal.js';
import type { Resource } from './resource.js';
import { foreignNames, opsOf } from './resource-kinds.js';
import { killProcess } from './wait.js';

/** Called after each removal: the resource and whether it is gone. */
export type OnRemoved = (resource: Resource, ok: boolean) => void;

/** What removing an owner's resources did. */
export interface CleanReport {
  kind: OwnerKind;
  /** The owner's id. */
  id: string;
  /** The same id, under its name for a lab run. */
  runId: string;
  /** A run's lab; empty for any other owner. */
  lab: string;
  removed: Resource[];
  failed: Resource[];
  /**
   * Of `removed`, what was already gone when `lab clean` came to it (a reboot took it, or the kernel when its last
   * process died): not a failure. Set by `cleanOwner` only.
   */
  gone?: Resource[];
  /** The journal was last written before this boot: what did not outlive the reboot is `gone`. */
  earlierBoot?: boolean;
  /** Processes still marked with the owner's id that no journal entry named, killed. */
  strays: number;
}

/** Kill every process still carrying the owner's marker in its environment (children the journal never saw). */
export async function killMarked(id: string): Promise<number> {
  const marked = listPids().filter((pid) => pid !== process.pid && environValue(pid, RUN_MARKER) === id);
  for (const pid of marked) await killProcess(pid);
  return marked.length;
}

/**
 * Whether anything of a resource is still there. A process counts while either the PID it was spawned as or its
 * target (the namespace's init, maybe reparented) runs, each known by its start time, so that a PID reused after a
 * reboot by an unrelated process is never taken for it.
 */
function present(resource: Resource, earlierBoot: boolean): boolean {
  if (resource.kind !== 'process') return opsOf(resource).exists(resource);
  // No process outlives a reboot: one journaled in an earlier boot is not looked for by PID (start times count
  // from the boot, so an unrelated process could match both). Should the clock have made a journal of this boot
  // look older, the process still carries the owner's marker, and `killMarked` finds it by that.
  if (earlierBoot) return false;
  const pidAlive = resource.pid !== undefined && isAlive(resource.pid, resource.start);
  const targetAlive = resource.target !== undefined && resource.targetStart !== undefined && isAlive(resource.target, resource.targetStart);
  return pidAlive || targetAlive;
}

/**
 * Remove resources newest first, journaling each removal; returns what went and what stayed. With `gone`, what is
 * no longer there is not removed again but journaled as removed and collected there (after a reboot, or when
 * another `lab clean` got to it first).
 */
async function removeNewestFirst(
  live: readonly LiveResource[],
  journalRemoved: (id: number) => void,
  onRemoved?: OnRemoved,
  gone?: { into: LiveResource[]; earlierBoot: boolean; keep?: (resource: Resource) => boolean },
): Promise<{ removed: LiveResource[]; failed: LiveResource[] }> {
  const removed: LiveResource[] = [];
  const failed: LiveResource[] = [];
  for (const entry of [...live].reverse()) {
    // What a live owner's journal also names (the same network namespace, made again by a new run after a reboot)
    // is that owner's now: it leaves this journal, and the host, untouched.
    if (gone && (gone.keep?.(entry.resource) || !present(entry.resource, gone.earlierBoot))) {
      journalRemoved(entry.id);
      removed.push(entry);
      gone.into.push(entry);
      onRemoved?.(entry.resource, true);
      continue;
    }
    // A removal that throws (rmdir of a directory something is still mounted on: EBUSY) is a failed one, reported.
    const ok = await opsOf(entry.resource)
      .remove(entry.resource)
      .catch(() => false);
    if (ok) {
      journalRemoved(entry.id);
      removed.push(entry);
    } else {
      failed.push(entry);
    }
    onRemoved?.(entry.resource, ok);
  }
  return { removed, failed };
}

/** The resources one owner holds on the host, journaled: made through it, removed through it. */
export class Owned {
  readonly journal: Journal;
  /** Resources journaled and not yet removed, in creation order. */
  private readonly live: LiveResource[];

  private constructor(journal: Journal, live: LiveResource[]) {
    this.journal = journal;
    this.live = live;
  }

  /** Start holding resources for a new owner (its journal is created now). */
  static create(owner: NewOwner): Owned {
    return new Owned(Journal.create(owner), []);
  }

  /** Take over the resources of an owner whose journal another process wrote; undefined when it has none. */
  static open(id: string): Owned | undefined {
    const opened = Journal.open(id);
    return (
      opened &&
      new Owned(
        opened.journal,
        opened.state.live.map((entry) => ({ ...entry })),
      )
    );
  }

  /** Who owns the resources. */
  get owner(): Owner {
    return this.journal.owner;
  }

  /** The owner's id (also the marker of its processes). */
  get id(): string {
    return this.journal.id;
  }

  /** What is held now, oldest first. */
  resources(): readonly LiveResource[] {
    return this.live;
  }

  /** Journal a resource about to be made, as it is known now (a process before its PID); returns its id. */
  intend(resource: Resource): number {
    const id = this.journal.intend(resource);
    this.live.push({ id, resource });
    return id;
  }

  /** Record what became known once it exists (a PID and its start time). */
  update(id: number, resource: Resource): void {
    this.journal.update(id, resource);
    const entry = this.live.find((held) => held.id === id);
    if (entry) entry.resource = resource;
  }

  /**
   * Journal a host resource `operation` is about to make, after making sure each of its names is the harness's
   * (lab-) and that nothing of that name exists (it would not be ours to remove). Call `made()` once the operation
   * ran: a kind the kernel names only then (a System V object) is found and its journal entry completed.
   */
  claim(resource: Resource, operation: string): { id: number; made: () => void } {
    const ops = opsOf(resource);
    const foreign = foreignNames(resource.kind, resource);
    if (foreign.length > 0) throw new Error(`a lab ${resource.kind} must be named lab-...: ${foreign.join(', ')}`);
    if (!ops.find && ops.exists(resource)) {
      const what = ops.what(resource);
      throw new LabError({
        operation,
        code: 'exists',
        meaning: {
          en: `${what.en} already exists, probably left by a run that crashed; lab does not touch what this run did not create.`,
          zh: `${what.zh} 已经存在，多半是某次崩溃的运行留下的；lab 不会碰不是本次运行创建的东西。`,
        },
        fix: { en: 'Run `sudo lab clean`, then start the lab again.', zh: '运行 `sudo lab clean`，然后重新开始实验。' },
      });
    }
    const find = ops.find?.(resource);
    const id = this.intend(resource);
    return {
      id,
      made: () => {
        const found = find?.();
        if (found) this.update(id, found);
      },
    };
  }

  /** From now on the owner lives as long as the journaled process `id` (a container's init), not this process. */
  holdBy(id: number): void {
    this.journal.hold(id);
  }

  /** Record the step a lab run is in. */
  step(step: string): void {
    this.journal.step(step);
  }

  /**
   * Remove everything held, newest first, then kill the processes still marked with the owner's id. The journal is
   * deleted when everything went; otherwise it stays open and on disk, for another try or `lab clean`.
   */
  async removeAll(onRemoved?: OnRemoved, options: { scanStrays?: boolean } = {}): Promise<CleanReport> {
    const { removed, failed } = await removeNewestFirst(this.live, (id) => this.journal.removed(id), onRemoved);
    for (const { id } of removed)
      this.live.splice(
        this.live.findIndex((held) => held.id === id),
        1,
      );
    // The scan reads every process's environment (a few ms on a desktop's hundreds of processes); an owner that
    // knows none of its processes can be left may skip it, and only when everything else went.
    const strays = options.scanStrays === false && failed.length === 0 ? 0 : await killMarked(this.id);
    if (failed.length === 0) this.journal.finish();
    return {
      ...ownerFacts(this.owner),
      removed: removed.map((entry) => entry.resource),
      failed: failed.map((entry) => entry.resource),
      strays,
    };
  }

  /**
   * Remove the held resources `which` selects, newest first, each removal journaled; the others stay held (a
   * stopped container's published-port proxies go, its directory stays until `rm`). Returns whether all went.
   */
  async removeSome(which: (resource: Resource) => boolean): Promise<boolean> {
    const { removed, failed } = await removeNewestFirst(
      this.live.filter((held) => which(held.resource)),
      (id) => this.journal.removed(id),
    );
    for (const { id } of removed)
      this.live.splice(
        this.live.findIndex((held) => held.id === id),
        1,
      );
    return failed.length === 0;
  }

  /** Leave the resources on the host and the journal on disk: they outlive this process. */
  close(): void {
    this.journal.close();
  }
}

/**
 * Remove everything an owner found on disk left behind, newest first, then delete its journal if nothing failed.
 * What is already gone is reported as such (`gone`); `keep` names what a live owner holds now (left alone, and
 * reported as gone from this owner); `earlierBoot` says the journal was last written before this boot.
 */
export async function cleanOwner(found: FoundRun, options: { earlierBoot?: boolean; keep?: (resource: Resource) => boolean } = {}): Promise<CleanReport> {
  const gone: LiveResource[] = [];
  // A journal deleted meanwhile (its resources removed by whoever deleted it) is not written again: appending
  // would create a headless file that the next `lab clean` would report.
  const journalRemoved = (id: number): void => {
    if (existsSync(found.file)) appendRecord(found.file, { t: 'removed', id });
  };
  const earlierBoot = options.earlierBoot ?? false;
  const { removed, failed } = await removeNewestFirst(found.live, journalRemoved, undefined, { into: gone, earlierBoot, keep: options.keep });
  const strays = await killMarked(found.id);
  if (failed.length === 0) rmSync(found.file, { force: true });
  return {
    kind: found.kind,
    id: found.id,
    runId: found.id,
    lab: found.lab,
    removed: removed.map((entry) => entry.resource),
    failed: failed.map((entry) => entry.resource),
    gone: gone.map((entry) => entry.resource),
    earlierBoot,
    strays,
  };
}
