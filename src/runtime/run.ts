// `lab container run`: create, then supervise in the foreground (the CLI is the supervisor: output streamed,
// signals passed on to PID 1, the container's status returned) or detached (a shim in its own session supervises;
// the CLI returns once PID 1 runs the command and prints the full id).
import { spawn } from 'node:child_process';
import { isAlive } from '../kernel/proc.js';
import { containerOwnerId, readContainerState } from '../host/container-store.js';
import { RUN_MARKER } from '../host/exec.js';
import { shimPath } from '../host/install.js';
import { createContainer, type CreateRequest } from './create.js';
import { runError } from './errors.js';
import { poll } from './poll.js';
import { supervise } from './supervise.js';

/**
 * How long `run -d` waits, at most, for a live supervisor to say that PID 1 runs the command (the supervisor bounds
 * the setup itself, supervise.ts). Milliseconds on an idle machine; minutes when many containers start at once on a
 * slow one: 50 in the test VM under TCG share two CPUs among a hundred node start-ups for about four minutes.
 */
const START_MS = 600_000;

/** Run a container in the foreground; resolves to its exit status. */
export async function runForeground(request: CreateRequest): Promise<number> {
  const { record, owned } = await createContainer(request);
  let pid: number | undefined;
  let interrupts = 0;
  // Like docker run's sig-proxy: the signal goes to PID 1 (which ignores it unless it has a handler); a third
  // Ctrl-C kills it.
  const forward = (name: NodeJS.Signals): void => {
    if (pid === undefined) return;
    if (name === 'SIGINT' && ++interrupts >= 3) name = 'SIGKILL';
    try {
      process.kill(pid, name);
    } catch {
      // Gone.
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];
  const handlers = signals.map((name) => [name, () => forward(name)] as const);
  for (const [name, handler] of handlers) process.on(name, handler);
  const tty = record.tty && process.stdin.isTTY === true;
  if (tty) process.stdin.setRawMode(true);
  try {
    return await supervise(record.id, owned, {
      onOutput: (stream, chunk) => (stream === 'stdout' ? process.stdout : process.stderr).write(chunk),
      ...(record.interactive ? { stdin: process.stdin } : {}),
      ...(record.tty
        ? {
            size: () => ({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 }),
            onResize: (listener: () => void) => void process.on('SIGWINCH', listener),
          }
        : {}),
      onPid: (p) => {
        pid = p;
      },
    });
  } finally {
    for (const [name, handler] of handlers) process.off(name, handler);
    if (tty) process.stdin.setRawMode(false);
    if (record.interactive) process.stdin.pause();
  }
}

/** Run a container detached: its shim supervises it; resolves to the full id once PID 1 runs the command. */
export async function runDetached(request: CreateRequest): Promise<{ id: string; status?: number }> {
  const { record, owned } = await createContainer({ ...request, interactive: false });
  const ownerId = containerOwnerId(record.id);
  // The shim takes the journal over; until its process is journaled this command holds it.
  owned.close();
  const shim = spawn(process.execPath, [shimPath(), record.id], { detached: true, stdio: 'ignore', env: { ...process.env, [RUN_MARKER]: ownerId } });
  const shimPid = shim.pid;
  shim.unref();
  const started = await poll(
    () => {
      const state = readContainerState(record.id);
      return state.status !== 'created' || shimPid === undefined || !isAlive(shimPid);
    },
    START_MS,
    100,
  );
  const state = readContainerState(record.id);
  if (!started || state.status === 'created') {
    throw runError(`start the supervisor of ${record.id}`, 'not-started', {
      en: `The container did not start ${started ? 'before its supervisor ended' : `within ${START_MS / 1000} s`}${state.error ? `: ${state.error}` : ''}.`,
      zh: `容器${started ? '在它的监督进程结束之前没有启动' : `没有在 ${START_MS / 1000} 秒内启动`}${state.error ? `：${state.error}` : ''}。`,
    });
  }
  // A command that could not start (125, 126, 127) is an error of `run -d`, as with Docker.
  if (state.status === 'exited' && state.exitCode !== undefined && state.exitCode >= 125 && state.exitCode <= 127) {
    return { id: record.id, status: state.exitCode };
  }
  return { id: record.id };
}
