// The container-network lab's checks of the modes: none (a namespace with lo alone), host (the host's own namespace),
// the default bridge (a namespace of its own, pinned under /run/netns, with eth0: one end of a veth pair whose other
// end is a port of lab-br0 in lab-host-net, an address from lab's allocator and a default route via the bridge), and
// container:<name> (another container's namespace joined).
import { readFileSync } from 'node:fs';
import { formatSubnet } from '../../src/kernel/ipv4.js';
import { DEFAULT_NETWORK, HOST_NETNS } from '../../src/kernel/network-plan.js';
import { nsInode } from '../../src/kernel/proc.js';
import type { Check, CheckContext } from '../../src/lab/spec.js';
import { bilingual } from '../../src/common/vocabulary.js';
import { SHARED_PORT } from './actions.js';
import { addressesOf, addressValue, defaultRoute, holdersOf, initOf, inodeOf, linksOf, pinOf, shortId, TCP_STATES, tcpOf } from './net.js';

/** Two lists of names as the same set. */
const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().join(' ') === [...b].sort().join(' ');

/** The links of a namespace, for a finding. */
const shownLinks = (links: readonly string[]): string => links.join(' ') || '-';

/** none and host. */
export const checksOfModes: Check[] = [
  {
    id: 'none-lo-only',
    title: {
      en: "--network none: the container has a network namespace of its own, with no link but lo (and a tunnel module's fallback devices, if loaded)",
      zh: '--network none：容器有自己的网络命名空间，里面除了 lo（以及已加载的隧道模块的回退设备）之外没有任何网络接口',
    },
    verify: (ctx) => {
      const pid = initOf(ctx, 'none');
      const net = nsInode(pid, 'net');
      const links = linksOf(pid);
      return {
        ok: net !== undefined && net !== nsInode('self', 'net') && sameSet(links, ['lo']),
        found: bilingual(
          (say) =>
            `${say('host', '宿主机')} net:[${nsInode('self', 'net')}]${say(', container', '，容器')} net:[${net ?? '?'}]${say('; its links: ', '；它的网络接口：')}${shownLinks(links)}`,
        ),
      };
    },
  },
  {
    id: 'host-shares',
    title: {
      en: "--network host: the container's network namespace is the host's own (the same inode), so it has every link the host has, while its PID and mount namespaces are its own",
      zh: '--network host：容器的网络命名空间就是宿主机自己的（同一个 inode），所以宿主机有的网络接口它都有，而它的 PID 和挂载命名空间是自己的',
    },
    verify: (ctx) => {
      const pid = initOf(ctx, 'host');
      const net = nsInode(pid, 'net');
      const links = linksOf(pid);
      const own = (['pid', 'mnt'] as const).filter((type) => nsInode(pid, type) !== nsInode('self', type));
      return {
        ok: net !== undefined && net === nsInode('self', 'net') && sameSet(links, linksOf('self')) && own.length === 2,
        found: bilingual(
          (say) =>
            `${say('host', '宿主机')} net:[${nsInode('self', 'net')}]${say(', container', '，容器')} net:[${net ?? '?'}]${say('; its links: ', '；它的网络接口：')}${shownLinks(links)}${say("; the host's: ", '；宿主机的：')}${shownLinks(linksOf('self'))}${say('; its own: ', '；自己的：')}${own.join(' ') || '-'}`,
        ),
      };
    },
  },
];

/** `ip -n lab-host-net -j link show dev NAME`: the link as the kernel describes it over netlink, or undefined. */
async function hostNetLink(ctx: CheckContext, name: string): Promise<{ ifindex?: number; link_index?: number; master?: string } | undefined> {
  const result = await ctx.probe(['ip', '-n', HOST_NETNS, '-j', 'link', 'show', 'dev', name]);
  if (result.exitCode !== 0) return undefined;
  try {
    return (JSON.parse(result.stdout) as { ifindex?: number; link_index?: number; master?: string }[])[0];
  } catch {
    return undefined;
  }
}

