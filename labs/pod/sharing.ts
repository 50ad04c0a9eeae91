// The pod lab's second half: what the containers of a pod share besides the network. A POSIX message queue one
// makes and the other sees (the IPC namespace); one file through the emptyDir bound into both; a third container
// with runAsUser, runAsGroup and fsGroup (the volume's group and setgid bit set as the kubelet sets them); and the
// client recreated while the pause container keeps the pod's network namespace, and with it the pod's IP.
import { posix } from 'node:path';
import { readMountinfo } from '../../src/kernel/mountinfo.js';
import { listMqueuesArgv, parseMqueueFile, parseMqueueListing } from '../../src/kernel/mqueue.js';
import { nsInode, startTime } from '../../src/kernel/proc.js';
import { run } from '../../src/lab/build.js';
import { noting } from '../../src/lab/build-note.js';
import type { LabContext, Step } from '../../src/lab/spec.js';
import { bilingual } from '../../src/common/vocabulary.js';
import { JOIN, NOTE, QUEUE, RUNAS_FILE, RUNAS_SCRIPT, RUN_AS, VOLUME, lab, runClient, runContainer } from './commands.js';
import { MOUNT, mustPid1, nameOf, pid1Of, procOf, volumeDir } from './members.js';
import { credentials, fileId, podAddresses, readIn, type FileId } from './read.js';

/** `dev:ino`, or `absent`. */
const idText = (id: FileId | undefined): string => (id ? `${id.dev}:${id.ino}` : 'absent');

/** The file on the host that a path of the volume is. */
const onHost = (ctx: LabContext, path: string): string => `${volumeDir(ctx)}${path.slice(MOUNT.length)}`;

/** The container's mount at the volume's mount point, from its mountinfo. */
const volumeMount = (pid: number) => (readMountinfo(pid) ?? []).filter((m) => m.mountPoint === MOUNT).at(-1);

/**
 * A host directory as a bind of it shows in mountinfo: the filesystem it is on (the host's mount with the longest
 * mount point above it) and its path from that filesystem's root. On a systemd host /run is a tmpfs of its own, so
 * /run/lab-pod-x shows as `/lab-pod-x` on that tmpfs's device.
 */
function asBound(dir: string): { root: string; device: string } | undefined {
  const above = (readMountinfo('self') ?? [])
    .filter((m) => m.mountPoint === '/' || dir === m.mountPoint || dir.startsWith(`${m.mountPoint}/`))
    .sort((a, b) => a.mountPoint.length - b.mountPoint.length)
    .at(-1);
  if (!above) return undefined;
  const rest = above.mountPoint === '/' ? dir : dir.slice(above.mountPoint.length);
  return { root: posix.join(above.root, rest), device: above.device };
}

/** What the restart is compared with, noted just before the client is removed. */
function noteBeforeRestart(ctx: LabContext): void {
  const pause = mustPid1(ctx, 'pause');
  const client = pid1Of(ctx, 'client') ?? 0;
  ctx.set('client', `${client}/${startTime(client) ?? 0}`);
  ctx.set('pod-net', String(nsInode(pause, 'net') ?? 0));
  ctx.set('pod-ip', podAddresses(pause).join(' '));
}

