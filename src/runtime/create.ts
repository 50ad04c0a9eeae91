// Creating a container: the flags checked (Docker's messages, exit 125), the image found (busybox built on first
// use), the name taken, volume targets and the working directory resolved inside the image without following a
// link out of it, the plan made (src/kernel/container-plan.ts), then the host resources journaled BEFORE each is
// made, in the container's own journal: its directory (config.json, state, log, upper/work/merged), on a systemd
// host the delegated scope the cgroup lives in (scope.ts), its cgroup with the limits. The one process is the
// supervisor's to start (supervise.ts).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, posix } from 'node:path';
import { LabError } from '../common/errors.js';
import { readCgroupLayout } from '../kernel/cgroup-mode.js';
import { parseContainerConfig, validateName, type ContainerConfig, type ContainerFlags } from '../kernel/container-config.js';
import { containerPlan, setprivArgv, type ContainerPlan, type PlanImage, type PlanInput, type PlanRoot } from '../kernel/container-plan.js';
import { bundleInput } from '../kernel/oci-bundle.js';
import { formatImageName, parseImageName } from '../kernel/image-format.js';
import { isAlive } from '../kernel/proc.js';
import { SECCOMP_FILE, seccompFilter } from '../kernel/seccomp.js';
import { enableControllers, requireV2Controllers, writeCgroupFile } from '../host/cgroup.js';
import {
  containerDir,
  containerOwnerId,
  findContainerByName,
  readContainerState,
  writeAtomic,
  writeContainerState,
  type ContainerRecord,
} from '../host/container-store.js';
import { buildBusybox, getImage, type StoredImage } from '../host/image-store.js';
import { labInitPath } from '../host/install.js';
import { Owned } from '../host/owner.js';
import { nameInUse, runError } from './errors.js';
import { generateName } from './names.js';
import { attachNetwork, bridgeNetnsOf, publishPorts } from './network.js';
import { detachNetwork, hostsPath } from '../host/networks.js';
import { cgroupPlace, makeScope } from './scope.js';
import { secureJoin } from './secure-join.js';
import { stateWriteError } from '../host/state-dir.js';

/** What `lab container run` asks for, apart from the flags the config takes. */
export interface CreateRequest {
  image: string;
  /** `--bundle DIR`: an OCI runtime bundle instead of an image (then `image` and the config flags are unused). */
  bundle?: string;
  flags: ContainerFlags;
  autoRemove: boolean;
  tty: boolean;
  interactive: boolean;
  /** Told when the busybox image is built on first use. */
  onNote?: (text: { en: string; zh: string }) => void;
}

/** A created container: its record, its plan and its journal, open in this process. */
export interface Created {
  record: ContainerRecord;
  plan: ContainerPlan;
  owned: Owned;
}

/** The controllers a set of limits needs. */
function controllersFor(config: ContainerConfig): string[] {
  const needed: string[] = [];
  if (config.limits.memoryMax !== undefined) needed.push('memory');
  if (config.limits.cpuMax !== undefined) needed.push('cpu');
  if (config.limits.pidsMax !== undefined) needed.push('pids');
  return needed;
}

/** A LabError of a lower layer, as `run`'s own: exit 125. */
function as125(error: unknown): unknown {
  return error instanceof LabError ? runError(error.operation, error.code, error.meaning, error.fix) : error;
}

/** The image, built first when it is the default busybox and not there yet. */
async function resolveImage(name: string, onNote: CreateRequest['onNote']): Promise<StoredImage> {
  let canonical: string;
  try {
    canonical = formatImageName(parseImageName(name));
  } catch (error) {
    throw as125(error);
  }
  try {
    return getImage(name);
  } catch (error) {
    if (canonical !== 'busybox:latest') throw as125(error);
  }
  onNote?.({ en: 'Building the busybox image (once, offline, from /bin/busybox)...', zh: '正在构建 busybox 镜像（仅一次，离线，来自 /bin/busybox）……' });
  try {
    return await buildBusybox();
  } catch (error) {
    // Another `run` built it meanwhile (its rename won): use that one.
    if (error instanceof LabError && error.code === 'name-in-use') return getImage(name);
    // A full (or read-only) state directory: said so, not a crash.
    throw as125(stateWriteError('build the busybox image', error) ?? error);
  }
}

