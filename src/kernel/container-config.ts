// The configuration of one container, from the values of `lab container run`'s flags, with Docker's names, units
// and checks so that what a learner types transfers. Pure: the CLI splits the flag list; here each value becomes
// config, and a bad one becomes a message (data, not an exception) that the CLI prints before exiting 125.
import { posix } from 'node:path';
import type { Text } from '../common/vocabulary.js';
import { CAPABILITY_NAMES } from './capability-names.js';
import type { CgroupLimits } from './cgroup.js';
import { parseSecurity } from './container-security.js';

/** A value, or what was wrong with the input, in both languages. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: Text };

/**
 * Which network namespace the container gets. `none`: a new one with only `lo`; `host`: the harness's own;
 * `container`: the one of a running container (Docker's `container:<name>`); `bridge` (Docker's default): a new
 * one with eth0 on a network's bridge, the network `bridge` (Docker's default one) or one made with
 * `lab container network create` (src/kernel/network-plan.ts says where the bridges live).
 */
export type NetworkMode = { kind: 'none' } | { kind: 'host' } | { kind: 'container'; name: string } | { kind: 'bridge'; network: string };

/** Whether a container gets an IPC or UTS namespace of its own (`private`) or joins a running container's. */
export type JoinMode = { kind: 'private' } | { kind: 'container'; name: string };

