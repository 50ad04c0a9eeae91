// The on-disk journal of everything a run creates on the host. A resource is written down (and fsynced) before
// it is created, so that after a crash or `kill -9` `lab clean` knows what to remove, newest first.
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, startTime } from '../kernel/proc.js';
import { ensureStateDir, stateDirPath } from './state-dir.js';

/** Something a run creates on the host, with what is needed to find it again and remove it. */
export type Resource =
  | {
      kind: 'process';
      /** The lab's name for it (`init`). */
      name: string;
      argv: string[];
      /** Host PID of the spawned process, once known. */
      pid?: number;
      /** Its start time in clock ticks, so that a recycled PID is never killed. */
      start?: number;
      /** Host PID of the process the name stands for (a forked child), once known. */
      target?: number;
      /** The target's start time, so that a recycled PID is never killed in its place. */
      targetStart?: number;
    }
  | {
      kind: 'path';
      /** A file or directory the harness made; removed recursively. */
      path: string;
    }
  | { kind: 'link'; name: string }
  | { kind: 'netns'; name: string }
  | { kind: 'cgroup'; path: string }
  | {
      kind: 'scope';
      /** The systemd unit (`lab-<lab>-<run>.scope`). */
      unit: string;
      /** Its cgroup directory. */
      path: string;
    }
  | {
      kind: 'loop';
      /** The backing file: every loop device attached to it is the run's. */
      file: string;
    }
  | {
      kind: 'sysv';
      type: 'msg' | 'shm' | 'sem';
      /** Id and key of the object, once found (they name it together: ids are reused). */
      id?: number;
      key?: number;
    };

/** One line of a journal file. */
export type JournalRecord =
  | { t: 'run'; runId: string; lab: string; owner: number; ownerStart: number; at: string }
  | { t: 'intent'; id: number; resource: Resource }
  | { t: 'update'; id: number; resource: Resource }
  | { t: 'removed'; id: number }
  | { t: 'step'; step: string };

/** A resource still on the host according to a journal. */
export interface LiveResource {
  id: number;
  resource: Resource;
}

/** What a journal says about its run. */
export interface RunState {
  runId: string;
  lab: string;
  owner: number;
  ownerStart: number;
  /** Resources created and not yet removed, in creation order. */
  live: LiveResource[];
  /** The step the run was in last. */
  step?: string;
}

/** Rebuild a run's state from its records (pure). Records after a torn final line are ignored by the reader. */
export function replay(records: JournalRecord[]): RunState | undefined {
  const head = records[0];
  if (!head || head.t !== 'run') return undefined;
  const live = new Map<number, Resource>();
  let step: string | undefined;
  for (const record of records.slice(1)) {
    if (record.t === 'intent' || record.t === 'update') live.set(record.id, record.resource);
    else if (record.t === 'removed') live.delete(record.id);
    else if (record.t === 'step') step = record.step;
  }
  const resources = [...live.entries()].sort(([a], [b]) => a - b).map(([id, resource]) => ({ id, resource }));
  return { runId: head.runId, lab: head.lab, owner: head.owner, ownerStart: head.ownerStart, live: resources, step };
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

function runsDir(): string {
  return join(stateDirPath(), 'runs');
}

/** The lab of a run id (`lab-<lab>-<pid>-<time>`). */
export function labOfRunId(runId: string): string {
  return runId.split('-').slice(1, -2).join('-');
}

/** The journal file of a run. */
export function journalPath(runId: string): string {
  return join(runsDir(), `${runId}.jsonl`);
}

/** A run's journal, open for appending while the run lasts. */
export class Journal {
  readonly runId: string;
  readonly lab: string;
  private fd: number;
  private nextId = 1;

  private constructor(runId: string, lab: string, fd: number) {
    this.runId = runId;
    this.lab = lab;
    this.fd = fd;
  }

  /** Start the journal of a new run of `lab`, owned by this process. */
  static create(lab: string): Journal {
    ensureStateDir();
    ensureStateDir(runsDir());
    const runId = `lab-${lab}-${process.pid}-${Date.now().toString(36)}`;
    const fd = openSync(journalPath(runId), 'wx', 0o600);
    const journal = new Journal(runId, lab, fd);
    journal.write({
      t: 'run',
      runId,
      lab,
      owner: process.pid,
      ownerStart: startTime('self') ?? 0,
      at: new Date().toISOString(),
    });
    return journal;
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

  /** Record the step the run is in, for `lab shell`, `lab hint` and `lab clean`. */
  step(step: string): void {
    this.write({ t: 'step', step });
  }

  /** Close and delete the journal: call only once every resource in it is removed. */
  finish(): void {
    closeSync(this.fd);
    rmSync(journalPath(this.runId), { force: true });
  }

  private write(record: JournalRecord): void {
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.fd);
  }
}

/** A run found on disk, and whether the harness that owns it still runs. */
export interface FoundRun extends RunState {
  file: string;
  ownerAlive: boolean;
}

/** Every run whose journal is on disk. */
export function findRuns(): FoundRun[] {
  let names: string[];
  try {
    names = readdirSync(runsDir()).filter((name) => name.endsWith('.jsonl'));
  } catch {
    return [];
  }
  const runs: FoundRun[] = [];
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
      runs.push({ runId: name.replace(/\.jsonl$/, ''), lab: '?', owner: 0, ownerStart: 0, live: [], file, ownerAlive: false });
      continue;
    }
    runs.push({ ...state, file, ownerAlive: isAlive(state.owner, state.ownerStart) });
  }
  return runs;
}

/** Append records to the journal of a run this process does not own (used by `lab clean`). */
export function appendRecord(file: string, record: JournalRecord): void {
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
