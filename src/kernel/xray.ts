// An X-ray of any process: what makes it a container, read from the kernel only. Its namespaces against the host's
// (and who else is in each), its cgroup and the limits in that cgroup's files, the filesystem at its `/` (the
// overlay's layers), its capabilities, seccomp and no_new_privs, its uid/gid maps. Reads a proc root given as a
// parameter (the host's /proc, or a fake tree in the unit tests) and the cgroup files it points to; writes nothing.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { NamespaceType } from '../common/vocabulary.js';
import { parseCapMask } from './capabilities.js';
import { decodeCapabilities, capabilityNames, type DecodedCapabilities } from './capability-names.js';
import { parseCgroupMounts } from './cgroup-mode.js';
import { parseProcCgroup } from './cgroup-path.js';
import { parseCpuMax, parseIoMax, parseMax, type CpuMax, type IoMax, type MaxValue } from './cgroup.js';
import { parseIdMap, type IdRange } from './id-map.js';
import { parseMountinfo, type MountEntry } from './mountinfo.js';
import { parseStatus } from './proc.js';
import { errno, hostReference, nsLink, read, sharers, XRAY_NAMESPACES, type NamespaceFact, type Reference } from './xray-namespaces.js';
import { parseOverlayOptions, type OverlayLayers } from './xray-overlay.js';

export { XRAY_NAMESPACES, SHARERS_SHOWN, type NamespaceFact, type Reference, type Sharer } from './xray-namespaces.js';

/** The four IDs of a Uid: or Gid: line. */
export interface ProcessIds {
  real: number;
  effective: number;
  saved: number;
  filesystem: number;
}

/** The limit files of a cgroup v2 directory, null where the file is absent (its controller is not enabled). */
export interface CgroupLimitsRead {
  'memory.max': MaxValue | null;
  'memory.current': number | null;
  'cpu.max': CpuMax | null;
  'pids.max': MaxValue | null;
  'pids.current': number | null;
  'io.max': IoMax[] | null;
}

/** The limit files read, in the order they are shown. */
export const LIMIT_FILES = ['memory.max', 'memory.current', 'cpu.max', 'pids.max', 'pids.current', 'io.max'] as const;

/** The cgroup of the process. */
export interface CgroupFacts {
  /** The path of the `0::` line (relative to the reader's cgroup namespace root); null without cgroup v2. */
  v2Path: string | null;
  /** Where the reader has the cgroup v2 hierarchy mounted, and the cgroup's directory there. */
  v2Mount: string | null;
  dir: string | null;
  limits: CgroupLimitsRead;
  /** The v1 hierarchies' lines (a hybrid or legacy host): their controllers and the process's path in each. */
  v1: { controllers: string[]; path: string }[];
}

/** The filesystem at the process's `/`. */
export interface RootFacts {
  /** `dev:ino` of /proc/<pid>/root and of the host reference's root; same: both name one directory. */
  id: string | null;
  hostId: string | null;
  sameAsHost: boolean | null;
  /** The topmost mount at `/` in its mountinfo. */
  mount: Pick<MountEntry, 'fsType' | 'source' | 'root' | 'options' | 'superOptions'> | null;
  /** When that mount is overlay: its layers from the super options. */
  overlay: OverlayLayers | null;
}

/** What the verdict line says, as facts: own namespaces, cgroup path, what its root is. */
export interface Verdict {
  container: boolean;
  ownNamespaces: NamespaceType[];
  cgroup: string | null;
  root: { kind: 'host' | 'overlay' | 'other' | 'unknown'; layers: number | null; fsType: string | null; path: string | null };
}

/** Everything the X-ray found. */
export interface Xray {
  pid: number;
  comm: string;
  command: string[];
  ppid: number | null;
  uid: ProcessIds | null;
  gid: ProcessIds | null;
  /** Its PID in each PID namespace it belongs to, the reader's first. */
  nspid: number[];
  reference: Reference;
  namespaces: NamespaceFact[];
  idMaps: { uid: IdRange[]; gid: IdRange[] };
  cgroup: CgroupFacts;
  root: RootFacts;
  capabilities: {
    lastCap: number;
    effective: DecodedCapabilities | null;
    permitted: DecodedCapabilities | null;
    bounding: DecodedCapabilities | null;
    /** Effective capabilities the host's PID 1 has (every one this kernel knows when unreadable) that it lacks. */
    lacking: string[];
  };
  /** Seccomp mode: 0 disabled, 1 strict, 2 filter; and how many filters are attached. */
  seccomp: { mode: number | null; filters: number | null };
  noNewPrivs: boolean | null;
  verdict: Verdict;
}