/** A published port (`-p [IP:]HOSTPORT:PORT[/tcp]`): connections to the host's IP:HOSTPORT reach the container's PORT. */
export interface PortMapping {
  /** The host address the port listens on: 127.0.0.1 unless another is given (lab publishes to loopback by default). */
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

/** A bind mount of a host directory into the container (`-v HOST:DIR[:ro]`). */
export interface Volume {
  /** The host directory, absolute and without `..`. */
  host: string;
  /** Where it appears inside the container, absolute and without `..`. */
  target: string;
  readOnly: boolean;
}

/** A parsed `lab container run`: everything but the image, which the image store resolves. */
export interface ContainerConfig {
  name?: string;
  hostname?: string;
  network: NetworkMode;
  /** `-p`: only with a bridge network. Absent in records written before ports existed. */
  ports?: PortMapping[];
  /** `--ipc container:<name>` (Docker's) and `--uts container:<name>` (Podman's): a namespace shared, as a pod's. */
  ipc?: JoinMode;
  uts?: JoinMode;
  volumes: Volume[];
  /** `K=V` entries in the order given; a later one with the same key wins when the plan merges them. */
  env: string[];
  /** The working directory inside the container (`-w`); the image's, else `/`, when undefined. */
  workdir?: string;
  /** The command and its arguments; empty means the image's default command. */
  command: string[];
  /** The cgroup limits, as src/kernel/cgroup.ts limitPlan takes them. */
  limits: CgroupLimits;
  /**
   * The capabilities the command keeps (`CAP_CHOWN`...), sorted: Docker's default set after --cap-drop and
   * --cap-add. Undefined (an OCI bundle, whose config.json is not read for them yet): every capability.
   */
  capabilities?: string[];
  /** `--privileged`: every capability, no seccomp filter (setpriv only for --user, --group-add, no-new-privileges). */
  privileged?: boolean;
  /** Docker's default seccomp profile (src/kernel/seccomp.ts) or none; undefined (a bundle, an older record): none. */
  seccomp?: 'default' | 'unconfined';
  /** `--security-opt no-new-privileges`: no_new_privs set before the command (NoNewPrivs: 1 in its status). */
  noNewPrivileges?: boolean;
  /** `--user UID[:GID]`: the command's user and group; root when undefined. */
  user?: { uid: number; gid: number };
  /** `--group-add GID`: the command's supplementary groups (none when --user is given without it). */
  groupAdd?: number[];
}

/** The flag values as the CLI collected them: strings, repeated flags as lists. */
export interface ContainerFlags {
  name?: string;
  hostname?: string;
  memory?: string;
  cpus?: string;
  pidsLimit?: string;
  network?: string;
  publish?: readonly string[];
  ipc?: string;
  uts?: string;
  volumes?: readonly string[];
  env?: readonly string[];
  workdir?: string;
  command?: readonly string[];
  capAdd?: readonly string[];
  capDrop?: readonly string[];
  privileged?: boolean;
  securityOpt?: readonly string[];
  user?: string;
  groupAdd?: readonly string[];
}

/** What the host offers that some checks need: the CPU count (`--cpus` above it is refused, as Docker does). */
export interface HostFacts {
  cpus?: number;
  /** The environment `-e K` (without a value) copies from, as Docker does; a key not set there is left out. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Docker's smallest `--memory`: 6 MiB (a smaller limit OOM-kills even a shell). */
export const MIN_MEMORY = 6 * 1024 * 1024;

const MEMORY_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

function fail<T>(en: string, zh: string): Parsed<T> {
  return { ok: false, message: { en, zh } };
}

function invalidFlag<T>(value: string, flag: string, en: string, zh: string): Parsed<T> {
  return fail(`invalid argument "${value}" for "${flag}" flag: ${en}`, `"${flag}" 参数的值 "${value}" 无效：${zh}`);
}

/** `--memory`: bytes, or a number with b, k, m, g or t (binary units, any case, an optional trailing b), as Docker. */
export function parseMemory(text: string): Parsed<number> {
  const match = /^(\d+(?:\.\d+)?) ?([bkmgt]?)b?$/i.exec(text.trim());
  if (!match) return invalidFlag(text, '-m, --memory', 'expected bytes or a size such as 512k, 20m, 1g', '应为字节数，或 512k、20m、1g 这样的大小');
  const bytes = Math.floor(Number(match[1]) * (MEMORY_UNITS[(match[2] ?? '').toLowerCase()] ?? 1));
  if (!Number.isSafeInteger(bytes)) return invalidFlag(text, '-m, --memory', 'too large', '太大');
  if (bytes < MIN_MEMORY) return fail('Minimum memory limit allowed is 6MB', '允许的最小内存限制是 6MB');
  return { ok: true, value: bytes };
}

/** `--cpus`: a decimal number of CPUs, to cpu.max's quota over the kernel's 100 ms period (0.5 → `50000 100000`). */
export function parseCpus(text: string, hostCpus?: number): Parsed<{ quota: number; period: number }> {
  const match = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!match) return invalidFlag(text, '--cpus', 'expected a number of CPUs such as 0.5 or 2', '应为 CPU 个数，如 0.5 或 2');
  // Docker keeps nano-CPUs (integers), so 0.5 is exact; the quota is µs per 100000 µs period.
  const nanoCpus = Number(match[1]) * 1e9 + Number((match[2] ?? '').padEnd(9, '0'));
  const quota = Math.round(nanoCpus / 10_000);
  const top = hostCpus ?? Number.MAX_SAFE_INTEGER / 1e9;
  // The kernel takes quotas from 1 ms: 0.01 CPU is the least, as Docker says.
  if (quota < 1000 || nanoCpus > top * 1e9) {
    const range = hostCpus === undefined ? '0.01 and up' : `0.01 to ${hostCpus.toFixed(2)}`;
    return fail(
      `Range of CPUs is from ${range}, as there are only ${hostCpus ?? '?'} CPUs available`,
      `CPU 数的范围是 ${range}（本机有 ${hostCpus ?? '?'} 个 CPU）`,
    );
  }
  return { ok: true, value: { quota, period: 100_000 } };
}

/** `--pids-limit`: a positive count to pids.max; 0 or -1 mean unlimited (`max`), as Docker. */
export function parsePidsLimit(text: string): Parsed<number | 'max'> {
  if (!/^-?\d+$/.test(text.trim())) return invalidFlag(text, '--pids-limit', 'expected an integer', '应为整数');
  const value = Number(text);
  if (value === 0 || value === -1) return { ok: true, value: 'max' };
  if (value < 0 || !Number.isSafeInteger(value))
    return invalidFlag(text, '--pids-limit', 'expected a positive integer, or -1 for unlimited', '应为正整数，或 -1 表示不限');
  return { ok: true, value };
}

/**
 * `--network`: none, host, container:<name>, bridge (the default network) or the name of a network made with
 * `lab container network create`. Whether a named network exists is the runtime's to check.
 */
export function parseNetwork(text: string): Parsed<NetworkMode> {
  if (text === 'none' || text === 'host') return { ok: true, value: { kind: text } };
  if (text === 'bridge' || text === 'default') return { ok: true, value: { kind: 'bridge', network: 'bridge' } };
  if (text.startsWith('container:')) {
    const name = text.slice('container:'.length);
    const valid = validateName(name);
    return valid.ok ? { ok: true, value: { kind: 'container', name } } : valid;
  }
  const valid = validateNetworkName(text);
  return valid.ok ? { ok: true, value: { kind: 'bridge', network: text } } : valid;
}

/** A network's name: as a container's, and not one of the modes (Docker's predefined networks). */
export function validateNetworkName(name: string): Parsed<string> {
  if (['none', 'host', 'bridge', 'default'].includes(name) || name.startsWith('container:')) {
    return fail(`${name} is a pre-defined network and cannot be created or removed`, `${name} 是预定义的网络，不能创建或删除`);
  }
  if (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) && name.length <= 64) return { ok: true, value: name };
  return fail(
    `invalid network name "${name}": letters, digits, "_", "." and "-", at most 64`,
    `网络名称 "${name}" 无效：只允许字母、数字、"_"、"." 和 "-"，最多 64 个`,
  );
}

