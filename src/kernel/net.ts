// Readers of a network namespace as the kernel shows it: /proc/<pid>/net/{dev,tcp,tcp6,arp,fib_trie} (which
// always describe the namespace of <pid>), /sys/class/net (which describes the namespace of whoever mounted that
// sysfs), /proc/<pid>/fd, and the JSON that `ip -j` prints from netlink. Pure reads; a reader returns undefined
// when the process is gone.
import { lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import type { PidRef } from './proc.js';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** IFF_UP in an interface's `flags` (include/uapi/linux/if.h): the administrator brought it up. */
export const IFF_UP = 0x1;

/** The interface names listed by the text of /proc/<pid>/net/dev (two header lines, then `name: counters`). */
export function parseNetDev(text: string): string[] {
  return text
    .split('\n')
    .slice(2)
    .map((line) => /^\s*([^:\s]+):/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** The interfaces of a process's network namespace, from /proc/<pid>/net/dev. */
export function readNetDev(pid: PidRef): string[] | undefined {
  const text = read(`/proc/${pid}/net/dev`);
  return text === undefined ? undefined : parseNetDev(text);
}

/** The received-packets counter of one interface in /proc/<pid>/net/dev text. */
export function rxPackets(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.trim().startsWith(`${name}:`));
  const fields = line
    ?.slice(line.indexOf(':') + 1)
    .trim()
    .split(/\s+/);
  return fields?.[1] === undefined ? undefined : Number(fields[1]);
}

/** The interface names in a sysfs class directory: `<root>/sys/class/net`, e.g. root `/proc/<pid>/root`. */
export function listSysNet(root = ''): string[] | undefined {
  try {
    return readdirSync(`${root}/sys/class/net`).sort();
  } catch {
    return undefined;
  }
}

/** One interface as a sysfs view of /sys/class/net shows it: its name and the inode number of its entry. */
export interface SysNetEntry {
  name: string;
  /** sysfs (kernfs) numbers each of its nodes once, for every mount of it: the same name under another inode is
   * another interface, e.g. the `lo` of another network namespace. */
  inode: number;
}

/** A view of `<root>/sys/class/net`: the sysfs it belongs to and its interfaces. */
export interface SysNetView {
  /** `major:minor` of the sysfs superblock, as mountinfo shows it: one superblock per network namespace sysfs was
   * mounted from, so a sysfs mounted in another namespace has another device. */
  device: string;
  entries: SysNetEntry[];
}

/** `major:minor` of a device number as stat(2) returns it (glibc's encoding of dev_t). */
export function majorMinor(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** The interfaces of `<root>/sys/class/net` with their inode numbers, and the sysfs they belong to (lstat: the
 * entries are symlinks into /sys/devices, and their own inodes are what differs between namespaces). */
export function readSysNetView(root = ''): SysNetView | undefined {
  const dir = `${root}/sys/class/net`;
  try {
    const entries = readdirSync(dir)
      .sort()
      .map((name) => ({ name, inode: Number(lstatSync(`${dir}/${name}`, { bigint: true }).ino) }));
    return { device: majorMinor(statSync(dir, { bigint: true }).dev), entries };
  } catch {
    return undefined;
  }
}

/** One attribute of an interface from sysfs (`ifindex`, `iflink`, `flags`, `operstate`, `address`), trimmed. */
export function readSysNet(name: string, attribute: string, root = ''): string | undefined {
  return read(`${root}/sys/class/net/${name}/${attribute}`)?.trim();
}

/** Whether a sysfs `flags` value (`0x1003`) has IFF_UP. */
export function flagsUp(flags: string | undefined): boolean {
  return flags !== undefined && (Number.parseInt(flags, 16) & IFF_UP) !== 0;
}

/** TCP socket states as /proc/net/tcp numbers them (include/net/tcp_states.h); 0A is LISTEN. */
export const TCP_LISTEN = 0x0a;

/** One socket line of /proc/<pid>/net/tcp or tcp6. */
export interface TcpSocket {
  /** Local address: dotted IPv4, or IPv6 in full colon form. `0.0.0.0` / `::` mean every address. */
  address: string;
  port: number;
  state: number;
  /** The socket's inode: /proc/<pid>/fd/<n> of its owner links to `socket:[inode]`. */
  inode: number;
}

/** An IPv4 address as /proc/net/tcp writes it: one 32-bit word in host byte order (little-endian here). */
export function hexToIPv4(hex: string): string {
  const bytes = hex.match(/../g) ?? [];
  return bytes
    .reverse()
    .map((b) => Number.parseInt(b, 16))
    .join('.');
}

/** An IPv6 address as /proc/net/tcp6 writes it (four little-endian words), compressed the usual way. */
export function hexToIPv6(hex: string): string {
  const words = (hex.match(/.{8}/g) ?? []).map((w) => (w.match(/../g) ?? []).reverse().join(''));
  const groups =
    words
      .join('')
      .match(/.{4}/g)
      ?.map((g) => Number.parseInt(g, 16).toString(16)) ?? [];
  // Replace the longest run of zero groups (two or more) with `::`.
  let best = { start: -1, length: 0 };
  for (let i = 0; i < groups.length;) {
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.length < 2) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

/** Parse /proc/<pid>/net/tcp (family 4) or tcp6 (family 6) text. */
export function parseTcp(text: string, family: 4 | 6): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [local, state, inode] = [fields[1], fields[3], fields[9]];
    if (!local || !state || !inode || !local.includes(':')) continue;
    const [addressHex, portHex] = local.split(':') as [string, string];
    sockets.push({
      address: family === 4 ? hexToIPv4(addressHex) : hexToIPv6(addressHex),
      port: Number.parseInt(portHex, 16),
      state: Number.parseInt(state, 16),
      inode: Number(inode),
    });
  }
  return sockets;
}

/** The listening TCP sockets (IPv4 and IPv6) of a process's network namespace. */
export function readListeners(pid: PidRef): TcpSocket[] | undefined {
  const v4 = read(`/proc/${pid}/net/tcp`);
  const v6 = read(`/proc/${pid}/net/tcp6`) ?? '';
  if (v4 === undefined) return undefined;
  return [...parseTcp(v4, 4), ...parseTcp(v6, 6)].filter((s) => s.state === TCP_LISTEN);
}

/** The inodes of the sockets a process holds open, from the `socket:[N]` links in /proc/<pid>/fd. */
export function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch {
      // The fd closed meanwhile.
    }
  }
  return inodes;
}

