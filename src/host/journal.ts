// The on-disk journal of everything an owner (a lab run, a container) creates on the host. A resource is written
// down before it is created, so that after a crash or `kill -9` `lab clean` knows what to remove, newest first.
// write(2) alone survives the death of the process (the page cache holds it); the records of a resource that
// outlives a reboot (a file or directory) are fsynced too, so that a power cut loses none of them either. The journal outlives the process that wrote it: another process may open it and finish the job.
import { closeSync, copyFileSync, fsyncSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LabError } from '../common/errors.js';
import { isAlive, startTime } from '../kernel/proc.js';
import type { Resource, ResourceKind } from './resource.js';
import { foreignNames, mustSync, RESOURCE_KINDS } from './resource-kinds.js';
import { ensureStateDir, stateDirPath, stateWriteError } from './state-dir.js';

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
export function replay(records: JournalRecord[], fallback?: Owner): RunState | undefined {
  // Without its head (a damaged first line), a journal is still read, as the owner its file name says, long dead.
  const head = headOf(records[0]) ?? (fallback && records.length > 0 ? { owner: fallback, pid: 0, start: 0 } : undefined);
  if (!head) return undefined;
  const live = new Map<number, Resource>();
  let step: string | undefined;
  let held: number | undefined;
  for (const record of records) {
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

/** Why a line of a journal could not be read. */
export type UnreadableWhy = 'torn' | 'nul' | 'not-utf8' | 'not-json' | 'unknown-record' | 'no-head' | 'empty';

/** A line of a journal that could not be read (1-based), and why. */
export interface UnreadableLine {
  line: number;
  why: UnreadableWhy;
}

/** What a journal file held: the records it could read, in order, and the lines it could not. */
export interface JournalReading {
  records: JournalRecord[];
  unreadable: UnreadableLine[];
  bytes: number;
}

const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
const isStr = (value: unknown): value is string => typeof value === 'string';

/** Whether a parsed value is a resource lab could have journaled: a known kind, each of its names lab-. */
function isResource(value: unknown): value is Resource {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const resource = value as Record<string, unknown>;
  if (!isStr(resource.kind) || !Object.hasOwn(RESOURCE_KINDS, resource.kind)) return false;
  if (foreignNames(resource.kind as ResourceKind, resource).length > 0) return false;
  if (resource.kind !== 'process') return true;
  if (!isStr(resource.name) || !Array.isArray(resource.argv)) return false;
  // A process's target is a PID; a mount's `target` is its mount point, a string (checked above as a lab- name).
  return ['pid', 'start', 'target', 'targetStart'].every((field) => resource[field] === undefined || isInt(resource[field]));
}

/** Whether a parsed line is a record of a shape this version writes or reads (anything else is not trusted). */
function isRecord(value: unknown): value is JournalRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const r = value as Record<string, unknown>;
  switch (r.t) {
    case 'owner':
      return (
        (r.kind === 'run' || r.kind === 'container' || r.kind === 'network') &&
        isStr(r.id) &&
        OWNER_ID.test(r.id) &&
        isInt(r.pid) &&
        isInt(r.start) &&
        (r.kind !== 'run' || isStr(r.lab))
      );
    case 'run':
      return isStr(r.runId) && OWNER_ID.test(r.runId) && isStr(r.lab) && isInt(r.owner) && isInt(r.ownerStart);
    case 'intent':
    case 'update':
      return isInt(r.id) && isResource(r.resource);
    case 'removed':
    case 'hold':
      return isInt(r.id);
    case 'step':
      return isStr(r.step);
    default:
      return false;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Read a journal file's bytes line by line: every line that is a record this version knows is kept, in order; any
 * other line (torn by a crash mid-write, NUL bytes after a power cut, invalid UTF-8, not JSON, an unknown record or
 * a resource lab could not have made) is listed by number, never silently dropped, and the lines after it are read.
 */
export function readJournal(bytes: Buffer): JournalReading {
  const records: JournalRecord[] = [];
  const unreadable: UnreadableLine[] = [];
  let start = 0;
  for (let line = 1; start < bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    const chunk = bytes.subarray(start, end);
    start = end + 1;
    if (chunk.length === 0) continue;
    if (chunk.includes(0)) {
      unreadable.push({ line, why: 'nul' });
      continue;
    }
    let text: string;
    try {
      text = utf8.decode(chunk);
    } catch {
      unreadable.push({ line, why: 'not-utf8' });
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      unreadable.push({ line, why: newline === -1 ? 'torn' : 'not-json' });
      continue;
    }
    if (isRecord(value)) records.push(value);
    else unreadable.push({ line, why: 'unknown-record' });
  }
  // Empty, or blank lines only: nothing says whose it is or what it named.
  if (records.length === 0 && unreadable.length === 0) unreadable.push({ line: 1, why: 'empty' });
  // A journal starts with its head (whose it is); line 1 read but something else means the head is lost.
  const head = records[0];
  if (head && head.t !== 'owner' && head.t !== 'run' && !unreadable.some((u) => u.line === 1)) unreadable.unshift({ line: 1, why: 'no-head' });
  return { records, unreadable, bytes: bytes.length };
}

/** Parse a journal file's text: the records it could read (see `readJournal` for the lines it could not). */
export function parseJournal(text: string): JournalRecord[] {
  return readJournal(Buffer.from(text, 'utf8')).records;
}

/** The owner a journal's file name stands for, when its head record is lost. */
function ownerOfFile(id: string): Owner {
  if (id === 'lab-networks') return { kind: 'network', id };
  if (id.startsWith('lab-container-')) return { kind: 'container', id };
  return { kind: 'run', id, lab: labOfRunId(id) };
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
  /** Whether the file ends inside a line (a write that failed midway): the next record starts on a new line. */
  private torn = false;
  /** The file, resolved once: the state directory it was opened in, whatever LAB_STATE_DIR says later. */
  private readonly file: string;

  private constructor(owner: Owner, fd: number, nextId = 1) {
    this.owner = owner;
    this.file = journalPath(owner.id);
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
      const full = stateWriteError(`open \`${journalPath(owner.id)}\``, error);
      if (full) throw full;
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
    // The first write of a run, before anything is made: on a full disk (or a read-only one) it fails here, the
    // empty journal goes, and the learner is told, with nothing created on the host. (No fsync: the filesystem
    // reserves the space at write(2), so ENOSPC and EDQUOT show here, and an fsync costs each `lab container run`.)
    try {
      journal.write({ t: 'owner', ...owner, pid: process.pid, start: startTime('self') ?? 0, at: new Date().toISOString() });
    } catch (error) {
      closeSync(fd);
      rmSync(journalPath(owner.id), { force: true });
      throw error;
    }
    return journal;
  }

  /**
   * Open the journal of an owner another process made (a container's, to remove it), with its state; undefined
   * when it has none. Ids of new records continue after the last one written.
   */
  static open(id: string): { journal: Journal; state: RunState } | undefined {
    if (!OWNER_ID.test(id)) return undefined;
    let bytes: Buffer;
    try {
      bytes = readFileSync(journalPath(id));
    } catch {
      return undefined;
    }
    const reading = readJournal(bytes);
    const state = replay(reading.records, ownerOfFile(id));
    if (!state) return undefined;
    if (reading.unreadable.length > 0) {
      const damage = keepDamaged(journalPath(id), bytes, reading.unreadable);
      process.stderr.write(`${damageNotice(damage, 'en')}\n${damageNotice(damage, 'zh')}\n`);
    }
    const last = Math.max(0, ...reading.records.map((r) => ('id' in r && typeof r.id === 'number' ? r.id : 0)));
    const journal = new Journal(ownerOf(state), openSync(journalPath(id), 'a'), last + 1);
    journal.torn = bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a;
    return { journal, state };
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

  /**
   * Record that a resource is gone. Never fails: when the disk is full the removal goes on without its record (a
   * resource the journal still names is found gone by `lab clean`, which is harmless), so a full disk cannot stop
   * a clean-up halfway.
   */
  removed(id: number): void {
    try {
      this.write({ t: 'removed', id });
    } catch {
      // See above.
    }
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
    rmSync(this.file, { force: true });
  }

  private write(record: JournalRecord): void {
    const text = `${this.torn ? '\n' : ''}${JSON.stringify(record)}\n`;
    try {
      writeAll(this.fd, text);
      if (needsSync(record)) fsyncSync(this.fd);
      this.torn = false;
    } catch (error) {
      this.torn = true;
      throw stateWriteError(`write \`${this.file}\``, error) ?? error;
    }
  }
}

/** Write all of `text` (write(2) may write part of it, e.g. when the disk fills up: then it fails on the rest). */
function writeAll(fd: number, text: string | Buffer): void {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
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
  /** Lines of its journal that could not be read, and where the file's content is kept (see `journalDamage`). */
  damage?: JournalDamage;
}

/** A journal with lines that could not be read: which file, which lines, and where a copy of it is kept. */
export interface JournalDamage {
  file: string;
  id: string;
  bytes: number;
  unreadable: UnreadableLine[];
  /** A copy of the file as it was found (`<file>.corrupt-<time>`), or undefined when it could not be written. */
  keptAs: string | undefined;
}

/** A zero-length journal younger than this may be one being created (open, then its head written): left alone. */
const NEWBORN_MS = 10_000;

/**
 * Keep a copy of a damaged journal's bytes beside it (`<file>.corrupt-<time>`, not a journal: never read as one),
 * once: a copy already there of the same bytes (or of the start of them, before records appended since) is reused.
 * The original stays, for the clean-up of what it names.
 */
function keepDamaged(file: string, bytes: Buffer, unreadable: UnreadableLine[]): JournalDamage {
  const id = basename(file).replace(/\.jsonl$/, '');
  const damage: JournalDamage = { file, id, bytes: bytes.length, unreadable, keptAs: undefined };
  if (bytes.length === 0) return damage;
  const dir = join(file, '..');
  try {
    for (const name of readdirSync(dir).filter((n) => n.startsWith(`${basename(file)}.corrupt-`))) {
      const copy = join(dir, name);
      // The same bytes, or the bytes before records appended since (a clean-up's `removed`): the same damage.
      if (statSync(copy).size <= bytes.length && bytes.subarray(0, statSync(copy).size).equals(readFileSync(copy))) return { ...damage, keptAs: copy };
    }
    const keptAs = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    copyFileSync(file, keptAs);
    if (readFileSync(keptAs).equals(bytes)) return { ...damage, keptAs };
    // Written meanwhile: keep the bytes that were read.
    const fd = openSync(keptAs, 'w', 0o600);
    try {
      writeAll(fd, bytes);
    } finally {
      closeSync(fd);
    }
    return { ...damage, keptAs };
  } catch {
    return damage;
  }
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
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
      if (bytes.length === 0 && Date.now() - statSync(file).mtimeMs < NEWBORN_MS) continue;
    } catch {
      continue;
    }
    const id = name.replace(/\.jsonl$/, '');
    const reading = readJournal(bytes);
    const damage = reading.unreadable.length > 0 ? keepDamaged(file, bytes, reading.unreadable) : undefined;
    const state = replay(reading.records, ownerOfFile(id));
    if (!state) {
      // Nothing readable in it (no head, no record): nothing to remove, only the file (kept aside if not empty).
      found.push({ kind: 'run', id, runId: id, lab: '?', owner: 0, ownerStart: 0, holder: { pid: 0, start: 0 }, live: [], file, ownerAlive: false, damage });
      continue;
    }
    found.push({ ...state, file, ownerAlive: state.holder.pid > 0 && isAlive(state.holder.pid, state.holder.start), ...(damage ? { damage } : {}) });
  }
  return found;
}

/**
 * The journals with lines that could not be read, each copied aside first: call it before cleaning (the clean-up
 * removes what the readable lines name, then deletes the journal; the copy stays, for the learner to look at).
 */
export function journalDamage(): JournalDamage[] {
  return findOwners().flatMap((owner) => (owner.damage ? [owner.damage] : []));
}

const WHY: Record<UnreadableWhy, { en: string; zh: string }> = {
  torn: { en: 'cut off mid-line', zh: '在行中间被截断' },
  nul: { en: 'NUL bytes', zh: '含有 NUL 字节' },
  'not-utf8': { en: 'not valid UTF-8', zh: '不是有效的 UTF-8' },
  'not-json': { en: 'not JSON', zh: '不是 JSON' },
  'unknown-record': { en: 'not a record lab writes', zh: '不是 lab 写的记录' },
  'no-head': { en: 'not the head naming the owner', zh: '不是记录所有者的首行' },
  empty: { en: 'the file is empty or blank', zh: '文件是空的或只有空行' },
};

/** What a damaged journal means for the learner: which file, which lines and why, what may be left, what to do. */
export function damageNotice(damage: JournalDamage, lang: 'en' | 'zh'): string {
  const lines = damage.unreadable
    .map((u) => (lang === 'zh' ? `${u.line}（${WHY[u.why].zh}）` : `${u.line} (${WHY[u.why].en})`))
    .join(lang === 'zh' ? '、' : ', ');
  if (lang === 'zh') {
    return (
      `日志（journal）${damage.file} 有无法读取的行：第 ${lines} 行。` +
      `lab 移除了其余各行记录的资源；只记录在这些行里的资源（进程、挂载、cgroup、网络命名空间或网卡）可能还留在宿主机上。` +
      (damage.keptAs ? `文件原样保存为 ${damage.keptAs}。` : damage.bytes === 0 ? '' : '无法保存它的副本，原文件保留不动。') +
      `运行 \`sudo lab doctor\` 查找名字以 lab- 开头的残留（\`ip netns list\`、\`ip link\`、\`grep lab- /proc/self/mountinfo\`、\`find /sys/fs/cgroup -name 'lab-*'\`、\`pgrep -fa lab-\`），手动移除后删除这个副本。`
    );
  }
  return (
    `The journal ${damage.file} has lines lab could not read: line ${lines}. ` +
    `lab removed what the other lines name; a resource named only in those lines (a process, mount, cgroup, network namespace or link) may still be on this host. ` +
    (damage.keptAs
      ? `The file is kept as it was in ${damage.keptAs}. `
      : damage.bytes === 0
        ? ''
        : 'No copy of it could be written; the file is left as it is. ') +
    `Look for leftovers named lab-... with \`sudo lab doctor\` (\`ip netns list\`, \`ip link\`, \`grep lab- /proc/self/mountinfo\`, \`find /sys/fs/cgroup -name 'lab-*'\`, \`pgrep -fa lab-\`), remove them by hand, then delete the copy.`
  );
}

/** Every lab run whose journal is on disk. */
export function findRuns(): FoundRun[] {
  return findOwners().filter((owner) => owner.kind === 'run');
}

/**
 * Append records to the journal of an owner this process does not hold open (used by `lab clean`). A `removed`
 * record that cannot be written (a full disk) is let go, as `Journal.removed` does: the clean-up goes on.
 */
export function appendRecord(file: string, record: JournalRecord): void {
  if (record.t === 'removed') {
    try {
      appendOne(file, record);
    } catch {
      // See above.
    }
    return;
  }
  appendOne(file, record);
}

function appendOne(file: string, record: JournalRecord): void {
  const fd = openSync(file, 'a+');
  try {
    // After a torn last line (a crash or a full disk mid-write), start on a line of its own.
    const size = statSync(file).size;
    const last = Buffer.alloc(1);
    const torn = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
    writeAll(fd, `${torn ? '\n' : ''}${JSON.stringify(record)}\n`);
    if (needsSync(record)) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