/** `--ipc` and `--uts`: `private` (the default: a namespace of its own) or `container:<name>`. */
export function parseJoinMode(text: string, flag: '--ipc' | '--uts'): Parsed<JoinMode> {
  if (text === 'private' || text === 'shareable') return { ok: true, value: { kind: 'private' } };
  if (text.startsWith('container:')) {
    const name = text.slice('container:'.length);
    const valid = validateName(name);
    return valid.ok ? { ok: true, value: { kind: 'container', name } } : valid;
  }
  return invalidFlag(text, flag, 'expected private or container:<name>', '应为 private 或 container:<名称>');
}

/** `-p [IP:]HOSTPORT:PORT[/tcp]` (TCP only; a host IP of the harness's choosing is 127.0.0.1). */
export function parsePort(text: string): Parsed<PortMapping> {
  const [spec = '', proto = 'tcp', ...rest] = text.split('/');
  if (proto !== 'tcp' || rest.length > 0) return invalidFlag(text, '-p, --publish', 'only tcp ports can be published', '只能发布 tcp 端口');
  const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d+):(\d+)$/.exec(spec);
  const port = (value: string | undefined): number | undefined => {
    const n = Number(value);
    return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
  };
  const hostPort = port(match?.[2]);
  const containerPort = port(match?.[3]);
  const hostIp = match?.[1] ?? '127.0.0.1';
  const ipOk = hostIp.split('.').every((octet) => Number(octet) <= 255);
  if (!match || hostPort === undefined || containerPort === undefined || !ipOk) {
    return invalidFlag(text, '-p, --publish', 'expected [IP:]HOSTPORT:PORT with ports from 1 to 65535', '应为 [IP:]主机端口:端口，端口在 1 到 65535 之间');
  }
  return { ok: true, value: { hostIp, hostPort, containerPort } };
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** `--name`: Docker's rule, a letter or digit then at least one of letters, digits, `_`, `.`, `-`. */
export function validateName(name: string): Parsed<string> {
  if (NAME.test(name)) return { ok: true, value: name };
  return fail(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, `容器名称无效（${name}），只允许 [a-zA-Z0-9][a-zA-Z0-9_.-]`);
}

/** `--hostname`: what sethostname(2) takes and DNS allows: at most 64 of letters, digits, `-` and `.`. */
export function validateHostname(name: string): Parsed<string> {
  if (/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,63})$/.test(name) && name.length <= 64) return { ok: true, value: name };
  return fail(`invalid hostname "${name}": at most 64 letters, digits, "-" and "."`, `主机名 "${name}" 无效：最多 64 个字母、数字、"-" 和 "."`);
}

/** An absolute path with no `..` segment (so it cannot climb out of the root it is joined to), normalized. */
function absoluteInside(path: string): string | undefined {
  if (!path.startsWith('/') || path.split('/').includes('..')) return undefined;
  return posix.normalize(path).replace(/(.)\/$/, '$1');
}

