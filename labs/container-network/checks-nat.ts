// The container-network lab's checks of the way out and the way in: NAT (the server in lab-internet saw the uplink's
// address, never the container's, under the masquerade rule of lab-host-net; lab-internet has no route back to the
// bridge's subnet) and `-p` (the host's listening socket held by a proxy living in lab-host-net; the container sees
// its connections come from the bridge's address, not from the host's loopback).
import { DEFAULT_NETWORK, HOST_NETNS, NAT_TABLE, UPLINK } from '../../src/kernel/network-plan.js';
import { nsInode } from '../../src/kernel/proc.js';
import type { Check, CheckContext } from '../../src/lab/spec.js';
import { bilingual } from '../../src/common/vocabulary.js';
import { ctxPort, INTERNET_PORT, webAddress } from './actions.js';
import { addressesOf, defaultRoute, holdersOf, routeFor, initOf, inodeOf, shownSocket, TCP_STATES, tcpOf } from './net.js';

/** The uplink's address on lab-host-net's side, without its prefix: what the internet sees of every container. */
const UPLINK_ADDRESS = UPLINK.hostAddress.split('/')[0]!;

/** The TCP state LISTEN in /proc/net/tcp. */
const LISTEN = '0A';

/** `nft -j list table ip NAME` in lab-host-net: its rules, each as the JSON the kernel's ruleset gave. */
export async function nftRules(ctx: CheckContext, table: string): Promise<string[]> {
  const result = await ctx.probe(['ip', 'netns', 'exec', HOST_NETNS, 'nft', '-j', 'list', 'table', 'ip', table]);
  if (result.exitCode !== 0) return [];
  try {
    const items = (JSON.parse(result.stdout) as { nftables?: { rule?: unknown }[] }).nftables ?? [];
    return items.flatMap((item) => (item.rule === undefined ? [] : [JSON.stringify(item.rule)]));
  } catch {
    return [];
  }
}

