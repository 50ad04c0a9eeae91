// The class server's storage: one append-only file of JSON lines, `events.jsonl` in the class's data directory,
// fsynced before any request that changed it is answered, and read back in full at start.
//
// Why a JSON-lines log and not SQLite: Node 20 (this project's floor) has no built-in SQLite (node:sqlite came
// in Node 22.5) and the harness takes no native npm dependency for this; a workshop is at most some 50,000
// events (60 learners, 21 labs, ~40 events a lab), which a restart replays in well under a second; and an append
// with fsync is the whole durability story: a record is on disk before its learner gets an ack, and a crash can
// only cut the last line short, which the next start trims.
import { closeSync, fdatasync, fstatSync, ftruncateSync, openSync, readFileSync, write } from 'node:fs';
import { join } from 'node:path';
import type { ClassEvent } from './protocol.js';

/** One line of the log. */
export type LogRecord = { k: 'join'; name: string; secret: string; at: number } | { k: 'batch'; name: string; rx: number; events: ClassEvent[] };

/** The log of one class: replayed by `open`, appended by `append` (batched: one fsync for what arrived together). */
export class ClassLog {
  private readonly fd: number;
  private pending: { text: string; done: (error?: Error) => void }[] = [];
  private writing = false;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** Open (or create) the log in `dir` and return it with every record it holds, in order. */
  static open(dir: string): { log: ClassLog; records: LogRecord[] } {
    const file = join(dir, 'events.jsonl');
    const fd = openSync(file, 'a+', 0o600);
    const text = readFileSync(file, 'utf8');
    // A crash while writing leaves at most one partial last line: drop it, so the next append starts a line.
    const end = text.lastIndexOf('\n') + 1;
    if (end < Buffer.byteLength(text)) ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)));
    const records: LogRecord[] = [];
    for (const line of text.slice(0, end).split('\n')) if (line) records.push(JSON.parse(line) as LogRecord);
    return { log: new ClassLog(fd), records };
  }

  /** Append one record; resolves once it is on disk (written and fdatasync'ed). */
  append(record: LogRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ text: `${JSON.stringify(record)}\n`, done: (error) => (error ? reject(error) : resolve()) });
      if (!this.writing) this.flush();
    });
  }

  /** Write everything pending in one write and one fdatasync, then answer each; repeat while more arrived. */
  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) {
      this.writing = false;
      return;
    }
    this.writing = true;
    const data = Buffer.from(batch.map((p) => p.text).join(''));
    const finish = (error: Error | null) => {
      for (const p of batch) p.done(error ?? undefined);
      this.flush();
    };
    const writeAll = (offset: number) =>
      write(this.fd, data, offset, data.length - offset, null, (error, written) => {
        if (error) return finish(error);
        if (offset + written < data.length) return writeAll(offset + written);
        fdatasync(this.fd, finish);
      });
    writeAll(0);
  }

  /** The log's size in bytes. */
  size(): number {
    return fstatSync(this.fd).size;
  }

  close(): void {
    closeSync(this.fd);
  }
}
