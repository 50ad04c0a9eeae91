// POSIX message queues (mq_overview(7)). They live in an IPC namespace and show up as files in an mqueue
// filesystem, which always lists the queues of the IPC namespace of whoever mounted it.
import { unshareArgv } from './namespaces.js';

/**
 * The command that lists the POSIX message queues of the caller's IPC namespace without touching any mount the
 * caller can see: it mounts an mqueue filesystem on /mnt in a throwaway private mount namespace and lists it.
 */
export function listMqueuesArgv(): string[] {
  return unshareArgv({ namespaces: ['mnt'] }, ['sh', '-c', 'mount -t mqueue mqueue /mnt && ls -a /mnt']);
}

/** Queue names in `ls -a` output of an mqueue filesystem (without `.` and `..`). */
export function parseMqueueListing(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name !== '' && name !== '.' && name !== '..');
}

/** The fields of a queue's file (`QSIZE:0  NOTIFY:0  SIGNO:0  NOTIFY_PID:0`); undefined when it is not one. */
export function parseMqueueFile(text: string): Map<string, number> | undefined {
  const fields = new Map<string, number>();
  for (const m of text.matchAll(/([A-Z_]+):(-?\d+)/g)) fields.set(m[1]!, Number(m[2]));
  return fields.has('QSIZE') ? fields : undefined;
}
