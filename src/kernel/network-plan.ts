// The plan of a container network as Docker's bridge driver builds one, each step a command shown as it runs. Pure:
// the runtime journals the resources and runs the steps; the container-network lab shows the same steps.
//
// Where. Docker puts its bridge (docker0), the host ends of the containers' veth pairs and its NAT rules in the
// host's own network namespace. lab keeps all of it in network namespaces of its own, so that nothing it does ever
// touches the learner's network or firewall ruleset:
//   lab-host-net   stands for the host's network stack: the bridges (lab-br0, 172.17.0.1/16, as docker0), the host
//                  ends of the veth pairs, forwarding on, and the NAT table (nftables) that masquerades the
//                  containers' traffic out of its uplink;
//   lab-internet   stands for the internet: the other end of the uplink, 203.0.113.2/24 (TEST-NET-3, a range
//                  reserved for documentation, never routed);
//   lab-c<id12>    one per container: made before the container starts (as Docker pins /var/run/docker/netns/...),
//                  given eth0 with an address from the allocator (ipv4.ts) and a default route via the bridge, then
//                  joined by the container's plan (`nsenter --net=/run/netns/lab-c<id12> --`, as container:<name>).
// Removing a container's namespace removes its eth0 and with it the veth's other end on the bridge.
import { formatIPv4, formatSubnet, gatewayOf, parseSubnet, type Subnet } from './ipv4.js';
import { renderCommand } from './shell.js';

/** The namespace that stands for the host's network stack, and the one that stands for the internet. */
export const HOST_NETNS = 'lab-host-net';
export const INTERNET_NETNS = 'lab-internet';

/** The uplink between them: its end in lab-host-net (the containers' way out), its end in lab-internet. */
export const UPLINK = { hostEnd: 'lab-uplink', hostAddress: '203.0.113.1/24', internetEnd: 'eth0', internetAddress: '203.0.113.2/24' } as const;

/** The NAT table lab-host-net holds (nftables): one postrouting chain, a masquerade rule per network. */
export const NAT_TABLE = 'lab-nat';

/**
 * The filter table that keeps networks apart (Docker's DOCKER-ISOLATION chains): lab-host-net routes between its
 * bridges like any router, so each network's rule drops what comes in from its bridge and would leave by another.
 */
export const ISOLATION_TABLE = 'lab-isolation';

/** One step: the argv, and the same as the text the learner is shown. */
export interface NetStep {
  argv: string[];
  text: string;
}

/** What a step makes, for the journal (recorded before it is made). */
export type NetResource = { kind: 'netns'; name: string };

/** A network containers attach to: its name (`bridge` is Docker's default), its bridge device, subnet, gateway. */
export interface NetworkDef {
  name: string;
  bridge: string;
  subnet: Subnet;
  /** The bridge's own address, the containers' default route. */
  gateway: string;
}

const step = (argv: string[]): NetStep => ({ argv, text: renderCommand(argv) });

/** Where named network namespaces are pinned, as iproute2 looks for them (`ip -n NAME`, `ip netns exec NAME`). */
export const NETNS_DIR = '/run/netns';

/**
 * A named network namespace: a new one, kept alive by a bind mount on /run/netns/NAME after its first process
 * (`true`) has exited. `unshare --net=FILE` does what `ip netns add` does, without iproute2's other step: the
 * first `ip netns add` also bind-mounts /run/netns onto itself (shared, so that later namespaces reach every mount
 * namespace), a mount that stays on the host after the last namespace is gone. `ip netns del NAME` removes either.
 */
export function netnsAddSteps(name: string): NetStep[] {
  const file = `${NETNS_DIR}/${name}`;
  return [step(['touch', file]), step(['unshare', `--net=${file}`, 'true'])];
}

/** A command run inside a named network namespace (`ip netns exec NAME ...`), for tools other than ip. */
const inNetns = (netns: string, argv: string[]): NetStep => step(['ip', 'netns', 'exec', netns, ...argv]);

/**
 * A network by its index: 0 is Docker's default `bridge` (lab-br0, 172.17.0.0/16); a user-defined network N gets
 * lab-brN and 172.(17+N).0.0/16, as Docker numbers its networks. Undefined past 172.31 (the 172.16/12 range).
 */
export function networkDef(name: string, index: number): NetworkDef | undefined {
  if (!Number.isInteger(index) || index < 0 || 17 + index > 31) return undefined;
  const subnet = parseSubnet(`172.${17 + index}.0.0/16`)!;
  return { name, bridge: `lab-br${index}`, subnet, gateway: formatIPv4(gatewayOf(subnet)) };
}

/** Docker's default network. */
export const DEFAULT_NETWORK: NetworkDef = networkDef('bridge', 0)!;

/** The namespaces the plans below make, in the order they are made (lab-c<id12> by attachSteps). */
export function infrastructureResources(): NetResource[] {
  return [
    { kind: 'netns', name: HOST_NETNS },
    { kind: 'netns', name: INTERNET_NETNS },
  ];
}

/**
 * The host stand-in and the internet stand-in, joined by the uplink; forwarding on in lab-host-net (a per-namespace
 * sysctl: the host's own stays as it is); the NAT table and its postrouting chain. Once, before the first network.
 */