/** Why no X-ray: no such process, or its ns links unreadable (EACCES: not root, or it holds more than we do). */
export type XrayFailure = { ok: false; why: 'no-such-process' | 'not-permitted'; path: string; code: string };

const ids = (text: string | undefined): ProcessIds | null => {
  const [real, effective, saved, filesystem] = (text ?? '').split(/\s+/).map(Number);
  return [real, effective, saved, filesystem].every((n) => Number.isInteger(n))
    ? { real: real!, effective: effective!, saved: saved!, filesystem: filesystem! }
    : null;
};

const num = (text: string | undefined): number | null => (text !== undefined && /^\d+$/.test(text.trim()) ? Number(text.trim()) : null);

/** The limit files of a cgroup directory; an absent or unparsable file is null. */
export function readLimits(dir: string | null): CgroupLimitsRead {
  const file = <T>(name: string, parse: (text: string) => T): T | null => {
    const text = dir === null ? undefined : read(join(dir, name));
    try {
      return text === undefined ? null : parse(text);
    } catch {
      return null;
    }
  };
  return {
    'memory.max': file('memory.max', parseMax),
    'memory.current': file('memory.current', (t) => num(t)),
    'cpu.max': file('cpu.max', parseCpuMax),
    'pids.max': file('pids.max', parseMax),
    'pids.current': file('pids.current', (t) => num(t)),
    'io.max': file('io.max', parseIoMax),
  };
}

/** The cgroup facts from /proc/<pid>/cgroup and the reader's mount of the v2 hierarchy. */
function cgroupFacts(procRoot: string, pid: number): CgroupFacts {
  const lines = parseProcCgroup(read(join(procRoot, String(pid), 'cgroup')) ?? '');
  const v2Path = lines.find((l) => l.hierarchy === 0 && l.controllers.length === 0)?.path ?? null;
  const v2Mount = parseCgroupMounts(read(join(procRoot, 'self', 'mountinfo')) ?? '').v2Path ?? null;
  const dir = v2Path !== null && v2Mount !== null && !v2Path.startsWith('/..') ? join(v2Mount, v2Path).replace(/(.)\/$/, '$1') : null;
  const v1 = lines.filter((l) => l.hierarchy !== 0).map((l) => ({ controllers: l.controllers, path: l.path }));
  return { v2Path, v2Mount, dir, limits: readLimits(dir), v1 };
}

const fileId = (path: string): string | null => {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return null;
  }
};

/** The filesystem at `/`: the process's root against the host's, the topmost mount at `/`, its overlay layers. */
function rootFacts(procRoot: string, pid: number, reference: number): RootFacts {
  const id = fileId(join(procRoot, String(pid), 'root'));
  const hostId = fileId(join(procRoot, '1', 'root')) ?? fileId(join(procRoot, String(reference), 'root'));
  const top = parseMountinfo(read(join(procRoot, String(pid), 'mountinfo')) ?? '')
    .filter((m) => m.mountPoint === '/')
    .at(-1);
  const mount = top ? { fsType: top.fsType, source: top.source, root: top.root, options: top.options, superOptions: top.superOptions } : null;
  return {
    id,
    hostId,
    sameAsHost: id === null || hostId === null ? null : id === hostId,
    mount,
    overlay: top?.fsType === 'overlay' ? parseOverlayOptions(top.superOptions) : null,
  };
}

/** The verdict: facts only. A container when any namespace is its own. */
export function verdictOf(namespaces: readonly NamespaceFact[], cgroup: CgroupFacts, root: RootFacts): Verdict {
  const ownNamespaces = namespaces.filter((n) => n.own).map((n) => n.type);
  const kind = root.sameAsHost === true ? 'host' : root.overlay ? 'overlay' : root.mount ? 'other' : 'unknown';
  return {
    container: ownNamespaces.length > 0,
    ownNamespaces,
    cgroup: cgroup.v2Path ?? cgroup.v1[0]?.path ?? null,
    root: { kind, layers: root.overlay?.lowerdir.length ?? null, fsType: root.mount?.fsType ?? null, path: root.mount?.root ?? null },
  };
}

