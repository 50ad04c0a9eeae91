// Shared by the load and soak tests (test/hardening/load.test.ts on the host, test/vm/load.test.ts and
// test/vm/soak.test.ts in the test VM): `lab verify --json` started as a child and its events read back, and the
// host figures a long run must not grow (file handles, mounts, lab cgroups, journals, free memory).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { BIN, cleanEnv } from '../helpers.js';

/**
 * Labs that run `lab container`, and so use its container networks: lab-host-net and lab-internet, the bridges in
 * them and their addresses are one set per host, but the lock that guards them, the address allocator and the
 * journal that owns them are per state directory. Two state directories cannot use them at once (the first to
 * finish removes the namespaces under the other's containers), so the load tests give these labs one state
 * directory they share, as they share one on a learner's machine (/var/lib/lab).
 */
export const CONTAINER_LABS = new Set(['toy-container', 'container-network', 'pod', 'container-vs-vm', 'security']);

/** One `lab verify ... --json` run: its exit status, its events, what it said on stderr, how long it took. */
export interface VerifyRun {
  args: string[];
  pid: number | undefined;
  status: number | null;
  signal: NodeJS.Signals | null;
  events: Record<string, unknown>[];
  stderr: string;
  ms: number;
}

/**
 * Start `lab verify <args> --json` with LAB_STATE_DIR=state; resolves when it has exited. `nodeArgs` go before the
 * CLI (a --require preload, say); `onSpawn` gets the child's PID as soon as it exists.
 */
export function verifyJson(
  args: string[],
  state: string,
  timeoutMs: number,
  nodeArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<VerifyRun> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...nodeArgs, BIN, 'verify', ...args, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: cleanEnv({ LAB_STATE_DIR: state, ...extraEnv }),
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    const events: Record<string, unknown>[] = [];
    // Each event with `at`: when its line arrived, in ms from the start.
    const take = (line: string): void => {
      if (!line.startsWith('{')) return;
      try {
        events.push({ ...(JSON.parse(line) as Record<string, unknown>), at: Date.now() - started });
      } catch {
        events.push({ type: 'unparsable', line });
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const lines = stdout.split('\n');
      stdout = lines.pop() ?? '';
      lines.forEach(take);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status, signal) => {
      take(stdout);
      resolve({ args, pid: child.pid, status, signal, events, stderr, ms: Date.now() - started });
    });
  });
}

/** What a verify run's events say, lab by lab: passed, failed (with the failed checks and errors), skipped. */
export interface Verdicts {
  passed: string[];
  failed: string[];
  skipped: string[];
  /** Every check that did not pass and every error, as `lab: step/check: found` lines. */
  problems: string[];
}

/** How long each lab took in a run, from its lab-start to its lab-done event: `id 12.3 s` each. */
export function labTimes(events: readonly Record<string, unknown>[]): string[] {
  const starts = new Map<string, number>();
  const out: string[] = [];
  for (const e of events) {
    if (e.type === 'lab-start') starts.set(String(e.lab), Number(e.at));
    if (e.type === 'lab-done') out.push(`${String(e.lab)} ${((Number(e.at) - (starts.get(String(e.lab)) ?? NaN)) / 1000).toFixed(1)} s`);
  }
  return out;
}

/** Read the verdicts out of a run's JSON events: a lab passed when its lab-done says so and no check failed. */
export function verdicts(events: readonly Record<string, unknown>[]): Verdicts {
  const out: Verdicts = { passed: [], failed: [], skipped: [], problems: [] };
  let lab = '?';
  let bad = false;
  // The last output of the commands and how the last failing one ended: what "its output says why" points to.
  let said = '';
  for (const e of events) {
    if (e.type === 'output') said = `${said}${String(e.text)}`.slice(-400);
    if (e.type === 'command-end' && e.ok !== true) said = `${said} [exit ${String(e.exitCode)}${e.signal ? ` ${String(e.signal)}` : ''}]`;
    if (e.type === 'lab-start') {
      lab = String(e.lab);
      bad = false;
    } else if (e.type === 'check' && e.ok !== true) {
      bad = true;
      out.problems.push(`${lab}: ${String(e.step)}/${String(e.check)}: ${String(e.found)}`);
    } else if (e.type === 'error') {
      bad = true;
      out.problems.push(`${lab}: error in ${String(e.step)}: ${String(e.operation)}: ${String(e.meaning)} (output: ${said.trim()})`);
    } else if (e.type === 'lab-skip') {
      out.skipped.push(String(e.lab));
    } else if (e.type === 'lab-done') {
      const outcome = e.outcome as { status?: string; checksFailed?: number } | undefined;
      const ok = !bad && outcome?.status === 'passed' && outcome.checksFailed === 0;
      (ok ? out.passed : out.failed).push(String(e.lab));
    } else if (e.type === 'unparsable') {
      out.problems.push(`unparsable output: ${String(e.line).slice(0, 200)}`);
    }
  }
  return out;
}

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
const list = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** Allocated file handles of the whole system: the first field of /proc/sys/fs/file-nr. */
export function systemFileHandles(): number {
  return Number(read('/proc/sys/fs/file-nr').trim().split(/\s+/)[0]);
}

