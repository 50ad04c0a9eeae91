// Builders of the commands that create and enter namespaces. Pure: they return an argv, which the one executor
// runs and shows the learner verbatim.
import type { NamespaceType } from '../common/vocabulary.js';

/** The `unshare` flag that creates each namespace type. */
const UNSHARE_FLAG: Record<NamespaceType, string> = {
  pid: '--pid',
  mnt: '--mount',
  uts: '--uts',
  ipc: '--ipc',
  net: '--net',
  user: '--user',
  cgroup: '--cgroup',
  time: '--time',
};

/** The `nsenter` flag that joins each namespace type. */
const NSENTER_FLAG: Record<NamespaceType, string> = {
  pid: '--pid',
  mnt: '--mount',
  uts: '--uts',
  ipc: '--ipc',
  net: '--net',
  user: '--user',
  cgroup: '--cgroup',
  time: '--time',
};

export interface UnshareOptions {
  /** Namespaces to create. A new mount namespace is always made private (see below). */
  namespaces: NamespaceType[];
  /** Fork before running the command, so that it is PID 1 of a new PID namespace. Default: when `pid` is asked. */
  fork?: boolean;
  /** Mount a fresh /proc for the new PID namespace (implies a mount namespace). */
  mountProc?: boolean;
  /** Kill the forked child when unshare itself dies. Default: with fork. */
  killChild?: boolean;
}

/**
 * `unshare` with the given namespaces. A new mount namespace gets `--propagation private` explicitly: on
 * systemd hosts / is mounted shared, and a mount namespace that stays a shared peer would pass its mounts
 * and unmounts back to the host.
 */
export function unshareArgv(options: UnshareOptions, command: string[]): string[] {
  const namespaces = new Set(options.namespaces);
  if (options.mountProc) namespaces.add('mnt');
  const argv = ['unshare'];
  for (const type of Object.keys(UNSHARE_FLAG) as NamespaceType[]) {
    if (namespaces.has(type)) argv.push(UNSHARE_FLAG[type]);
  }
  const fork = options.fork ?? namespaces.has('pid');
  if (fork) argv.push('--fork');
  if (fork && (options.killChild ?? true)) argv.push('--kill-child');
  if (namespaces.has('mnt')) argv.push('--propagation', 'private');
  if (options.mountProc) argv.push('--mount-proc');
  return [...argv, ...command];
}

/** `nsenter` into the namespaces of a running process, then run the command (a joined PID namespace forks first). */
export function nsenterArgv(target: number, namespaces: NamespaceType[], command: string[]): string[] {
  const argv = ['nsenter', '--target', String(target)];
  for (const type of namespaces) argv.push(NSENTER_FLAG[type]);
  return [...argv, '--', ...command];
}

/**
 * Run a command that the kernel kills with SIGKILL when the harness dies (PR_SET_PDEATHSIG through setpriv), so
 * that a crashed or `kill -9`ed harness leaves no namespace behind.
 */
export function dieWithHarness(command: string[]): string[] {
  return ['setpriv', '--pdeathsig', 'KILL', '--', ...command];
}
