// The supervisor of one container (containerd's shim, conmon): it starts the plan's one process, journaled before
// it is made and holding the container's journal from then on, holds PID 1's stdio (pipes, or a pseudo-terminal
// with -t) and writes every chunk to the log, finds PID 1 (the child unshare forks) and says `running` once PID 1
// runs the command, reaps it, records how it ended and removes the container when asked to (--rm). In the
// foreground the CLI is the supervisor and streams the output too; detached, shim.ts is.
//
// How PID 1 ended. unshare --fork waits for it and ends the same way, except that util-linux before 2.40, when
// its child was killed by SIGKILL, prints "sigprocmask unblock failed" and exits 1 (signal(SIGKILL) is refused).
// The supervisor tells that case by that line (kept out of the log) or by the kill `stop` recorded before it
// sent SIGKILL; then PID 1 died by SIGKILL (137), OOM-killed when memory.events counts an oom_kill.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlatKeyed } from '../kernel/cgroup.js';
import { containerExit, type ContainerEnd } from '../kernel/exit-code.js';
import { childrenOf, cmdline, isAlive, startTime } from '../kernel/proc.js';
import {
  containerDir,
  containerOwnerId,
  readContainerRecord,
  readContainerState,
  writeContainerState,
  type ContainerRecord,
  type ContainerState,
} from '../host/container-store.js';
import { RUN_MARKER } from '../host/exec.js';
import { detachNetwork } from '../host/networks.js';
import { PORT_PROXY } from './network.js';
import type { Owned } from '../host/owner.js';
import { spawnPty } from '../host/pty.js';
import { poll } from './poll.js';

/** Where the output goes besides the log, and the terminal when there is one. */
export interface SuperviseIo {
  /** Each chunk of PID 1's output, as it comes. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** PID 1's stdin (-i); ignored when undefined. */
  stdin?: NodeJS.ReadableStream;
  /** -t: the terminal's size now, and a way to hear of its changes. */
  size?: () => { cols: number; rows: number };
  onResize?: (listener: () => void) => void;
  /** Told PID 1's host PID once it is known (the CLI forwards signals to it). */
  onPid?: (pid: number) => void;
}

/** The file `stop` writes before it sends SIGKILL, so the supervisor knows the status without unshare's help. */
export const KILL_MARK = 'kill-requested';

/** How long the supervisor waits for PID 1 to be forked, then for it to run the command: milliseconds when idle, far
 * longer when many containers start at once on a slow machine (the test VM under TCG). */
const SETUP_MS = 300_000;

/** The line util-linux < 2.40's unshare prints instead of dying by its child's SIGKILL. */
const UNSHARE_SIGKILL = /^unshare: sigprocmask unblock failed[^\n]*\n?/m;
/** The same message anywhere in the end of stderr, however its pieces arrived; and how much of that end is kept. */
const UNSHARE_SIGKILL_IN = /unshare: sigprocmask unblock failed/;
const STDERR_TAIL = 512;

