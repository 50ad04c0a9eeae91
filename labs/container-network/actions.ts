// The container-network lab's commands as a learner types them (`lab container ...`), and the words known only when
// they run: the free host port `-p` publishes, the web container's address, what is noted before a container's rm.
import { runCreating } from '../../src/lab/build-host.js';
import { word } from '../../src/lab/build-words.js';
import type { Word } from '../../src/lab/build.js';
import type { ActionSpec, LabContext } from '../../src/lab/spec.js';
import { addressesOf, findInit, freePort, MARKER, markerOf, nameOf, type Role } from './net.js';

/** The port the server in lab-internet listens on, and the one the user network's server does. */
export const INTERNET_PORT = 8000;
export const DB_PORT = 5000;
/** The port of the learner's server in the web container, reached from the second container over 127.0.0.1. */
export const SHARED_PORT = 8080;

/** Where the search for a free host port for `-p` starts. */
const FIRST_PORT = 18080;

/** `lab container <args>`, the CLI as a learner types it. */
export const lab = (...args: Word[]): Word[] => ['lab', 'container', ...args];

/** `lab container run -d --name <name> <flags> -e CN_RUN=<role>-<run> busybox <command>`, journaled as a container. */
export function runContainer(role: Role, flags: Word[], command: string[]): ActionSpec {
  return runCreating(
    (ctx) => ({ kind: 'container', name: nameOf(role)(ctx) }),
    lab('run', '-d', '--name', nameOf(role), ...flags, '-e', word`${MARKER}=${markerOf(role)}`, 'busybox', ...command),
  );
}

/** The host port `-p` publishes: the first free one from 18080, chosen once per run (the host's /proc/net/tcp). */
export function ctxPort(ctx: LabContext): string {
  try {
    return ctx.get('port');
  } catch {
    const port = String(freePort(FIRST_PORT));
    ctx.set('port', port);
    return port;
  }
}

/** The address of a container's eth0, as its namespace holds it (0.0.0.0 while it has none). */
export const addressOf =
  (role: Role) =>
  (ctx: LabContext): string =>
    addressesOf(findInit(ctx, role) ?? 0)[0] ?? '0.0.0.0';

/** The web container's address (on the default bridge). */
export const webAddress = addressOf('web');

/** Before db is removed: its address and app's, which the allocator's next answer is compared with. */
export function note(ctx: LabContext): void {
  ctx.set('db-address', addressOf('db')(ctx));
  ctx.set('app-address', addressOf('app')(ctx));
}
