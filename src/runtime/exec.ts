// `lab container exec`: a new process in a running container's namespaces and cgroup, with its environment (plus
// -e) and root, as `docker exec`: the plan is src/kernel/container-exec.ts; here it is run, on the terminal (-t,
// a pseudo-terminal with the window size) or with plain stdio, and its status returned (126/127 from nsenter),
// by lab-init when it is built, else by the shell (which refuses a container whose capabilities must be dropped).
import { spawn } from 'node:child_process';
import { join, posix } from 'node:path';
import { execPlan, mergeEnv } from '../kernel/container-exec.js';
import { execNamespaces, setprivArgv } from '../kernel/container-plan.js';
import { isAlive } from '../kernel/proc.js';
import { SECCOMP_FILE } from '../kernel/seccomp.js';
import { parseUser } from '../kernel/container-security.js';
import { signalExitCode } from '../host/exec.js';
import { containerDir, containerOwnerId } from '../host/container-store.js';
import { labInitPath } from '../host/install.js';
import { spawnPty } from '../host/pty.js';
import { capabilitiesNeedLabInit } from './create.js';
import { runError } from './errors.js';
import { findContainer } from './lifecycle.js';
import { secureJoin } from './secure-join.js';

/** What `exec` asks for. */
export interface ExecRequest {
  container: string;
  command: string[];
  env: string[];
  workdir?: string;
  /** `--privileged`: every capability instead of the container's (docker exec's only capability flag). */
  privileged?: boolean;
  /** `--user UID[:GID]`: this user instead of the container's (docker exec's). */
  user?: string;
  interactive: boolean;
  tty: boolean;
}

/** The exec's argv, once the container is found running. */
export function execArgv(request: ExecRequest): { argv: string[]; ownerId: string } {
  const found = findContainer(request.container, 'lab container exec', 125);
  const { record, state } = found;
  if (!found.running || state.pid === undefined || !isAlive(state.pid, state.pidStart)) {
    throw runError('lab container exec', 'not-running', {
      en: `Container ${record.id} is not running`,
      zh: `容器 ${record.id} 没有在运行`,
    });
  }
  let workdir: string | undefined;
  if (request.workdir !== undefined) {
    if (!request.workdir.startsWith('/'))
      throw runError('lab container exec', 'invalid-argument', { en: 'the working directory must be absolute', zh: '工作目录必须是绝对路径' });
    // Resolved in the container's root as it is now (its upper layer over the image), never leaving it.
    const joined = secureJoin([`/proc/${state.pid}/root`], request.workdir);
    if (!joined.ok)
      throw runError('lab container exec', 'path-escapes-rootfs', { en: `${request.workdir} leads out of the container`, zh: `${request.workdir} 会跑出容器` });
    workdir = posix.join(`/proc/${state.pid}/root`, joined.path);
  }
  const env = mergeEnv(record.env, request.env);
  // As docker exec: the container's capabilities and seccomp filter (its own file), or with --privileged every
  // capability and no filter (docker exec --privileged keeps the container's filter: lab's shell fallback could not
  // run it then); the container's user, or --user's.
  const user = request.user === undefined ? undefined : parseUser(request.user);
  if (user !== undefined && !user.ok) throw runError('lab container exec', 'invalid-argument', user.message);
  const config = user === undefined ? record.config : { ...record.config, user: user.value };
  const setpriv = setprivArgv(request.privileged === true ? { ...config, privileged: true } : config, join(containerDir(record.id), SECCOMP_FILE));
  const init = labInitPath();
  if (init === undefined && setpriv.length > 0) throw capabilitiesNeedLabInit('lab container exec');
  const plan = execPlan({
    pid: state.pid,
    cgroup: record.cgroup,
    namespaces: execNamespaces(record.config),
    env,
    ...(workdir !== undefined ? { workdir } : {}),
    setpriv,
    command: request.command,
  });
  // lab-init runs the plan's steps in one process (nsenter's setns, chroot and fork its own); without it, the shell.
  return { argv: init === undefined ? plan.argv : [init, ...plan.initSteps], ownerId: containerOwnerId(record.id) };
}

/** Run the exec to its end, on this terminal; resolves to the command's status. */
export async function runExec(request: ExecRequest): Promise<number> {
  const { argv, ownerId } = execArgv(request);
  if (request.tty && process.stdin.isTTY) {
    const pty = await spawnPty(argv, { runId: ownerId, cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
    process.stdin.setRawMode(true);
    const onData = (data: Buffer): void => pty.write(data.toString());
    const onResize = (): void => pty.resize(process.stdout.columns || 80, process.stdout.rows || 24);
    process.stdin.on('data', onData);
    process.on('SIGWINCH', onResize);
    pty.onData((data) => process.stdout.write(data));
    try {
      return await new Promise<number>((resolve) => pty.onExit(resolve));
    } finally {
      process.stdin.off('data', onData);
      process.off('SIGWINCH', onResize);
      process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  }
  return new Promise<number>((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: [request.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'] });
    child.once('error', () => resolve(125));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? signalExitCode(signal) : 125)));
  });
}
