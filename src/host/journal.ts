// The on-disk journal of everything an owner (a lab run, a container) creates on the host. A resource is written
// down before it is created, so that after a crash or `kill -9` `lab clean` knows what to remove, newest first.
// write(2) alone survives the death of the process (the page cache holds it); the records of a resource that
// outlives a reboot (a file or directory) are fsynced too, so that a power cut loses none of them either. The journal outlives the process that wrote it: another process may open it and finish the job.
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../common/errors.js';
import { isAlive, startTime } from '../kernel/proc.js';
import type { Resource } from './resource.js';
import { mustSync } from './resource-kinds.js';
import { ensureStateDir, stateDirPath } from './state-dir.js';

export type { Resource } from './resource.js';

/**
 * Who owns the resources of a journal. A lab run lasts as long as the harness that runs it; a container started in
 * the background outlives the command that started it, and lives as long as its init process (see `hold`).
 */
export type Owner = { kind: 'run'; id: string; lab: string } | { kind: 'container'; id: string } | { kind: 'network'; id: string };

/** The kinds of owner. */
export type OwnerKind = Owner['kind'];

/** What a report or a replayed journal says of its owner: kind, id, and (for a lab run) the run id and the lab. */
export function ownerFacts(owner: Owner): { kind: OwnerKind; id: string; runId: string; lab: string } {
  return { kind: owner.kind, id: owner.id, runId: owner.id, lab: owner.kind === 'run' ? owner.lab : '' };
}

/** A new owner: a lab run gets an id made from its lab; any other owner names its own (`lab-<something>`). */
export type NewOwner = { kind: 'run'; lab: string } | { kind: 'container'; id: string } | { kind: 'network'; id: string };

/** One line of a journal file. */
export type JournalRecord =
  | ({ t: 'owner'; pid: number; start: number; at: string } & Owner)
  /** The head of a journal written before owners had kinds: always a lab run (still read, and cleaned). */
  | { t: 'run'; runId: string; lab: string; owner: number; ownerStart: number; at: string }
  | { t: 'intent'; id: number; resource: Resource }
  | { t: 'update'; id: number; resource: Resource }
  | { t: 'removed'; id: number }
  | { t: 'step'; step: string }
  /** From now on the owner lives as long as this journaled process (a container's init), not its creator. */
  | { t: 'hold'; id: number };

/** A resource still on the host according to a journal. */
export interface LiveResource {
  id: number;
  resource: Resource;
}

/** A process, known by its PID and start time (so that a recycled PID is never taken for it). */
export interface ProcessRef {
  pid: number;
  start: number | undefined;
}

/** What a journal says about its owner and its resources. */
export interface RunState {
  kind: OwnerKind;
  /** The owner's id: a run's id (`lab-<lab>-<pid>-<time>`), a container's name. The journal is `<id>.jsonl`. */
  id: string;
  /** The same id, under the name it has for a lab run (it marks every process of the owner, see RUN_MARKER). */
  runId: string;
  /** A run's lab; empty for any other owner. */
  lab: string;
  /** The process that wrote the journal's head. */
  owner: number;
  ownerStart: number;
  /** The process whose life is the owner's: its creator, or the process a `hold` record names once it runs. */
  holder: ProcessRef;
  /** Resources created and not yet removed, in creation order. */
  live: LiveResource[];
  /** The step the run was in last. */
  step?: string;
}

/** The owner a state describes. */
export function ownerOf(state: RunState): Owner {
  return state.kind === 'run' ? { kind: 'run', id: state.id, lab: state.lab } : { kind: state.kind, id: state.id };
}

/** The head record as an owner, the creating process and its start time (either form of head). */
function headOf(record: JournalRecord | undefined): { owner: Owner; pid: number; start: number } | undefined {
  if (record?.t === 'run') return { owner: { kind: 'run', id: record.runId, lab: record.lab }, pid: record.owner, start: record.ownerStart };
  if (record?.t !== 'owner') return undefined;
  const { t: _t, at: _at, pid, start, ...owner } = record;
  return { owner: owner as Owner, pid, start };
}

