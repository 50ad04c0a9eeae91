// Container networks on the host: the shared namespaces every bridge network lives in (lab-host-net, standing for
// the host's network stack, and lab-internet, standing for the internet: network-plan.ts says why lab keeps them
// apart from the learner's own), the networks made with `lab container network create` (a record each under
// `<state>/networks/`), and the lock every change to them holds.
//
// Ownership. The two shared namespaces are journaled under an owner of their own, `lab-networks` (kind `network`),
// before they are made: a crash at any point leaves a journal `lab clean` reads. They are made when the first
// container or network needs them and removed, with every bridge and rule inside them, once no container record
// and no network record names a bridge network (`releaseUnused`). The bridges and the NAT rules live inside
// lab-host-net, so they go with it; a container's own namespace (lab-c<id12>) is its own journal's.
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { LabError } from '../common/errors.js';
import type { Text } from '../common/vocabulary.js';
import { formatSubnet } from '../kernel/ipv4.js';
import { renderCommand } from '../kernel/shell.js';
import {
  DEFAULT_NETWORK,
  HOST_NETNS,
  hostsFile,
  infrastructureResources,
  infrastructureSteps,
  INTERNET_NETNS,
  ISOLATION_TABLE,
  NAT_TABLE,
  NETNS_DIR,
  networkDef,
  networkSteps,
  type NetStep,
  type NetworkDef,
} from '../kernel/network-plan.js';
import { withBuildLock } from './build-lock.js';
import { containerDir, listContainerRecords, writeAtomic, type ContainerRecord } from './container-store.js';
import { journalPath } from './journal.js';
import { Owned, type CleanReport } from './owner.js';
import type { Resource } from './resource.js';
import { ensureStateDir, stateDirPath } from './state-dir.js';

/** The owner the shared namespaces are journaled under. */
export const NETWORKS_OWNER = 'lab-networks';

/** A network made with `lab container network create`, as its record keeps it. */
export interface NetworkRecord {
  /** 64 hex digits, as Docker's network ids. */
  id: string;
  name: string;
  /** Its number: lab-br<index>, 172.(17+index).0.0/16 (network-plan.ts networkDef). */
  index: number;
  created: string;
}

/** `<state>/networks`. */
export function networksDir(): string {
  return join(stateDirPath(), 'networks');
}

const recordPath = (name: string): string => join(networksDir(), `lab-${name}.json`);

/** Every network made with `network create`, by name. */
export function listNetworkRecords(): NetworkRecord[] {
  let files: string[];
  try {
    files = readdirSync(networksDir());
  } catch {
    return [];
  }
  const records: NetworkRecord[] = [];
  for (const file of files.filter((f) => f.startsWith('lab-') && f.endsWith('.json')).sort()) {
    try {
      const record = JSON.parse(readFileSync(join(networksDir(), file), 'utf8')) as NetworkRecord;
      if (typeof record?.name !== 'string' || typeof record.id !== 'string' || !Number.isSafeInteger(record.index)) throw new Error('not a record');
      records.push(record);
    } catch {
      // Garbled or cut off (writeAtomic never leaves half a file under this name): said once, skipped, left as is.
      warnUnreadableNetwork(join(networksDir(), file));
    }
  }
  return records;
}

const toldUnreadable = new Set<string>();

/** Tell the learner once (stderr, English and Chinese) that a network's record cannot be read. */
function warnUnreadableNetwork(file: string): void {
  if (toldUnreadable.has(file)) return;
  toldUnreadable.add(file);
  process.stderr.write(
    `network record ${file} cannot be read (garbled or cut off): that network is not listed and not counted as in use; the file is left as it is (remove it with \`sudo rm ${file}\` if you no longer need the network).\n` +
      `网络记录 ${file} 无法读取（内容损坏或被截断）：不会列出这个网络，也不把它算作在用；文件保留原样（如果不再需要这个网络，用 \`sudo rm ${file}\` 删除）。\n`,
  );
}

/** A network by name: `bridge` is Docker's default network, any other a record's. */
export function findNetwork(name: string): NetworkDef | undefined {
  if (name === 'bridge') return DEFAULT_NETWORK;
  const record = listNetworkRecords().find((r) => r.name === name);
  return record ? networkDef(record.name, record.index) : undefined;
}

/** Run `work` holding the lock of every network change (a lock file with the holder's PID, build-lock.ts). */
export function withNetworkLock<T>(work: () => Promise<T>): Promise<T> {
  ensureStateDir();
  return withBuildLock(join(stateDirPath(), 'lab-networks.lock'), () => undefined, work);
}

