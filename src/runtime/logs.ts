// `lab container logs [-f]`: what PID 1 wrote, from the log the supervisor keeps (one JSON line per chunk:
// `{"stream":"stdout","time":"...","log":"..."}`, Docker's json-file format), each chunk to the stream it came
// from; -f follows until the container ends.
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { containerDir } from '../host/container-store.js';
import { findContainer, withState } from './lifecycle.js';

/** One chunk of the log. */
export interface LogEntry {
  stream: 'stdout' | 'stderr';
  time: string;
  log: string;
}

/** The complete lines of a log text, parsed; what follows the last newline is left for the next read. */
export function parseLog(text: string): { entries: LogEntry[]; rest: string } {
  const lines = text.split('\n');
  const rest = lines.pop() ?? '';
  const entries: LogEntry[] = [];
  for (const line of lines) {
    try {
      entries.push(JSON.parse(line) as LogEntry);
    } catch {
      // A torn line (a crash mid-write) is skipped.
    }
  }
  return { entries, rest };
}

/** Print a container's log; with `follow`, until it ends. */
export async function printLogs(nameOrId: string, follow: boolean, write: (entry: LogEntry) => void): Promise<void> {
  const found = findContainer(nameOrId, 'lab container logs');
  const fd = openSync(join(containerDir(found.record.id), 'container.log'), 'r');
  const buffer = Buffer.alloc(64 * 1024);
  let pending = '';
  const drain = (): void => {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n <= 0) break;
      const parsed = parseLog(pending + buffer.subarray(0, n).toString());
      pending = parsed.rest;
      parsed.entries.forEach(write);
    }
  };
  try {
    drain();
    while (follow && withState(found.record).running) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      drain();
    }
    drain();
  } finally {
    closeSync(fd);
  }
}
