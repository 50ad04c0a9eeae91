// `lab container network create|ls|rm|inspect`: Docker's network commands on lab's networks (src/host/networks.ts):
// bridges inside lab's own namespace lab-host-net, never the host's. Exit statuses as Docker's: 125 for a usage
// error, 1 for an operational one (a name in use, a network not found or with containers on it).
import type { Lang } from '../common/vocabulary.js';
import { validateNetworkName } from '../kernel/container-config.js';
import { formatSubnet } from '../kernel/ipv4.js';
import { DEFAULT_NETWORK, networkDef, type NetworkDef } from '../kernel/network-plan.js';
import { listContainerRecords } from '../host/container-store.js';
import { containersOn, createNetwork, listNetworkRecords, removeNetwork } from '../host/networks.js';
import { exitStatusHelp, operational, parseContainerArgs, usageError } from './container-args.js';

/** `lab container network --help`. */
export const NETWORK_USAGE: Record<Lang, string> = (() => {
  const exit = exitStatusHelp({ en: 'a name is in use, or a network is not found or has containers', zh: '名称已被占用、找不到网络或网络上还有容器时' });
  return {
    en: `Usage: lab container network create NAME | ls | rm NAME... | inspect NAME...

Networks, as docker network: each a Linux bridge with its own /16 subnet and NAT (nftables masquerade) to
lab-internet, the network namespace that stands for the internet. lab keeps the bridges, the veth ends and the
rules in its own network namespace lab-host-net (where Docker uses the host's): the host's links and firewall
ruleset stay as they are. \`bridge\` (lab-br0, 172.17.0.0/16) is the default network; containers on a network
made here find each other by name (in /etc/hosts, which lab keeps up to date).

  create NAME       make a network: lab-brN and 172.(17+N).0.0/16, N from 1
  ls                list the networks (with the modes none, host and bridge, as Docker lists them)
  rm NAME...        remove networks no container is attached to
  inspect NAME...   a network's subnet, gateway, bridge and containers, as JSON

${exit.en}`,
    zh: `用法：lab container network create 名称 | ls | rm 名称... | inspect 名称...

网络，和 docker network 一样：每个网络是一个 Linux 网桥，有自己的 /16 子网，并经 NAT（nftables 的 masquerade）
通往 lab-internet，即代表互联网的网络命名空间。lab 把网桥、veth 的一端和规则都放在它自己的网络命名空间
lab-host-net 里（Docker 放在宿主机的命名空间里）：宿主机的网卡和防火墙规则集保持原样。\`bridge\`
（lab-br0，172.17.0.0/16）是默认网络；在这里创建的网络上，容器可以按名称找到彼此（写在 /etc/hosts 里，由 lab 保持更新）。

  create 名称        创建网络：lab-brN 和 172.(17+N).0.0/16，N 从 1 开始
  ls                列出网络（以及 none、host 和 bridge 这几种模式，和 Docker 的列法一样）
  rm 名称...         删除没有容器连接的网络
  inspect 名称...    网络的子网、网关、网桥和容器，JSON 格式

${exit.zh}`,
  };
})();

/** One network as `inspect` prints it. */
function describe(net: NetworkDef, id: string, created: string): object {
  const containers = containersOn(net.name, listContainerRecords());
  return {
    Name: net.name,
    Id: id,
    Created: created,
    Driver: 'bridge',
    IPAM: { Config: [{ Subnet: formatSubnet(net.subnet), Gateway: net.gateway }] },
    Options: { 'com.docker.network.bridge.name': net.bridge, 'lab.network.namespace': 'lab-host-net' },
    Containers: Object.fromEntries(containers.map((r) => [r.id, { Name: r.name, IPv4Address: r.network ? `${r.network.address}/${r.network.prefix}` : '' }])),
  };
}

/** `lab container network ...`. */
export async function networkCommand(args: string[]): Promise<number> {
  const parsed = parseContainerArgs('network', args, [], false);
  const [action, ...names] = parsed.positionals;
  const needNames = (min: number): void => {
    if (names.length < min)
      throw usageError('network', { en: `"lab container network ${action}" requires a NAME`, zh: `"lab container network ${action}" 需要一个名称` });
  };
  switch (action) {
    case 'create': {
      needNames(1);
      if (names.length > 1) throw usageError('network', { en: '"network create" takes one NAME', zh: '"network create" 只接受一个名称' });
      const valid = validateNetworkName(names[0]!);
      if (!valid.ok) throw usageError('network', valid.message);
      const record = await operational(() => createNetwork(valid.value));
      process.stdout.write(`${record.id}\n`);
      return 0;
    }
    case 'ls': {
      if (names.length > 0)
        throw usageError('network', {
          en: `"network ls" accepts no arguments; too many: ${names.map((n) => JSON.stringify(n)).join(' ')}`,
          zh: `"network ls" 不接受参数；多出的参数：${names.map((n) => JSON.stringify(n)).join(' ')}`,
        });
      const rows = [
        ['NETWORK ID', 'NAME', 'DRIVER', 'SUBNET', 'BRIDGE'],
        ['-', 'bridge', 'bridge', formatSubnet(DEFAULT_NETWORK.subnet), DEFAULT_NETWORK.bridge],
        ['-', 'host', 'host', '-', '-'],
        ['-', 'none', 'null', '-', '-'],
        ...listNetworkRecords().map((r) => {
          const net = networkDef(r.name, r.index);
          return [r.id.slice(0, 12), r.name, 'bridge', net ? formatSubnet(net.subnet) : '?', net?.bridge ?? '?'];
        }),
      ];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
      for (const row of rows)
        process.stdout.write(
          `${row
            .map((cell, i) => cell.padEnd(widths[i]! + 3))
            .join('')
            .trimEnd()}\n`,
        );
      return 0;
    }
    case 'rm': {
      needNames(1);
      let status = 0;
      for (const name of names) {
        try {
          await operational(() => removeNetwork(name));
          process.stdout.write(`${name}\n`);
        } catch (error) {
          if (names.length === 1) throw error;
          process.stderr.write(`${(error as Error).message}\n`);
          status = 1;
        }
      }
      return status;
    }
    case 'inspect': {
      needNames(1);
      const found = names.map((name) => {
        if (name === 'bridge') return describe(DEFAULT_NETWORK, '-', '-');
        const record = listNetworkRecords().find((r) => r.name === name);
        const net = record && networkDef(record.name, record.index);
        return net && record ? describe(net, record.id, record.created) : undefined;
      });
      const missing = names.filter((_, i) => found[i] === undefined);
      process.stdout.write(`${JSON.stringify(found.filter(Boolean), null, 4)}\n`);
      if (missing.length > 0) process.stderr.write(`Error: No such network: ${missing.join(', ')}\n`);
      return missing.length > 0 ? 1 : 0;
    }
    default:
      throw usageError('network', { en: 'expected create, ls, rm or inspect', zh: '应为 create、ls、rm 或 inspect' });
  }
}
