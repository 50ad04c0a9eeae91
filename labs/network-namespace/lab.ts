// The network-namespace lab: a namespace with nothing but a loopback that is down (and the fallback devices of any
// tunnel modules the host has loaded), lo brought up (the kernel then gives it 127.0.0.1/8), a veth pair to the host,
// ports and a 127.0.0.1 of its own, a bridge (the lab's docker0) joining two containers, the learner's `docker network
// connect` by hand, Docker's four network modes as namespace inodes, and what stopping a container does to its
// links. Addresses come from documentation ranges only: 198.51.100.0/30 (TEST-NET-2) on the one link the host
// has, 203.0.113.0/24 (TEST-NET-3) behind the bridge, which lives in a namespace of its own, not on the host.
import { addAddressArgv, linkUpArgv, listenersArgv, pingArgv, replyServerArgv, tcpClientArgv, vethArgv } from '../../src/kernel/net-commands.js';
import {
  flagsUp,
  inSubnet,
  ipv4Of,
  isUp,
  listSysNet,
  parseIpJson,
  readArp,
  readListeners,
  readLocalAddresses,
  readNetDev,
  readSysNet,
  readSysNetView,
  routeDevice,
  socketInodes,
  type IpLink,
  type SysNetView,
  type TcpSocket,
} from '../../src/kernel/net.js';
import { describeFallback, onlyLoAndFallback, sortNewNamespaceLinks, type NewNamespaceLinks } from '../../src/kernel/fallback-tunnels.js';
import { isAlive, nsInode, pidsInNamespace } from '../../src/kernel/proc.js';
import { enter, init, nsenter, pid, proc, run, type Into } from '../../src/lab/build.js';
import { startInside } from '../../src/lab/build-inside.js';
import { hostProcess } from '../../src/lab/build-process.js';
import type { ActionSpec, CheckContext, LabContext, LabSpec, ProbeResult, Text, Verdict } from '../../src/lab/spec.js';

/** The host's end of the one link between the host and c1, and its peer's name until it is renamed eth0. */
const HOST_VETH = 'lab-veth0';
const PEER_VETH = 'lab-veth1';
/** A /30 from TEST-NET-2 (RFC 5737): two usable addresses, never routed on the Internet. */
const HOST_IP = '198.51.100.1';
const C1_IP = '198.51.100.2';
const LINK_PREFIX = 30;
/** The lab's docker0, and the TEST-NET-3 /24 behind it. */
const BRIDGE = 'lab-br0';
const BRIDGE_NET = '203.0.113.0/24';
const C2_IP = '203.0.113.2';
const C3_IP = '203.0.113.3';
/** The address the task gives c1 on the bridge (the checks accept any free one in BRIDGE_NET). */
const C1_BRIDGE_IP = '203.0.113.4';
/** An unusual port, checked free before use; both servers listen on it, each in its own namespace. */
const PORT = 28080;
const HOST_REPLY = ['hello', 'from', 'the', 'host'];
const C1_REPLY = ['hello', 'from', 'c1'];

const pidOf = (ctx: LabContext, name: string): number => ctx.proc(name).pid;

/**
 * Only the network namespace of a lab process, where `enter` and `nsenter` run a command (what `ip netns exec` or
 * `docker exec` does); `enter` alone joins c1's network and mount namespaces, as `lab shell` does.
 */
const netOf = (name: string): Into => ({ into: name, ns: ['net'] });

/** A process in a network namespace of its own (a container with nothing but its network isolated). */
const netns = (name: string): ActionSpec => init(name, { namespaces: ['net'], fork: true });

/** Every process in c1's network namespace (c1 and its server): what `docker stop` kills. */
function inC1Netns(ctx: LabContext): number[] {
  const inode = ctx.proc('c1').ns.net;
  return inode === undefined ? [pidOf(ctx, 'c1')] : pidsInNamespace('net', inode);
}

/** c1's own view of sysfs: its mount namespace has a sysfs mounted from inside its network namespace. */
const c1Root = (ctx: LabContext): string => `/proc/${pidOf(ctx, 'c1')}/root`;

/** What `ip -j <args>` reports over netlink: on the host (`where` = 'host') or inside a lab process's namespace. */
async function ipJson(ctx: CheckContext, where: string, args: string[]): Promise<IpLink[]> {
  const argv = ['ip', '-j', ...args];
  const result = await ctx.probe(where === 'host' ? argv : nsenter(argv, netOf(where))(ctx));
  return result.exitCode === 0 ? parseIpJson(result.stdout) : [];
}

/**
 * The interfaces of a lab process's namespace that should hold only its loopback: the names from
 * /proc/<pid>/net/dev, their flags and kinds over rtnetlink inside it (`ip -j -d link`), sorted into lo, the
 * fallback tunnel devices of loaded tunnel modules (down), and anything else. sysfs is no source here: a process
 * sees the /sys/class/net of the namespace that mounted it, and `none` has no mount namespace of its own.
 */
