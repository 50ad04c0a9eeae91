// A container on a bridge network: its own network namespace made, wired to the bridge and given an address
// (network-plan.ts attachSteps, run here) before its process starts, as Docker's daemon prepares the sandbox
// before runc joins it; its /etc/hosts kept; its published ports' proxies started; and, once it is removed, its
// peers' /etc/hosts brought up to date when it joins (src/host/networks.ts detachNetwork does so when it goes).
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { allocate } from '../kernel/ipv4.js';
import { attachSteps, containerNetnsPath, HOST_NETNS } from '../kernel/network-plan.js';
import { startTime } from '../kernel/proc.js';
import { containerDir, listContainerRecords, writeAtomic, type ContainerRecord } from '../host/container-store.js';
import { RUN_MARKER } from '../host/exec.js';
import { portProxyPath } from '../host/install.js';
import { containersOn, ensureNetwork, findNetwork, hostsPath, refreshHosts, runNetSteps, withNetworkLock } from '../host/networks.js';
import type { Owned } from '../host/owner.js';
import { runError } from './errors.js';

/**
 * Attach a created container to its network, under the network lock: the network's namespaces and bridge made if
 * needed, the lowest free address of its subnet (the addresses of the records on it are the allocator's state: a
 * record removed returns its address), the record rewritten with it, the container's namespace journaled then made
 * and wired, every /etc/hosts on the network rewritten.
 */
export async function attachNetwork(owned: Owned, record: ContainerRecord): Promise<void> {
  if (record.config.network.kind !== 'bridge') return;
  const name = record.config.network.network;
  await withNetworkLock(async () => {
    const net = findNetwork(name);
    if (!net) {
      throw runError(
        'lab container run',
        'ENOENT',
        { en: `network ${name} not found`, zh: `找不到网络 ${name}` },
        {
          en: 'Make it first: `lab container network create NAME` (`lab container network ls` lists them).',
          zh: '先创建它：`lab container network create 名称`（`lab container network ls` 会列出所有网络）。',
        },
      );
    }
    await ensureNetwork(net);
    const records = listContainerRecords();
    const address = allocate(
      net.subnet,
      containersOn(name, records).flatMap((r) => (r.network ? [r.network.address] : [])),
    );
    if (address === undefined) {
      throw runError('lab container run', 'no-address', { en: `no free address left in network ${name}`, zh: `网络 ${name} 中没有空闲的地址了` });
    }
    record.network = { name, address, prefix: net.subnet.prefix, gateway: net.gateway, bridge: net.bridge };
    writeAtomic(join(containerDir(record.id), 'config.json'), `${JSON.stringify(record, null, 2)}\n`);
    writeFileSync(hostsPath(record.id), '', { mode: 0o644 });
    const attach = attachSteps(net, record.id, address);
    for (const resource of attach.resources) owned.claim(resource, `ip netns add ${resource.name}`);
    runNetSteps(attach.steps);
    refreshHosts(name, [...records.filter((r) => r.id !== record.id), record]);
  });
}

/** The name of a published port's proxy in the container's journal (`port-proxy 127.0.0.1:8080`). */
export const PORT_PROXY = 'port-proxy';

/** Listen on the host's address and port for `-p`; EADDRINUSE and the like become run's error (125). */
function listen(hostIp: string, hostPort: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        runError(
          `bind ${hostIp}:${hostPort}`,
          error.code ?? 'error',
          {
            en: `Bind for ${hostIp}:${hostPort} failed: ${error.code === 'EADDRINUSE' ? 'port is already allocated' : error.message}`,
            zh: `绑定 ${hostIp}:${hostPort} 失败：${error.code === 'EADDRINUSE' ? '端口已被占用' : error.message}`,
          },
          {
            en: 'Publish another host port (-p OTHER:PORT), or stop what listens there.',
            zh: '换一个主机端口发布（-p 其他端口:端口），或者停掉在那里监听的程序。',
          },
        ),
      );
    });
    server.listen({ host: hostIp, port: hostPort, exclusive: true }, () => resolve(server));
  });
}

/**
 * `-p`: for each port, the listening socket made here, in the host's network namespace, and a proxy process
 * (port-proxy.ts) started in lab-host-net, which reaches the container's address, holding that socket as fd 3. Each
 * proxy is journaled before it is started and killed when the container is removed (docker-proxy's part).
 */
export async function publishPorts(owned: Owned, record: ContainerRecord): Promise<void> {
  const ports = record.config.ports ?? [];
  if (ports.length === 0 || !record.network) return;
  for (const port of ports) {
    const server = await listen(port.hostIp, port.hostPort);
    try {
      const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
      const argv = ['nsenter', `--net=/run/netns/${HOST_NETNS}`, '--', process.execPath, portProxyPath(), record.network.address, String(port.containerPort)];
      const resource = { kind: 'process' as const, name: `${PORT_PROXY} ${port.hostIp}:${port.hostPort}`, argv };
      const entry = owned.intend(resource);
      const child = spawn(argv[0]!, argv.slice(1), {
        detached: true,
        stdio: ['ignore', 'ignore', 'ignore', fd],
        env: { ...process.env, [RUN_MARKER]: owned.id },
      });
      child.unref();
      if (child.pid !== undefined) {
        const start = startTime(child.pid);
        owned.update(entry, { ...resource, pid: child.pid, ...(start !== undefined ? { start } : {}) });
      }
    } finally {
      server.close();
    }
  }
}

/** The network namespace file a container on a bridge network joins. */
export const bridgeNetnsOf = containerNetnsPath;