/** The steps after the containers joined: IPC, the volume, runAsUser/fsGroup, a container recreated. */
export const SHARING: Step[] = [
  {
    id: 'ipc',
    kind: 'demo',
    actions: [
      run(lab('exec', nameOf('server'), 'touch', QUEUE)),
      run(lab('exec', nameOf('client'), 'ls', '-li', '/dev/mqueue')),
      run(['cat', procOf('client', `root${QUEUE}`)]),
    ],
    checks: [
      {
        id: 'queue-shared',
        title: {
          en: `the queue the server made is one object of the pod's IPC namespace: ${QUEUE} has the same device and inode through the server's root and the client's, each in its own mqueue mount, and the host's IPC namespace has no such queue`,
          zh: `server 创建的队列是 Pod 的 IPC 命名空间里的同一个对象：通过 server 的根和 client 的根看到的 ${QUEUE} 设备号和 inode 都相同（各自挂载了自己的 mqueue），而宿主机的 IPC 命名空间里没有这个队列`,
        },
        verify: async (ctx) => {
          const server = mustPid1(ctx, 'server');
          const client = mustPid1(ctx, 'client');
          const [a, b] = [fileId(QUEUE, server), fileId(QUEUE, client)];
          const fields = parseMqueueFile(readIn(client, QUEUE) ?? '');
          const mounts = [server, client].map((pid) => (readMountinfo(pid) ?? []).filter((m) => m.mountPoint === '/dev/mqueue').at(-1)?.id);
          const host = await ctx.probe(listMqueuesArgv());
          const name = QUEUE.split('/').at(-1)!;
          const onHostToo = host.exitCode === 0 && parseMqueueListing(host.stdout).includes(name);
          return {
            ok: a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino && fields !== undefined && host.exitCode === 0 && !onHostToo,
            found: bilingual(
              (say) =>
                `${say('through the server: ', '通过 server：')}${idText(a)}${say(', through the client: ', '，通过 client：')}${idText(b)}${say(' (mqueue mounts ', '（mqueue 挂载 ')}${mounts.join(', ')}${say(')', '）')}${say('; the client reads ', '；client 读到 ')}${fields ? `QSIZE:${fields.get('QSIZE')}` : say('no queue', '不是队列')}${say("; in the host's IPC namespace: ", '；宿主机的 IPC 命名空间里：')}${host.exitCode !== 0 ? say('unreadable', '读不到') : onHostToo ? say('present', '有') : say('absent', '没有')}`,
            ),
          };
        },
      },
    ],
  },
  {
    id: 'share',
    kind: 'demo',
    actions: [
      run(lab('exec', nameOf('server'), 'sh', '-c', `echo ${NOTE.text} > ${NOTE.path}`)),
      run(lab('exec', nameOf('client'), 'cat', NOTE.path)),
      run(['ls', '-lin', volumeDir]),
    ],
    checks: [
      {
        id: 'one-file',
        title: {
          en: `${NOTE.path} is one file: the same device and inode through the server's root, the client's root and at the emptyDir on the host, with the server's line in it; each container has its own mount at ${MOUNT}, a bind of that directory`,
          zh: `${NOTE.path} 是同一个文件：通过 server 的根、client 的根和在宿主机的 emptyDir 里看到的设备号和 inode 都相同，内容是 server 写的那一行；每个容器在 ${MOUNT} 都有自己的挂载，都是那个目录的绑定挂载（bind mount）`,
        },
        verify: (ctx) => {
          const server = mustPid1(ctx, 'server');
          const client = mustPid1(ctx, 'client');
          const ids = [fileId(NOTE.path, server), fileId(NOTE.path, client), fileId(onHost(ctx, NOTE.path))];
          const same = ids.every((id) => id !== undefined && id.dev === ids[0]?.dev && id.ino === ids[0].ino);
          const text = readIn(client, NOTE.path)?.trim();
          const dir = volumeDir(ctx);
          const mounts = [server, client].map(volumeMount);
          const host = asBound(dir);
          const bound = host !== undefined && mounts.every((m) => m !== undefined && m.root === host.root && m.device === host.device);
          return {
            ok: same && text === NOTE.text && bound && mounts[0]?.id !== undefined && nsInode(server, 'mnt') !== nsInode(client, 'mnt'),
            found: bilingual(
              (say) =>
                `${say('server: ', 'server：')}${idText(ids[0])}${say(', client: ', '，client：')}${idText(ids[1])}${say(', host: ', '，宿主机：')}${idText(ids[2])}${say('; the client reads: ', '；client 读到：')}${text ?? '?'}${say(`; mounts at ${MOUNT}: `, `；${MOUNT} 上的挂载：`)}${mounts.map((m) => (m ? `${m.root} (${m.device})` : say('none', '无'))).join(', ')}`,
            ),
          };
        },
      },
    ],
  },
  {
    id: 'fsgroup',
    kind: 'task',
    shell: 'host',
    solution: [run(['chown', `:${RUN_AS.fsGroup}`, volumeDir]), run(['chmod', '2775', volumeDir])],
    checks: [
      {
        id: 'volume-group',
        title: {
          en: `the emptyDir belongs to group ${RUN_AS.fsGroup}, with mode 2775: the group may write, and the setgid bit is set`,
          zh: `emptyDir 属于组 ${RUN_AS.fsGroup}，权限 2775：组可以写，并设置了 setgid 位`,
        },
        verify: (ctx) => {
          const dir = fileId(volumeDir(ctx));
          const mode = dir ? (dir.mode & 0o7777).toString(8) : '?';
          return {
            ok: dir !== undefined && dir.gid === RUN_AS.fsGroup && mode === '2775',
            found: bilingual(
              (say) => `${volumeDir(ctx)}${say(': uid ', '：uid ')}${dir?.uid ?? '?'}, gid ${dir?.gid ?? '?'}${say(', mode ', '，权限 ')}${mode}`,
            ),
          };
        },
      },
    ],
  },
  {
    id: 'runas',
    kind: 'demo',
    actions: [
      run(['ls', '-ldn', volumeDir]),
      runContainer('runas', [...JOIN, ...VOLUME, '--user', `${RUN_AS.uid}:${RUN_AS.gid}`, '--group-add', String(RUN_AS.fsGroup)], ['sh', '-c', RUNAS_SCRIPT]),
      run(['grep', '-E', '^(Uid|Gid|Groups|CapEff)', procOf('runas', 'status')]),
      run(lab('logs', nameOf('runas'))),
      run(['ls', '-ln', volumeDir]),
    ],
    checks: [
      {
        id: 'user-and-groups',
        settle: 3000,
        title: {
          en: `the third container's process runs as uid ${RUN_AS.uid} (real, effective, saved, filesystem), gid ${RUN_AS.gid}, with ${RUN_AS.fsGroup} as its one supplementary group, and no capability at all (CapEff and CapPrm 0)`,
          zh: `第三个容器的进程以 uid ${RUN_AS.uid}（实际、有效、保存、文件系统 uid 都是）、gid ${RUN_AS.gid} 运行，唯一的附加组是 ${RUN_AS.fsGroup}，没有任何能力（CapEff 和 CapPrm 都是 0）`,
        },
        verify: (ctx) => {
          const pid = mustPid1(ctx, 'runas');
          const c = credentials(pid);
          const zero = (caps: string | undefined): boolean => caps !== undefined && /^0+$/.test(caps);
          return {
            ok:
              c !== undefined &&
              c.uid.length === 4 &&
              c.uid.every((id) => id === RUN_AS.uid) &&
              c.gid.length === 4 &&
              c.gid.every((id) => id === RUN_AS.gid) &&
              c.groups.join(' ') === String(RUN_AS.fsGroup) &&
              zero(c.capEff) &&
              zero(c.capPrm),
            found: c
              ? `PID ${pid}: Uid ${c.uid.join(' ')}, Gid ${c.gid.join(' ')}, Groups ${c.groups.join(' ')}, CapEff ${c.capEff}, CapPrm ${c.capPrm}`
              : { en: `PID ${pid}: gone`, zh: `PID ${pid}：已不在` },
          };
        },
      },
      {
        id: 'fsgroup-file',
        settle: 3000,
        title: {
          en: `the emptyDir belongs to group ${RUN_AS.fsGroup} with the setgid bit (mode 2775), so the file the container wrote is owned by uid ${RUN_AS.uid} and group ${RUN_AS.fsGroup}, not its own gid ${RUN_AS.gid}`,
          zh: `emptyDir 属于组 ${RUN_AS.fsGroup} 并设置了 setgid 位（权限 2775），所以容器写的文件属主是 uid ${RUN_AS.uid}、属组是 ${RUN_AS.fsGroup}，而不是它自己的 gid ${RUN_AS.gid}`,
        },
        verify: (ctx) => {
          const dir = fileId(volumeDir(ctx));
          const file = fileId(onHost(ctx, RUNAS_FILE));
          const mode = dir ? (dir.mode & 0o7777).toString(8) : '?';
          return {
            ok:
              dir !== undefined &&
              dir.gid === RUN_AS.fsGroup &&
              mode === '2775' &&
              file !== undefined &&
              file.uid === RUN_AS.uid &&
              file.gid === RUN_AS.fsGroup,
            found: bilingual(
              (say) =>
                `${volumeDir(ctx)}${say(': gid ', '：gid ')}${dir?.gid ?? '?'}${say(', mode ', '，权限 ')}${mode}${say('; ', '；')}${onHost(ctx, RUNAS_FILE)}${say(': ', '：')}${file ? `uid ${file.uid}, gid ${file.gid}` : say('absent', '不存在')}`,
            ),
          };
        },
      },
    ],
  },
  {
    id: 'restart',
    kind: 'demo',
    actions: [
      noting(noteBeforeRestart, run(lab('rm', '-f', nameOf('client')))),
      runClient,
      run(lab('ps')),
      run(lab('exec', nameOf('client'), 'ip', '-4', 'addr', 'show', 'eth0')),
    ],
    checks: [
      {
        id: 'same-ip',
        settle: 3000,
        title: {
          en: "the client is a new process, yet in the same network namespace as before, the pause container's: the pod's IP did not change, because the sandbox, not the container, owns the network",
          zh: 'client 是一个新进程，却仍在原来的网络命名空间，也就是 pause 容器的那个里：Pod 的 IP 没有变，因为拥有网络的是沙箱（sandbox），而不是容器',
        },
        verify: (ctx) => {
          const pause = mustPid1(ctx, 'pause');
          const client = mustPid1(ctx, 'client');
          const now = `${client}/${startTime(client) ?? 0}`;
          const net = String(nsInode(client, 'net') ?? 0);
          const ip = podAddresses(pause).join(' ');
          return {
            ok: now !== ctx.get('client') && net === ctx.get('pod-net') && net === String(nsInode(pause, 'net')) && ip !== '' && ip === ctx.get('pod-ip'),
            found: bilingual(
              (say) =>
                `${say('client before: PID ', 'client 之前：PID ')}${ctx.get('client').split('/')[0]}${say(', now: PID ', '，现在：PID ')}${client}${say('; its network namespace: ', '；它的网络命名空间：')}net:[${net}]${say(", the pod's before: ", '，之前 Pod 的：')}net:[${ctx.get('pod-net')}]${say("; the pod's IP before: ", '；之前 Pod 的 IP：')}${ctx.get('pod-ip') || '?'}${say(', now: ', '，现在：')}${ip || '?'}`,
            ),
          };
        },
      },
    ],
  },
];