/** The process a journaled process resource stands for, once it runs. */
function processOf(resource: Resource | undefined): ProcessRef | undefined {
  if (resource?.kind !== 'process') return undefined;
  if (resource.target !== undefined) return { pid: resource.target, start: resource.targetStart };
  return resource.pid === undefined ? undefined : { pid: resource.pid, start: resource.start };
}

/** Rebuild an owner's state from its records (pure). Records after a torn final line are ignored by the reader. */
export function replay(records: JournalRecord[]): RunState | undefined {
  const head = headOf(records[0]);
  if (!head) return undefined;
  const live = new Map<number, Resource>();
  let step: string | undefined;
  let held: number | undefined;
  for (const record of records.slice(1)) {
    if (record.t === 'intent' || record.t === 'update') live.set(record.id, record.resource);
    else if (record.t === 'removed') live.delete(record.id);
    else if (record.t === 'step') step = record.step;
    else if (record.t === 'hold') held = record.id;
  }
  const resources = [...live.entries()].sort(([a], [b]) => a - b).map(([id, resource]) => ({ id, resource }));
  const creator = { pid: head.pid, start: head.start };
  // A holder named but not yet running (a crash between the journal and the spawn) leaves the creator in charge.
  const holder = held === undefined ? creator : (processOf(live.get(held)) ?? (live.has(held) ? creator : { pid: 0, start: 0 }));
  return {
    ...ownerFacts(head.owner),
    owner: head.pid,
    ownerStart: head.start,
    holder,
    live: resources,
    step,
  };
}

/** Parse a journal file's text; a torn last line (a crash mid-write) is dropped. */
export function parseJournal(text: string): JournalRecord[] {
  const records: JournalRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      records.push(JSON.parse(line) as JournalRecord);
    } catch {
      break;
    }
  }
  return records;
}

/** Where the journals are: one file per owner (the directory kept its name from when every owner was a run). */
function runsDir(): string {
  return join(stateDirPath(), 'runs');
}

/** The lab of a run id (`lab-<lab>-<pid>-<time>`): only for a marked process whose journal is gone. */
export function labOfRunId(runId: string): string {
  return runId.split('-').slice(1, -2).join('-');
}

/** The journal file of an owner. */
export function journalPath(id: string): string {
  return join(runsDir(), `${id}.jsonl`);
}

