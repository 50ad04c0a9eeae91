// Every column of /proc/sysvipc/{msg,shm,sem}, not only key and id: the mode, size and owners of each System V
// object. The files show the IPC namespace of the process that reads them, so another namespace is read by entering it.
import { nsenterArgv } from './namespaces.js';
import type { SysvType } from './sysvipc.js';

/** One System V object as its /proc/sysvipc line describes it. */
export interface SysvEntry {
  /** The key it was made with (0 for IPC_PRIVATE). */
  key: number;
  /** Its id, unique within one IPC namespace only: a new namespace numbers from 0 again. */
  id: number;
  /** Permission bits (`perms`, printed in octal), without shm's SHM_DEST/SHM_LOCKED flags. */
  mode: number;
  /** Every column by its header name (`cbytes`, `qnum`, `size`, `nattch`, `cuid`...). */
  columns: Record<string, string>;
}

/** Parse a /proc/sysvipc file: a header of column names, then one line per object. */
export function parseSysvipcTable(text: string): SysvEntry[] {
  const [header, ...lines] = text.split('\n');
  const names = (header ?? '').trim().split(/\s+/);
  const entries: SysvEntry[] = [];
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 3 || !/^-?\d+$/.test(fields[0]!) || !/^\d+$/.test(fields[1]!) || !/^[0-7]+$/.test(fields[2]!)) continue;
    const columns: Record<string, string> = {};
    names.forEach((name, i) => {
      if (fields[i] !== undefined) columns[name] = fields[i]!;
    });
    entries.push({ key: Number(fields[0]), id: Number(fields[1]), mode: parseInt(fields[2]!, 8) & 0o777, columns });
  }
  return entries;
}

/** The command that prints /proc/sysvipc/<type> as the IPC namespace of process `target` holds it. */
export function sysvipcArgv(target: number, type: SysvType): string[] {
  return nsenterArgv(target, ['ipc'], ['cat', `/proc/sysvipc/${type}`]);
}

/** A short label for an object: `key 0x1a2b3c4d id 0`, as `ipcs` shows keys. */
export function describeSysv(entry: { key: number; id: number }): string {
  return `key 0x${(entry.key >>> 0).toString(16).padStart(8, '0')} id ${entry.id}`;
}

/** Whether two entries are the same object: ids repeat across namespaces, so the key must match too. */
export function sameSysv(a: { key: number; id: number }, b: { key: number; id: number }): boolean {
  return a.key === b.key && a.id === b.id;
}
