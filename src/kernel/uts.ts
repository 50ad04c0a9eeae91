// The two names a UTS namespace holds (uts_namespaces(7)): the hostname and the NIS domain name. The kernel shows
// the caller's namespace in /proc/sys/kernel/{hostname,domainname}; another namespace is read by entering it.
import { readFileSync } from 'node:fs';
import { nsenterArgv } from './namespaces.js';

/** The names a UTS namespace holds, as their files in /proc/sys/kernel are called. */
export type UtsName = 'hostname' | 'domainname';

/** One name of the calling process's UTS namespace (the host's, for the harness); undefined when unreadable. */
export function readUtsName(name: UtsName): string | undefined {
  try {
    return readFileSync(`/proc/sys/kernel/${name}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The command that prints one name as the UTS namespace of process `target` holds it. */
export function utsNameArgv(target: number, name: UtsName): string[] {
  return nsenterArgv(target, ['uts'], name === 'hostname' ? ['hostname'] : ['cat', '/proc/sys/kernel/domainname']);
}