/** A path inside the image resolved safely, or exit 125 when it climbs out. */
function inside(layers: readonly string[], path: string, flag: string): string {
  const joined = secureJoin(layers, path);
  if (joined.ok) return joined.path;
  throw runError(
    `resolve \`${path}\` (${flag}) in the image`,
    joined.why === 'escapes' ? 'path-escapes-rootfs' : 'ELOOP',
    joined.why === 'escapes'
      ? {
          en: `The path ${path} leads out of the container's root filesystem (through ".." or a symbolic link of the image): lab refuses it, as runc's securejoin does.`,
          zh: `路径 ${path} 会跑出容器的根文件系统（经由 ".." 或镜像里的符号链接）：lab 拒绝它，和 runc 的 securejoin 一样。`,
        }
      : { en: `The path ${path} goes through too many symbolic links.`, zh: `路径 ${path} 经过的符号链接太多。` },
    { en: `Give a ${flag} path that stays inside the image.`, zh: `请给出留在镜像之内的 ${flag} 路径。` },
  );
}

/** The PID 1 and hostname of a running container, for the `container:<name>` modes; undefined when it does not run. */
function runningContainer(name: string): { pid: number; hostname: string } | undefined {
  const record = findContainerByName(name);
  if (!record) return undefined;
  const state = readContainerState(record.id);
  return state.pid !== undefined && isAlive(state.pid, state.pidStart) ? { pid: state.pid, hostname: record.hostname } : undefined;
}

/** The namespaces a config joins, resolved to files: another container's (container:<name>), a bridge network's own. */
function joinedNamespaces(config: ContainerConfig, id: string): Partial<PlanInput> {
  const joins: Partial<PlanInput> = {};
  if (config.network.kind === 'container') {
    const other = runningContainer(config.network.name);
    if (other) Object.assign(joins, { joinNetns: `/proc/${other.pid}/ns/net`, joinHostname: other.hostname });
  } else if (config.network.kind === 'bridge') {
    joins.bridgeNetns = bridgeNetnsOf(id);
  }
  if (config.ipc?.kind === 'container') {
    const other = runningContainer(config.ipc.name);
    if (other) joins.joinIpc = `/proc/${other.pid}/ns/ipc`;
  }
  if (config.uts?.kind === 'container') {
    const other = runningContainer(config.uts.name);
    if (other) Object.assign(joins, { joinUts: `/proc/${other.pid}/ns/uts`, joinHostname: other.hostname });
  }
  return joins;
}

/** What a container is made from: an image of the store, or an OCI bundle's root used as it is. */
interface Source {
  config: ContainerConfig;
  image: PlanImage;
  /** The image's layer directories, lowest first (none for a bundle). */
  layers: string[];
  imageName: string;
  root?: PlanRoot;
  tty: boolean;
}

/** From an image: the flags checked, the image found (busybox built), volume targets and -w resolved inside it. */
async function fromImage(request: CreateRequest): Promise<Source> {
  // The CPU count only for --cpus: os.cpus() reads /proc/cpuinfo, a few hundred microseconds of every run.
  const parsed = parseContainerConfig(request.flags, { ...(request.flags.cpus !== undefined ? { cpus: cpus().length } : {}), env: process.env });
  if (!parsed.ok) throw runError('lab container run', 'invalid-argument', parsed.message);
  const config = parsed.value;
  const image = await resolveImage(request.image, request.onNote);
  for (const volume of config.volumes) {
    if (!existsSync(volume.host) || !statSync(volume.host).isDirectory()) {
      throw runError(`stat \`${volume.host}\``, 'ENOENT', {
        en: `invalid mount config: the host directory ${volume.host} does not exist (lab does not create it, unlike Docker)`,
        zh: `挂载配置无效：宿主机目录 ${volume.host} 不存在（与 Docker 不同，lab 不会替你创建）`,
      });
    }
    volume.target = inside(image.layerDirs, volume.target, '-v');
    if (volume.target === '/') throw inside(image.layerDirs, '/..', '-v');
  }
  const workdir = config.workdir ?? (image.config.workingDir || undefined);
  if (workdir !== undefined) config.workdir = inside(image.layerDirs, workdir, '-w');
  return {
    config,
    image: { layers: image.layerDirs, entrypoint: image.config.entrypoint, cmd: image.config.cmd, env: image.config.env, workdir: config.workdir },
    layers: image.layerDirs,
    imageName: formatImageName(parseImageName(request.image)),
    tty: request.tty,
  };
}

