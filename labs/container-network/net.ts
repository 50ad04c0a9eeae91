// How the container-network lab finds its containers and reads their network from the host's /proc alone: each
// container's PID 1 (level 1 of a PID namespace, with the run's marker for its role), the links, addresses, default
// route and TCP sockets of a process's network namespace (/proc/<pid>/net/... shows the namespace of that process),
// the inode of a namespace pinned under /run/netns, and which processes hold a socket.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { readProcCgroup, v2PathOf } from '../../src/kernel/cgroup-path.js';
import { fallbackTunnel } from '../../src/kernel/fallback-tunnels.js';
import { formatIPv4 } from '../../src/kernel/ipv4.js';
import { environValue, listPids, nspid } from '../../src/kernel/proc.js';
import { runSuffix } from '../../src/lab/cgroup-lab.js';
import type { LabContext } from '../../src/lab/spec.js';

/** The containers of the lab, by role: none, host and the default bridge, container:web, published, and a user network's two. */
export type Role = 'none' | 'host' | 'web' | 'side' | 'pub' | 'db' | 'app' | 'db2';

/** A container's name: `lab-cn-<role>-<pid>-<time>`, unique to the run. */
export const nameOf =
  (role: Role) =>
  (ctx: LabContext): string =>
    `lab-cn-${role}-${runSuffix(ctx)}`;

/** The user-defined network's name: `lab-cn-net-<pid>-<time>`. */
export const networkName = (ctx: LabContext): string => `lab-cn-net-${runSuffix(ctx)}`;

/** The variable `-e` gives each container, so that its processes can be told from the host: CN_RUN=<role>-<pid>-<time>. */
export const MARKER = 'CN_RUN';

/** The marker's value for a role in this run. */
export const markerOf =
  (role: Role) =>
  (ctx: LabContext): string =>
    `${role}-${runSuffix(ctx)}`;

/** The host PID of a container's PID 1, or undefined while there is none. */
export function findInit(ctx: LabContext, role: Role): number | undefined {
  const value = markerOf(role)(ctx);
  return listPids().find((pid) => environValue(pid, MARKER) === value && nspid(pid)?.at(-1) === 1);
}

/** A container's PID 1, or an error a check reports as its finding. */
export function initOf(ctx: LabContext, role: Role): number {
  const pid = findInit(ctx, role);
  if (pid === undefined)
    throw new Error(`no process with ${MARKER}=${markerOf(role)(ctx)} is PID 1 of a PID namespace: the container ${nameOf(role)(ctx)} is not running`);
  return pid;
}

/** A container's short id (12 hex digits), from its cgroup's name lab-container-<id12>. */
export function shortId(pid: number): string | undefined {
  return /\/lab-container-([0-9a-f]{12})(\.scope)?$/.exec(v2PathOf(readProcCgroup(pid)) ?? '')?.[1];
}

/** The inode of a file, following links (`stat -L -c %i`), or undefined. */
export function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/** Where lab pins a container's network namespace: /run/netns/lab-c<id12>. */
export const pinOf = (id: string): string => `/run/netns/lab-c${id.slice(0, 12)}`;

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** The links of a process's network namespace (/proc/<pid>/net/dev), without the fallback devices of tunnel modules. */
export function linksOf(pid: number | 'self'): string[] {
  const text = read(`/proc/${pid}/net/dev`) ?? '';
  return text
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]!.trim())
    .filter((name) => name !== '' && fallbackTunnel(name) === undefined);
}

/** The IPv4 addresses the namespace has as its own (`/32 host LOCAL` in /proc/<pid>/net/fib_trie), but 127.x. */
export function addressesOf(pid: number): string[] {
  const lines = (read(`/proc/${pid}/net/fib_trie`) ?? '').split('\n');
  const found = new Set<string>();
  lines.forEach((line, i) => {
    if (!/\/32 host LOCAL/.test(line)) return;
    const address = /([0-9.]+)\s*$/.exec(lines[i - 1] ?? '')?.[1];
    if (address && !address.startsWith('127.')) found.add(address);
  });
  return [...found];
}

/** A little-endian hex address of /proc/net/route or /proc/net/tcp (`010011AC`), dotted. */
const hexAddress = (hex: string): string => {
  const value = Number.parseInt(hex, 16);
  return [0, 8, 16, 24].map((shift) => (value >>> shift) & 255).join('.');
};