/** What an X-ray reads besides the process's own files. */
export interface XrayOptions {
  /**
   * Scan every process of the proc root for the ones sharing each namespace (the costly part: a readlink per process
   * and type). Default true; false leaves every `sharedWith` at zero processes, for a caller that reads it often.
   */
  sharers?: boolean;
}

/** X-ray one process, reading the proc root at `procRoot`; a failure says why (no such process, not permitted). */
export function xray(pid: number, procRoot = '/proc', options: XrayOptions = {}): { ok: true; xray: Xray } | XrayFailure {
  const dir = join(procRoot, String(pid));
  const statusText = read(join(dir, 'status'));
  if (statusText === undefined) return { ok: false, why: 'no-such-process', path: join(dir, 'status'), code: 'ESRCH' };
  const inodes = new Map<NamespaceType, number>();
  for (const type of XRAY_NAMESPACES) {
    try {
      const inode = nsLink(procRoot, pid, type);
      if (inode !== undefined) inodes.set(type, inode);
    } catch (error) {
      return { ok: false, why: 'not-permitted', path: join(dir, 'ns', type), code: errno(error) };
    }
  }
  if (inodes.size === 0) return { ok: false, why: 'no-such-process', path: join(dir, 'ns'), code: 'ESRCH' };
  const status = parseStatus(statusText);
  const host = hostReference(procRoot);
  const shared = options.sharers === false ? new Map<NamespaceType, NamespaceFact['sharedWith']>() : sharers(procRoot, pid, inodes);
  const namespaces = XRAY_NAMESPACES.map((type): NamespaceFact => {
    const inode = inodes.get(type) ?? null;
    const hostInode = host.inodes.get(type) ?? null;
    return {
      type,
      inode,
      hostInode,
      own: inode !== null && hostInode !== null && inode !== hostInode,
      sharedWith: shared.get(type) ?? { count: 0, processes: [] },
    };
  });
  const cgroup = cgroupFacts(procRoot, pid);
  const root = rootFacts(procRoot, pid, host.reference.pid);
  const lastCap = num(read(join(procRoot, 'sys', 'kernel', 'cap_last_cap'))) ?? 40;
  const decode = (field: string): DecodedCapabilities | null => {
    const mask = parseCapMask(status.get(field) ?? '');
    return mask === undefined ? null : decodeCapabilities(mask, lastCap);
  };
  const hostMask = parseCapMask(parseStatus(read(join(procRoot, '1', 'status')) ?? '').get('CapEff') ?? '') ?? (1n << BigInt(lastCap + 1)) - 1n;
  const effective = parseCapMask(status.get('CapEff') ?? '');
  const cmdline = (read(join(dir, 'cmdline')) ?? '').split('\0');
  if (cmdline.at(-1) === '') cmdline.pop();
  return {
    ok: true,
    xray: {
      pid,
      comm: read(join(dir, 'comm'))?.trim() ?? status.get('Name') ?? '',
      command: cmdline,
      ppid: num(status.get('PPid')),
      uid: ids(status.get('Uid')),
      gid: ids(status.get('Gid')),
      nspid: (status.get('NSpid') ?? String(pid)).split(/\s+/).map(Number),
      reference: host.reference,
      namespaces,
      idMaps: { uid: parseIdMap(read(join(dir, 'uid_map')) ?? ''), gid: parseIdMap(read(join(dir, 'gid_map')) ?? '') },
      cgroup,
      root,
      capabilities: {
        lastCap,
        effective: decode('CapEff'),
        permitted: decode('CapPrm'),
        bounding: decode('CapBnd'),
        lacking: effective === undefined ? [] : capabilityNames(hostMask & ~effective),
      },
      seccomp: { mode: num(status.get('Seccomp')), filters: num(status.get('Seccomp_filters')) },
      noNewPrivs: status.has('NoNewPrivs') ? status.get('NoNewPrivs') === '1' : null,
      verdict: verdictOf(namespaces, cgroup, root),
    },
  };
}
