// The pod lab: a Kubernetes pod taken apart with `lab container run`. A pause container holds the pod's network,
// IPC and UTS namespaces (on the bridge network, in a network namespace the runtime made and pinned before it
// started, as the CRI runtime asks a CNI plugin to); a server and a client join them and talk over the pod's
// 127.0.0.1; a host directory made by the lab is the pod's emptyDir, bound into both (sharing.ts: a message queue
// both see, one file, a third container with runAsUser and fsGroup, and a container recreated without the pod
// losing its IP). Every check reads the kernel from the host: namespace inodes, /proc/<pid>/net/tcp, stat(2).
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { comm, nsInode, nspid } from '../../src/kernel/proc.js';
import { readUtsName, utsNameArgv } from '../../src/kernel/uts.js';
import { run, start } from '../../src/lab/build.js';
import { runCreating } from '../../src/lab/build-host.js';
import type { CheckContext, LabSpec } from '../../src/lab/spec.js';
import { bilingual, type NamespaceType } from '../../src/common/vocabulary.js';
import { CLIENT_SCRIPT, JOIN, PORT, SERVER, VOLUME, lab, pidWord, runClient, runContainer, runPause } from './commands.js';
import { mustPid1, nameOf, podName, processesOf, procOf, volumeDir, type Role } from './members.js';
import { TCP_ESTABLISHED, TCP_LISTEN, endText, fileId, podAddresses, readTcpEnds } from './read.js';
import { SHARING } from './sharing.js';
import { CONTAINER_RUN_REQUIRES } from '../../src/lab/requirements.js';

/** The namespaces the pause container holds for the pod, and those each container keeps for itself. */
const SHARED: readonly NamespaceType[] = ['net', 'ipc', 'uts'];
const OWN: readonly NamespaceType[] = ['pid', 'mnt', 'cgroup'];

/** Where iproute2 and the runtime pin named network namespaces. */
const NETNS_DIR = '/run/netns';

/** The file under /run/netns that pins this network namespace (the same inode), if any. */
function pinOf(inode: number | undefined): string | undefined {
  try {
    return readdirSync(NETNS_DIR).find((name) => {
      try {
        return statSync(`${NETNS_DIR}/${name}`).ino === inode;
      } catch {
        return false;
      }
    });
  } catch {
    return undefined;
  }
}

/** The sockets of a container's processes, by inode. */
function socketsOf(pids: number[]): Set<number> {
  const inodes = new Set<number>();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m) inodes.add(Number(m[1]));
        } catch {
          // Closed meanwhile.
        }
      }
    } catch {
      // Gone.
    }
  }
  return inodes;
}

/** The hostname a process's UTS namespace holds, read there (nsenter --uts hostname). */
async function hostnameOf(ctx: CheckContext, pid: number): Promise<string> {
  const result = await ctx.probe(utsNameArgv(pid, 'hostname'));
  return result.exitCode === 0 ? result.stdout.trim() : '?';
}

/** `net:[4026532304]`. */
const ns = (pid: number, type: NamespaceType): string => `${type}:[${nsInode(pid, type) ?? '?'}]`;