export function infrastructureSteps(): NetStep[] {
  const [hostPrefix, internetPrefix] = [UPLINK.hostAddress, UPLINK.internetAddress];
  return [
    step(['mkdir', '-p', NETNS_DIR]),
    ...netnsAddSteps(HOST_NETNS),
    ...netnsAddSteps(INTERNET_NETNS),
    step(['ip', '-n', HOST_NETNS, 'link', 'set', 'lo', 'up']),
    step(['ip', '-n', HOST_NETNS, 'link', 'add', UPLINK.hostEnd, 'type', 'veth', 'peer', 'name', UPLINK.internetEnd, 'netns', INTERNET_NETNS]),
    step(['ip', '-n', HOST_NETNS, 'addr', 'add', hostPrefix, 'dev', UPLINK.hostEnd]),
    step(['ip', '-n', HOST_NETNS, 'link', 'set', UPLINK.hostEnd, 'up']),
    step(['ip', '-n', INTERNET_NETNS, 'link', 'set', 'lo', 'up']),
    step(['ip', '-n', INTERNET_NETNS, 'addr', 'add', internetPrefix, 'dev', UPLINK.internetEnd]),
    step(['ip', '-n', INTERNET_NETNS, 'link', 'set', UPLINK.internetEnd, 'up']),
    inNetns(HOST_NETNS, ['sysctl', '-w', 'net.ipv4.ip_forward=1']),
    inNetns(HOST_NETNS, ['nft', 'add', 'table', 'ip', NAT_TABLE]),
    inNetns(HOST_NETNS, ['nft', 'add', 'chain', 'ip', NAT_TABLE, 'postrouting', '{ type nat hook postrouting priority srcnat; policy accept; }']),
    inNetns(HOST_NETNS, ['nft', 'add', 'table', 'ip', ISOLATION_TABLE]),
    inNetns(HOST_NETNS, ['nft', 'add', 'chain', 'ip', ISOLATION_TABLE, 'forward', '{ type filter hook forward priority filter; policy accept; }']),
  ];
}

/**
 * A network's bridge in lab-host-net, its gateway address, the masquerade of its subnet out of the uplink, and its
 * isolation: nothing from its bridge is forwarded to another lab bridge.
 */
export function networkSteps(net: NetworkDef): NetStep[] {
  const cidr = `${net.gateway}/${net.subnet.prefix}`;
  return [
    step(['ip', '-n', HOST_NETNS, 'link', 'add', net.bridge, 'type', 'bridge']),
    step(['ip', '-n', HOST_NETNS, 'addr', 'add', cidr, 'dev', net.bridge]),
    step(['ip', '-n', HOST_NETNS, 'link', 'set', net.bridge, 'up']),
    inNetns(HOST_NETNS, [
      'nft',
      'add',
      'rule',
      'ip',
      NAT_TABLE,
      'postrouting',
      'ip',
      'saddr',
      formatSubnet(net.subnet),
      'oifname',
      UPLINK.hostEnd,
      'masquerade',
    ]),
    inNetns(HOST_NETNS, [
      'nft',
      'add',
      'rule',
      'ip',
      ISOLATION_TABLE,
      'forward',
      'iifname',
      net.bridge,
      'oifname',
      '!=',
      net.bridge,
      'oifname',
      'lab-br*',
      'drop',
    ]),
  ];
}

/** The name of a container's network namespace and of its veth's end on the bridge, from its id. */
export function containerNetNames(id: string): { netns: string; hostEnd: string } {
  return { netns: `lab-c${id.slice(0, 12)}`, hostEnd: `lab-v${id.slice(0, 8)}` };
}

/**
 * A container's own network namespace attached to a network: made, a veth pair from the bridge to it (eth0 inside),
 * the address the allocator gave it, and a default route via the gateway. The container's plan then joins it.
 */
export function attachSteps(net: NetworkDef, id: string, address: string): { steps: NetStep[]; resources: NetResource[] } {
  const { netns, hostEnd } = containerNetNames(id);
  return {
    resources: [{ kind: 'netns', name: netns }],
    steps: [
      ...netnsAddSteps(netns),
      step(['ip', '-n', HOST_NETNS, 'link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]),
      step(['ip', '-n', HOST_NETNS, 'link', 'set', hostEnd, 'master', net.bridge, 'up']),
      step(['ip', '-n', netns, 'link', 'set', 'lo', 'up']),
      step(['ip', '-n', netns, 'addr', 'add', `${address}/${net.subnet.prefix}`, 'dev', 'eth0']),
      step(['ip', '-n', netns, 'link', 'set', 'eth0', 'up']),
      step(['ip', '-n', netns, 'route', 'add', 'default', 'via', net.gateway]),
    ],
  };
}

/** What a container's plan joins: its network namespace's file. */
export function containerNetnsPath(id: string): string {
  return `/run/netns/${containerNetNames(id).netns}`;
}

/**
 * /etc/hosts for a container on a user-defined network: localhost, then every container on it by name (Docker answers
 * these names from its embedded DNS server at 127.0.0.11; lab writes them down, which busybox's tools read too).
 */
export function hostsFile(self: { name: string; hostname: string; address: string }, peers: readonly { name: string; address: string }[]): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', `${self.address}\t${self.hostname} ${self.name}`];
  for (const peer of [...peers].sort((a, b) => a.name.localeCompare(b.name))) lines.push(`${peer.address}\t${peer.name}`);
  return `${lines.join('\n')}\n`;
}