/** One direction of a tracked connection: addresses and ports. */
interface Tuple {
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

/** The TCP connections lab-host-net's connection tracking holds (/proc/net/nf_conntrack read there): each direction. */
async function conntrack(ctx: CheckContext): Promise<{ original: Tuple; reply: Tuple }[]> {
  const result = await ctx.probe(['ip', 'netns', 'exec', HOST_NETNS, 'cat', '/proc/net/nf_conntrack']);
  if (result.exitCode !== 0) return [];
  return result.stdout.split('\n').flatMap((line) => {
    if (!/\btcp\b/.test(line)) return [];
    const values = (key: string): string[] => [...line.matchAll(new RegExp(`\\b${key}=(\\S+)`, 'g'))].map((m) => m[1]!);
    const [src, dst, sport, dport] = [values('src'), values('dst'), values('sport'), values('dport')];
    if (src.length < 2 || dst.length < 2 || sport.length < 2 || dport.length < 2) return [];
    const tuple = (i: number): Tuple => ({ src: src[i]!, dst: dst[i]!, sport: Number(sport[i]), dport: Number(dport[i]) });
    return [{ original: tuple(0), reply: tuple(1) }];
  });
}

/** NAT to lab-internet. */
export const checksOfNat: Check[] = [
  {
    id: 'masqueraded',
    title: {
      en: `the connection left the container as 172.17.x -> 203.0.113.2:${INTERNET_PORT} (its socket, or the server's from ${UPLINK_ADDRESS}: whichever end closed first keeps it), and lab-host-net's connection tracking table (/proc/net/nf_conntrack) holds it with the answer going to ${UPLINK_ADDRESS}, its own uplink address: the masquerade rule of the ${NAT_TABLE} table rewrote the source`,
      zh: `连接离开容器时是 172.17.x -> 203.0.113.2:${INTERNET_PORT}（容器的套接字，或服务器上来自 ${UPLINK_ADDRESS} 的那个：先关闭的一端会保留它），而 lab-host-net 的连接跟踪表（/proc/net/nf_conntrack）记着它，回应要发往 ${UPLINK_ADDRESS}，也就是 lab-host-net 自己的上行链路地址：是 ${NAT_TABLE} 表的地址伪装（masquerade）规则改写了源地址`,
    },
    verify: async (ctx) => {
      const container = webAddress(ctx);
      const mine = tcpOf(initOf(ctx, 'web')).filter((s) => s.remotePort === INTERNET_PORT && s.remote === '203.0.113.2');
      // The end that closes first keeps its socket (TIME_WAIT): the container's, or the server's in lab-internet,
      // which saw the connection come from the uplink address.
      const theirs = tcpOf(ctx.proc('internet').pid).filter((s) => s.localPort === INTERNET_PORT && s.remote === UPLINK_ADDRESS);
      const tracked = await conntrack(ctx);
      const translated = tracked.filter((c) => c.original.src === container && c.original.dport === INTERNET_PORT && c.reply.dst === UPLINK_ADDRESS);
      const rules = (await nftRules(ctx, NAT_TABLE)).filter(
        (r) => r.includes('"masquerade"') && r.includes('"172.17.0.0"') && r.includes(`"${UPLINK.hostEnd}"`),
      );
      return {
        ok: container.startsWith('172.17.') && (mine.some((s) => s.local === container) || theirs.length > 0) && translated.length > 0 && rules.length === 1,
        found: bilingual(
          (say) =>
            `${say("the container's sockets to 203.0.113.2: ", '容器里通往 203.0.113.2 的套接字：')}${mine.map((s) => `${s.local}:${s.localPort} -> ${s.remote}:${s.remotePort} ${TCP_STATES[s.state] ?? s.state}`).join(', ') || say('none', '无')}${say("; the server's, in lab-internet: ", '；lab-internet 里服务器的：')}${theirs.map(shownSocket).join(', ') || say('none', '无')}${say('; tracked in lab-host-net: ', '；lab-host-net 跟踪的连接：')}${translated.map((c) => `${c.original.src}:${c.original.sport} -> ${c.original.dst}:${c.original.dport}, ${say('answer to', '回应发往')} ${c.reply.dst}:${c.reply.dport}`).join('; ') || say('none', '无')}${say(`; masquerade rules for 172.17.0.0/16 out of ${UPLINK.hostEnd}: `, `；从 ${UPLINK.hostEnd} 出去的 172.17.0.0/16 地址伪装规则：`)}${rules.length}`,
        ),
      };
    },
  },
  {
    id: 'no-way-back',
    title: {
      en: "without the rewrite no answer could come back: lab-internet's routing table (/proc/<pid>/net/route) has no route to the container's address and no default route, only its own 203.0.113.0/24, and `ip route get` there failed",
      zh: '没有这次改写，回应就回不来：lab-internet 的路由表（/proc/<pid>/net/route）里没有通往容器地址的路由，也没有默认路由，只有它自己的 203.0.113.0/24，在那里运行 `ip route get` 也失败了',
    },
    verify: (ctx) => {
      const recorded = ctx.get('way-back');
      const server = ctx.proc('internet').pid;
      const route = defaultRoute(server);
      const container = webAddress(ctx);
      const back = routeFor(server, container);
      const uplink = routeFor(server, UPLINK_ADDRESS);
      return {
        ok: recorded !== 'exit 0' && route === undefined && back === undefined && uplink !== undefined,
        found: bilingual(
          (say) =>
            `ip route get ${container}${say(' in lab-internet: ', '（在 lab-internet 里）：')}${recorded}${say(`; its route to ${container}: `, `；它通往 ${container} 的路由：`)}${back ? `${back.destination} dev ${back.device}` : say('none', '无')}${say(`, to ${UPLINK_ADDRESS}: `, `，通往 ${UPLINK_ADDRESS} 的：`)}${uplink ? `${uplink.destination} dev ${uplink.device}` : say('none', '无')}${say('; default route: ', '；默认路由：')}${route ? `${route.device} via ${route.gateway}` : say('none', '无')}`,
        ),
      };
    },
  },
];

/** `-p 127.0.0.1:PORT:80`. */
export const checksOfPublish: Check[] = [
  {
    id: 'proxy-listens',
    title: {
      en: "the host's /proc/net/tcp has a LISTEN socket on 127.0.0.1:<port>, made in the host's network namespace but held by a process (the proxy) whose network namespace is lab-host-net's",
      zh: '宿主机的 /proc/net/tcp 里有一个在 127.0.0.1:<端口> 上 LISTEN 的套接字：它是在宿主机的网络命名空间里创建的，却由一个网络命名空间是 lab-host-net 的进程（代理）持有',
    },
    verify: (ctx) => {
      const port = Number(ctx.get('port'));
      const listening = tcpOf('self').filter((s) => s.localPort === port && s.state === LISTEN && s.local === '127.0.0.1');
      const holders = listening.flatMap((s) => holdersOf(s.inode));
      const hostNet = inodeOf(`/run/netns/${HOST_NETNS}`);
      const inHostNet = holders.filter((pid) => nsInode(pid, 'net') === hostNet && hostNet !== nsInode('self', 'net'));
      return {
        ok: listening.length === 1 && holders.length > 0 && inHostNet.length === holders.length,
        found: bilingual(
          (say) =>
            `127.0.0.1:${port}${say(': ', '：')}${listening.map((s) => `LISTEN socket:[${s.inode}]`).join(' ') || say('no listener', '没有监听')}${say('; held by ', '；持有者 ')}${holders.map((pid) => `PID ${pid} net:[${nsInode(pid, 'net') ?? '?'}]`).join(', ') || say('nobody', '无')}${say(`; ${HOST_NETNS}: `, `；${HOST_NETNS}：`)}net:[${hostNet ?? '?'}]${say(', host', '，宿主机')} net:[${nsInode('self', 'net')}]`,
        ),
      };
    },
  },
  {
    id: 'from-the-gateway',
    title: {
      en: `the connection the page came over ran between ${DEFAULT_NETWORK.gateway} (the proxy's address on the bridge) and the container's port 80, not from 127.0.0.1: the proxy opened a new connection (the container's /proc/<pid>/net/tcp or the proxy's, whichever end closed first and keeps it in TIME_WAIT)`,
      zh: `传回网页的那个连接是在 ${DEFAULT_NETWORK.gateway}（代理在网桥上的地址）和容器的 80 端口之间，而不是来自 127.0.0.1：是代理新开了一个连接（在容器或代理的 /proc/<pid>/net/tcp 里，取决于哪一端先关闭并把它保留在 TIME_WAIT 状态）`,
    },
    verify: (ctx) => {
      const pid = initOf(ctx, 'pub');
      const port = ctxPort(ctx);
      const address = addressesOf(pid)[0];
      // Whichever end closes first holds the socket in TIME_WAIT: the container's, or the proxy's in lab-host-net.
      const inside = tcpOf(pid).filter((s) => s.localPort === 80 && s.state !== LISTEN);
      const proxy = tcpOf('self')
        .filter((s) => s.localPort === Number(port) && s.state === LISTEN)
        .flatMap((s) => holdersOf(s.inode))[0];
      const outside = proxy === undefined || address === undefined ? [] : tcpOf(proxy).filter((s) => s.remote === address && s.remotePort === 80);
      const gateway = DEFAULT_NETWORK.gateway;
      return {
        ok: inside.length + outside.length > 0 && inside.every((s) => s.remote === gateway) && outside.every((s) => s.local === gateway),
        found: bilingual(
          (say) =>
            `${say(`the container's connections on port 80 (published as ${port}): `, `容器 80 端口上的连接（发布为 ${port}）：`)}${inside.map(shownSocket).join(', ') || say('none', '无')}${say("; the proxy's to it: ", '；代理通往它的连接：')}${outside.map((s) => `${s.local}:${s.localPort} -> ${s.remote}:${s.remotePort} ${TCP_STATES[s.state] ?? s.state}`).join(', ') || say('none', '无')}`,
        ),
      };
    },
  },
];
