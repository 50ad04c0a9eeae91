// System V IPC objects of an IPC namespace, from /proc/sysvipc/{msg,shm,sem} (which show the reader's namespace).
import { readFileSync } from 'node:fs';

export type SysvType = 'msg' | 'shm' | 'sem';

/** One object: its key (0 for IPC_PRIVATE) and id. */
export interface SysvObject {
  key: number;
  id: number;
}

/** Parse a /proc/sysvipc file: a header line, then `key id perms ...` per object. */
export function parseSysvipc(text: string): SysvObject[] {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 2 && /^-?\d+$/.test(fields[0]!) && /^\d+$/.test(fields[1]!))
    .map((fields) => ({ key: Number(fields[0]), id: Number(fields[1]) }));
}

/** The objects of one type in the calling process's IPC namespace. */
export function readSysvipc(type: SysvType): SysvObject[] {
  try {
    return parseSysvipc(readFileSync(`/proc/sysvipc/${type}`, 'utf8'));
  } catch {
    return [];
  }
}

/** The `ipcrm` option that removes an object of this type by id. */
export const IPCRM_FLAG: Record<SysvType, string> = { msg: '-q', shm: '-m', sem: '-s' };