/** A number in a sysfs file of the container's own /sys (mounted in its network namespace), or undefined. */
function sysNumber(pid: number, path: string): number | undefined {
  try {
    const value = Number(readFileSync(`/proc/${pid}/root/sys/class/net/${path}`, 'utf8').trim());
    return Number.isInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The default bridge. */
export const checksOfBridge: Check[] = [
  {
    id: 'own-pinned',
    title: {
      en: 'the default network (bridge): the container has a network namespace of its own, the very one lab pinned at /run/netns/lab-c<id12> before it started, with lo and eth0',
      zh: '默认网络（bridge）：容器有自己的网络命名空间，正是 lab 在它启动前钉在 /run/netns/lab-c<id12> 上的那一个，里面有 lo 和 eth0',
    },
    verify: (ctx) => {
      const pid = initOf(ctx, 'web');
      const id = shortId(pid);
      const pin = id === undefined ? undefined : pinOf(id);
      const pinned = pin === undefined ? undefined : inodeOf(pin);
      const net = nsInode(pid, 'net');
      const links = linksOf(pid);
      return {
        ok: net !== undefined && net !== nsInode('self', 'net') && pinned === net && sameSet(links, ['lo', 'eth0']),
        found: bilingual(
          (say) =>
            `${say('container', '容器')} net:[${net ?? '?'}]${say(', host', '，宿主机')} net:[${nsInode('self', 'net')}]${say('; ', '；')}${pin ?? 'lab-c?'}${say(': inode ', '：inode ')}${pinned ?? say('none', '无')}${say('; its links: ', '；它的网络接口：')}${shownLinks(links)}`,
        ),
      };
    },
  },
  {
    id: 'veth-on-bridge',
    title: {
      en: `eth0 is one end of a veth pair: its peer (iflink) is lab-v<id8> in ${HOST_NETNS}, a port of the bridge ${DEFAULT_NETWORK.bridge} (its master), whose own peer is eth0's ifindex`,
      zh: `eth0 是一对 veth 的一端：它的对端（iflink）是 ${HOST_NETNS} 里的 lab-v<id8>，网桥 ${DEFAULT_NETWORK.bridge} 的一个端口（master 是它），而 lab-v<id8> 的对端正是 eth0 的 ifindex`,
    },
    verify: async (ctx) => {
      const pid = initOf(ctx, 'web');
      const id = shortId(pid) ?? '';
      const hostEnd = `lab-v${id.slice(0, 8)}`;
      const link = await hostNetLink(ctx, hostEnd);
      const ifindex = sysNumber(pid, 'eth0/ifindex');
      const iflink = sysNumber(pid, 'eth0/iflink');
      return {
        ok: id !== '' && link?.master === DEFAULT_NETWORK.bridge && link.ifindex === iflink && link.link_index === ifindex && ifindex !== undefined,
        found: bilingual(
          (say) =>
            `eth0${say(': ifindex ', '：ifindex ')}${ifindex ?? '?'}, iflink ${iflink ?? '?'}${say(`; ${hostEnd} in ${HOST_NETNS}: `, `；${HOST_NETNS} 里的 ${hostEnd}：`)}${link ? `ifindex ${link.ifindex ?? '?'}, link ${link.link_index ?? '?'}, master ${link.master ?? say('none', '无')}` : say('no such link', '没有这个接口')}`,
        ),
      };
    },
  },
  {
    id: 'address-and-route',
    title: {
      en: `eth0 has an address in ${formatSubnet(DEFAULT_NETWORK.subnet)} above the gateway ${DEFAULT_NETWORK.gateway}, and the namespace's default route goes out of eth0 via ${DEFAULT_NETWORK.gateway}, the bridge's own address`,
      zh: `eth0 有一个 ${formatSubnet(DEFAULT_NETWORK.subnet)} 中、排在网关 ${DEFAULT_NETWORK.gateway} 之后的地址，命名空间的默认路由从 eth0 出去，经由网桥自己的地址 ${DEFAULT_NETWORK.gateway}`,
    },
    verify: (ctx) => {
      const pid = initOf(ctx, 'web');
      const addresses = addressesOf(pid);
      const route = defaultRoute(pid);
      const inSubnet = addresses.length === 1 && addresses[0]!.startsWith('172.17.') && addressValue(addresses[0]!) > addressValue(DEFAULT_NETWORK.gateway);
      return {
        ok: inSubnet && route?.device === 'eth0' && route.gateway === DEFAULT_NETWORK.gateway,
        found: bilingual(
          (say) =>
            `${say('addresses: ', '地址：')}${addresses.join(' ') || say('none', '无')}${say('; default route: ', '；默认路由：')}${route ? `dev ${route.device} via ${route.gateway}` : say('none', '无')}`,
        ),
      };
    },
  },
];

/** container:<name>. */
export const checkSide: Check = {
  id: 'joins-web',
  title: {
    en: "--network container:<web>: the second container is in the web container's network namespace (the same inode, the same eth0 and address), while its PID and mount namespaces are its own",
    zh: '--network container:<web>：第二个容器在 web 容器的网络命名空间里（同一个 inode，同一个 eth0 和地址），而它的 PID 和挂载命名空间是自己的',
  },
  verify: (ctx) => {
    const web = initOf(ctx, 'web');
    const side = initOf(ctx, 'side');
    const own = (['pid', 'mnt'] as const).filter((type) => nsInode(side, type) !== nsInode(web, type));
    const same = nsInode(side, 'net') === nsInode(web, 'net');
    return {
      ok: same && own.length === 2 && addressesOf(side).join() === addressesOf(web).join() && addressesOf(side).length === 1,
      found: bilingual(
        (say) =>
          `web net:[${nsInode(web, 'net') ?? '?'}] ${addressesOf(web).join(' ')}${say(', second', '，第二个')} net:[${nsInode(side, 'net') ?? '?'}] ${addressesOf(side).join(' ')}${say('; its own: ', '；自己的：')}${own.join(' ') || '-'}`,
      ),
    };
  },
};

/** The learner's task: a server in web, reached from the second container over the shared loopback. */
export const checkSharedLo: Check = {
  id: 'server-over-lo',
  title: {
    en: `a server listens on port ${SHARED_PORT} in the shared network namespace, held by a process of web's PID namespace, and a connection on 127.0.0.1 to port ${SHARED_PORT} went both ways over the loopback both containers share`,
    zh: `共享的网络命名空间里有一个服务器在 ${SHARED_PORT} 端口上监听，由 web 的 PID 命名空间里的进程持有；还有一个连接在两个容器共用的回环接口上，从 127.0.0.1 连到 127.0.0.1 的 ${SHARED_PORT} 端口`,
  },
  verify: (ctx) => {
    const web = initOf(ctx, 'web');
    const side = initOf(ctx, 'side');
    const sockets = tcpOf(web);
    const listening = sockets.filter((s) => s.localPort === SHARED_PORT && s.state === '0A');
    const holders = listening.flatMap((s) => holdersOf(s.inode));
    const inWeb = holders.filter((pid) => nsInode(pid, 'pid') === nsInode(web, 'pid'));
    const overLo = sockets.filter(
      (s) => s.state !== '0A' && (s.localPort === SHARED_PORT || s.remotePort === SHARED_PORT) && s.local === '127.0.0.1' && s.remote === '127.0.0.1',
    );
    return {
      ok: nsInode(side, 'net') === nsInode(web, 'net') && listening.length > 0 && inWeb.length > 0 && overLo.length > 0,
      found: bilingual(
        (say) =>
          `${say(`listening on ${SHARED_PORT}: `, `在 ${SHARED_PORT} 上监听：`)}${listening.map((s) => `socket:[${s.inode}]`).join(' ') || say('nothing', '没有')}${say(", held in web's PID namespace by ", '，在 web 的 PID 命名空间里由 ')}${inWeb.map((pid) => `PID ${pid}`).join(' ') || say('nobody', '无人')}${say('', ' 持有')}${say('; over 127.0.0.1: ', '；经由 127.0.0.1：')}${overLo.map((s) => `${s.local}:${s.localPort} <-> ${s.remote}:${s.remotePort} ${TCP_STATES[s.state] ?? s.state}`).join(', ') || say('none', '无')}`,
      ),
    };
  },
};