export default {
  format: 1,
  id: 'pod',
  order: 19,
  requires: [...CONTAINER_RUN_REQUIRES, 'nsenter', 'lab-on-path', 'iproute2', 'nftables'],
  shell: { target: 'debug', namespaces: ['net', 'ipc', 'uts'] },
  steps: [
    {
      id: 'pause',
      kind: 'demo',
      actions: [
        runPause,
        run(lab('ps')),
        run(['ls', '-l', procOf('pause', 'ns')]),
        run(['ip', 'netns', 'list']),
        run(['nsenter', '--target', pidWord('pause'), '--net', '--', 'ip', '-4', 'addr', 'show', 'eth0']),
        start('debug', ['nsenter', '--target', pidWord('pause'), '--net', '--ipc', '--uts', '--', 'sleep', 'infinity']),
      ],
      checks: [
        {
          id: 'pause-holds',
          title: {
            en: "the pause container's PID 1 is sleep, in net, IPC and UTS namespaces that are not the host's, and its network namespace has an IPv4 address besides 127.0.0.1: the pod's IP",
            zh: 'pause 容器的 1 号进程是 sleep，它所在的 net、IPC 和 UTS 命名空间都不是宿主机的，它的网络命名空间里除了 127.0.0.1 还有一个 IPv4 地址：这就是 Pod 的 IP',
          },
          verify: (ctx) => {
            const pid = mustPid1(ctx, 'pause');
            const own = SHARED.filter((type) => nsInode(pid, type) !== undefined && nsInode(pid, type) !== nsInode('self', type));
            const ips = podAddresses(pid);
            return {
              ok: comm(pid) === 'sleep' && own.length === SHARED.length && ips.length > 0,
              found: bilingual(
                (say) =>
                  `PID ${pid} (NSpid ${nspid(pid)?.join(' ') ?? '?'}) ${comm(pid) ?? '?'}${say("; not the host's: ", '；不是宿主机的：')}${own.map((type) => ns(pid, type)).join(' ') || say('none', '无')}${say('; its addresses: ', '；它的地址：')}${ips.join(' ') || say('only 127.0.0.1', '只有 127.0.0.1')}`,
              ),
            };
          },
        },
        {
          id: 'netns-made-first',
          title: {
            en: `the pod's network namespace is pinned at ${NETNS_DIR}/lab-c<id> (the same inode): the runtime made it and its eth0 before the pause process started, as a CRI runtime has the CNI plugin do; sleep only joined it`,
            zh: `Pod 的网络命名空间被钉在 ${NETNS_DIR}/lab-c<id>（同一个 inode）：是运行时在 pause 进程启动之前创建了它和其中的 eth0，就像 CRI 运行时让 CNI 插件去做的那样；sleep 只是加入了它`,
          },
          verify: (ctx) => {
            const pid = mustPid1(ctx, 'pause');
            const inode = nsInode(pid, 'net');
            const pin = pinOf(inode);
            return {
              ok: pin !== undefined && pin.startsWith('lab-c') && inode !== nsInode('self', 'net'),
              found: bilingual(
                (say) =>
                  `${ns(pid, 'net')}${say('; pinned at: ', '；钉住它的文件：')}${pin === undefined ? say(`nothing in ${NETNS_DIR}`, `${NETNS_DIR} 里没有`) : `${NETNS_DIR}/${pin}`}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'volume',
      kind: 'demo',
      actions: [runCreating((ctx) => ({ kind: 'path', path: volumeDir(ctx) }), ['mkdir', volumeDir]), run(['ls', '-lan', volumeDir])],
      checks: [
        {
          id: 'empty-dir',
          title: {
            en: "the pod's emptyDir is an empty directory on the host, owned by root (uid 0, gid 0), mode 755",
            zh: 'Pod 的 emptyDir 是宿主机上的一个空目录，属主是 root（uid 0，gid 0），权限 755',
          },
          verify: (ctx) => {
            const dir = volumeDir(ctx);
            const id = fileId(dir);
            let entries: string[] | undefined;
            try {
              entries = readdirSync(dir);
            } catch {
              entries = undefined;
            }
            const mode = id ? (id.mode & 0o7777).toString(8) : '?';
            return {
              ok: id !== undefined && entries?.length === 0 && id.uid === 0 && id.gid === 0 && mode === '755',
              found: bilingual((say) =>
                id === undefined
                  ? say(`${dir}: absent`, `${dir}：不存在`)
                  : `${dir}${say(': uid ', '：uid ')}${id.uid}, gid ${id.gid}${say(', mode ', '，权限 ')}${mode}${say(', entries: ', '，条目：')}${entries?.join(' ') || say('none', '无')}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'join',
      kind: 'demo',
      actions: [runContainer('server', [...JOIN, ...VOLUME], SERVER), runClient, run(lab('ps'))],
      checks: [
        {
          id: 'shared-and-own',
          settle: 3000,
          title: {
            en: "the server's and the client's PID 1 are in the pause container's net, IPC and UTS namespaces (the same inodes), and each has pid, mnt and cgroup namespaces of its own",
            zh: 'server 和 client 的 1 号进程都在 pause 容器的 net、IPC 和 UTS 命名空间里（inode 相同），而各自有自己的 pid、mnt 和 cgroup 命名空间',
          },
          verify: (ctx) => {
            const pause = mustPid1(ctx, 'pause');
            const members = (['server', 'client'] as const).map((role) => ({ role, pid: mustPid1(ctx, role) }));
            const shared = members.every((m) => SHARED.every((type) => nsInode(m.pid, type) === nsInode(pause, type)));
            const pids = [pause, ...members.map((m) => m.pid)];
            const own = OWN.every((type) => new Set(pids.map((p) => nsInode(p, type))).size === pids.length);
            return {
              ok: shared && own,
              found: bilingual((say) =>
                [{ role: 'pause' as Role, pid: pause }, ...members]
                  .map((m) => `${m.role} ${m.pid}${say(': ', '：')}${[...SHARED, ...OWN].map((type) => ns(m.pid, type)).join(' ')}`)
                  .join(say('; ', '；')),
              ),
            };
          },
        },
        {
          id: 'one-hostname',
          settle: 3000,
          title: {
            en: "in the UTS namespace all three share, the hostname is the pod's name; the host's hostname is another",
            zh: '在三者共用的 UTS 命名空间里，主机名就是 Pod 的名字；宿主机的主机名是另一个',
          },
          verify: async (ctx) => {
            const names = await Promise.all(
              (['pause', 'server', 'client'] as const).map(async (role) => ({ role, name: await hostnameOf(ctx, mustPid1(ctx, role)) })),
            );
            const host = readUtsName('hostname');
            const pod = podName(ctx);
            return {
              ok: names.every((n) => n.name === pod) && host !== pod,
              found: bilingual(
                (say) => `${names.map((n) => `${n.role}${say(': ', '：')}${n.name}`).join(', ')}${say('; the host: ', '；宿主机：')}${host ?? '?'}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'localhost',
      kind: 'demo',
      actions: [
        start('connect', lab('exec', nameOf('client'), 'sh', '-c', CLIENT_SCRIPT)),
        run(['sleep', '1']),
        run(['nsenter', '--target', pidWord('pause'), '--net', '--', 'ss', '-tanp']),
        run(['cat', procOf('pause', 'net/tcp'), procOf('pause', 'net/tcp6')]),
      ],
      checks: [
        {
          id: 'connection-on-lo',
          settle: 5000,
          title: {
            en: `the pod's network namespace holds both ends of one TCP connection from 127.0.0.1 to 127.0.0.1:${PORT}, ESTABLISHED: one end is the client's socket, the other the server's, and the server's listening socket is there too; the host's network namespace has none of them`,
            zh: `Pod 的网络命名空间里有同一条 TCP 连接的两端，从 127.0.0.1 到 127.0.0.1:${PORT}，状态 ESTABLISHED：一端是 client 的套接字，另一端是 server 的，server 的监听套接字也在这里；宿主机的网络命名空间里一个都没有`,
          },
          verify: (ctx) => {
            const pause = mustPid1(ctx, 'pause');
            const ends = readTcpEnds(pause);
            const server = socketsOf(processesOf(ctx, 'server'));
            const client = socketsOf(processesOf(ctx, 'client'));
            const listener = ends.find((e) => e.state === TCP_LISTEN && e.localPort === PORT && server.has(e.inode));
            const out = ends.find(
              (e) => e.state === TCP_ESTABLISHED && e.local === '127.0.0.1' && e.remote === '127.0.0.1' && e.remotePort === PORT && client.has(e.inode),
            );
            const back = out
              ? ends.find(
                  (e) =>
                    e.state === TCP_ESTABLISHED && e.localPort === PORT && e.remotePort === out.localPort && e.remote === '127.0.0.1' && server.has(e.inode),
                )
              : undefined;
            const mine = new Set([listener?.inode, out?.inode, back?.inode].filter((i) => i !== undefined));
            const onHost = readTcpEnds('self').filter((e) => mine.has(e.inode));
            return {
              ok: listener !== undefined && out !== undefined && back !== undefined && onHost.length === 0,
              found: bilingual(
                (say) =>
                  `${say('listening: ', '监听：')}${listener ? `${endText(listener.local, listener.localPort)} (inode ${listener.inode}, server)` : say("none of the server's", '没有 server 的')}${say('; client end: ', '；client 端：')}${out ? `${endText(out.local, out.localPort)} -> ${endText(out.remote, out.remotePort)} (inode ${out.inode})` : say('none', '无')}${say('; server end: ', '；server 端：')}${back ? `${endText(back.local, back.localPort)} -> ${endText(back.remote, back.remotePort)} (inode ${back.inode})` : say('none', '无')}${say("; in the host's namespace: ", '；在宿主机的命名空间里：')}${onHost.length}`,
              ),
            };
          },
        },
      ],
    },
    ...SHARING,
    {
      kind: 'quiz',
      id: 'why-pause',
      answer: { choice: 3 },
    },
  ],
} satisfies LabSpec;