/** From an OCI bundle (`--bundle DIR`): config.json checked (oci-bundle.ts), every path in it resolved inside its root. */
function fromBundle(dir: string, name: string | undefined): Source {
  let bundle;
  try {
    bundle = bundleInput(dir);
  } catch (error) {
    throw as125(error);
  }
  const config = bundle.config;
  if (name !== undefined) {
    const valid = validateName(name);
    if (!valid.ok) throw runError('lab container run', 'invalid-argument', valid.message);
    config.name = name;
  }
  const rootLayer = [bundle.root.path];
  const root: PlanRoot = {
    ...bundle.root,
    mounts: bundle.root.mounts.map((mount) => ({ ...mount, destination: inside(rootLayer, mount.destination, 'mounts[].destination') })),
    maskedPaths: bundle.root.maskedPaths.map((path) => inside(rootLayer, path, 'linux.maskedPaths')),
    readonlyPaths: bundle.root.readonlyPaths.map((path) => inside(rootLayer, path, 'linux.readonlyPaths')),
  };
  if (config.workdir !== undefined) config.workdir = inside(rootLayer, config.workdir, 'process.cwd');
  return { config, image: { ...bundle.image, workdir: config.workdir }, layers: [], imageName: `bundle:${posix.resolve(dir)}`, root, tty: bundle.terminal };
}

/**
 * The refusal of `run` or `exec` by the shell (lab-init not built, or LAB_CONTAINER_INIT=sh) of a container that
 * is not --privileged: busybox's setpriv in the image has no --bounding-set and the host's cannot run after the
 * pivot, so the capabilities could not be dropped; a limit the host cannot enforce is refused, never ignored.
 */
export function capabilitiesNeedLabInit(operation: string): LabError {
  return runError(
    operation,
    'capabilities-need-lab-init',
    {
      en: "capabilities cannot be dropped without lab-init: lab-init (dist/native/lab-init) is not built or LAB_CONTAINER_INIT=sh asks for the shell, and the shell cannot cut the container's capabilities to Docker's (busybox's setpriv has no --bounding-set, the host's cannot run inside the container's root)",
      zh: '没有 lab-init 就无法去掉能力（capability）：lab-init（dist/native/lab-init）没有构建，或者 LAB_CONTAINER_INIT=sh 要求使用 shell，而 shell 无法把容器的能力减到 Docker 的那一组（busybox 的 setpriv 没有 --bounding-set，宿主机的 setpriv 无法在容器的根目录里运行）',
    },
    {
      en: 'Build lab-init: `sudo apt-get install gcc libc6-dev && npm run build` (and unset LAB_CONTAINER_INIT), or run the container with --privileged (every capability).',
      zh: '构建 lab-init：`sudo apt-get install gcc libc6-dev && npm run build`（并取消 LAB_CONTAINER_INIT），或者用 --privileged 运行容器（拥有全部能力）。',
    },
  );
}