/** One neighbour of /proc/<pid>/net/arp: which MAC address answered for an IPv4 address on which interface. */
export interface ArpEntry {
  address: string;
  mac: string;
  device: string;
  /** ATF_COM (0x2): the kernel has a complete answer. */
  complete: boolean;
}

/** Parse /proc/<pid>/net/arp text. */
export function parseArp(text: string): ArpEntry[] {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 6)
    .map((f) => ({ address: f[0]!, mac: f[3]!, device: f[5]!, complete: (Number.parseInt(f[2]!, 16) & 0x2) !== 0 }));
}

/** The ARP table of a process's network namespace. */
export function readArp(pid: PidRef): ArpEntry[] | undefined {
  const text = read(`/proc/${pid}/net/arp`);
  return text === undefined ? undefined : parseArp(text);
}

/** The namespace's own IPv4 addresses: the `/32 host LOCAL` leaves of /proc/<pid>/net/fib_trie. */
export function parseFibTrieLocal(text: string): string[] {
  const found = new Set<string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    const leaf = /\|--\s+(\d+\.\d+\.\d+\.\d+)/.exec(line);
    if (leaf) last = leaf[1];
    else if (last && /^\s*\/32 host LOCAL/.test(line)) found.add(last);
  }
  return [...found].sort();
}

/** The IPv4 addresses a process's network namespace owns. */
export function readLocalAddresses(pid: PidRef): string[] | undefined {
  const text = read(`/proc/${pid}/net/fib_trie`);
  return text === undefined ? undefined : parseFibTrieLocal(text);
}

/** One address of an interface as `ip -j addr` prints it. */
export interface IpAddress {
  family: string;
  local: string;
  prefixlen: number;
}

/** One interface as `ip -j link` / `ip -j addr` print it (the fields the labs read). */
export interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  /** For a veth: the peer's ifindex, counted in the peer's namespace. */
  link_index?: number;
  /** Set when that peer lives in another namespace: the id this namespace gave that one. */
  link_netnsid?: number;
  master?: string;
  operstate?: string;
  address?: string;
  addr_info?: IpAddress[];
  linkinfo?: { info_kind?: string };
}

/** Parse the output of `ip -j link` or `ip -j addr`; anything else gives an empty list. */
export function parseIpJson(stdout: string): IpLink[] {
  try {
    const value: unknown = JSON.parse(stdout);
    return Array.isArray(value) ? (value.filter((v) => typeof v === 'object' && v !== null && 'ifname' in v) as IpLink[]) : [];
  } catch {
    return [];
  }
}

/** An interface's IPv4 addresses as `address/prefix`. */
export function ipv4Of(link: IpLink | undefined): string[] {
  return (link?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
}

/** Whether `ip -j` shows the interface administratively up. */
export function isUp(link: IpLink | undefined): boolean {
  return link?.flags.includes('UP') ?? false;
}

/** Whether a dotted IPv4 address lies in a `network/prefix` range. */
export function inSubnet(address: string, cidr: string): boolean {
  const [network, bits] = cidr.split('/') as [string, string | undefined];
  const toNumber = (a: string): number | undefined => {
    const parts = a.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
    return parts.reduce((n, p) => n * 256 + p, 0);
  };
  const a = toNumber(address);
  const n = toNumber(network);
  const prefix = Number(bits ?? 32);
  if (a === undefined || n === undefined) return false;
  const size = 2 ** (32 - prefix);
  return Math.floor(a / size) === Math.floor(n / size);
}

/** The interface the kernel would send a packet through, from `ip -j route get <address>` output. */
export function routeDevice(stdout: string): string | undefined {
  try {
    const value: unknown = JSON.parse(stdout);
    const first: unknown = Array.isArray(value) ? value[0] : undefined;
    return typeof first === 'object' && first !== null && 'dev' in first && typeof first.dev === 'string' ? first.dev : undefined;
  } catch {
    return undefined;
  }
}
