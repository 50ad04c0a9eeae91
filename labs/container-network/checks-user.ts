// The container-network lab's checks of a user-defined network: its containers know each other by name (the
// /etc/hosts lab keeps, read through /proc/<pid>/root) and reach each other straight across their bridge (the
// server's socket shows the client's own address); a container on the default bridge cannot reach them (the
// isolation rule); and the allocator gives a removed container's address to the next one.
import { readFileSync } from 'node:fs';
import { DEFAULT_NETWORK, ISOLATION_TABLE } from '../../src/kernel/network-plan.js';
import type { Check } from '../../src/lab/spec.js';
import { bilingual } from '../../src/common/vocabulary.js';
import { DB_PORT } from './actions.js';
import { nftRules } from './checks-nat.js';
import { addressesOf, addressValue, initOf, nameOf, shownSocket, TCP_STATES, tcpOf } from './net.js';

/** The address a hosts file gives a name, or undefined. */
function hostsEntry(pid: number, name: string): string | undefined {
  try {
    const lines = readFileSync(`/proc/${pid}/root/etc/hosts`, 'utf8').split('\n');
    return lines.map((line) => line.trim().split(/\s+/)).find((words) => words.slice(1).includes(name))?.[0];
  } catch {
    return undefined;
  }
}

/** Two containers on the user-defined network. */
export const checksOfUserNetwork: Check[] = [
  {
    id: 'hosts-by-name',
    title: {
      en: "app's /etc/hosts (read through /proc/<pid>/root) maps db's name to the very address db's eth0 has, in the user network's own subnet, not the default bridge's",
      zh: 'app 的 /etc/hosts（通过 /proc/<pid>/root 读取）把 db 的名字对应到 db 的 eth0 上实际的地址，这个地址在用户自定义网络自己的子网里，而不是默认网桥的子网',
    },
    verify: (ctx) => {
      const app = initOf(ctx, 'app');
      const db = initOf(ctx, 'db');
      const name = nameOf('db')(ctx);
      const listed = hostsEntry(app, name);
      const actual = addressesOf(db);
      return {
        ok: listed !== undefined && actual.length === 1 && listed === actual[0] && !listed.startsWith('172.17.'),
        found: bilingual(
          (say) =>
            `${say(`in app's /etc/hosts, ${name}: `, `app 的 /etc/hosts 里 ${name}：`)}${listed ?? say('absent', '没有')}${say("; db's eth0: ", '；db 的 eth0：')}${actual.join(' ') || say('none', '无')}`,
        ),
      };
    },
  },
  {
    id: 'reached-by-name',
    title: {
      en: `the connection went from app's own address straight to db's address, port ${DB_PORT} (in app's or db's /proc/<pid>/net/tcp: the side that closed first keeps it, in TIME_WAIT): the name led to db's eth0, and nothing on the bridge rewrote either address`,
      zh: `这条连接从 app 自己的地址直接通往 db 的地址、${DB_PORT} 端口（在 app 或 db 的 /proc/<pid>/net/tcp 里：先关闭的一端会把它保留在 TIME_WAIT 状态）：名字指向了 db 的 eth0，网桥上也没有任何东西改写这两个地址`,
    },
    verify: (ctx) => {
      const app = initOf(ctx, 'app');
      const dbPid = initOf(ctx, 'db');
      const mine = addressesOf(app)[0];
      const db = addressesOf(dbPid)[0];
      // Whichever end closes first holds the socket in TIME_WAIT; the other's goes once its close is acknowledged.
      const appSide = tcpOf(app).filter((s) => s.remotePort === DB_PORT);
      const dbSide = tcpOf(dbPid).filter((s) => s.localPort === DB_PORT && s.remote !== '0.0.0.0');
      const straight = appSide.some((s) => s.local === mine && s.remote === db) || dbSide.some((s) => s.local === db && s.remote === mine);
      const shown = (sockets: typeof appSide) =>
        sockets.map((s) => `${s.local}:${s.localPort} -> ${s.remote}:${s.remotePort} ${TCP_STATES[s.state] ?? s.state}`).join(', ');
      return {
        ok: mine !== undefined && db !== undefined && straight,
        found: bilingual(
          (say) =>
            `${say(`app's connections to port ${DB_PORT}: `, `app 通往 ${DB_PORT} 端口的连接：`)}${shown(appSide) || say('none', '无')}${say(`; db's on port ${DB_PORT}: `, `；db 在 ${DB_PORT} 端口上的连接：`)}${shown(dbSide) || say('none', '无')}${say("; app's address: ", '；app 的地址：')}${mine ?? '?'}${say(", db's: ", '，db 的：')}${db ?? '?'}`,
        ),
      };
    },
  },
];

/** The default bridge cannot reach the user network. */
export const checkIsolated: Check = {
  id: 'isolated',
  title: {
    en: `web, on the default bridge, could not connect to db (nc gave up), db's server had no connection from web's address, and the ${ISOLATION_TABLE} table drops what comes in from ${DEFAULT_NETWORK.bridge} to another lab bridge`,
    zh: `默认网桥上的 web 连不上 db（nc 放弃了），db 的服务器没有收到来自 web 地址的连接，而 ${ISOLATION_TABLE} 表会丢弃从 ${DEFAULT_NETWORK.bridge} 进来、要去另一个 lab 网桥的数据包`,
  },
  verify: async (ctx) => {
    const recorded = ctx.get('isolated');
    const web = addressesOf(initOf(ctx, 'web'))[0] ?? '?';
    const seen = tcpOf(initOf(ctx, 'db')).filter((s) => s.remote === web);
    const rules = (await nftRules(ctx, ISOLATION_TABLE)).filter((r) => r.includes(`"${DEFAULT_NETWORK.bridge}"`) && r.includes('"drop"'));
    return {
      ok: recorded !== 'exit 0' && seen.length === 0 && rules.length === 1,
      found: bilingual(
        (say) =>
          `${say('nc from web: ', 'web 里的 nc：')}${recorded}${say(`; db's connections from ${web}: `, `；db 上来自 ${web} 的连接：`)}${seen.map(shownSocket).join(', ') || say('none', '无')}${say(`; drop rules for ${DEFAULT_NETWORK.bridge}: `, `；${DEFAULT_NETWORK.bridge} 的丢弃规则：`)}${rules.length}`,
      ),
    };
  },
};

/** The allocator's lowest free address. */
export const checkReturned: Check = {
  id: 'address-returned',
  title: {
    en: "the new container got db's address back: the lowest free address after the gateway, freed by `rm`, below app's",
    zh: '新容器拿回了 db 的地址：网关之后最小的空闲地址，由 `rm` 释放，比 app 的地址还小',
  },
  verify: (ctx) => {
    const before = ctx.get('db-address');
    const app = ctx.get('app-address');
    const now = addressesOf(initOf(ctx, 'db2'));
    return {
      ok: now.length === 1 && now[0] === before && addressValue(before) < addressValue(app),
      found: bilingual(
        (say) =>
          `${say('db had ', 'db 原来是 ')}${before}${say(', app has ', '，app 是 ')}${app}${say('; the new container: ', '；新容器：')}${now.join(' ') || say('none', '无')}`,
      ),
    };
  },
};
