// The commands of the pod lab, as a learner types them: `lab container run` of the pause container and of the
// containers that join its namespaces, each with the pod's volume where it has one.
import type { Word } from '../../src/lab/build.js';
import { runCreating } from '../../src/lab/build-host.js';
import { word } from '../../src/lab/build-words.js';
import type { ActionSpec, LabContext } from '../../src/lab/spec.js';
import { MOUNT, markerFlag, mustPid1, nameOf, podName, volumeDir, type Role } from './members.js';

/** `lab container <args>`. */
export const lab = (...args: Word[]): Word[] => ['lab', 'container', ...args];

/** The port the server listens on, on the pod's loopback. */
export const PORT = 8080;
/** The server: busybox's nc, listening for ever (`-ll`), each connection handed to cat, which echoes it back. */
export const SERVER = ['nc', '-ll', '-p', String(PORT), '-e', 'cat'];
/** What the client runs with `exec`: one line to the server over the pod's 127.0.0.1, then the connection held open. */
export const CLIENT_SCRIPT = `(echo hello over localhost; sleep 3600) | nc 127.0.0.1 ${PORT}`;
/** The file the server writes into the volume, and what it writes. */
export const NOTE = { path: `${MOUNT}/note.txt`, text: 'written by the server' };
/** The POSIX message queue the server makes in the pod's IPC namespace. */
export const QUEUE = '/dev/mqueue/lab-pod-queue';
/** runAsUser, runAsGroup and fsGroup of the third container, as a pod's securityContext would give them. */
export const RUN_AS = { uid: 1000, gid: 3000, fsGroup: 2000 };
/** The file the third container writes into the volume. */
export const RUNAS_FILE = `${MOUNT}/runas.txt`;
/** The third container's command: its ids, then a file in the volume, then sleep. */
export const RUNAS_SCRIPT = `id; echo written by uid ${RUN_AS.uid} > ${RUNAS_FILE}; exec sleep 3600`;

/** The flags that put a container in the pause container's network, IPC and UTS namespaces. */
export const JOIN: Word[] = [
  '--network',
  word`container:${nameOf('pause')}`,
  '--ipc',
  word`container:${nameOf('pause')}`,
  '--uts',
  word`container:${nameOf('pause')}`,
];

/** `-v <emptyDir>:/shared`: the pod's volume, bound into the container. */
export const VOLUME: Word[] = ['-v', word`${volumeDir}:${MOUNT}`];

/** A container's PID 1 as a word of a command. */
export const pidWord =
  (role: Role) =>
  (ctx: LabContext): number =>
    mustPid1(ctx, role);

/** `lab container run -d --name <name> <flags> -e POD_CONTAINER=<name> busybox <command>`, journaled first. */
export function runContainer(role: Role, flags: Word[], command: Word[]): ActionSpec {
  return runCreating(
    (ctx) => ({ kind: 'container', name: nameOf(role)(ctx) }),
    lab('run', '-d', '--name', nameOf(role), ...flags, ...markerFlag(role), 'busybox', ...command),
  );
}

/** The pause container: on the default bridge network, with the pod's name as hostname, doing nothing but exist. */
export const runPause = runContainer('pause', ['--hostname', podName], ['sleep', '3600']);

/** The client, idle until the lab execs the connection in it (run twice: again after `rm -f`, as a restart). */
export const runClient = runContainer('client', [...JOIN, ...VOLUME], ['sleep', '3600']);