async function newNamespaceLinks(ctx: CheckContext, name: string): Promise<{ netDev?: string[]; links: NewNamespaceLinks }> {
  const netDev = readNetDev(pidOf(ctx, name));
  const links = sortNewNamespaceLinks(netDev ?? [], await ipJson(ctx, name, ['-d', 'link', 'show']));
  return { ...(netDev ? { netDev } : {}), links };
}

/** What newNamespaceLinks found, in the check's words. */
function describeLinks(pid: number, found: { netDev?: string[]; links: NewNamespaceLinks }): Text {
  const { netDev, links } = found;
  const lo = `lo <${links.lo?.flags.join(',') ?? '?'}>`;
  const other = links.other.join(' ') || '-';
  return {
    en: `/proc/${pid}/net/dev: ${names(netDev)}; ${lo}; fallback tunnels, down: ${describeFallback(links)}; anything else: ${other}`,
    zh: `/proc/${pid}/net/dev：${names(netDev)}；${lo}；回退隧道设备（未启用）：${describeFallback(links)}；其他：${other}`,
  };
}

const same = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
const names = (list: readonly string[] | undefined): string => (list === undefined ? '?' : list.join(' ') || '-');

/** A TCP client's outcome in a few words: the line the server sent, or why there was none. */
function answer(result: ProbeResult): string {
  if (result.exitCode === 0) return `"${result.stdout.trim()}"`;
  return /refused/i.test(result.stderr) ? 'connection refused' : `exit status ${result.exitCode}`;
}
const answerZh = (result: ProbeResult): string =>
  result.exitCode === 0 ? `“${result.stdout.trim()}”` : /refused/i.test(result.stderr) ? '连接被拒绝' : `退出状态 ${result.exitCode}`;

