// The plan of `lab container run`: from a config, the image's layers and the container's own directories, every
// step in order, each one exactly as it runs and as the toy-container lab shows it, grouped in stages. Pure: the
// executor (src/host) journals the resources, makes the `harness` steps, then runs `argv` (runc's split: this is
// configs/ and the plan; the *_linux.go side that acts is the executor).
//
// How it runs. The harness makes the container's directories and cgroup and writes the limits itself. Then ONE
// process does the rest: `argv` joins the cgroup, unshares the namespaces and runs a shell script (`script`) inside
// them that mounts the root filesystem, pivots into it and execs the command. The script is the `container` steps'
// text joined in order, so what the lab shows is what runs. Where lab-init is built (native/lab-init.c), the
// runtime gives it the same step texts (`initSteps`) instead: a small shell whose only commands are these, each
// done with the system call the command makes (mount(2) for mount, ...), in one process, as busybox runs its
// NOFORK applets. The shell remains the fallback, and a test holds the two to the same container.
import { posix } from 'node:path';
import type { NamespaceType } from '../common/vocabulary.js';
import { limitPlan } from './cgroup.js';
import type { ContainerConfig, Parsed } from './container-config.js';
import { dieWithHarness, unshareArgv } from './namespaces.js';
import { quoteWord, renderCommand } from './shell.js';