/** Why a network command failed, with what to do; nftables missing is the usual case on a bare machine. */
function stepError(step: NetStep, stderr: string): LabError {
  const missing = /ENOENT|not found/.test(stderr) && (step.argv.includes('nft') || step.argv[0] === 'ip');
  const fix: Text = missing
    ? {
        en: 'Install iproute2 and nftables (`sudo apt-get install iproute2 nftables`, or `sudo scripts/provision.sh`), or run the container with --network none.',
        zh: '安装 iproute2 和 nftables（`sudo apt-get install iproute2 nftables`，或运行 `sudo scripts/provision.sh`），或者用 --network none 运行容器。',
      }
    : {
        en: 'Run `sudo lab clean`, then try again; `lab doctor` checks what the host offers.',
        zh: '运行 `sudo lab clean` 后重试；`lab doctor` 会检查宿主机具备什么。',
      };
  return new LabError({
    operation: step.text,
    code: missing ? 'ENOENT' : 'network-step-failed',
    meaning: {
      en: `A step of the container network failed: ${stderr.trim() || 'no message'}`,
      zh: `容器网络的一个步骤失败了：${stderr.trim() || '没有信息'}`,
    },
    fix,
  });
}

/** One command of a group runNetSteps runs at once: a step, or `ip -n NS -batch -` for several `ip -n NS` steps. */
interface Group {
  steps: NetStep[];
  argv: string[];
  input?: string;
}

/**
 * The steps as few processes run them: `touch` is done here (a file made), and consecutive `ip -n NS ...` steps of
 * one namespace are one `ip -n NS -batch -` reading them from stdin (each `ip -n` also enters a new mount namespace
 * to mount that namespace's sysfs: a container's seven commands became two processes). The steps and their order
 * are the plan's; only the number of processes changes.
 */
function groups(steps: readonly NetStep[]): Group[] {
  const out: Group[] = [];
  for (const step of steps) {
    const [tool, flag, netns, ...rest] = step.argv;
    const last = out.at(-1);
    // `ip netns exec NS nft ...` steps: one `nft -f -` reading them as a script (nft parses its arguments as one).
    if (tool === 'ip' && flag === 'netns' && rest[1] === 'nft' && rest[2] !== '-f') {
      const execNs = rest[0]!;
      const nftArgs = rest.slice(2);
      if (last && last.argv[4] === 'nft' && last.argv[3] === execNs && last.input !== undefined) {
        last.steps.push(step);
        last.input += `${nftArgs.join(' ')}\n`;
      } else {
        out.push({ steps: [step], argv: ['ip', 'netns', 'exec', execNs, 'nft', '-f', '-'], input: `${nftArgs.join(' ')}\n` });
      }
      continue;
    }
    if (tool === 'ip' && flag === '-n' && netns !== undefined && !rest.includes('-batch')) {
      if (last && last.argv[0] === 'ip' && last.argv[1] === '-n' && last.argv[2] === netns && last.input !== undefined) {
        last.steps.push(step);
        last.input += `${rest.join(' ')}\n`;
        continue;
      }
      out.push({ steps: [step], argv: ['ip', '-n', netns, '-batch', '-'], input: `${rest.join(' ')}\n` });
      continue;
    }
    out.push({ steps: [step], argv: step.argv });
  }
  return out;
}

