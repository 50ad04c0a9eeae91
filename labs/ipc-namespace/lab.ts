// The ipc-namespace lab: System V message queues and shared memory made inside an IPC namespace are invisible on
// the host; the learner makes a queue of their own inside; a queue made on the host is invisible inside; and a POSIX
// message queue, seen through an mqueue filesystem mounted in the lab's own mount namespace, stays inside too.
// The host queue comes after the task on purpose: a harness stopped at the task prompt has made nothing on the host.
import { readFileSync } from 'node:fs';
import { listMqueuesArgv, parseMqueueFile, parseMqueueListing } from '../../src/kernel/mqueue.js';
import { readMountinfo, propagationOf } from '../../src/kernel/mountinfo.js';
import { nsInode } from '../../src/kernel/proc.js';
import { describeSysv, parseSysvipcTable, sameSysv, sysvipcArgv, type SysvEntry } from '../../src/kernel/sysvipc-table.js';
import type { SysvType } from '../../src/kernel/sysvipc.js';
import { enter, init, proc, run } from '../../src/lab/build.js';
import type { CheckContext, LabContext, LabSpec } from '../../src/lab/spec.js';
import { ownNamespace } from '../../src/lab/checks.js';

/** Where the lab mounts its mqueue filesystem, in its own mount namespace only; and the POSIX queue it makes. */
const MQUEUE_DIR = '/mnt';
const QUEUE = 'lab-q';

/** Where the System V commands run: the lab's IPC namespace only (its mount namespace matters only for mqueue). */
const IPC = { ns: ['ipc'] } as const;

/** The System V objects of one type in the host's IPC namespace (the harness's own). */
function hostObjects(type: SysvType): SysvEntry[] {
  try {
    return parseSysvipcTable(readFileSync(`/proc/sysvipc/${type}`, 'utf8'));
  } catch {
    return [];
  }
}

/** The System V objects of one type in the lab's IPC namespace, read from the kernel through `nsenter --ipc`. */
async function labObjects(ctx: CheckContext, type: SysvType): Promise<SysvEntry[]> {
  const result = await ctx.probe(sysvipcArgv(ctx.proc('box').pid, type));
  if (result.exitCode !== 0) throw new Error(`cannot read /proc/sysvipc/${type} in the lab's IPC namespace`);
  return parseSysvipcTable(result.stdout);
}

const list = (entries: SysvEntry[]): string => (entries.length ? entries.map(describeSysv).join(', ') : '(none)');
const listZh = (entries: SysvEntry[]): string => (entries.length ? entries.map(describeSysv).join('，') : '（无）');

/** The content of the lab's POSIX queue file, read through the lab's mount namespace; undefined when absent. */
function labQueueFile(ctx: LabContext): string | undefined {
  try {
    return readFileSync(`/proc/${ctx.proc('box').pid}/root${MQUEUE_DIR}/${QUEUE}`, 'utf8');
  } catch {
    return undefined;
  }
}