/** The image as the plan needs it: its layer directories and its defaults (the image store resolves them). */
export interface PlanImage {
  /** Layer directories in the image's order: the base layer FIRST, as a manifest lists them. */
  layers: string[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workdir?: string;
}

/** Everything a plan is made from; every host path in the plan comes from here. */
export interface PlanInput {
  /** The container's id; its first 12 characters are the default hostname, as Docker's. */
  id: string;
  config: ContainerConfig;
  image: PlanImage;
  /** The container's own directories under the state dir: overlayfs's upper and work dirs, and the mount point. */
  dirs: { upper: string; work: string; merged: string };
  /** The container's cgroup directory, e.g. /sys/fs/cgroup/lab-containers/<id>. */
  cgroup: string;
  /** For `--network container:<name>`: that container's network namespace file (/proc/<pid>/ns/net), resolved. */
  joinNetns?: string;
  /** For `--network container:<name>`: that container's hostname, which this one takes too (as Docker's does). */
  joinHostname?: string;
  /** For a bridge network: the container's own network namespace, made and wired by the runtime (network-plan.ts). */
  bridgeNetns?: string;
  /** For `--ipc container:<name>` and `--uts container:<name>`: that container's namespace file, resolved. */
  joinIpc?: string;
  joinUts?: string;
  /** For a bridge network: the container's /etc/hosts (a file of its directory), bound onto `target` (resolved in the image). */
  hostsFile?: { host: string; target: string };
  /** A root filesystem used as it is (`--bundle`, see oci-bundle.ts); then `image.layers` and `dirs` are not used. */
  root?: PlanRoot;
  /** The seccomp filter file the runtime writes for a `seccomp: 'default'` config (setprivArgv). */
  seccompFile?: string;
}

/** A mount an OCI bundle lists (config.json `mounts`), as oci-bundle.ts checked it. */
export interface PlanMount {
  /** Where, inside the root: absolute, without `..`. */
  destination: string;
  type: 'proc' | 'tmpfs' | 'bind';
  /** proc, tmpfs: the name mountinfo shows as the source; bind: the host path, absolute. */
  source: string;
  /** mount(8) options; for a bind, `ro`, `nosuid`, `nodev`, `noexec` take effect on a remount and `rbind` recurses. */
  options: string[];
}

/** A root filesystem used as it is instead of the image's overlay: an OCI bundle's root, which runc writes into too. */
export interface PlanRoot {
  /** The directory, absolute. */
  path: string;
  /** Make `/` read-only once everything is mounted in it (config.json `root.readonly`). */
  readonly: boolean;
  /** What to mount in it, in order, instead of the default /proc, /dev, /sys (the device nodes are made either way). */
  mounts: PlanMount[];
  /** Instead of MASKED_PATHS: a directory gets an empty read-only tmpfs, anything else /dev/null. */
  maskedPaths: string[];
  /** Instead of READONLY_PATHS. */
  readonlyPaths: string[];
}

/** Where a step runs: by the harness before the process starts, in `argv` before the script, or in the script. */
export type StepPlace = 'harness' | 'process' | 'container';

/** One step, with `text` exactly as shown (and, for `container` steps, exactly as it is in the script). */
export type PlanStep =
  | { place: 'harness'; action: { kind: 'mkdir'; path: string } | { kind: 'write'; path: string; value: string }; text: string }
  | { place: 'process'; argv: string[]; text: string }
  | { place: 'container'; text: string };

/** A resource a stage creates, for the journal (recorded before it is made). Mounts die with the mount namespace. */
export type PlanResource = { kind: 'cgroup'; path: string } | { kind: 'directory'; path: string };

/** The stages the toy-container lab shows one by one, in the order they happen. */
export type StageId = 'cgroup' | 'namespaces' | 'rootfs' | 'process';

export interface PlanStage {
  id: StageId;
  steps: PlanStep[];
  resources: PlanResource[];
}

export interface ContainerPlan {
  stages: PlanStage[];
  /** The one process: every `process` step's argv in order, then `sh -c <script>`. */
  argv: string[];
  /** The script the unshared shell runs: the `container` steps. */
  script: string;
  /**
   * The same process as `argv`, as lab-init's arguments (native/lab-init.c): one element per step, the text shown,
   * in order (`setpriv --pdeathsig KILL --`, the `process` steps, the `container` steps). lab-init does each with
   * the system call the command makes, in one process, instead of a shell forking ~45 programs.
   */
  initSteps: string[];
  /** The command the container execs, after the image's entrypoint and defaults are applied. */
  command: string[];
  /** The environment the command gets, `K=V`. */
  env: string[];
  resources: PlanResource[];
}

/** The PATH Docker gives a container whose image sets none; also the harness-side PATH of the script. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Paths runc (with Docker's default spec) hides from the container: kernel memory, keys, timers, hardware. A file
 * gets /dev/null bound over it, a directory an empty read-only tmpfs.
 */
export const MASKED_PATHS: readonly { path: string; dir: boolean }[] = [
  { path: '/proc/asound', dir: true },
  { path: '/proc/acpi', dir: true },
  { path: '/proc/kcore', dir: false },
  { path: '/proc/keys', dir: false },
  { path: '/proc/latency_stats', dir: false },
  { path: '/proc/timer_list', dir: false },
  { path: '/proc/timer_stats', dir: false },
  { path: '/proc/sched_debug', dir: false },
  { path: '/proc/scsi', dir: true },
  { path: '/sys/firmware', dir: true },
  { path: '/sys/devices/virtual/powercap', dir: true },
];

/** Paths runc (Docker's default spec) makes read-only: the kernel's tunables and triggers. */
export const READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * The device nodes runc creates in /dev (major, minor from Documentation/admin-guide/devices.txt). They are made
 * with mknod, as runc does when it runs as root: the node is the container's own (owner, mode and times are not
 * the host's inode shared through a bind mount), and the learner sees the numbers that name a device. runc binds
 * the host's nodes instead only in a user namespace, where mknod is refused; a rootless mode here would do the same.
 */
export const DEVICES: readonly { name: string; major: number; minor: number }[] = [
  { name: 'null', major: 1, minor: 3 },
  { name: 'zero', major: 1, minor: 5 },
  { name: 'full', major: 1, minor: 7 },
  { name: 'random', major: 1, minor: 8 },
  { name: 'urandom', major: 1, minor: 9 },
  { name: 'tty', major: 5, minor: 0 },
];

/** The harness-side PATH of the script's commands before the pivot (the container's own PATH is exported later). */
const HOST_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

const run = (argv: string[]): PlanStep => ({ place: 'container', text: renderCommand(argv) });

/** A test of `[ ... ]`: `-e` exists, `-d` is a directory (both follow links), `-L` is a link; `!` negates. */
type PathTest = ['-e' | '-d' | '-L' | '!-e' | '!-d' | '!-L', string];

/**
 * A command run only when every test holds: `if [ T ] && [ T ]; then CMD; fi`. One command per step, so that every
 * step is in the grammar lab-init reads (native/lab-init.c) as well as valid sh.
 */
function guardedRun(tests: readonly PathTest[], argv: string[]): PlanStep {
  const conditions = tests.map(([op, path]) => `[ ${op.startsWith('!') ? `! ${op.slice(1)}` : op} ${quoteWord(path)} ]`);
  return { place: 'container', text: `if ${conditions.join(' && ')}; then ${renderCommand(argv)}; fi` };
}

/** A step for a path the kernel may not have (runc ignores ENOENT for masked and read-only paths). */
const ifExists = (path: string, argv: string[]): PlanStep => guardedRun([['-e', path]], argv);

/**
 * The namespaces the container unshares: all but user and time, less those it joins (a bridge network's namespace
 * is made beforehand by the runtime, as Docker's; container:<name> modes join another's); the net one only with
 * `--network none`.
 */
export function containerNamespaces(config: ContainerConfig): NamespaceType[] {
  const types: NamespaceType[] = ['pid', 'mnt'];
  if (config.uts?.kind !== 'container') types.push('uts');
  if (config.ipc?.kind !== 'container') types.push('ipc');
  types.push('cgroup');
  if (config.network.kind === 'none') types.push('net');
  return types;
}

/**
 * The namespaces `lab container exec` joins: every one PID 1 has, whether it unshared it or joined it (a bridge
 * network's, another container's), as `docker exec` does; the network one but with `--network host`, which is the
 * host's own.
 */
export function execNamespaces(config: ContainerConfig): NamespaceType[] {
  const types: NamespaceType[] = ['pid', 'mnt', 'uts', 'ipc', 'cgroup'];
  if (config.network.kind !== 'host') types.push('net');
  return types;
}

/**
 * The step before the command, as util-linux setpriv(1) (>= 2.40 for --seccomp-filter) takes it; lab-init applies it
 * in runc's order (native/lab-init.c). `--user`: the user, its group and supplementary groups (`--clear-groups`, or
 * `--group-add`'s). `no-new-privileges`: `--no-new-privs`. The capabilities: the bounding set cut to the
 * container's (as root, the command's permitted and effective sets are then those; a non-root user ends with none,
 * as in Docker), no inheritable and no ambient capability (Docker's since 20.10.14, CVE-2022-24769). seccomp:
 * Docker's default profile, the filter file `seccompFile` (written by the runtime, src/kernel/seccomp.ts). None of
 * the capability and seccomp parts with --privileged; no step at all when nothing is asked.
 */
export function setprivArgv(config: ContainerConfig, seccompFile?: string): string[] {
  const options: string[] = [];
  if (config.user !== undefined) options.push('--reuid', String(config.user.uid), '--regid', String(config.user.gid));
  if (config.groupAdd !== undefined && config.groupAdd.length > 0) options.push('--groups', config.groupAdd.join(','));
  else if (config.user !== undefined) options.push('--clear-groups');
  if (config.noNewPrivileges === true) options.push('--no-new-privs');
  if (config.privileged !== true && config.capabilities !== undefined) {
    const bounding = ['-all', ...config.capabilities.map((name) => `+${name.replace(/^CAP_/, '').toLowerCase()}`)].join(',');
    options.push('--bounding-set', bounding, '--inh-caps', '-all', '--ambient-caps', '-all');
  }
  if (config.privileged !== true && config.seccomp === 'default' && seccompFile !== undefined) options.push('--seccomp-filter', seccompFile);
  return options.length === 0 ? [] : ['setpriv', ...options, '--'];
}

/** The environment of the command: the image's, then `-e` (a later key replaces an earlier), PATH, HOSTNAME, HOME. */
export function containerEnv(imageEnv: readonly string[], flags: readonly string[], hostname: string): string[] {
  const env = new Map<string, string>();
  env.set('PATH', `PATH=${DEFAULT_PATH}`);
  env.set('HOSTNAME', `HOSTNAME=${hostname}`);
  for (const entry of [...imageEnv, ...flags]) env.set(entry.split('=')[0] ?? entry, entry);
  if (!env.has('HOME')) env.set('HOME', 'HOME=/root');
  return [...env.values()];
}

/** An absolute path with no empty, `.` or `..` component and no trailing slash: joining it needs no normalising. */
const NORMAL_ABSOLUTE = /^(?:\/(?!\.\.?(?:\/|$))[^/]+)+$/;

/**
 * A container path under the root directory `merged`. Every path the plan joins is normal already (the plan's own
 * constants, and the volume targets and working directory secure-join resolved), so the two are simply put end to
 * end; posix.join, which normalises character by character, is left for any other. (Cold, in a new `lab` process,
 * the plan's ninety joins took 2 to 4 ms of each `lab container run`.)
 */
function inRoot(merged: string, path: string): string {
  return NORMAL_ABSOLUTE.test(merged) && NORMAL_ABSOLUTE.test(path) ? merged + path : posix.join(merged, path);
}

/** Stage `cgroup`: the container's cgroup and its limits (by the harness), then the process joins it. */
function cgroupStage(input: PlanInput): PlanStage {
  const { cgroup, config } = input;
  const steps: PlanStep[] = [{ place: 'harness', action: { kind: 'mkdir', path: cgroup }, text: renderCommand(['mkdir', cgroup]) }];
  for (const write of limitPlan(cgroup, config.limits)) {
    steps.push({ place: 'harness', action: { kind: 'write', ...write }, text: `echo ${quoteWord(write.value)} > ${quoteWord(write.path)}` });
  }
  // The process joins BEFORE it unshares the cgroup namespace: a cgroup namespace's root is the cgroup its creator
  // is in at that moment, so the container sees its own cgroup as `/` (runc too puts its init process in the cgroup
  // before it sends it the namespaces to unshare).
  const join = `echo $$ > ${quoteWord(posix.join(cgroup, 'cgroup.procs'))}`;
  steps.push({ place: 'process', argv: ['sh', '-c', `${join} && exec "$@"`, 'sh'], text: join });
  return { id: 'cgroup', steps, resources: [{ kind: 'cgroup', path: cgroup }] };
}

/** A running container a `container:<name>` mode names was not found: the message. */
function notRunning<T>(name: string): Parsed<T> {
  return fail(`container "${name}" is not running`, `容器 "${name}" 没有在运行`);
}

/**
 * Stage `namespaces`: the namespaces joined first (a bridge network's own, or those of container:<name> modes; one
 * `nsenter --net=F --ipc=F --uts=F --`), then the unshare of the rest, lo, hostname.
 */
function namespacesStage(input: PlanInput, hostname: string): Parsed<PlanStage> {
  const { config } = input;
  const steps: PlanStep[] = [];
  const joins: string[] = [];
  if (config.network.kind === 'container') {
    if (input.joinNetns === undefined) return notRunning(config.network.name);
    joins.push(`--net=${input.joinNetns}`);
  } else if (config.network.kind === 'bridge') {
    if (input.bridgeNetns === undefined) return fail(`network "${config.network.network}" is not ready`, `网络 "${config.network.network}" 还没有准备好`);
    joins.push(`--net=${input.bridgeNetns}`);
  }
  if (config.ipc?.kind === 'container') {
    if (input.joinIpc === undefined) return notRunning(config.ipc.name);
    joins.push(`--ipc=${input.joinIpc}`);
  }
  if (config.uts?.kind === 'container') {
    if (input.joinUts === undefined) return notRunning(config.uts.name);
    joins.push(`--uts=${input.joinUts}`);
  }
  if (joins.length > 0) {
    const argv = ['nsenter', ...joins, '--'];
    steps.push({ place: 'process', argv, text: renderCommand(argv) });
  }
  // --fork: the command is PID 1 of the new PID namespace; --kill-child: it dies with unshare; --propagation
  // private: no mount made inside reaches the host (unshareArgv says why).
  const unshare = unshareArgv({ namespaces: containerNamespaces(config), fork: true, killChild: true }, []);
  steps.push({ place: 'process', argv: unshare, text: renderCommand(unshare) });
  // A clean environment: nothing of the harness's leaks in; the container's own is exported in stage `process`.
  const env = ['env', '-i', `PATH=${HOST_PATH}`];
  steps.push({ place: 'process', argv: env, text: renderCommand(env) });
  if (config.network.kind === 'none') steps.push(run(['ip', 'link', 'set', 'lo', 'up']));
  // The new UTS namespace's name, set with the host's hostname(1) before the pivot: the image needs no such tool.
  // A joined UTS namespace keeps its name.
  if (config.uts?.kind === 'container') {
    // Nothing: the name is the other container's.
  } else if (config.network.kind !== 'container') steps.push(run(['hostname', hostname]));
  else if (input.joinHostname !== undefined) steps.push(run(['hostname', input.joinHostname]));
  return { ok: true, value: { id: 'namespaces', steps, resources: [] } };
}

/** Stage `rootfs`: the overlay (or a bundle's own root), the kernel filesystems, the volumes, masks, then the pivot. */
function rootfsStage(input: PlanInput, workdir: string): PlanStage {
  if (input.root) return bundleRootfsStage(input.root, workdir);
  const { dirs, config } = input;
  const m = (path: string): string => inRoot(dirs.merged, path);
  const resources: PlanResource[] = [dirs.upper, dirs.work, dirs.merged].map((path) => ({ kind: 'directory', path }));
  const steps: PlanStep[] = resources.map((r) => ({ place: 'harness', action: { kind: 'mkdir', path: r.path }, text: renderCommand(['mkdir', r.path]) }));
  // Nothing mounted below may propagate to the host: unshare made the namespace private, this says so at the step.
  // runc's prepareRoot does this first too (rslave by default: the host's later mounts would still show inside).
  steps.push(run(['mount', '--make-rprivate', '/']));
  // lowerdir lists the TOP layer first (Documentation/filesystems/overlayfs.rst), the reverse of the image's order.
  const lower = [...input.image.layers].reverse().join(':');
  steps.push(run(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${dirs.upper},workdir=${dirs.work}`, dirs.merged]));
  // pivot_root needs the new root to be a mount point; the overlay is one, and a plain directory (a --bundle's
  // root) becomes one by this bind onto itself, as runc does for every rootfs.
  steps.push(run(['mount', '--bind', dirs.merged, dirs.merged]));
  steps.push(run(['mkdir', '-p', m('/proc'), m('/dev'), m('/sys')]));
  // /proc of the new PID namespace (this shell is its PID 1, so the mount shows the container's processes).
  steps.push(run(['mount', '-t', 'proc', '-o', 'nosuid,nodev,noexec', 'proc', m('/proc')]));
  steps.push(run(['mount', '-t', 'tmpfs', '-o', 'nosuid,strictatime,mode=755,size=65536k', 'tmpfs', m('/dev')]));
  steps.push(...deviceSteps(m, false).slice(0, DEVICES.length));
  steps.push(run(['mkdir', m('/dev/pts'), m('/dev/shm'), m('/dev/mqueue')]));
  steps.push(run(['mount', '-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=0620,nosuid,noexec', 'devpts', m('/dev/pts')]));
  steps.push(run(['mount', '-t', 'tmpfs', '-o', 'nosuid,nodev,noexec,mode=1777,size=65536k', 'shm', m('/dev/shm')]));
  steps.push(run(['mount', '-t', 'mqueue', '-o', 'nosuid,nodev,noexec', 'mqueue', m('/dev/mqueue')]));
  steps.push(...deviceSteps(m, false).slice(DEVICES.length));
  steps.push(run(['mount', '-t', 'sysfs', '-o', 'ro,nosuid,nodev,noexec', 'sysfs', m('/sys')]));
  // The container's cgroup namespace makes its own cgroup the root of this view.
  steps.push(run(['mount', '-t', 'cgroup2', '-o', 'ro,nosuid,nodev,noexec', 'cgroup2', m('/sys/fs/cgroup')]));
  // Volumes after the kernel filesystems (a volume on /dev/x is not hidden by the /dev tmpfs), parents first.
  // `mkdir -p` writes into the overlay's upper dir; the executor must refuse a target whose real path (an image
  // symlink) leaves `merged`, as runc's securejoin does.
  for (const v of [...config.volumes].sort((a, b) => a.target.split('/').length - b.target.split('/').length)) {
    steps.push(run(['mkdir', '-p', m(v.target)]));
    steps.push(run(['mount', '--bind', v.host, m(v.target)]));
    // A bind mount takes `ro` only on a remount (mount(8)): the first bind always inherits the source's flags.
    if (v.readOnly) steps.push(run(['mount', '-o', 'remount,bind,ro', m(v.target)]));
  }
  if (input.hostsFile) steps.push(...hostsSteps(input.hostsFile.host, m(input.hostsFile.target)));
  if (workdir !== '/') steps.push(run(['mkdir', '-p', m(workdir)]));
  // Masks and read-only paths before the pivot, addressed under `merged`, so they need no tool in the image; the
  // mask source is the container's own /dev/null, made above.
  for (const { path, dir } of MASKED_PATHS) {
    steps.push(ifExists(m(path), dir ? ['mount', '-t', 'tmpfs', '-o', 'ro', 'tmpfs', m(path)] : ['mount', '--bind', m('/dev/null'), m(path)]));
  }
  for (const path of READONLY_PATHS) steps.push(...readonlyPathSteps(m(path)));
  steps.push(...pivotSteps(dirs.merged));
  return { id: 'rootfs', steps, resources };
}

/**
 * The container's /etc/hosts: its own file, bound over the image's (made empty first when the image has none), as
 * Docker binds the one it keeps for each container. The runtime rewrites it in place as peers come and go.
 */
function hostsSteps(host: string, target: string): PlanStep[] {
  return [run(['mkdir', '-p', posix.dirname(target)]), guardedRun([['!-e', target]], ['touch', target]), run(['mount', '--bind', host, target])];
}

/** The device nodes (mknod, as runc does as root), then the /dev links; `guarded`: skipped when already there. */
function deviceSteps(m: (path: string) => string, guarded: boolean): PlanStep[] {
  const step = (path: string, argv: string[]): PlanStep =>
    guarded
      ? guardedRun(
          [
            ['!-e', path],
            ['!-L', path],
          ],
          argv,
        )
      : run(argv);
  const steps = DEVICES.map((d) => step(m(`/dev/${d.name}`), ['mknod', '-m', '666', m(`/dev/${d.name}`), 'c', String(d.major), String(d.minor)]));
  // The links are container paths (the link's text), resolved inside the container after the pivot.
  for (const [name, target] of [
    ['ptmx', 'pts/ptmx'],
    ['fd', '/proc/self/fd'],
    ['stdin', '/proc/self/fd/0'],
    ['stdout', '/proc/self/fd/1'],
    ['stderr', '/proc/self/fd/2'],
  ] as const) {
    steps.push(step(m(`/dev/${name}`), ['ln', '-s', target, m(`/dev/${name}`)]));
  }
  return steps;
}

/** A path runc makes read-only: bound onto itself, then remounted read-only (skipped when the kernel has none). */
function readonlyPathSteps(path: string): PlanStep[] {
  return [ifExists(path, ['mount', '--bind', path, path]), ifExists(path, ['mount', '-o', 'remount,bind,ro,nosuid,nodev,noexec', path])];
}

/**
 * The pivot, the sequence pivot_root(2) documents and runc uses: `pivot_root . .` puts the old root on top of the
 * new one at `/`, and `umount -l .` detaches it (lazily: the harness's files may still be open). Unlike
 * `pivot_root . .old` it needs no directory in the image and leaves none behind. This umount is the one tool the
 * image must have: after the pivot, commands are the image's.
 */
function pivotSteps(root: string): PlanStep[] {
  return [run(['cd', root]), run(['pivot_root', '.', '.']), run(['umount', '-l', '.']), run(['cd', '/'])];
}

/** One mount of a bundle: its mount point made (a file for a file bind, as runc does), then the mount. */
function bundleMountSteps(mount: PlanMount, m: (path: string) => string): PlanStep[] {
  const target = m(mount.destination);
  if (mount.type !== 'bind') {
    const options = mount.options.length > 0 ? ['-o', mount.options.join(',')] : [];
    return [run(['mkdir', '-p', target]), run(['mount', '-t', mount.type, ...options, mount.source, target])];
  }
  // The mount point: a directory for a directory, an empty file for a file; one command per step (lab-init's grammar).
  const steps: PlanStep[] = [
    guardedRun([['-d', mount.source]], ['mkdir', '-p', target]),
    guardedRun([['!-d', mount.source]], ['mkdir', '-p', posix.dirname(target)]),
    guardedRun([['!-d', mount.source]], ['touch', target]),
  ];
  steps.push(run(['mount', mount.options.includes('rbind') ? '--rbind' : '--bind', mount.source, target]));
  // A bind takes its flags only on a remount (mount(8)), as for `-v ...:ro` above.
  const flags = mount.options.filter((o) => o === 'ro' || o === 'nosuid' || o === 'nodev' || o === 'noexec');
  if (flags.length > 0) steps.push(run(['mount', '-o', ['remount', 'bind', ...flags].join(','), target]));
  return steps;
}

/**
 * Stage `rootfs` for an OCI bundle, in runc's order: its root bound onto itself (pivot_root needs a mount point; no
 * overlay, runc writes into the directory), the bundle's mounts in its order, the device nodes and /dev links (runc
 * makes them unless /dev is a bind; an existing one is kept, as runc ignores EEXIST), the bundle's masked and
 * read-only paths, `/` made read-only if asked, then the pivot.
 */
function bundleRootfsStage(root: PlanRoot, workdir: string): PlanStage {
  const m = (path: string): string => inRoot(root.path, path);
  const steps: PlanStep[] = [run(['mount', '--make-rprivate', '/']), run(['mount', '--bind', root.path, root.path])];
  for (const mount of root.mounts) steps.push(...bundleMountSteps(mount, m));
  const dev = root.mounts.find((mount) => mount.destination === '/dev');
  if (dev === undefined) steps.push(run(['mkdir', '-p', m('/dev')]));
  if (dev?.type !== 'bind') steps.push(...deviceSteps(m, true));
  if (workdir !== '/') steps.push(run(['mkdir', '-p', m(workdir)]));
  // Whether a masked path is a directory is known only on this host, so the step asks the shell.
  for (const path of root.maskedPaths.map(m)) {
    steps.push(guardedRun([['-d', path]], ['mount', '-t', 'tmpfs', '-o', 'ro', 'tmpfs', path]));
    steps.push(
      guardedRun(
        [
          ['-e', path],
          ['!-d', path],
        ],
        ['mount', '--bind', m('/dev/null'), path],
      ),
    );
  }
  for (const path of root.readonlyPaths) steps.push(...readonlyPathSteps(m(path)));
  // runc makes `/` read-only last (finalizeRootfs), after it; here before the pivot, on the same mount (the bind
  // above, which becomes `/`), so that no `mount` is needed in the root. The mounts inside stay as they are.
  if (root.readonly) steps.push(run(['mount', '-o', 'remount,bind,ro', root.path]));
  steps.push(...pivotSteps(root.path));
  return { id: 'rootfs', steps, resources: [] };
}

function fail<T>(en: string, zh: string): Parsed<T> {
  return { ok: false, message: { en, zh } };
}

/** The script of the `container` steps: all but the last joined by `&&`, any failure exits 125, then the exec. */
export function renderScript(steps: readonly string[]): string {
  const setup = steps.slice(0, -1);
  const exec = steps.at(-1) ?? '';
  // 125 tells a failure of lab's own setup from the command's status; `exec` then gives 126 or 127 itself when the
  // command cannot run (see exit-code.ts).
  return setup.length === 0 ? exec : `${setup.join(' &&\n')} ||\nexit 125\n${exec}`;
}

/** The whole plan of `lab container run`; a problem the input has (no command, a network not there) is a message. */
export function containerPlan(input: PlanInput): Parsed<ContainerPlan> {
  const { config, image } = input;
  const command = [...(image.entrypoint ?? []), ...(config.command.length > 0 ? config.command : (image.cmd ?? []))];
  if (command.length === 0) return fail('No command specified', '没有指定命令');
  const hostname = config.hostname ?? input.id.slice(0, 12);
  const workdir = config.workdir ?? image.workdir ?? '/';
  const env = containerEnv(image.env ?? [], config.env, hostname);
  const namespaces = namespacesStage(input, hostname);
  if (!namespaces.ok) return namespaces;
  const processSteps: PlanStep[] = [run(['export', ...env])];
  if (workdir !== '/') processSteps.push(run(['cd', workdir]));
  // sh exports the PWD (and OLDPWD) its `cd`s set (POSIX); runc execs the command without a shell and adds neither,
  // so the command's environment is exactly Docker's.
  processSteps.push(run(['unset', 'OLDPWD', 'PWD']));
  // The capabilities last: every step before needs root's (mount, pivot_root, sethostname); the record keeps `command`.
  processSteps.push(run(['exec', ...setprivArgv(config, input.seccompFile), ...command]));
  const stages = [cgroupStage(input), namespaces.value, rootfsStage(input, workdir), { id: 'process' as const, steps: processSteps, resources: [] }];
  const all = stages.flatMap((s) => s.steps);
  const script = renderScript(all.flatMap((s) => (s.place === 'container' ? [s.text] : [])));
  const argv = dieWithHarness([...all.flatMap((s) => (s.place === 'process' ? s.argv : [])), 'sh', '-c', script]);
  const initSteps = [renderCommand(dieWithHarness([])), ...all.flatMap((s) => (s.place === 'harness' ? [] : [s.text]))];
  return { ok: true, value: { stages, argv, script, initSteps, command, env, resources: stages.flatMap((s) => s.resources) } };
}