/** How the one process is spawned: its PID, its output, its end. */
interface Child {
  pid: number;
  onOutput(listener: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): void;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

function spawnPipes(argv: readonly string[], env: NodeJS.ProcessEnv, stdin: NodeJS.ReadableStream | undefined): Child {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], env });
  if (stdin && child.stdin) {
    stdin.pipe(child.stdin);
    child.stdin.on('error', () => {});
  }
  const listeners: ((stream: 'stdout' | 'stderr', chunk: Buffer) => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => listeners.forEach((l) => l('stdout', chunk)));
  child.stderr?.on('data', (chunk: Buffer) => listeners.forEach((l) => l('stderr', chunk)));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('error', () => resolve({ code: 125, signal: null }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { pid: child.pid ?? 0, onOutput: (l) => listeners.push(l), exited };
}

async function spawnTerminal(argv: readonly string[], ownerId: string, io: SuperviseIo): Promise<Child> {
  const size = io.size?.() ?? { cols: 80, rows: 24 };
  const pty = await spawnPty(argv, { runId: ownerId, cols: size.cols, rows: size.rows });
  const listeners: ((stream: 'stdout' | 'stderr', chunk: Buffer) => void)[] = [];
  pty.onData((data) => listeners.forEach((l) => l('stdout', Buffer.from(data))));
  io.stdin?.on('data', (data: Buffer) => pty.write(data.toString()));
  io.onResize?.(() => {
    const now = io.size?.();
    if (now) pty.resize(now.cols, now.rows);
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => pty.onExit((code) => resolve({ code, signal: null })));
  return { pid: pty.pid, onOutput: (l) => listeners.push(l), exited };
}

/** The cgroup's OOM kills so far (memory.events `oom_kill`); 0 without the memory controller. */
function oomKills(cgroup: string): number {
  try {
    return parseFlatKeyed(readFileSync(join(cgroup, 'memory.events'), 'utf8')).oom_kill ?? 0;
  } catch {
    return 0;
  }
}

/** The first child of a process: /proc/<pid>/task/<pid>/children (one read), else a scan of /proc. */
function firstChild(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text === '' ? undefined : Number(text.split(' ')[0]);
  } catch {
    return childrenOf(pid)[0];
  }
}

/**
 * Whether PID 1 is past lab's setup: its cmdline is no longer a tail of the plan's argv (setpriv, unshare, env and
 * `sh -c <script>` exec each other in turn, each with the rest of it), so the script has exec'd the command, which
 * may have exec'd another program already (`sh -c '...; exec sleep 1000'`).
 */
function pastSetup(pid: number, argv: readonly string[]): boolean {
  const now = cmdline(pid);
  if (now === undefined || now.length === 0) return false;
  if (now.length > argv.length) return true;
  const tail = argv.slice(argv.length - now.length);
  return !now.every((arg, i) => arg === tail[i]);
}

/** Run a created container to its end; resolves to its exit status (Docker's: own, 128+N, 137, 125, 126, 127). */
export async function supervise(id: string, owned: Owned, io: SuperviseIo = {}): Promise<number> {
  const record = readContainerRecord(id);
  if (!record) throw new Error(`container ${id} has no record`);
  const dir = containerDir(id);
  const ownerId = containerOwnerId(id);
  const log = openSync(join(dir, 'container.log'), 'a');
  const state: ContainerState = { ...readContainerState(id), supervisorPid: process.pid, supervisorStart: startTime('self') ?? 0 };
  const save = (): void => writeContainerState(id, state);
  const resource = { kind: 'process' as const, name: 'container', argv: record.argv };
  const entry = owned.intend(resource);
  // LC_ALL=C: unshare's message above is matched in English. The marker: `lab clean` and `rm` find the processes.
  const env = { ...process.env, LC_ALL: 'C', [RUN_MARKER]: ownerId };
  let child: Child;
  try {
    child = record.tty ? await spawnTerminal(record.argv, ownerId, io) : spawnPipes(record.argv, env, record.interactive ? io.stdin : undefined);
  } catch (error) {
    state.status = 'exited';
    state.exitCode = 125;
    state.reason = 'lab-error';
    state.error = (error as Error).message;
    save();
    closeSync(log);
    await finish(record, owned);
    return 125;
  }
  let unshareKilled = false;
  // unshare writes its message in several write(2)s (stderr is unbuffered), which may arrive as several chunks: the
  // end of its stderr is kept to find the message whole once it has exited.
  let stderrTail = '';
  child.onOutput((stream, chunk) => {
    let text = chunk;
    if (stream === 'stderr' || record.tty) {
      const asText = chunk.toString();
      stderrTail = (stderrTail + asText).slice(-STDERR_TAIL);
      if (UNSHARE_SIGKILL.test(asText)) {
        unshareKilled = true;
        text = Buffer.from(asText.replace(UNSHARE_SIGKILL, ''));
        if (text.length === 0) return;
      }
    }
    writeSync(log, `${JSON.stringify({ stream, time: new Date().toISOString(), log: text.toString() })}\n`);
    io.onOutput?.(stream, text);
  });
  const processStart = startTime(child.pid);
  owned.update(entry, { ...resource, pid: child.pid, ...(processStart !== undefined ? { start: processStart } : {}) });
  owned.holdBy(entry);
  Object.assign(state, { processPid: child.pid, processStart, startedAt: new Date().toISOString() });
  save();
  let ended = false;
  const exited = child.exited.then((end) => {
    ended = true;
    return end;
  });
  // PID 1 is the child unshare forks; then it runs lab's setup script, and the command once the script execs it.
  let pid: number | undefined;
  await poll(() => ended || (pid = firstChild(child.pid)) !== undefined, SETUP_MS, undefined, exited);
  if (pid !== undefined && !ended) {
    const pidStart = startTime(pid);
    state.pid = pid;
    state.pidStart = pidStart;
    owned.update(entry, { ...resource, pid: child.pid, start: processStart, target: pid, targetStart: pidStart });
    io.onPid?.(pid);
    const target = pid;
    await poll(() => ended || !isAlive(target, pidStart) || pastSetup(target, record.argv), SETUP_MS, undefined, exited);
    if (!ended) {
      state.status = 'running';
      save();
    }
  }
  const end = await exited;
  const killed = unshareKilled || (end.code === 1 && (UNSHARE_SIGKILL_IN.test(stderrTail) || existsSync(join(dir, KILL_MARK))));
  const how: ContainerEnd = end.signal
    ? { kind: 'signaled', signal: end.signal }
    : killed
      ? { kind: 'signaled', signal: 'SIGKILL' }
      : { kind: 'exited', code: end.code ?? 125 };
  const exit = containerExit(how, oomKills(record.cgroup) > 0);
  Object.assign(state, {
    status: 'exited',
    exitCode: exit.status,
    reason: exit.reason,
    oomKilled: exit.reason === 'oom-killed',
    finishedAt: new Date().toISOString(),
  });
  save();
  closeSync(log);
  await finish(record, owned);
  return exit.status;
}

/**
 * --rm: remove everything the journal holds; otherwise leave it, for `rm` or `lab clean`. No scan for stray
 * processes: every process of a container is in its cgroup (PID 1 joined it first; exec joins it first too), whose
 * removal succeeds only once it is empty, and in its PID namespace, which the kernel empties when PID 1 dies. A
 * failed removal still scans (owner.ts).
 */
async function finish(record: ContainerRecord, owned: Owned): Promise<void> {
  if (!record.autoRemove) {
    // Stopped, not removed: its published ports close now, as Docker stops docker-proxy with the container.
    await owned.removeSome((r) => r.kind === 'process' && r.name.startsWith(PORT_PROXY));
    return owned.close();
  }
  await owned.removeAll(undefined, { scanStrays: false });
  await detachNetwork(record);
}