/** `-v HOST:DIR[:ro|:rw]`: both absolute, no `..` (a path that climbs out is refused), DIR not `/`. */
export function parseVolume(text: string): Parsed<Volume> {
  const parts = text.split(':');
  const [hostText = '', targetText = '', mode = 'rw'] = parts;
  if (parts.length < 2 || parts.length > 3 || (mode !== 'ro' && mode !== 'rw')) {
    return fail(
      `invalid volume specification: '${text}' (expected HOSTDIR:DIR or HOSTDIR:DIR:ro)`,
      `卷的写法无效：'${text}'（应为 HOSTDIR:DIR 或 HOSTDIR:DIR:ro）`,
    );
  }
  const host = absoluteInside(hostText);
  const target = absoluteInside(targetText);
  if (host === undefined || target === undefined || target === '/') {
    return fail(
      `invalid volume specification: '${text}': both paths must be absolute, without "..", and the target not "/"`,
      `卷的写法无效：'${text}'：两个路径都须是绝对路径、不含 ".."，目标不能是 "/"`,
    );
  }
  return { ok: true, value: { host, target, readOnly: mode === 'ro' } };
}

/** `-e K=V`, or `-e K` to copy K from the host's environment (left out when unset there), as Docker. */
export function parseEnv(text: string, hostEnv: HostFacts['env'] = {}): Parsed<string | undefined> {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  // The container's shell exports the variables (see container-plan.ts), so a key must be a shell name.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    return fail(`invalid environment variable: ${text} (the name must be letters, digits and _)`, `环境变量无效：${text}（名称只能含字母、数字和 _）`);
  }
  if (eq >= 0) return { ok: true, value: text };
  const value = hostEnv[key];
  return { ok: true, value: value === undefined ? undefined : `${key}=${value}` };
}

/** The 14 capabilities Docker's default spec keeps (moby oci/caps DefaultCapabilities): CapEff 00000000a80425fb. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_AUDIT_WRITE',
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_MKNOD',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
];

/** One --cap-add or --cap-drop value as Docker reads it: any case, CAP_ optional, `ALL`; undefined when unknown. */
function capabilityOf(text: string): string | undefined {
  const upper = text.trim().toUpperCase();
  if (upper === 'ALL') return upper;
  const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  return CAPABILITY_NAMES.includes(name) ? name : undefined;
}

/** Normalized values of one flag, or Docker's message for the first unknown one. */
function capabilityList(values: readonly string[], field: 'CapAdd' | 'CapDrop'): Parsed<string[]> {
  const names: string[] = [];
  for (const value of values) {
    const name = capabilityOf(value);
    if (name === undefined) {
      const shown = JSON.stringify(value.toUpperCase().startsWith('CAP_') ? value.toUpperCase() : `CAP_${value.toUpperCase()}`);
      return fail(`invalid ${field}: unknown capability: ${shown}`, `${field} 无效：未知的能力（capability）：${shown}`);
    }
    names.push(name);
  }
  return { ok: true, value: names };
}

/**
 * The capabilities a container keeps, as Docker's TweakCapabilities computes them: --privileged, every one; --cap-add
 * ALL, every one but those dropped; --cap-drop ALL, only those added; else the default set minus the dropped, plus
 * the added. Sorted by name.
 */
export function parseCapabilities(flags: Pick<ContainerFlags, 'capAdd' | 'capDrop' | 'privileged'>): Parsed<string[]> {
  if (flags.privileged === true) return { ok: true, value: [...CAPABILITY_NAMES].sort() };
  const add = capabilityList(flags.capAdd ?? [], 'CapAdd');
  if (!add.ok) return add;
  const drop = capabilityList(flags.capDrop ?? [], 'CapDrop');
  if (!drop.ok) return drop;
  let kept: string[];
  if (add.value.includes('ALL')) kept = CAPABILITY_NAMES.filter((name) => !drop.value.includes(name));
  else if (drop.value.includes('ALL')) kept = add.value;
  else kept = [...DEFAULT_CAPABILITIES.filter((name) => !drop.value.includes(name)), ...add.value];
  return { ok: true, value: [...new Set(kept)].sort() };
}

