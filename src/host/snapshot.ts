// What a lab must leave on the host exactly as it found it, read from the kernel: mounts, processes a run started,
// journal files, network links and namespaces, lab cgroups, hostname and domainname, System V IPC objects, /run/lab-*
// paths and loop devices. `lab dev check` and the tests take one before a run and one after, and compare.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLoopDevices } from '../kernel/loop.js';
import { mountFingerprint, readMountinfo } from '../kernel/mountinfo.js';
import { environValue, listPids } from '../kernel/proc.js';
import { RUN_MARKER } from './exec.js';

/** What a lab must leave exactly as it found it. */
export interface HostSnapshot {
  mounts: string[];
  marked: number[];
  journals: string[];
  links: string[];
  netns: string[];
  cgroups: string[];
  hostname: string;
  domainname: string;
  sysv: string[];
  runPaths: string[];
  loops: string[];
}

const list = (dir: string): string[] => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};
const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
};

/** PIDs of processes that carry a run marker (every process a lab run starts has one); of one run if given. */
export function markedPids(runId?: string): number[] {
  return listPids().filter((pid) => {
    const value = environValue(pid, RUN_MARKER);
    return value !== undefined && (runId === undefined || value === runId);
  });
}

/** Every directory named lab* in the cgroup hierarchies (as deep as a lab could make one). */
function labCgroups(dir = '/sys/fs/cgroup', depth = 0): string[] {
  if (depth > 4) return [];
  const found: string[] = [];
  for (const entry of list(dir)) {
    const path = join(dir, entry);
    if (entry.startsWith('lab')) found.push(path);
    else if (depth < 2 && !entry.includes('.')) found.push(...labCgroups(path, depth + 1));
  }
  return found;
}

/** The host state every lab must leave as it found it; `stateDir` adds the run journals kept there. */
export function hostSnapshot(stateDir?: string): HostSnapshot {
  return {
    mounts: mountFingerprint(readMountinfo('self') ?? []),
    marked: markedPids(),
    journals: stateDir ? list(join(stateDir, 'runs')) : [],
    links: list('/sys/class/net'),
    netns: list('/run/netns'),
    cgroups: labCgroups(),
    hostname: read('/proc/sys/kernel/hostname'),
    domainname: read('/proc/sys/kernel/domainname'),
    runPaths: list('/run').filter((name) => name.startsWith('lab-')),
    loops: readLoopDevices().map((loop) => `${loop.device} ${loop.file}`),
    sysv: ['msg', 'shm', 'sem'].flatMap((type) =>
      read(`/proc/sysvipc/${type}`)
        .split('\n')
        .slice(1)
        .map((line) => `${type} ${line.trim().split(/\s+/).slice(0, 2).join(' ')}`),
    ),
  };
}

/** What each field of a snapshot holds, for the sentences that name a difference. */
const FIELD: Record<keyof HostSnapshot, { en: string; zh: string }> = {
  mounts: { en: 'mount', zh: '挂载' },
  marked: { en: 'process started by a run', zh: '运行启动的进程' },
  journals: { en: 'run journal', zh: '运行日志' },
  links: { en: 'network link', zh: '网络接口' },
  netns: { en: 'named network namespace', zh: '具名网络命名空间' },
  cgroups: { en: 'lab cgroup', zh: '实验 cgroup' },
  hostname: { en: 'hostname', zh: '主机名' },
  domainname: { en: 'domainname', zh: 'NIS 域名' },
  sysv: { en: 'System V IPC object', zh: 'System V IPC 对象' },
  runPaths: { en: '/run/lab-* path', zh: '/run/lab-* 路径' },
  loops: { en: 'loop device', zh: 'loop 设备' },
};

/** Every way `after` differs from `before`, one sentence each in both languages; empty when the host is as it was. */
export function snapshotDifferences(before: HostSnapshot, after: HostSnapshot): { en: string; zh: string }[] {
  const out: { en: string; zh: string }[] = [];
  for (const key of Object.keys(FIELD) as (keyof HostSnapshot)[]) {
    const what = FIELD[key];
    const a = before[key];
    const b = after[key];
    if (typeof a === 'string' || typeof b === 'string') {
      if (a !== b)
        out.push({
          en: `${what.en} changed: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`,
          zh: `${what.zh}变了：${JSON.stringify(a)} -> ${JSON.stringify(b)}`,
        });
      continue;
    }
    const was = (a as (string | number)[]).map(String);
    const now = (b as (string | number)[]).map(String);
    for (const item of now.filter((x) => !was.includes(x))) out.push({ en: `${what.en} left behind: ${item}`, zh: `留下了${what.zh}：${item}` });
    for (const item of was.filter((x) => !now.includes(x))) out.push({ en: `${what.en} gone: ${item}`, zh: `${what.zh}不见了：${item}` });
  }
  return out;
}
