// The plan of `lab container exec`: a new process that joins a running container's cgroup and namespaces, with
// its root and working directory, as `docker exec` does (runc exec: setns into each namespace of the init, join
// its cgroup, chdir, exec). Pure: the runtime resolves the PID and runs `argv`.
//
// Order. The process first writes its own PID into the container's cgroup.procs (so everything it forks is
// counted against the container's limits and killed with its cgroup), then `env -i` gives it the container's
// environment only, then nsenter joins the namespaces, chroots into PID 1's root and forks (a joined PID
// namespace takes effect for children only), and the child execs the command: through setpriv, which leaves it the
// container's capabilities (none of that with --privileged). nsenter's own failure to execute it gives 126 or 127,
// as util-linux's errexec does, and as Docker reports.
//
// Two forms of the same steps, as the run plan has (container-plan.ts): `initSteps`, one text per step for lab-init
// (native/lab-init.c, which does each as its system calls: nsenter's setns, chroot and fork included), and `argv`,
// one sh command for the shell when lab-init is not built.
import { posix } from 'node:path';
import type { NamespaceType } from '../common/vocabulary.js';
import { renderCommand, quoteWord } from './shell.js';

/** What an exec is made from. */
export interface ExecInput {
  /** Host PID of the container's PID 1. */
  pid: number;
  /** The container's cgroup directory. */
  cgroup: string;
  /** The namespaces the container has apart from the host's (its own or a joined one). */
  namespaces: readonly NamespaceType[];
  /** The container's environment, then `-e` entries (a later key wins). */
  env: readonly string[];
  /** `-w`: the working directory inside the container, as a host path below /proc/<pid>/root (resolved safely). */
  workdir?: string;
  /** The container's capability step (container-plan.ts setprivArgv), run by the exec'd process; none: every one. */
  setpriv?: readonly string[];
  command: readonly string[];
}

/** The plan: the one argv, the same as text, exactly as it runs; and the same steps for lab-init. */
export interface ExecPlan {
  argv: string[];
  text: string;
  /** The steps lab-init runs: the cgroup, the environment, nsenter (ending in `--`), then `exec [setpriv ...] CMD`. */
  initSteps: string[];
}

/** nsenter's flag for each namespace it joins. */
const NSENTER_FLAG: Record<NamespaceType, string> = {
  mnt: '--mount',
  uts: '--uts',
  ipc: '--ipc',
  net: '--net',
  pid: '--pid',
  user: '--user',
  cgroup: '--cgroup',
  time: '--time',
};

/** Merge K=V entries: a later key replaces an earlier one, in the first one's place. */
export function mergeEnv(...lists: readonly (readonly string[])[]): string[] {
  const env = new Map<string, string>();
  for (const entry of lists.flat()) env.set(entry.split('=')[0] ?? entry, entry);
  return [...env.values()];
}

/** The plan of one `lab container exec`. */
export function execPlan(input: ExecInput): ExecPlan {
  const procs = `echo $$ > ${quoteWord(posix.join(input.cgroup, 'cgroup.procs'))}`;
  const join = `${procs} && exec "$@"`;
  const nsenter = ['nsenter', '--target', String(input.pid)];
  for (const type of input.namespaces) nsenter.push(NSENTER_FLAG[type]);
  // --root: PID 1's root (the pivoted overlay); --wd: its working directory, or the one asked for, opened before
  // the namespaces are entered, through /proc/<pid>/root.
  nsenter.push('--root', input.workdir === undefined ? '--wd' : `--wd=${input.workdir}`);
  nsenter.push('--');
  const command = [...(input.setpriv ?? []), ...input.command];
  const argv = ['sh', '-c', join, 'sh', 'env', '-i', ...input.env, ...nsenter, ...command];
  const initSteps = [procs, renderCommand(['env', '-i', ...input.env]), renderCommand(nsenter), renderCommand(['exec', ...command])];
  return { argv, text: renderCommand(argv), initSteps };
}