/** Check everything, journal and make the container's directory and cgroup; the process is not started yet. */
export async function createContainer(request: CreateRequest): Promise<Created> {
  const layout = readCgroupLayout();
  const source = request.bundle !== undefined ? fromBundle(request.bundle, request.flags.name) : await fromImage(request);
  const { config } = source;
  const init = labInitPath();
  if (init === undefined && setprivArgv(config).length > 0) throw capabilitiesNeedLabInit('lab container run');
  const needed = controllersFor(config);
  let v2Root: string;
  try {
    // A limit this host cannot enforce is refused with the reason, never ignored.
    v2Root = requireV2Controllers(needed, layout).root;
  } catch (error) {
    throw as125(error);
  }
  if (config.name !== undefined) {
    const taken = findContainerByName(config.name);
    if (taken) throw nameInUse(config.name, taken.id);
  }
  const name = config.name ?? generateName((n) => findContainerByName(n) !== undefined);
  const id = randomBytes(32).toString('hex');
  const dir = containerDir(id);
  const dirs = { upper: join(dir, 'upper'), work: join(dir, 'work'), merged: join(dir, 'merged') };
  // On a systemd host, inside a scope of its own that systemd delegates to lab (scope.ts).
  const place = cgroupPlace(v2Root, id);
  const cgroup = place.cgroup;
  const joined = joinedNamespaces(config, id);
  // A bridge network's container gets its own /etc/hosts, bound over the image's (resolved inside it, as -v is).
  if (config.network.kind === 'bridge')
    joined.hostsFile = { host: hostsPath(id), target: inside(source.root ? [source.root.path] : source.layers, '/etc/hosts', '/etc/hosts') };
  const planned = containerPlan({
    id,
    config,
    image: source.image,
    dirs,
    cgroup,
    ...joined,
    ...(source.root ? { root: source.root } : {}),
    seccompFile: join(dir, SECCOMP_FILE), // security: the filter file written below
  });
  if (!planned.ok) throw runError('lab container run', 'invalid-argument', planned.message);
  const plan = planned.value;
  const hostname = joined.joinHostname ?? config.hostname ?? id.slice(0, 12);
  const record: ContainerRecord = {
    id,
    name,
    image: source.imageName,
    created: new Date().toISOString(),
    config: { ...config, name },
    command: plan.command,
    env: plan.env,
    hostname,
    workdir: config.workdir ?? '/',
    // lab-init runs the plan's steps in one process; without it, the shell (a process per command).
    argv: init === undefined ? plan.argv : [init, ...plan.initSteps],
    cgroup,
    dirs,
    layers: source.layers,
    autoRemove: request.autoRemove,
    tty: source.tty,
    interactive: request.interactive,
  };
  const owned = Owned.create({ kind: 'container', id: containerOwnerId(id) });
  try {
    const madeDir = owned.claim({ kind: 'path', path: dir }, `mkdir \`${dir}\``);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    madeDir.made();
    writeAtomic(join(dir, 'config.json'), `${JSON.stringify(record, null, 2)}\n`);
    writeContainerState(id, { status: 'created' });
    writeFileSync(join(dir, 'container.log'), '', { mode: 0o600 });
    // --- security (seccomp): Docker's default profile for the container's capabilities, the filter file lab-init
    // loads before the command (src/kernel/seccomp.ts); inside the container's directory, removed with it.
    if (config.seccomp === 'default' && config.privileged !== true) {
      writeFileSync(join(dir, SECCOMP_FILE), seccompFilter(config.capabilities ?? []), { mode: 0o600 });
    }
    // --- end security
    if (place.scope) await makeScope(owned, place.scope);
    const madeCgroup = owned.claim({ kind: 'cgroup', path: cgroup }, `mkdir \`${cgroup}\``);
    // The controllers reach the container's cgroup through every cgroup above it that is lab's to write: the v2
    // root's subtree_control, or on a systemd host the scope's (systemd enabled them on the path down to it).
    if (needed.length > 0) enableControllers(place.parent, cgroup, needed);
    for (const step of plan.stages.flatMap((stage) => stage.steps)) {
      if (step.place !== 'harness') continue;
      if (step.action.kind === 'mkdir') mkdirSync(step.action.path, { mode: 0o755 });
      else writeCgroupFile(step.action.path, step.action.value);
    }
    madeCgroup.made();
    if (config.network.kind === 'bridge') {
      await attachNetwork(owned, record);
      await publishPorts(owned, record);
    }
    return { record, plan, owned };
  } catch (error) {
    await owned.removeAll();
    await detachNetwork(record);
    throw as125(error);
  }
}