/** Open file descriptors of a process (`self`: this one). */
export function openFds(pid: number | 'self' = 'self'): number {
  return list(`/proc/${pid}/fd`).length;
}

/** Lines of a process's mountinfo: its mount namespace's mount count. */
export function mountCount(pid: number | 'self' = 'self'): number {
  return read(`/proc/${pid}/mountinfo`).split('\n').filter(Boolean).length;
}

/** Every directory named lab* in the cgroup hierarchies, as deep as a lab could make one (as hostSnapshot reads). */
export function labCgroupCount(dir = '/sys/fs/cgroup', depth = 0): number {
  let n = 0;
  for (const entry of list(dir)) {
    if (entry.startsWith('lab')) n++;
    else if (depth < 2 && !entry.includes('.')) n += labCgroupCount(join(dir, entry), depth + 1);
  }
  return n;
}

/** Journal files in a state directory (<state>/runs). */
export function journalCount(state: string): number {
  return list(join(state, 'runs')).length;
}

/** MemAvailable from /proc/meminfo, in KiB. */
export function memAvailableKiB(): number {
  return Number(/^MemAvailable:\s+(\d+)/m.exec(read('/proc/meminfo'))?.[1] ?? NaN);
}

/** The least-squares slope of `ys` against 0, 1, 2...: growth per step. */
export function slope(ys: readonly number[]): number {
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

/** The mean of a list of numbers. */
export function mean(ys: readonly number[]): number {
  return ys.reduce((a, b) => a + b, 0) / ys.length;
}

/** A markdown table from a header and rows. */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** The modules the network labs need that the test VM's kernel does not load at boot: veth pairs and bridges. */
const NET_MODULES = ['veth', 'llc', 'stp', 'bridge'];

/**
 * In the test VM: load veth and bridge from the cached kernel's modules (kernel.json's extraModules, as
 * test/vm/capstone.test.ts does) unless loaded already, and unload what was loaded when the test ends. Returns why
 * it could not, or undefined.
 */
export function loadNetModules(t: Test): string | undefined {
  const dir = process.env.LAB_VM_KERNEL_DIR;
  if (!dir) return 'LAB_VM_KERNEL_DIR is not set (scripts/vm.mjs sets it)';
  let modules: { name: string; file: string }[];
  try {
    modules = (JSON.parse(readFileSync(join(dir, 'kernel.json'), 'utf8')) as { extraModules?: { name: string; file: string }[] }).extraModules ?? [];
  } catch (err) {
    return `read ${dir}/kernel.json: ${(err as Error).message}`;
  }
  const already = new Set(
    read('/proc/modules')
      .split('\n')
      .map((line) => line.split(' ')[0]),
  );
  const loaded: string[] = [];
  t.teardown(() => {
    for (const name of [...loaded].reverse()) spawnSync('rmmod', [name]);
  });
  for (const name of NET_MODULES) {
    if (already.has(name)) continue;
    const module = modules.find((m) => m.name === name);
    if (!module) return `${dir}/kernel.json lists no ${name} module`;
    const r = spawnSync('insmod', [module.file], { encoding: 'utf8' });
    if (r.status !== 0) return `insmod ${module.file}: ${r.stderr.trim()}`;
    loaded.push(name);
  }
  // The VM's init leaves lo down; a running machine has it up, and the labs that serve on 127.0.0.1
  // (network-namespace's ports step, the published ports of container-network and pod) need it. Put back after.
  if (!/\bUP\b/.test(spawnSync('ip', ['-o', 'link', 'show', 'lo'], { encoding: 'utf8' }).stdout.split('>')[0] ?? '')) {
    if (spawnSync('ip', ['link', 'set', 'lo', 'up']).status !== 0) return 'ip link set lo up failed';
    t.teardown(() => {
      spawnSync('ip', ['link', 'set', 'lo', 'down']);
      spawnSync('ip', ['addr', 'flush', 'dev', 'lo']);
    });
  }
  return undefined;
}