/** The default route of a process's namespace (/proc/<pid>/net/route: destination 0), or undefined. */
export function defaultRoute(pid: number): { device: string; gateway: string } | undefined {
  const rows = (read(`/proc/${pid}/net/route`) ?? '').split('\n').slice(1);
  for (const row of rows) {
    const [device, destination, gateway, , , , , mask] = row.trim().split(/\s+/);
    if (device && destination === '00000000' && mask === '00000000') return { device, gateway: hexAddress(gateway ?? '0') };
  }
  return undefined;
}

/** The route of a process's namespace (/proc/<pid>/net/route) that an address would take, or undefined: none. */
export function routeFor(pid: number, address: string): { device: string; destination: string } | undefined {
  const value = addressValue(address);
  const toValue = (hex: string): number => addressValue(hexAddress(hex));
  const rows = (read(`/proc/${pid}/net/route`) ?? '').split('\n').slice(1);
  for (const row of rows) {
    const [device, destination, , , , , , mask] = row.trim().split(/\s+/);
    if (!device || !destination || !mask) continue;
    const m = toValue(mask);
    if ((value & m) >>> 0 === (toValue(destination) & m) >>> 0) return { device, destination: hexAddress(destination) };
  }
  return undefined;
}

/** One TCP socket of /proc/<pid>/net/tcp. */
export interface TcpSocket {
  local: string;
  localPort: number;
  remote: string;
  remotePort: number;
  /** The kernel's state number: 01 ESTABLISHED, 06 TIME_WAIT, 0A LISTEN... */
  state: string;
  inode: number;
}

/** The kernel's names of the TCP states these checks meet. */
export const TCP_STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/** An address of /proc/net/tcp6 as IPv4 when it is one mapped into IPv6 (::ffff:a.b.c.d) or ::, else undefined. */
const mappedAddress = (hex: string): string | undefined => {
  if (/^0{32}$/.test(hex)) return '0.0.0.0';
  return /^0{16}FFFF0000[0-9A-F]{8}$/i.test(hex) ? hexAddress(hex.slice(24)) : undefined;
};

/**
 * The TCP sockets of a namespace (`self`: the host's, where the harness runs): /proc/<pid>/net/tcp, and the IPv4
 * connections of /proc/<pid>/net/tcp6 (a server listening on :: takes IPv4 clients as ::ffff:a.b.c.d).
 */
export function tcpOf(pid: number | 'self'): TcpSocket[] {
  return ['tcp', 'tcp6'].flatMap((file) =>
    (read(`/proc/${pid}/net/${file}`) ?? '')
      .split('\n')
      .slice(1)
      .flatMap((row) => {
        const [, local, remote, state, , , , , , inode] = row.trim().split(/\s+/);
        if (!local || !remote || !state) return [];
        const [la, lp] = local.split(':');
        const [ra, rp] = remote.split(':');
        const address = file === 'tcp' ? hexAddress : mappedAddress;
        const [l, r] = [address(la!), address(ra!)];
        if (l === undefined || r === undefined) return [];
        return [{ local: l, localPort: Number.parseInt(lp!, 16), remote: r, remotePort: Number.parseInt(rp!, 16), state, inode: Number(inode) }];
      }),
  );
}

/** A socket in a few words: `203.0.113.2:8000 <- 203.0.113.1:40312 TIME_WAIT`. */
export const shownSocket = (s: TcpSocket): string => `${s.local}:${s.localPort} <- ${s.remote}:${s.remotePort} ${TCP_STATES[s.state] ?? s.state}`;

/** The processes holding the socket of this inode among their file descriptors. */
export function holdersOf(inode: number): number[] {
  const target = `socket:[${inode}]`;
  return listPids().filter((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === target;
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}

/** The first TCP port from `from` up that nothing on the host listens on (read from the host's /proc/net/tcp and tcp6). */
export function freePort(from: number): number {
  const used = new Set(tcpOf('self').map((s) => s.localPort));
  for (const row of (read('/proc/self/net/tcp6') ?? '').split('\n').slice(1)) {
    const port = row.trim().split(/\s+/)[1]?.split(':')[1];
    if (port) used.add(Number.parseInt(port, 16));
  }
  let port = from;
  while (used.has(port)) port++;
  return port;
}

/** An address as a number, to compare (172.18.0.2 < 172.18.0.3). */
export const addressValue = (address: string): number => address.split('.').reduce((n, part) => n * 256 + Number(part), 0);

/** Re-exported for the lab: dotted from a number. */
export const dotted = formatIPv4;
