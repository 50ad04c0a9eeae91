// Readers of the kernel facts the pod lab checks: the TCP sockets of a network namespace with both ends
// (/proc/<pid>/net/tcp and tcp6), a file's identity through a process's root, and the user and group ids of a
// process (/proc/<pid>/status).
import { readFileSync, statSync } from 'node:fs';
import { hexToIPv4, readLocalAddresses } from '../../src/kernel/net.js';
import { readStatus } from '../../src/kernel/proc.js';

/** TCP_ESTABLISHED in /proc/net/tcp's `st` column (include/net/tcp_states.h). */
export const TCP_ESTABLISHED = 0x01;
/** TCP_LISTEN. */
export const TCP_LISTEN = 0x0a;

/** One TCP socket of a network namespace, both ends. IPv4-mapped IPv6 addresses are given as IPv4. */
export interface TcpEnd {
  local: string;
  localPort: number;
  remote: string;
  remotePort: number;
  state: number;
  inode: number;
}

/** An address of /proc/net/tcp (one hex word) or tcp6 (four): dotted for IPv4 and IPv4-mapped, else the hex. */
function address(hex: string): string {
  if (hex.length === 8) return hexToIPv4(hex);
  // ::ffff:a.b.c.d is the words 00000000 00000000 FFFF0000 <a.b.c.d as in tcp>.
  if (/^0{16}FFFF0000/i.test(hex)) return hexToIPv4(hex.slice(24));
  return hex;
}

/** Parse the text of /proc/<pid>/net/tcp or tcp6. */
export function parseTcpEnds(text: string): TcpEnd[] {
  const ends: TcpEnd[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [local, remote, state, inode] = [fields[1], fields[2], fields[3], fields[9]];
    if (!local?.includes(':') || !remote?.includes(':') || !state || !inode) continue;
    const [lh, lp] = local.split(':') as [string, string];
    const [rh, rp] = remote.split(':') as [string, string];
    ends.push({
      local: address(lh),
      localPort: Number.parseInt(lp, 16),
      remote: address(rh),
      remotePort: Number.parseInt(rp, 16),
      state: Number.parseInt(state, 16),
      inode: Number(inode),
    });
  }
  return ends;
}

/** The TCP sockets (IPv4 and IPv6) of a process's network namespace; empty when the process is gone. */
export function readTcpEnds(pid: number | 'self'): TcpEnd[] {
  const read = (file: string): string => {
    try {
      return readFileSync(`/proc/${pid}/net/${file}`, 'utf8');
    } catch {
      return '';
    }
  };
  return [...parseTcpEnds(read('tcp')), ...parseTcpEnds(read('tcp6'))];
}

/** `127.0.0.1:40000`. */
export const endText = (address: string, port: number): string => `${address}:${port}`;

/** Device and inode of a path as a process sees it (through /proc/<pid>/root), and its owner and mode. */
export interface FileId {
  dev: number;
  ino: number;
  uid: number;
  gid: number;
  mode: number;
}

/** stat(2) of a path, on the host (`pid` undefined) or through a process's root; undefined when absent. */
export function fileId(path: string, pid?: number): FileId | undefined {
  try {
    const st = statSync(pid === undefined ? path : `/proc/${pid}/root${path}`);
    return { dev: st.dev, ino: st.ino, uid: st.uid, gid: st.gid, mode: st.mode };
  } catch {
    return undefined;
  }
}

/** The text of a file through a process's root, or undefined. */
export function readIn(pid: number, path: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/root${path}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** A process's credentials as /proc/<pid>/status lists them: real, effective, saved, filesystem ids. */
export interface Credentials {
  uid: number[];
  gid: number[];
  groups: number[];
  capEff: string;
  capPrm: string;
}

/** Read the Uid, Gid, Groups, CapEff and CapPrm lines of a process; undefined when it is gone. */
export function credentials(pid: number): Credentials | undefined {
  const status = readStatus(pid);
  if (status === undefined) return undefined;
  const ids = (key: string): number[] => (status.get(key) ?? '').split(/\s+/).filter(Boolean).map(Number);
  return { uid: ids('Uid'), gid: ids('Gid'), groups: ids('Groups'), capEff: status.get('CapEff') ?? '?', capPrm: status.get('CapPrm') ?? '?' };
}

/** The pod's IPv4 addresses (not loopback), read from the pause container's /proc/<pid>/net/fib_trie. */
export const podAddresses = (pid: number): string[] => (readLocalAddresses(pid) ?? []).filter((a) => !a.startsWith('127.'));