/** An owner id: the lab- prefix (it marks processes and names a file), then letters, digits, `.`, `_` and `-`. */
const OWNER_ID = /^lab-[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** An owner's journal, open for appending while its process works on it. */
export class Journal {
  readonly owner: Owner;
  private fd: number;
  private nextId: number;

  private constructor(owner: Owner, fd: number, nextId = 1) {
    this.owner = owner;
    this.fd = fd;
    this.nextId = nextId;
  }

  /** Start the journal of a new owner, made by this process; refused when that owner has a journal already. */
  static create(wanted: NewOwner): Journal {
    const owner: Owner = wanted.kind === 'run' ? { kind: 'run', id: `lab-${wanted.lab}-${process.pid}-${Date.now().toString(36)}`, lab: wanted.lab } : wanted;
    if (!OWNER_ID.test(owner.id)) throw new Error(`an owner id must be lab- and then [A-Za-z0-9_.-]: ${owner.id}`);
    ensureStateDir();
    ensureStateDir(runsDir());
    let fd: number;
    try {
      fd = openSync(journalPath(owner.id), 'wx', 0o600);
    } catch (error) {
      throw new LabError({
        operation: `open \`${journalPath(owner.id)}\``,
        code: (error as { code?: string }).code ?? 'error',
        meaning: {
          en: `${owner.id} already has a journal: it exists, or its resources were not all removed.`,
          zh: `${owner.id} 已经有日志（journal）：它已存在，或者它的资源还没有全部移除。`,
        },
        fix: { en: 'Remove it first, or run `sudo lab clean`.', zh: '先移除它，或者运行 `sudo lab clean`。' },
        cause: error,
      });
    }
    const journal = new Journal(owner, fd);
    journal.write({ t: 'owner', ...owner, pid: process.pid, start: startTime('self') ?? 0, at: new Date().toISOString() });
    return journal;
  }

  /**
   * Open the journal of an owner another process made (a container's, to remove it), with its state; undefined
   * when it has none. Ids of new records continue after the last one written.
   */
  static open(id: string): { journal: Journal; state: RunState } | undefined {
    if (!OWNER_ID.test(id)) return undefined;
    let text: string;
    try {
      text = readFileSync(journalPath(id), 'utf8');
    } catch {
      return undefined;
    }
    const records = parseJournal(text);
    const state = replay(records);
    if (!state) return undefined;
    const last = Math.max(0, ...records.map((r) => ('id' in r && typeof r.id === 'number' ? r.id : 0)));
    return { journal: new Journal(ownerOf(state), openSync(journalPath(id), 'a'), last + 1), state };
  }

  /** The owner's id. */
  get id(): string {
    return this.owner.id;
  }

  /** The owner's id, under its name for a lab run. */
  get runId(): string {
    return this.owner.id;
  }

  /** A run's lab; empty for any other owner. */
  get lab(): string {
    return this.owner.kind === 'run' ? this.owner.lab : '';
  }

  /** Write down a resource before creating it; returns its id for later updates. */
  intend(resource: Resource): number {
    const id = this.nextId++;
    this.write({ t: 'intent', id, resource });
    return id;
  }

  /** Record what became known once it exists (a PID and its start time). */
  update(id: number, resource: Resource): void {
    this.write({ t: 'update', id, resource });
  }

  /** Record that a resource is gone. */
  removed(id: number): void {
    this.write({ t: 'removed', id });
  }

  /** Record that the owner now lives as long as the journaled process `id` (a container's init). */
  hold(id: number): void {
    this.write({ t: 'hold', id });
  }

  /** Record the step the run is in, for `lab shell`, `lab hint` and `lab clean`. */
  step(step: string): void {
    this.write({ t: 'step', step });
  }

  /** Stop writing, and leave the journal for whoever removes the resources later. */
  close(): void {
    closeSync(this.fd);
  }

  /** Close and delete the journal: call only once every resource in it is removed. */
  finish(): void {
    closeSync(this.fd);
    rmSync(journalPath(this.id), { force: true });
  }

  private write(record: JournalRecord): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    if (needsSync(record)) fsyncSync(this.fd);
  }
}

/**
 * Whether a record must be on disk before the harness goes on: one that names a resource outliving a reboot. The
 * rest need not: after a power cut their resources are gone, and a lost `removed` only makes `lab clean` find its
 * resource gone already. (fsync costs a few milliseconds per `lab container run` on a fast disk, far more on a slow one.)
 */
function needsSync(record: JournalRecord): boolean {
  return (record.t === 'intent' || record.t === 'update') && mustSync(record.resource);
}

/** An owner found on disk, and whether it still lives (its holder process runs). */
export interface FoundRun extends RunState {
  file: string;
  ownerAlive: boolean;
}

/** Every owner whose journal is on disk: lab runs and containers. */
export function findOwners(): FoundRun[] {
  let names: string[];
  try {
    names = readdirSync(runsDir()).filter((name) => name.endsWith('.jsonl'));
  } catch {
    return [];
  }
  const found: FoundRun[] = [];
  for (const name of names.sort()) {
    const file = join(runsDir(), name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const state = replay(parseJournal(text));
    if (!state) {
      // A journal torn before its head was written: nothing in it to remove, only the file.
      const id = name.replace(/\.jsonl$/, '');
      found.push({ kind: 'run', id, runId: id, lab: '?', owner: 0, ownerStart: 0, holder: { pid: 0, start: 0 }, live: [], file, ownerAlive: false });
      continue;
    }
    found.push({ ...state, file, ownerAlive: state.holder.pid > 0 && isAlive(state.holder.pid, state.holder.start) });
  }
  return found;
}

/** Every lab run whose journal is on disk. */
export function findRuns(): FoundRun[] {
  return findOwners().filter((owner) => owner.kind === 'run');
}

/** Append records to the journal of an owner this process does not hold open (used by `lab clean`). */
export function appendRecord(file: string, record: JournalRecord): void {
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
    if (needsSync(record)) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