export default {
  format: 1,
  id: 'ipc-namespace',
  order: 4,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'ipc-tools', 'ns-ipc', 'ns-mnt'],
  shell: { target: 'box', namespaces: ['ipc', 'mnt'] },
  steps: [
    {
      id: 'create',
      kind: 'demo',
      actions: [init('box', { namespaces: ['ipc', 'mnt'], fork: true }), run(['readlink', '/proc/self/ns/ipc', proc('box', 'ns/ipc')]), enter(['ipcs'], IPC)],
      checks: [
        ownNamespace('ipc', 'box', {
          en: "the lab's process lives in an IPC namespace other than the host's",
          zh: '实验的进程所在的 IPC 命名空间与宿主机的不同',
        }),
        {
          id: 'starts-empty',
          title: {
            en: 'the new IPC namespace starts with no message queue, shared memory segment or semaphore set',
            zh: '新的 IPC 命名空间一开始没有任何消息队列、共享内存段或信号量集',
          },
          verify: async (ctx) => {
            const counts: string[] = [];
            for (const type of ['msg', 'shm', 'sem'] as const) counts.push(`${type}: ${(await labObjects(ctx, type)).length}`);
            return { ok: counts.every((c) => c.endsWith(': 0')), found: counts.join(', ') };
          },
        },
        {
          id: 'private-mounts',
          title: {
            en: "every mount in the lab's mount namespace is private, so nothing it mounts reaches the host",
            zh: '实验的挂载命名空间里所有挂载都是私有的（private），它的挂载不会传播到宿主机',
          },
          verify: (ctx) => {
            const pid = ctx.proc('box').pid;
            const mounts = readMountinfo(pid);
            if (!mounts) return { ok: false, found: { en: 'no mountinfo', zh: '读不到 mountinfo' } };
            const own = nsInode(pid, 'mnt') !== nsInode('self', 'mnt');
            const shared = mounts.filter((m) => propagationOf(m) !== 'private').map((m) => m.mountPoint);
            return {
              ok: own && shared.length === 0,
              found: shared.length
                ? { en: `not private: ${shared.join(', ')}`, zh: `不是私有的：${shared.join(', ')}` }
                : { en: `${mounts.length} mounts, all private`, zh: `${mounts.length} 个挂载，全部私有` },
            };
          },
        },
      ],
    },
    {
      id: 'sysv-inside',
      kind: 'demo',
      actions: [enter(['ipcmk', '-Q'], IPC), enter(['ipcmk', '-M', '4096'], IPC), enter(['ipcs', '-q', '-m'], IPC), run(['ipcs', '-q', '-m'])],
      checks: [
        {
          id: 'queue-inside',
          title: { en: "the lab's IPC namespace has a message queue", zh: '实验的 IPC 命名空间里有一个消息队列' },
          verify: async (ctx) => {
            const queues = await labObjects(ctx, 'msg');
            return { ok: queues.length > 0, found: { en: `queues inside: ${list(queues)}`, zh: `命名空间内的消息队列：${listZh(queues)}` } };
          },
        },
        {
          id: 'segment-inside',
          title: { en: "the lab's IPC namespace has a 4096-byte shared memory segment", zh: '实验的 IPC 命名空间里有一个 4096 字节的共享内存段' },
          verify: async (ctx) => {
            const segments = await labObjects(ctx, 'shm');
            const shown = segments.map((s) => `${describeSysv(s)} size ${s.columns.size ?? '?'}`);
            return {
              ok: segments.some((s) => s.columns.size === '4096'),
              found: { en: `segments inside: ${shown.join(', ') || '(none)'}`, zh: `命名空间内的共享内存段：${shown.join('，') || '（无）'}` },
            };
          },
        },
        {
          id: 'invisible-on-host',
          title: {
            en: "neither of them exists in the host's IPC namespace",
            zh: '它们都不存在于宿主机的 IPC 命名空间里',
          },
          verify: async (ctx) => {
            const made = [...(await labObjects(ctx, 'msg')), ...(await labObjects(ctx, 'shm'))];
            const host = [...hostObjects('msg'), ...hostObjects('shm')];
            const leaked = made.filter((o) => host.some((h) => sameSysv(o, h)));
            return {
              ok: made.length >= 2 && leaked.length === 0,
              found: {
                en: `inside: ${list(made)}; on the host: ${list(host)}`,
                zh: `命名空间内：${listZh(made)}；宿主机上：${listZh(host)}`,
              },
            };
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'why-not-mounts',
      answer: { choice: 4 },
    },
    {
      id: 'your-queue',
      kind: 'task',
      shell: 'lab',
      solution: [enter(['ipcmk', '-Q', '-p', '600'], IPC)],
      checks: [
        {
          id: 'private-queue-inside',
          title: {
            en: "the lab's IPC namespace has a message queue with permissions 600",
            zh: '实验的 IPC 命名空间里有一个权限为 600 的消息队列',
          },
          verify: async (ctx) => {
            const queues = await labObjects(ctx, 'msg');
            const shown = queues.map((q) => `${describeSysv(q)} perms ${q.mode.toString(8)}`);
            return {
              ok: queues.some((q) => q.mode === 0o600),
              found: { en: `queues inside: ${shown.join(', ') || '(none)'}`, zh: `命名空间内的消息队列：${shown.join('，') || '（无）'}` },
            };
          },
        },
        {
          id: 'not-on-host',
          title: { en: "your queue does not exist in the host's IPC namespace", zh: '你的队列不存在于宿主机的 IPC 命名空间里' },
          verify: async (ctx) => {
            const yours = (await labObjects(ctx, 'msg')).filter((q) => q.mode === 0o600);
            const host = hostObjects('msg');
            const leaked = yours.filter((q) => host.some((h) => sameSysv(q, h)));
            return {
              ok: yours.length > 0 && leaked.length === 0,
              found: { en: `yours: ${list(yours)}; on the host: ${list(host)}`, zh: `你的：${listZh(yours)}；宿主机上：${listZh(host)}` },
            };
          },
        },
      ],
    },
    {
      id: 'host-hidden',
      kind: 'demo',
      actions: [
        (ctx) => {
          // What the host's namespace held before: the check looks for the queue this action adds.
          ctx.set('host-msg-before', JSON.stringify(hostObjects('msg').map(({ key, id }) => ({ key, id }))));
          return { kind: 'run', argv: ['ipcmk', '-Q'], creates: { kind: 'sysv', type: 'msg' } };
        },
        run(['ipcs', '-q']),
        enter(['ipcs', '-q'], IPC),
      ],
      checks: [
        {
          id: 'host-queue',
          title: { en: "the host's IPC namespace has a new message queue", zh: '宿主机的 IPC 命名空间里多了一个消息队列' },
          verify: (ctx) => {
            const before = JSON.parse(ctx.get('host-msg-before')) as { key: number; id: number }[];
            const added = hostObjects('msg').filter((o) => !before.some((b) => sameSysv(o, b)));
            return { ok: added.length > 0, found: { en: `new on the host: ${list(added)}`, zh: `宿主机上新增的：${listZh(added)}` } };
          },
        },
        {
          id: 'invisible-inside',
          title: { en: "that queue does not exist inside the lab's IPC namespace", zh: '这个队列在实验的 IPC 命名空间里并不存在' },
          verify: async (ctx) => {
            const before = JSON.parse(ctx.get('host-msg-before')) as { key: number; id: number }[];
            const added = hostObjects('msg').filter((o) => !before.some((b) => sameSysv(o, b)));
            const lab = await labObjects(ctx, 'msg');
            const seen = added.filter((o) => lab.some((l) => sameSysv(o, l)));
            return {
              ok: added.length > 0 && seen.length === 0,
              found: {
                en: `host's new queue: ${list(added)}; queues inside: ${list(lab)}`,
                zh: `宿主机新增的队列：${listZh(added)}；命名空间内的队列：${listZh(lab)}`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'posix-mqueue',
      kind: 'demo',
      actions: [
        enter(['mount', '-t', 'mqueue', 'mqueue', MQUEUE_DIR]),
        enter(['touch', `${MQUEUE_DIR}/${QUEUE}`]),
        enter(['cat', `${MQUEUE_DIR}/${QUEUE}`]),
        run(listMqueuesArgv()),
      ],
      checks: [
        {
          id: 'mounted-inside-only',
          title: {
            en: `an mqueue filesystem is mounted on ${MQUEUE_DIR} in the lab's mount namespace, and not in the host's`,
            zh: `实验的挂载命名空间里有一个 mqueue 文件系统挂载在 ${MQUEUE_DIR}，宿主机的挂载命名空间里没有`,
          },
          verify: (ctx) => {
            const isMqueue = (m: { mountPoint: string; fsType: string }): boolean => m.mountPoint === MQUEUE_DIR && m.fsType === 'mqueue';
            const lab = (readMountinfo(ctx.proc('box').pid) ?? []).some(isMqueue);
            const host = (readMountinfo('self') ?? []).some(isMqueue);
            return {
              ok: lab && !host,
              found: {
                en: `mqueue on ${MQUEUE_DIR}: in the lab ${lab ? 'yes' : 'no'}, on the host ${host ? 'yes' : 'no'}`,
                zh: `${MQUEUE_DIR} 上的 mqueue：实验里${lab ? '有' : '没有'}，宿主机上${host ? '有' : '没有'}`,
              },
            };
          },
        },
        {
          id: 'mqueue-inside',
          title: {
            en: `the POSIX message queue /${QUEUE} exists in the lab's IPC namespace`,
            zh: `POSIX 消息队列 /${QUEUE} 存在于实验的 IPC 命名空间里`,
          },
          verify: (ctx) => {
            const text = labQueueFile(ctx);
            const fields = text === undefined ? undefined : parseMqueueFile(text);
            return {
              ok: fields !== undefined,
              found: fields
                ? `${MQUEUE_DIR}/${QUEUE}: ${text!.trim().replace(/\s+/g, ' ')}`
                : { en: `no ${MQUEUE_DIR}/${QUEUE} inside`, zh: `命名空间内没有 ${MQUEUE_DIR}/${QUEUE}` },
            };
          },
        },
        {
          id: 'mqueue-not-on-host',
          title: {
            en: `the host's IPC namespace has no queue /${QUEUE}`,
            zh: `宿主机的 IPC 命名空间里没有 /${QUEUE} 这个队列`,
          },
          verify: async (ctx) => {
            const lab = labQueueFile(ctx) !== undefined;
            const result = await ctx.probe(listMqueuesArgv());
            const host = parseMqueueListing(result.stdout);
            return {
              ok: result.exitCode === 0 && lab && !host.includes(QUEUE),
              found: {
                en: `in the lab: ${lab ? QUEUE : '(none)'}; on the host: ${host.join(' ') || '(no queue)'}`,
                zh: `实验里：${lab ? QUEUE : '（无）'}；宿主机上：${host.join(' ') || '（没有队列）'}`,
              },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