/** Run network steps in order; the first that fails is the error. */
export function runNetSteps(steps: readonly NetStep[]): void {
  for (const group of groups(steps)) {
    const [tool, ...args] = group.argv;
    if (tool === 'touch' && args.length === 1) {
      try {
        closeSync(openSync(args[0]!, 'a', 0o644));
      } catch (error) {
        throw stepError(group.steps[0]!, (error as Error).message);
      }
      continue;
    }
    const result = spawnSync(tool!, args, {
      encoding: 'utf8',
      stdio: [group.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: 30_000,
      ...(group.input !== undefined ? { input: group.input } : {}),
    });
    const step = group.steps.length === 1 ? group.steps[0]! : { argv: group.argv, text: group.steps.map((s) => s.text).join('\n') };
    if (result.error) throw stepError(step, `${(result.error as NodeJS.ErrnoException).code ?? ''} ${result.error.message}`);
    if (result.status !== 0) throw stepError(step, result.stderr);
  }
}

/** Whether a link of this name exists inside lab-host-net. */
function bridgeExists(bridge: string): boolean {
  return spawnSync('ip', ['-n', HOST_NETNS, 'link', 'show', 'dev', bridge], { stdio: 'ignore' }).status === 0;
}

/** Whether both shared namespaces are there. */
function infrastructureUp(): boolean {
  return infrastructureResources().every((r) => existsSync(`/run/netns/${r.name}`));
}

/**
 * The shared namespaces, made when they are not all there (a journal left by a crash or a reboot is cleaned first),
 * each journaled before it is made; then the network's bridge and NAT rule in lab-host-net if it has none yet.
 * Call holding the network lock.
 */
export async function ensureNetwork(net: NetworkDef): Promise<void> {
  if (!infrastructureUp()) {
    await Owned.open(NETWORKS_OWNER)?.removeAll();
    // Whichever state directory made the last ones, they are gone: its note of them is stale.
    rmSync(NETWORKS_STATE_FILE, { force: true });
    const owned = Owned.create({ kind: 'network', id: NETWORKS_OWNER });
    // /run/netns made here is removed with the namespaces (releaseUnused): a marker says it was lab's to make.
    if (!existsSync(NETNS_DIR)) writeFileSync(runNetnsMarker(), `${NETNS_DIR}\n`, { mode: 0o600 });
    try {
      owned.claim(networksStateFile(), `echo ${stateDirPath()} > ${NETWORKS_STATE_FILE}`);
      writeFileSync(NETWORKS_STATE_FILE, `${resolve(stateDirPath())}\n`, { mode: 0o600 });
      for (const resource of infrastructureResources()) owned.claim(resource, `ip netns add ${resource.name}`);
      runNetSteps(infrastructureSteps());
      owned.close();
    } catch (error) {
      await owned.removeAll();
      throw error;
    }
  } else if (!existsSync(journalPath(NETWORKS_OWNER))) {
    // There, but in no journal of this state directory. Another state directory's (LAB_STATE_DIR) while its journal
    // is there: its containers use them, and its last one removes them, so they are not this directory's to take.
    const holder = networksHolder();
    if (holder) throw networksElsewhere(holder);
    // Otherwise a journal lost with its directory: taken over, so that the last container or network here removes
    // them as if it had made them.
    const owned = Owned.create({ kind: 'network', id: NETWORKS_OWNER });
    owned.intend(networksStateFile());
    writeFileSync(NETWORKS_STATE_FILE, `${resolve(stateDirPath())}\n`, { mode: 0o600 });
    for (const resource of infrastructureResources()) owned.intend(resource);
    owned.close();
  }
  if (!bridgeExists(net.bridge)) runNetSteps(networkSteps(net));
}

/**
 * Which state directory journals the shared namespaces: they are one per host, the journals one per state
 * directory, so the one that made them writes its path here (journaled with them, and removed with them).
 */
const NETWORKS_STATE_FILE = '/run/lab-networks.state';

function networksStateFile(): Resource {
  return { kind: 'path', path: NETWORKS_STATE_FILE };
}

/** Another state directory that journals the shared namespaces now, if one does. */
function networksHolder(): string | undefined {
  let holder = '';
  try {
    holder = readFileSync(NETWORKS_STATE_FILE, 'utf8').trim();
  } catch {
    return undefined;
  }
  const journal = join(holder, 'runs', `${NETWORKS_OWNER}.jsonl`);
  return holder && holder !== resolve(stateDirPath()) && existsSync(journal) ? holder : undefined;
}

function networksElsewhere(holder: string): LabError {
  return new LabError({
    operation: `ip netns add ${HOST_NETNS}`,
    code: 'networks-elsewhere',
    meaning: {
      en: `The container networks on this host (${HOST_NETNS}, ${INTERNET_NETNS} and their bridges) belong to the lab state directory ${holder}, not to ${stateDirPath()}: its containers use them, and it removes them after its last one.`,
      zh: `这台宿主机上的容器网络（${HOST_NETNS}、${INTERNET_NETNS} 及其网桥）属于 lab 的状态目录 ${holder}，而不是 ${stateDirPath()}：那里的容器在用它们，那里的最后一个容器结束后由它删除。`,
    },
    fix: {
      en: `Run lab with that state directory (LAB_STATE_DIR=${holder}), or remove its containers and networks first (\`sudo LAB_STATE_DIR=${holder} lab clean\`), then try again; or use --network none.`,
      zh: `用那个状态目录运行 lab（LAB_STATE_DIR=${holder}），或者先删除那里的容器和网络（\`sudo LAB_STATE_DIR=${holder} lab clean\`）再重试；或者使用 --network none。`,
    },
  });
}

/** Whether any container record or network record still needs the shared namespaces. */
function inUse(records: readonly ContainerRecord[]): boolean {
  return records.some((r) => r.config.network.kind === 'bridge') || listNetworkRecords().length > 0;
}

/**
 * Remove the shared namespaces (and with them every bridge, veth end and rule inside) once nothing needs them.
 * Call holding the network lock.
 */
export async function releaseUnused(): Promise<CleanReport | undefined> {
  if (inUse(listContainerRecords())) return undefined;
  const report = await Owned.open(NETWORKS_OWNER)?.removeAll();
  if (existsSync(runNetnsMarker()) && (report === undefined || report.failed.length === 0)) {
    try {
      // Only when empty and not a mount point (iproute2 mounts it when another tool adds a namespace): rmdir says so.
      rmdirSync(NETNS_DIR);
    } catch {
      // In use by others now: theirs as much as lab's, left.
    }
    rmSync(runNetnsMarker(), { force: true });
  }
  return report;
}

/** The marker of a /run/netns lab made (and so removes once its namespaces are gone). */
function runNetnsMarker(): string {
  return join(stateDirPath(), 'lab-networks.run-netns');
}

/** The handles (nft -a) of the rules of a chain in lab-host-net that mention `needle`, to delete them. */
function ruleHandles(table: string, chain: string, needle: string): number[] {
  const listed = spawnSync('ip', ['netns', 'exec', HOST_NETNS, 'nft', '-a', 'list', 'chain', 'ip', table, chain], { encoding: 'utf8' });
  return (listed.stdout ?? '')
    .split('\n')
    .filter((line) => line.includes(needle))
    .flatMap((line) => {
      const handle = /# handle (\d+)/.exec(line)?.[1];
      return handle === undefined ? [] : [Number(handle)];
    });
}

/** Delete a network's masquerade and isolation rules (by handle) and its bridge, in lab-host-net. */
function dropNetworkSteps(net: NetworkDef): NetStep[] {
  const rules = [
    ...ruleHandles(NAT_TABLE, 'postrouting', `ip saddr ${formatSubnet(net.subnet)} `).map((h) => [NAT_TABLE, 'postrouting', h] as const),
    ...ruleHandles(ISOLATION_TABLE, 'forward', `iifname "${net.bridge}" `).map((h) => [ISOLATION_TABLE, 'forward', h] as const),
  ];
  const steps = rules.map(([table, chain, handle]) => {
    const argv = ['ip', 'netns', 'exec', HOST_NETNS, 'nft', 'delete', 'rule', 'ip', table, chain, 'handle', String(handle)];
    return { argv, text: renderCommand(argv) };
  });
  if (bridgeExists(net.bridge))
    steps.push({ argv: ['ip', '-n', HOST_NETNS, 'link', 'del', net.bridge], text: renderCommand(['ip', '-n', HOST_NETNS, 'link', 'del', net.bridge]) });
  return steps;
}

function networkError(operation: string, code: string, meaning: Text, fix: Text): LabError {
  return new LabError({ operation, code, meaning, fix });
}

/** `lab container network create NAME`: the next free number, its bridge and NAT rule, its record. */
export async function createNetwork(name: string): Promise<NetworkRecord> {
  return withNetworkLock(async () => {
    const records = listNetworkRecords();
    if (records.some((r) => r.name === name)) {
      throw networkError(
        `lab container network create ${name}`,
        'name-in-use',
        { en: `network with name ${name} already exists`, zh: `名为 ${name} 的网络已经存在` },
        { en: 'Choose another name, or remove it first: `lab container network rm NAME`.', zh: '换一个名称，或者先删除它：`lab container network rm 名称`。' },
      );
    }
    const taken = new Set(records.map((r) => r.index));
    let index = 1;
    while (taken.has(index)) index++;
    const net = networkDef(name, index);
    if (!net) {
      throw networkError(
        `lab container network create ${name}`,
        'no-subnet',
        {
          en: 'all 14 subnets lab gives networks (172.18.0.0/16 to 172.31.0.0/16) are in use',
          zh: 'lab 分给网络的 14 个子网（172.18.0.0/16 到 172.31.0.0/16）都已被占用',
        },
        { en: 'Remove a network you no longer need: `lab container network rm NAME`.', zh: '删除一个不再需要的网络：`lab container network rm 名称`。' },
      );
    }
    const { randomBytes } = await import('node:crypto');
    const record: NetworkRecord = { id: randomBytes(32).toString('hex'), name, index, created: new Date().toISOString() };
    mkdirSync(networksDir(), { recursive: true, mode: 0o700 });
    // The record first: a crash after it leaves a network `lab clean` prunes, never a bridge no record names.
    writeAtomic(recordPath(name), `${JSON.stringify(record, null, 2)}\n`);
    try {
      await ensureNetwork(net);
    } catch (error) {
      rmSync(recordPath(name), { force: true });
      await releaseUnused();
      throw error;
    }
    return record;
  });
}

/** Remove a network's bridge and rule (when the shared namespace is there) and its record. Call holding the lock. */
async function dropNetwork(record: NetworkRecord): Promise<void> {
  const net = networkDef(record.name, record.index);
  if (net && infrastructureUp()) runNetSteps(dropNetworkSteps(net));
  rmSync(recordPath(record.name), { force: true });
}

/** The containers (records) attached to a network. */
export function containersOn(name: string, records: readonly ContainerRecord[] = listContainerRecords()): ContainerRecord[] {
  return records.filter((r) => r.config.network.kind === 'bridge' && r.config.network.network === name);
}

/** `lab container network rm NAME`: refused while a container is attached, as Docker's. */
export async function removeNetwork(name: string): Promise<void> {
  await withNetworkLock(async () => {
    const record = listNetworkRecords().find((r) => r.name === name);
    if (!record) {
      throw networkError(
        `lab container network rm ${name}`,
        'ENOENT',
        { en: `network ${name} not found`, zh: `找不到网络 ${name}` },
        { en: '`lab container network ls` lists the networks.', zh: '`lab container network ls` 会列出所有网络。' },
      );
    }
    const attached = containersOn(name);
    if (attached.length > 0) {
      throw networkError(
        `lab container network rm ${name}`,
        'EBUSY',
        {
          en: `error while removing network: network ${name} has active endpoints (${attached.map((r) => r.name).join(', ')})`,
          zh: `删除网络时出错：网络 ${name} 上还有容器（${attached.map((r) => r.name).join('、')}）`,
        },
        { en: 'Remove those containers first: `lab container rm -f NAME`.', zh: '先删除这些容器：`lab container rm -f 名称`。' },
      );
    }
    await dropNetwork(record);
    await releaseUnused();
  });
}

/**
 * For `lab clean`: every network no container is attached to is removed, the others' /etc/hosts brought up to date
 * (a container cleaned before may have been a peer), then the shared namespaces if nothing needs them.
 */
export async function pruneNetworks(): Promise<{ pruned: string[]; report?: CleanReport }> {
  if (!existsSync(networksDir()) && !existsSync(journalPath(NETWORKS_OWNER))) return { pruned: [] };
  return withNetworkLock(async () => {
    const records = listContainerRecords();
    const pruned: string[] = [];
    for (const network of listNetworkRecords()) {
      if (containersOn(network.name, records).length > 0) {
        refreshHosts(network.name, records);
        continue;
      }
      await dropNetwork(network);
      pruned.push(network.name);
    }
    const report = await releaseUnused();
    return report ? { pruned, report } : { pruned };
  });
}

/** A container's /etc/hosts file in its directory (bound onto the image's /etc/hosts by the plan). */
export function hostsPath(id: string): string {
  return join(containerDir(id), 'hosts');
}

/**
 * Rewrite a file in place (truncate, write): a bind mount holds the inode, so a rename would leave the container
 * reading the old file. A reader may see it empty for an instant, as with Docker's own rewrite of /etc/hosts.
 */
function rewriteInPlace(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch {
    return;
  }
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, text, 0);
  } finally {
    closeSync(fd);
  }
}

/**
 * /etc/hosts of every container on `network`: itself, then its peers by name. On Docker's default network
 * containers do not know each other's names (Docker's links are legacy): only a user-defined network lists peers.
 */
export function refreshHosts(network: string, records: readonly ContainerRecord[], exceptId?: string): void {
  const on = containersOn(network, records).filter((r) => r.network !== undefined && r.id !== exceptId);
  for (const record of on) {
    const peers = network === 'bridge' ? [] : on.filter((r) => r.id !== record.id).map((r) => ({ name: r.name, address: r.network!.address }));
    rewriteInPlace(hostsPath(record.id), hostsFile({ name: record.name, hostname: record.hostname, address: record.network!.address }, peers));
  }
}

/** After a container on a bridge network is removed: its peers' /etc/hosts without it; the namespaces released if unused. */
export async function detachNetwork(record: ContainerRecord): Promise<void> {
  if (record.config.network.kind !== 'bridge') return;
  const name = record.config.network.network;
  await withNetworkLock(async () => {
    refreshHosts(name, listContainerRecords(), record.id);
    await releaseUnused();
  });
}
