// Builders of the commands that create a user namespace as an ordinary user. Pure: they return an argv, which the
// one executor runs and shows the learner verbatim.

/** The unprivileged user labs act as: `nobody`, whose UID and GID are 65534 on Debian and Ubuntu. */
export const NOBODY = 65534;

/** Run a command as another user and group, with no supplementary groups (`setpriv`, util-linux). */
export function asUserArgv(uid: number, gid: number, command: string[]): string[] {
  return ['setpriv', '--reuid', String(uid), '--regid', String(gid), '--clear-groups', '--', ...command];
}

export interface UserNamespaceOptions {
  /**
   * Whom the caller becomes inside: `root` (`--map-root-user`: UID and GID 0), or a given UID and GID
   * (`--map-user`, `--map-group`). Either way a single ID, the caller's own, is mapped.
   */
  map: 'root' | { uid: number; gid: number };
  /** Fork, so that the command runs as a child of `unshare` (which kills it when it dies). Default: false. */
  fork?: boolean;
}

/** `unshare --user` with the caller's own IDs mapped as asked, then the command. */
export function unshareUserArgv(options: UserNamespaceOptions, command: string[]): string[] {
  const argv = ['unshare', '--user'];
  if (options.map === 'root') argv.push('--map-root-user');
  else argv.push(`--map-user=${options.map.uid}`, `--map-group=${options.map.gid}`);
  if (options.fork) argv.push('--fork', '--kill-child');
  return [...argv, ...command];
}