/** The listening sockets on PORT in a namespace that belong to one process (matched by socket inode). */
function ownedListeners(namespacePid: number | 'self', owner: number): { all: TcpSocket[]; owned: TcpSocket[] } {
  const all = (readListeners(namespacePid) ?? []).filter((s) => s.port === PORT);
  const inodes = socketInodes(owner);
  return { all, owned: all.filter((s) => inodes.has(s.inode)) };
}
const endpoints = (sockets: TcpSocket[]): string =>
  sockets.map((s) => (s.address.includes(':') ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`)).join(' ') || '-';

/** Whether the host's lab-veth0 is there and up: the guard before any host-side packet to a lab address. */
const hostLinkUp = (): boolean => flagsUp(readSysNet(HOST_VETH, 'flags'));

/** c1's interface on the bridge (not its eth0 to the host) with an address in BRIDGE_NET, if the learner made one. */
async function c1OnBridge(ctx: CheckContext): Promise<{ link?: IpLink; address?: string; port?: IpLink }> {
  const c1 = await ipJson(ctx, 'c1', ['addr', 'show']);
  const ports = await ipJson(ctx, 'switch', ['link', 'show', 'master', BRIDGE]);
  for (const link of c1) {
    const address = ipv4Of(link)
      .map((a) => a.split('/')[0]!)
      .find((a) => inSubnet(a, BRIDGE_NET) && a !== C2_IP && a !== C3_IP);
    if (link.ifname === 'eth0' || address === undefined) continue;
    const port = ports.find((p) => p.ifindex === link.link_index && p.link_index === link.ifindex);
    return { link, address, ...(port ? { port } : {}) };
  }
  return {};
}

export default {
  format: 1,
  id: 'network-namespace',
  order: 5,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'procps', 'iproute2', 'busybox', 'ns-net', 'ns-mnt'],
  shell: { target: 'c1', namespaces: ['net', 'mnt'] },
  steps: [
    {
      id: 'empty',
      kind: 'demo',
      actions: [
        init('c1', { namespaces: ['net', 'mnt'], fork: true }),
        run(['readlink', '/proc/self/ns/net', proc('c1', 'ns/net')]),
        enter(['ip', 'link'], netOf('c1')),
        enter(pingArgv('127.0.0.1'), { ...netOf('c1'), expect: 'fail' }),
        enter(['ls', '-i', '/sys/class/net'], netOf('c1')),
        enter(['mount', '-t', 'sysfs', 'sysfs', '/sys']),
        enter(['ls', '-i', '/sys/class/net']),
      ],
      checks: [
        {
          id: 'own-netns',
          title: { en: "c1 lives in a network namespace other than the host's", zh: 'c1 所在的网络命名空间与宿主机的不同' },
          verify: (ctx) => {
            const host = nsInode('self', 'net');
            const c1 = nsInode(pidOf(ctx, 'c1'), 'net');
            return {
              ok: host !== undefined && c1 !== undefined && host !== c1,
              found: { en: `host net:[${host}], c1 net:[${c1}]`, zh: `宿主机 net:[${host}]，c1 net:[${c1}]` },
            };
          },
        },
        {
          id: 'only-lo-down',
          title: {
            en: 'the new namespace has lo, down, and no other interface but the fallback tunnel devices of loaded tunnel modules, also down',
            zh: '新命名空间里有 lo，处于关闭（DOWN）状态；除了已加载的隧道模块的回退隧道设备（同样关闭）之外，没有别的网卡',
          },
          verify: async (ctx) => {
            const found = await newNamespaceLinks(ctx, 'c1');
            return { ok: onlyLoAndFallback(found.links, 'down'), found: describeLinks(pidOf(ctx, 'c1'), found) };
          },
        },
        {
          id: 'own-sysfs',
          title: {
            en: "/sys/class/net inside c1 is another sysfs, listing c1's interfaces: each entry, lo included, has another inode than the host's entry of that name",
            zh: 'c1 里的 /sys/class/net 是另一个 sysfs，列出的是 c1 的网卡：每一项（包括 lo）的 inode 都与宿主机上同名的那一项不同',
          },
          verify: (ctx) => {
            const c1 = pidOf(ctx, 'c1');
            const inside = readSysNetView(c1Root(ctx));
            const host = readSysNetView();
            const kernel = readNetDev(c1)?.sort();
            // Names alone prove nothing on a machine whose only interface is lo: the same name, and ifindex 1, on both
            // sides. What differs is the object: sysfs numbers each node once for all its mounts.
            const shared = inside?.entries.filter((e) => host?.entries.some((h) => h.name === e.name && h.inode === e.inode)) ?? [];
            const view = (v: SysNetView | undefined): string =>
              v === undefined ? '?' : `${v.entries.map((e) => `${e.name} (inode ${e.inode})`).join(' ') || '-'}, sysfs ${v.device}`;
            const ok =
              inside !== undefined &&
              host !== undefined &&
              same(
                inside.entries.map((e) => e.name),
                kernel,
              ) &&
              inside.device !== host.device &&
              shared.length === 0;
            return {
              ok,
              found: {
                en: `inside c1 (net:[${nsInode(c1, 'net')}]): ${view(inside)}; host (net:[${nsInode('self', 'net')}]): ${view(host)}; /proc/${c1}/net/dev: ${names(kernel)}`,
                zh: `c1 里（net:[${nsInode(c1, 'net')}]）：${view(inside)}；宿主机（net:[${nsInode('self', 'net')}]）：${view(host)}；/proc/${c1}/net/dev：${names(kernel)}`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'loopback',
      kind: 'demo',
      actions: [
        enter(['ip', 'addr', 'show', 'lo'], netOf('c1')),
        enter(linkUpArgv('lo'), netOf('c1')),
        enter(['ip', 'addr', 'show', 'lo'], netOf('c1')),
        enter(pingArgv('127.0.0.1'), netOf('c1')),
      ],
      checks: [
        {
          id: 'lo-up',
          title: { en: 'lo inside c1 is up', zh: 'c1 里的 lo 已经启用（UP）' },
          verify: (ctx) => {
            const flags = readSysNet('lo', 'flags', c1Root(ctx));
            return { ok: flagsUp(flags), found: `lo flags ${flags ?? '?'} (IFF_UP = 0x1)` };
          },
        },
        {
          id: 'lo-address',
          title: {
            en: 'lo inside c1 now has 127.0.0.1/8: the kernel added it when lo came up',
            zh: 'c1 里的 lo 现在有了 127.0.0.1/8：这是内核在 lo 启用时加上的',
          },
          verify: async (ctx) => {
            const lo = (await ipJson(ctx, 'c1', ['addr', 'show', 'dev', 'lo']))[0];
            const v4 = ipv4Of(lo);
            // ::1 comes with it unless IPv6 is disabled on this host: shown, not required.
            const v6 = (lo?.addr_info ?? []).filter((a) => a.family === 'inet6').map((a) => `${a.local}/${a.prefixlen}`);
            return {
              ok: v4.includes('127.0.0.1/8'),
              found: {
                en: `c1 lo <${lo?.flags.join(',') ?? '?'}>: IPv4 ${names(v4)}, IPv6 ${names(v6)}`,
                zh: `c1 的 lo <${lo?.flags.join(',') ?? '?'}>：IPv4 ${names(v4)}，IPv6 ${names(v6)}`,
              },
            };
          },
        },
        {
          id: 'loopback-answers',
          title: { en: '127.0.0.1 answers a ping inside c1', zh: '在 c1 里 ping 127.0.0.1 有回应' },
          verify: async (ctx) => {
            const result = await ctx.probe(nsenter(pingArgv('127.0.0.1'), netOf('c1'))(ctx));
            return {
              ok: result.exitCode === 0,
              found: { en: `ping exit status ${result.exitCode}`, zh: `ping 退出状态 ${result.exitCode}` },
            };
          },
        },
      ],
    },
    {
      id: 'veth',
      kind: 'demo',
      actions: [
        run(vethArgv(HOST_VETH, PEER_VETH), { creates: { kind: 'link', name: HOST_VETH } }),
        run(['ip', 'link', 'set', PEER_VETH, 'netns', pid('c1')]),
        enter(['ip', 'link', 'set', PEER_VETH, 'name', 'eth0'], netOf('c1')),
        enter(addAddressArgv(`${C1_IP}/${LINK_PREFIX}`, 'eth0'), netOf('c1')),
        enter(linkUpArgv('eth0'), netOf('c1')),
        run(addAddressArgv(`${HOST_IP}/${LINK_PREFIX}`, HOST_VETH)),
        run(linkUpArgv(HOST_VETH)),
        run(pingArgv(C1_IP, HOST_VETH)),
      ],
      checks: [
        {
          id: 'pair-crosses',
          title: {
            en: 'lab-veth0 on the host and eth0 in c1 are the two ends of one veth pair',
            zh: '宿主机上的 lab-veth0 和 c1 里的 eth0 是同一个 veth 设备对的两端',
          },
          verify: (ctx) => {
            const root = c1Root(ctx);
            const host = { index: readSysNet(HOST_VETH, 'ifindex'), peer: readSysNet(HOST_VETH, 'iflink') };
            const inner = { index: readSysNet('eth0', 'ifindex', root), peer: readSysNet('eth0', 'iflink', root) };
            const peerOnHost = listSysNet()?.includes(PEER_VETH) ?? false;
            const crossed = host.index !== undefined && inner.index !== undefined && host.peer === inner.index && inner.peer === host.index;
            const ends = `${HOST_VETH}: ifindex ${host.index ?? '-'}, iflink ${host.peer ?? '-'}; c1 eth0: ifindex ${inner.index ?? '-'}, iflink ${inner.peer ?? '-'}`;
            const endsZh = `${HOST_VETH}：ifindex ${host.index ?? '-'}，iflink ${host.peer ?? '-'}；c1 eth0：ifindex ${inner.index ?? '-'}，iflink ${inner.peer ?? '-'}`;
            return {
              ok: crossed && !peerOnHost,
              found: {
                en: `host ${ends}${peerOnHost ? `; ${PEER_VETH} is still on the host` : ''}`,
                zh: `宿主机 ${endsZh}${peerOnHost ? `；${PEER_VETH} 还在宿主机上` : ''}`,
              },
            };
          },
        },
        {
          id: 'addresses',
          title: {
            en: "the host has 198.51.100.1/30 on lab-veth0, c1 has 198.51.100.2/30 on eth0, and the host routes c1's address through lab-veth0",
            zh: '宿主机的 lab-veth0 上有 198.51.100.1/30，c1 的 eth0 上有 198.51.100.2/30，宿主机经 lab-veth0 去往 c1 的地址',
          },
          verify: async (ctx) => {
            const host = ipv4Of((await ipJson(ctx, 'host', ['addr', 'show', 'dev', HOST_VETH]))[0]);
            const inner = ipv4Of((await ipJson(ctx, 'c1', ['addr', 'show', 'dev', 'eth0']))[0]);
            const route = await ctx.probe(['ip', '-j', 'route', 'get', C1_IP]);
            const dev = routeDevice(route.stdout);
            return {
              ok: host.includes(`${HOST_IP}/${LINK_PREFIX}`) && inner.includes(`${C1_IP}/${LINK_PREFIX}`) && dev === HOST_VETH,
              found: {
                en: `${HOST_VETH}: ${names(host)}; c1 eth0: ${names(inner)}; route to ${C1_IP} via ${dev ?? '?'}`,
                zh: `${HOST_VETH}：${names(host)}；c1 eth0：${names(inner)}；去往 ${C1_IP} 的路由经过 ${dev ?? '?'}`,
              },
            };
          },
        },
        {
          id: 'ping-crosses',
          title: { en: 'c1 answers a ping from the host sent out of lab-veth0', zh: '宿主机从 lab-veth0 发出的 ping 得到了 c1 的回应' },
          settle: 1000,
          verify: async (ctx) => {
            if (!hostLinkUp())
              return { ok: false, found: { en: `${HOST_VETH} is missing or down: nothing sent`, zh: `${HOST_VETH} 不存在或未启用：没有发送任何包` } };
            const result = await ctx.probe(pingArgv(C1_IP, HOST_VETH));
            return { ok: result.exitCode === 0, found: { en: `ping exit status ${result.exitCode}`, zh: `ping 退出状态 ${result.exitCode}` } };
          },
        },
      ],
    },
    {
      id: 'ports',
      kind: 'demo',
      actions: [
        run(listenersArgv(PORT)),
        startInside('c1-server', replyServerArgv(PORT, C1_REPLY), { ...netOf('c1'), listens: PORT }),
        hostProcess('host-server', replyServerArgv(PORT, HOST_REPLY, '127.0.0.1'), { listens: PORT }),
        run(listenersArgv(PORT)),
        enter(listenersArgv(PORT), netOf('c1')),
        run(tcpClientArgv('127.0.0.1', PORT)),
        enter(tcpClientArgv('127.0.0.1', PORT), netOf('c1')),
        run(tcpClientArgv(C1_IP, PORT)),
        enter(tcpClientArgv(HOST_IP, PORT), { ...netOf('c1'), expect: 'fail' }),
      ],
      checks: [
        {
          id: 'two-listeners',
          title: {
            en: "port 28080 is taken twice: on 127.0.0.1 in the host's namespace and on every address in c1's",
            zh: '28080 端口被占用了两次：宿主机命名空间里的 127.0.0.1 上一次，c1 命名空间里的所有地址上一次',
          },
          settle: 1000,
          verify: (ctx) => {
            const host = ownedListeners('self', pidOf(ctx, 'host-server'));
            const inner = ownedListeners(pidOf(ctx, 'c1'), pidOf(ctx, 'c1-server'));
            const hostOk = host.all.length === 1 && host.owned.length === 1 && host.owned[0]!.address === '127.0.0.1';
            const innerOk = inner.owned.length > 0 && inner.owned.every((s) => s.address === '::' || s.address === '0.0.0.0');
            return {
              ok: hostOk && innerOk,
              found: {
                en: `host listeners: ${endpoints(host.all)} (ours: ${endpoints(host.owned)}); c1 listeners: ${endpoints(inner.all)} (ours: ${endpoints(inner.owned)})`,
                zh: `宿主机上的监听：${endpoints(host.all)}（实验的：${endpoints(host.owned)}）；c1 里的监听：${endpoints(inner.all)}（实验的：${endpoints(inner.owned)}）`,
              },
            };
          },
        },
        {
          id: 'loopback-per-namespace',
          title: {
            en: "127.0.0.1:28080 reaches the host's server from the host and c1's server from c1",
            zh: '从宿主机访问 127.0.0.1:28080 到达宿主机的服务器，从 c1 访问则到达 c1 的服务器',
          },
          settle: 1000,
          verify: async (ctx) => {
            const fromHost = await ctx.probe(tcpClientArgv('127.0.0.1', PORT));
            const fromC1 = await ctx.probe(nsenter(tcpClientArgv('127.0.0.1', PORT), netOf('c1'))(ctx));
            return {
              ok:
                fromHost.exitCode === 0 &&
                fromHost.stdout.trim() === HOST_REPLY.join(' ') &&
                fromC1.exitCode === 0 &&
                fromC1.stdout.trim() === C1_REPLY.join(' '),
              found: {
                en: `from the host: ${answer(fromHost)}; from c1: ${answer(fromC1)}`,
                zh: `从宿主机：${answerZh(fromHost)}；从 c1：${answerZh(fromC1)}`,
              },
            };
          },
        },
        {
          id: 'reach-by-address',
          title: {
            en: "the host reaches c1's server at 198.51.100.2; c1 cannot reach the host's 127.0.0.1-only server at 198.51.100.1",
            zh: '宿主机能通过 198.51.100.2 访问 c1 的服务器；c1 通过 198.51.100.1 访问不到宿主机上只监听 127.0.0.1 的服务器',
          },
          settle: 1000,
          verify: async (ctx) => {
            if (!hostLinkUp())
              return { ok: false, found: { en: `${HOST_VETH} is missing or down: nothing sent`, zh: `${HOST_VETH} 不存在或未启用：没有发送任何包` } };
            const hostServing = ownedListeners('self', pidOf(ctx, 'host-server')).owned.length > 0;
            const toC1 = await ctx.probe(tcpClientArgv(C1_IP, PORT));
            const toHost = await ctx.probe(nsenter(tcpClientArgv(HOST_IP, PORT), netOf('c1'))(ctx));
            return {
              ok: hostServing && toC1.exitCode === 0 && toC1.stdout.trim() === C1_REPLY.join(' ') && toHost.exitCode !== 0,
              found: {
                en: `host → ${C1_IP}:${PORT}: ${answer(toC1)}; c1 → ${HOST_IP}:${PORT}: ${answer(toHost)}; host server listening: ${hostServing ? 'yes' : 'no'}`,
                zh: `宿主机 → ${C1_IP}:${PORT}：${answerZh(toC1)}；c1 → ${HOST_IP}:${PORT}：${answerZh(toHost)}；宿主机服务器在监听：${hostServing ? '是' : '否'}`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'bridge',
      kind: 'demo',
      actions: [
        netns('switch'),
        enter(['ip', 'link', 'add', BRIDGE, 'type', 'bridge'], netOf('switch')),
        enter(linkUpArgv(BRIDGE), netOf('switch')),
        netns('c2'),
        netns('c3'),
        enter((ctx) => vethArgv('lab-c2', 'eth0', pidOf(ctx, 'c2')), netOf('switch')),
        enter(linkUpArgv('lab-c2', BRIDGE), netOf('switch')),
        enter((ctx) => vethArgv('lab-c3', 'eth0', pidOf(ctx, 'c3')), netOf('switch')),
        enter(linkUpArgv('lab-c3', BRIDGE), netOf('switch')),
        enter(addAddressArgv(`${C2_IP}/24`, 'eth0'), netOf('c2')),
        enter(linkUpArgv('eth0'), netOf('c2')),
        enter(addAddressArgv(`${C3_IP}/24`, 'eth0'), netOf('c3')),
        enter(linkUpArgv('eth0'), netOf('c3')),
        enter(pingArgv(C3_IP), netOf('c2')),
        enter(['bridge', 'link'], netOf('switch')),
      ],
      checks: [
        {
          id: 'bridge-mode',
          title: {
            en: "lab-br0 is up in the switch namespace, and the eth0 of c2 and of c3 are each the far end of one of its ports (Docker's bridge mode); the host has no lab-br0",
            zh: 'lab-br0 在 switch 命名空间里已启用，c2 和 c3 的 eth0 各自是它一个端口的另一端（Docker 的 bridge 模式）；宿主机上没有 lab-br0',
          },
          verify: async (ctx) => {
            const sw = await ipJson(ctx, 'switch', ['-d', 'link', 'show']);
            const bridge = sw.find((l) => l.ifname === BRIDGE && l.linkinfo?.info_kind === 'bridge');
            const pairs: string[] = [];
            let plugged = 0;
            for (const name of ['c2', 'c3']) {
              const eth0 = (await ipJson(ctx, name, ['link', 'show', 'eth0']))[0];
              const port = sw.find((l) => l.ifname === `lab-${name}`);
              const ok = port?.master === BRIDGE && isUp(port) && isUp(eth0) && port.link_index === eth0?.ifindex && eth0?.link_index === port.ifindex;
              if (ok) plugged++;
              pairs.push(
                `lab-${name} [ifindex ${port?.ifindex ?? '-'}, link ${port?.link_index ?? '-'}, master ${port?.master ?? '-'}] ↔ ${name} eth0 [ifindex ${eth0?.ifindex ?? '-'}, link ${eth0?.link_index ?? '-'}]`,
              );
            }
            const onHost = listSysNet()?.includes(BRIDGE) ?? false;
            return {
              ok: bridge !== undefined && isUp(bridge) && plugged === 2 && !onHost,
              found: {
                en: `${BRIDGE}: ${bridge ? `<${bridge.flags.join(',')}>` : 'missing'}; ${pairs.join('; ')}; ${BRIDGE} on the host: ${onHost ? 'yes' : 'no'}`,
                zh: `${BRIDGE}：${bridge ? `<${bridge.flags.join(',')}>` : '不存在'}；${pairs.join('；')}；宿主机上有 ${BRIDGE}：${onHost ? '是' : '否'}`,
              },
            };
          },
        },
        {
          id: 'containers-talk',
          title: {
            en: "c2 pings c3 across lab-br0, and c2's ARP table holds the MAC address of c3's eth0",
            zh: 'c2 经 lab-br0 ping 通 c3，c2 的 ARP 表里记着 c3 的 eth0 的 MAC 地址',
          },
          settle: 1000,
          verify: async (ctx) => {
            const result = await ctx.probe(nsenter(pingArgv(C3_IP), netOf('c2'))(ctx));
            const mac = (await ipJson(ctx, 'c3', ['link', 'show', 'eth0']))[0]?.address;
            const entry = readArp(pidOf(ctx, 'c2'))?.find((e) => e.address === C3_IP && e.complete);
            return {
              ok: result.exitCode === 0 && mac !== undefined && entry?.mac === mac,
              found: {
                en: `ping exit status ${result.exitCode}; c2 ARP: ${C3_IP} at ${entry?.mac ?? '-'}; c3 eth0 is ${mac ?? '-'}`,
                zh: `ping 退出状态 ${result.exitCode}；c2 的 ARP 表：${C3_IP} 对应 ${entry?.mac ?? '-'}；c3 eth0 的 MAC 是 ${mac ?? '-'}`,
              },
            };
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'veth-host-end',
      answer: { choice: 3 },
    },
    {
      id: 'connect',
      kind: 'task',
      shell: 'lab',
      solution: [
        enter((ctx) => vethArgv('eth1', 'lab-c1', pidOf(ctx, 'switch')), netOf('c1')),
        enter(linkUpArgv('lab-c1', BRIDGE), netOf('switch')),
        enter(addAddressArgv(`${C1_BRIDGE_IP}/24`, 'eth1'), netOf('c1')),
        enter(linkUpArgv('eth1'), netOf('c1')),
        enter(pingArgv(C2_IP), netOf('c1')),
      ],
      checks: [
        {
          id: 'c1-plugged',
          title: {
            en: 'c1 has a second interface, up, with an address in 203.0.113.0/24, whose veth peer is an up port of lab-br0',
            zh: 'c1 有了第二个网卡，已启用，地址在 203.0.113.0/24 内，它的 veth 对端是 lab-br0 上一个已启用的端口',
          },
          verify: async (ctx): Promise<Verdict> => {
            const { link, address, port } = await c1OnBridge(ctx);
            if (!link)
              return {
                ok: false,
                found: { en: 'c1 has no interface besides eth0 with an address in 203.0.113.0/24', zh: 'c1 除了 eth0 之外没有地址在 203.0.113.0/24 内的网卡' },
              };
            const mine = `c1 ${link.ifname} <${link.flags.join(',')}> ${address}`;
            const peer = port ? `${port.ifname} <${port.flags.join(',')}>` : '-';
            return {
              ok: isUp(link) && port !== undefined && isUp(port),
              found: { en: `${mine}; its peer on ${BRIDGE}: ${peer}`, zh: `${mine}；它在 ${BRIDGE} 上的对端：${peer}` },
            };
          },
        },
        {
          id: 'c2-reaches-c1',
          title: {
            en: "c2 pings c1's new address, and c2's ARP table holds the MAC address of c1's new interface",
            zh: 'c2 ping 通 c1 的新地址，c2 的 ARP 表里记着 c1 新网卡的 MAC 地址',
          },
          settle: 1000,
          verify: async (ctx): Promise<Verdict> => {
            const { link, address } = await c1OnBridge(ctx);
            if (!link || !address)
              return { ok: false, found: { en: 'c1 has no address on the bridge network to ping', zh: 'c1 在网桥网络上没有可以 ping 的地址' } };
            const result = await ctx.probe(nsenter(pingArgv(address), netOf('c2'))(ctx));
            const entry = readArp(pidOf(ctx, 'c2'))?.find((e) => e.address === address && e.complete);
            return {
              ok: result.exitCode === 0 && entry?.mac === link.address,
              found: {
                en: `ping ${address} exit status ${result.exitCode}; c2 ARP: ${address} at ${entry?.mac ?? '-'}; c1 ${link.ifname} is ${link.address ?? '-'}`,
                zh: `ping ${address} 退出状态 ${result.exitCode}；c2 的 ARP 表：${address} 对应 ${entry?.mac ?? '-'}；c1 ${link.ifname} 的 MAC 是 ${link.address ?? '-'}`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'modes',
      kind: 'demo',
      actions: [
        startInside('joined', ['sleep', 'infinity'], netOf('c2')),
        netns('none'),
        enter(linkUpArgv('lo'), netOf('none')),
        hostProcess('host-mode', ['sleep', 'infinity']),
        run(['readlink', '/proc/self/ns/net', ...['host-mode', 'none', 'c2', 'joined'].map((name) => proc(name, 'ns/net'))]),
        enter(['ip', '-br', 'addr'], netOf('joined')),
      ],
      checks: [
        {
          id: 'none-mode',
          title: {
            en: '--network none: a namespace of its own with lo, up, and nothing else but fallback tunnel devices, down',
            zh: '--network none：自己的命名空间，里面有已启用的 lo，除了未启用的回退隧道设备之外别无其他',
          },
          verify: async (ctx) => {
            const pid = pidOf(ctx, 'none');
            const inode = nsInode(pid, 'net');
            const found = await newNamespaceLinks(ctx, 'none');
            const links = describeLinks(pid, found);
            return {
              ok: inode !== undefined && inode !== nsInode('self', 'net') && onlyLoAndFallback(found.links, 'up'),
              found: { en: `none net:[${inode}]; ${links.en}`, zh: `none net:[${inode}]；${links.zh}` },
            };
          },
        },
        {
          id: 'host-mode',
          title: {
            en: "--network host: no namespace of its own, the same inode as the host's",
            zh: '--network host：没有自己的命名空间，inode 与宿主机的相同',
          },
          verify: (ctx) => {
            const inode = nsInode(pidOf(ctx, 'host-mode'), 'net');
            const host = nsInode('self', 'net');
            return {
              ok: inode !== undefined && inode === host,
              found: { en: `host-mode net:[${inode}], host net:[${host}]`, zh: `host-mode net:[${inode}]，宿主机 net:[${host}]` },
            };
          },
        },
        {
          id: 'container-mode',
          title: {
            en: "--network container:c2: the joined process has c2's namespace inode and sees c2's address",
            zh: '--network container:c2：加入的进程与 c2 的命名空间 inode 相同，看得到 c2 的地址',
          },
          settle: 1000,
          verify: (ctx) => {
            const joined = pidOf(ctx, 'joined');
            const inode = nsInode(joined, 'net');
            const c2 = nsInode(pidOf(ctx, 'c2'), 'net');
            const addresses = readLocalAddresses(joined);
            return {
              ok: inode !== undefined && inode === c2 && (addresses?.includes(C2_IP) ?? false),
              found: {
                en: `joined net:[${inode}], c2 net:[${c2}]; addresses joined sees: ${names(addresses)}`,
                zh: `joined net:[${inode}]，c2 net:[${c2}]；joined 看到的地址：${names(addresses)}`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'stop',
      kind: 'demo',
      actions: [
        run((ctx) => ['kill', '-KILL', ...inC1Netns(ctx).map(String)]),
        run(['kill', '-KILL', pid('c3')]),
        run(['kill', '-KILL', pid('c2')]),
        enter(['ip', '-br', 'addr'], netOf('joined')),
      ],
      checks: [
        {
          id: 'host-veth-gone',
          title: {
            en: "with no process left in c1's namespace, the kernel destroyed it and lab-veth0 vanished from the host",
            zh: 'c1 的命名空间里一个进程也不剩，内核销毁了它，lab-veth0 也从宿主机上消失了',
          },
          settle: 2000,
          verify: (ctx) => {
            const inode = ctx.proc('c1').ns.net;
            const left = inode === undefined ? [] : pidsInNamespace('net', inode);
            const link = listSysNet()?.includes(HOST_VETH) ?? false;
            return {
              ok: inode !== undefined && left.length === 0 && !link,
              found: {
                en: `processes in net:[${inode}]: ${left.join(' ') || 'none'}; /sys/class/net/${HOST_VETH}: ${link ? 'present' : 'gone'}`,
                zh: `net:[${inode}] 中的进程：${left.join(' ') || '无'}；/sys/class/net/${HOST_VETH}：${link ? '还在' : '已消失'}`,
              },
            };
          },
        },
        {
          id: 'port-gone',
          title: {
            en: 'c3 is gone, and so is its port lab-c3 on lab-br0',
            zh: 'c3 已经不在，它在 lab-br0 上的端口 lab-c3 也没了',
          },
          settle: 2000,
          verify: (ctx) => {
            const alive = isAlive(pidOf(ctx, 'c3'));
            const links = readNetDev(pidOf(ctx, 'switch'));
            const present = links?.includes('lab-c3') ?? true;
            return {
              ok: !alive && links !== undefined && !present,
              found: {
                en: `c3 ${alive ? 'running' : 'gone'}; switch interfaces: ${names(links)}`,
                zh: `c3 ${alive ? '仍在运行' : '已经不在'}；switch 里的网卡：${names(links)}`,
              },
            };
          },
        },
        {
          id: 'joined-keeps-netns',
          title: {
            en: "c2's first process is gone, yet its namespace lives on in the joined process, with lab-c2 still on the bridge",
            zh: 'c2 的第一个进程已经不在，它的命名空间却因为加入的进程还在而继续存在，lab-c2 仍接在网桥上',
          },
          settle: 2000,
          verify: (ctx) => {
            const c2 = ctx.proc('c2');
            const alive = isAlive(c2.pid);
            const joined = nsInode(pidOf(ctx, 'joined'), 'net');
            const port = readNetDev(pidOf(ctx, 'switch'))?.includes('lab-c2') ?? false;
            return {
              ok: !alive && joined !== undefined && joined === c2.ns.net && port,
              found: {
                en: `c2 ${alive ? 'running' : 'gone'}; joined net:[${joined ?? '-'}], c2 had net:[${c2.ns.net}]; lab-c2 on the switch: ${port ? 'yes' : 'no'}`,
                zh: `c2 ${alive ? '仍在运行' : '已经不在'}；加入的进程 net:[${joined ?? '-'}]，c2 原来是 net:[${c2.ns.net}]；switch 上有 lab-c2：${port ? '是' : '否'}`,
              },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