/** Every flag value to a config; the first bad value is the message. */
export function parseContainerConfig(flags: ContainerFlags, host: HostFacts = {}): Parsed<ContainerConfig> {
  const capabilities = parseCapabilities(flags);
  if (!capabilities.ok) return capabilities;
  const config: ContainerConfig = {
    network: { kind: 'bridge', network: 'bridge' },
    volumes: [],
    env: [],
    command: [...(flags.command ?? [])],
    limits: {},
    capabilities: capabilities.value,
    privileged: flags.privileged === true,
  };
  if (flags.name !== undefined) {
    const name = validateName(flags.name);
    if (!name.ok) return name;
    config.name = name.value;
  }
  if (flags.network !== undefined) {
    const network = parseNetwork(flags.network);
    if (!network.ok) return network;
    config.network = network.value;
  }
  for (const text of flags.publish ?? []) {
    // Docker: "conflicting options: port publishing and the container type network mode".
    if (config.network.kind !== 'bridge')
      return fail(
        'Conflicting options: port publishing and the network mode (-p needs a bridge network)',
        '选项冲突：发布端口需要网桥网络（-p 不能与这种网络模式同用）',
      );
    const port = parsePort(text);
    if (!port.ok) return port;
    if ((config.ports ??= []).some((p) => p.hostPort === port.value.hostPort && p.hostIp === port.value.hostIp)) {
      return fail(
        `Bind for ${port.value.hostIp}:${port.value.hostPort} failed: port is given twice`,
        `绑定 ${port.value.hostIp}:${port.value.hostPort} 失败：端口指定了两次`,
      );
    }
    config.ports.push(port.value);
  }
  for (const [flag, text] of [
    ['--ipc', flags.ipc],
    ['--uts', flags.uts],
  ] as const) {
    if (text === undefined) continue;
    const mode = parseJoinMode(text, flag);
    if (!mode.ok) return mode;
    if (mode.value.kind === 'container') config[flag === '--ipc' ? 'ipc' : 'uts'] = mode.value;
  }
  if (flags.hostname !== undefined) {
    if (config.uts?.kind === 'container') return fail('Conflicting options: hostname and the UTS mode', '选项冲突：主机名与 UTS 模式不能同时指定');
    // A container that joins another's network namespace keeps that one's name, as Docker refuses -h then.
    if (config.network.kind === 'container') return fail('Conflicting options: hostname and the network mode', '选项冲突：主机名与网络模式不能同时指定');
    const hostname = validateHostname(flags.hostname);
    if (!hostname.ok) return hostname;
    config.hostname = hostname.value;
  }
  if (flags.memory !== undefined) {
    const memory = parseMemory(flags.memory);
    if (!memory.ok) return memory;
    // No swap, as Docker with --memory-swap equal to --memory: the limit is the limit.
    config.limits.memoryMax = memory.value;
    config.limits.memorySwapMax = 0;
  }
  if (flags.cpus !== undefined) {
    const cpus = parseCpus(flags.cpus, host.cpus);
    if (!cpus.ok) return cpus;
    config.limits.cpuMax = cpus.value;
  }
  if (flags.pidsLimit !== undefined) {
    const pids = parsePidsLimit(flags.pidsLimit);
    if (!pids.ok) return pids;
    config.limits.pidsMax = pids.value;
  }
  for (const text of flags.volumes ?? []) {
    const volume = parseVolume(text);
    if (!volume.ok) return volume;
    config.volumes.push(volume.value);
  }
  for (const text of flags.env ?? []) {
    const entry = parseEnv(text, host.env);
    if (!entry.ok) return entry;
    if (entry.value !== undefined) config.env.push(entry.value);
  }
  if (flags.workdir !== undefined) {
    const workdir = absoluteInside(flags.workdir);
    if (workdir === undefined) {
      return fail(
        `the working directory '${flags.workdir}' is invalid, it needs to be an absolute path without ".."`,
        `工作目录 '${flags.workdir}' 无效，须是不含 ".." 的绝对路径`,
      );
    }
    config.workdir = workdir;
  }
  const security = parseSecurity(flags);
  if (!security.ok) return security;
  Object.assign(config, security.value);
  return { ok: true, value: config };
}
