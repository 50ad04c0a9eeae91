// The pid-namespace lab: one process with two PIDs, a /proc of its own, isolation in one direction only,
// `docker exec` by hand, orphans adopted by PID 1, and the end of everything when PID 1 dies.
import { existsSync, readdirSync } from 'node:fs';
import { dieWithHarness, nsenterArgv, unshareArgv } from '../../src/kernel/namespaces.js';
import { readMountinfo, propagationOf } from '../../src/kernel/mountinfo.js';
import { cmdline, isAlive, nspid, pidsInNamespace, ppid, readStatusFile } from '../../src/kernel/proc.js';
import type { LabContext, LabSpec } from '../../src/lab/spec.js';
import { ownNamespace } from '../../src/lab/checks.js';

/** Run a command inside the lab's PID and mount namespaces, the way `docker exec` does. */
const inside = (ctx: LabContext, command: string[]): string[] =>
  nsenterArgv(ctx.proc('init').pid, ['pid', 'mnt'], command);

/** The inode of the lab's PID namespace, read when init started. */
const labPidNs = (ctx: LabContext): number => {
  const inode = ctx.proc('init').ns.pid;
  if (inode === undefined) throw new Error('the PID namespace of init was not recorded');
  return inode;
};

/** Numeric entries of the /proc that processes inside the lab see (through init's root, in its mount namespace). */
const procInside = (ctx: LabContext): number[] =>
  readdirSync(`/proc/${ctx.proc('init').pid}/root/proc`)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);

const list = (pids: number[]): string => (pids.length ? pids.join(' ') : '(none)');

export default {
  format: 1,
  id: 'pid-namespace',
  order: 1,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'procps', 'ns-pid', 'ns-mnt'],
  shell: { target: 'init', namespaces: ['pid', 'mnt'] },
  steps: [
    {
      id: 'create',
      kind: 'demo',
      actions: [
        {
          kind: 'start',
          name: 'init',
          argv: dieWithHarness(unshareArgv({ namespaces: ['pid', 'mnt'] }, ['sleep', 'infinity'])),
          pidOf: 'child',
        },
        (ctx) => ({ kind: 'run', argv: ['grep', 'NSpid', `/proc/${ctx.proc('init').pid}/status`] }),
        (ctx) => ({ kind: 'run', argv: ['readlink', '/proc/self/ns/pid', `/proc/${ctx.proc('init').pid}/ns/pid`] }),
      ],
      checks: [
        ownNamespace('pid', 'init', {
            en: 'init lives in a PID namespace other than the host\'s',
            zh: 'init 进程所在的 PID 命名空间与宿主机的不同',
          }),
        {
          id: 'two-pids',
          title: {
            en: 'NSpid shows two PIDs for init: the host\'s, and 1 inside',
            zh: 'NSpid 显示 init 有两个 PID：宿主机上的一个，命名空间内的 1',
          },
          verify: (ctx) => {
            const pid = ctx.proc('init').pid;
            const ids = nspid(pid);
            return {
              ok: ids !== undefined && ids.length === 2 && ids[0] === pid && ids[1] === 1,
              found: ids ? `NSpid: ${ids.join(' ')}` : { en: `no /proc/${pid}`, zh: `没有 /proc/${pid}` },
            };
          },
        },
        {
          id: 'private-mounts',
          title: {
            en: 'every mount in the lab\'s mount namespace is private, so nothing it mounts reaches the host',
            zh: '实验的挂载命名空间里所有挂载都是私有的（private），它的挂载不会传播到宿主机',
          },
          verify: (ctx) => {
            const mounts = readMountinfo(ctx.proc('init').pid);
            if (!mounts) return { ok: false, found: { en: 'no mountinfo', zh: '读不到 mountinfo' } };
            const shared = mounts.filter((m) => propagationOf(m) !== 'private').map((m) => m.mountPoint);
            return {
              ok: shared.length === 0,
              found: shared.length
                ? { en: `not private: ${shared.join(', ')}`, zh: `不是私有的：${shared.join(', ')}` }
                : { en: `${mounts.length} mounts, all private`, zh: `${mounts.length} 个挂载，全部私有` },
            };
          },
        },
      ],
    },
    {
      id: 'mount-proc',
      kind: 'demo',
      actions: [
        (ctx) => ({ kind: 'run', argv: inside(ctx, ['sh', '-c', 'ps -e --no-headers | wc -l']) }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, ['mount', '-t', 'proc', 'proc', '/proc']) }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, ['ps', '-ef']) }),
      ],
      checks: [
        {
          id: 'proc-lists-namespace',
          title: {
            en: '/proc inside lists exactly the processes of the lab\'s PID namespace, by their inside PIDs',
            zh: '命名空间内的 /proc 只列出实验 PID 命名空间里的进程，用的是命名空间内的 PID',
          },
          settle: 500,
          verify: (ctx) => {
            const seen = procInside(ctx);
            const members = pidsInNamespace('pid', labPidNs(ctx))
              .map((pid) => nspid(pid)?.at(-1))
              .filter((id): id is number => id !== undefined)
              .sort((a, b) => a - b);
            const same = seen.length === members.length && seen.every((id, i) => id === members[i]);
            const shown = seen.length > 12 ? `${seen.length} PIDs (${seen.slice(0, 6).join(' ')} ...)` : list(seen);
            return {
              ok: same && seen.includes(1),
              found: { en: `/proc inside: ${shown}; namespace holds: ${list(members)}`, zh: `命名空间内的 /proc：${shown}；命名空间里的进程：${list(members)}` },
            };
          },
        },
      ],
    },
    {
      id: 'isolation',
      kind: 'demo',
      actions: [
        { kind: 'start', name: 'host-sleeper', argv: dieWithHarness(['sleep', '3600']) },
        (ctx) => ({ kind: 'run', argv: inside(ctx, ['ls', '-d', `/proc/${ctx.proc('host-sleeper').pid}`]), expect: 'fail' }),
        (ctx) => ({ kind: 'run', argv: inside(ctx, ['kill', '-KILL', String(ctx.proc('host-sleeper').pid)]), expect: 'fail' }),
        (ctx) => ({ kind: 'run', argv: ['ps', '-o', 'pid,stat,args', '-p', String(ctx.proc('host-sleeper').pid)] }),
      ],
      checks: [
        {
          id: 'cannot-see',
          title: {
            en: 'the host process is in the host\'s /proc but not in the /proc inside',
            zh: '宿主机的进程出现在宿主机的 /proc 中，却不在命名空间内的 /proc 中',
          },
          verify: (ctx) => {
            const host = ctx.proc('host-sleeper').pid;
            const onHost = isAlive(host);
            const insideToo = existsSync(`/proc/${ctx.proc('init').pid}/root/proc/${host}`);
            return {
              ok: onHost && !insideToo,
              found: {
                en: `/proc/${host} on the host: ${onHost ? 'yes' : 'no'}; inside: ${insideToo ? 'yes' : 'no'}`,
                zh: `宿主机上有 /proc/${host}：${onHost ? '是' : '否'}；命名空间内：${insideToo ? '是' : '否'}`,
              },
            };
          },
        },
        {
          id: 'cannot-signal',
          title: {
            en: 'SIGKILL sent from inside cannot reach the host process, which stays alive',
            zh: '从命名空间内发送的 SIGKILL 到达不了宿主机进程，它依然活着',
          },
          verify: async (ctx) => {
            const host = ctx.proc('host-sleeper').pid;
            const result = await ctx.probe(inside(ctx, ['kill', '-KILL', String(host)]));
            const alive = isAlive(host);
            return {
              ok: result.exitCode !== 0 && alive,
              found: {
                en: `kill exit status ${result.exitCode}; host process ${host} ${alive ? 'alive' : 'gone'}`,
                zh: `kill 退出状态 ${result.exitCode}；宿主机进程 ${host} ${alive ? '仍然活着' : '已经不在'}`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'exec',
      kind: 'task',
      shell: 'host',
      solution: [
        { kind: 'run', argv: ['lsns', '--type', 'pid', '--output', 'NS,PID,COMMAND'] },
        (ctx) => ({ kind: 'start', name: 'exec-sleep', argv: nsenterArgv(ctx.proc('init').pid, ['pid', 'mnt'], ['sleep', '777']), pidOf: 'child' }),
      ],
      checks: [
        {
          id: 'joined',
          title: {
            en: 'a `sleep 777` you started runs inside the lab\'s PID namespace',
            zh: '你启动的 `sleep 777` 运行在实验的 PID 命名空间里',
          },
          settle: 500,
          verify: (ctx) => {
            const members = pidsInNamespace('pid', labPidNs(ctx));
            const found = members.filter((pid) => cmdline(pid)?.join(' ') === 'sleep 777');
            const shown = members.map((pid) => `${nspid(pid)?.join('/') ?? pid}:${cmdline(pid)?.join(' ') ?? '?'}`);
            return {
              ok: found.length > 0,
              found: {
                en: `in the namespace (host/inside PID:command): ${shown.join(', ') || '(none)'}`,
                zh: `命名空间里的进程（宿主机/命名空间内 PID:命令）：${shown.join(', ') || '（无）'}`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'orphans',
      kind: 'task',
      shell: 'lab',
      solution: [(ctx) => ({ kind: 'run', argv: inside(ctx, ['sh', '-c', 'sleep 600 >/dev/null 2>&1 &']) })],
      checks: [
        {
          id: 'adopted',
          title: {
            en: 'an orphan inside was adopted by init: its parent is init\'s host PID',
            zh: '命名空间内的孤儿进程被 init 收养：它的父进程是 init（宿主机 PID）',
          },
          settle: 500,
          verify: (ctx) => {
            const init = ctx.proc('init').pid;
            const adopted = pidsInNamespace('pid', labPidNs(ctx)).filter((pid) => pid !== init && ppid(pid) === init);
            ctx.set('orphan', String(adopted[0] ?? ''));
            return { ok: adopted.length > 0, found: { en: `children of init (host PIDs): ${list(adopted)}`, zh: `init 的子进程（宿主机 PID）：${list(adopted)}` } };
          },
        },
        {
          id: 'parent-is-one',
          title: {
            en: 'seen from inside, that orphan\'s parent is PID 1',
            zh: '从命名空间内看，这个孤儿进程的父进程是 1 号进程',
          },
          verify: (ctx) => {
            const orphan = Number(ctx.get('orphan'));
            const inner = orphan ? nspid(orphan)?.at(-1) : undefined;
            const status = inner ? readStatusFile(`/proc/${ctx.proc('init').pid}/root/proc/${inner}/status`) : undefined;
            const parent = status?.get('PPid');
            return {
              ok: parent === '1',
              found: inner
                ? { en: `inside PID ${inner}, PPid ${parent ?? '?'}`, zh: `命名空间内 PID ${inner}，PPid ${parent ?? '?'}` }
                : { en: 'no orphan found', zh: '没有找到孤儿进程' },
            };
          },
        },
      ],
    },
    {
      id: 'init-dies',
      kind: 'demo',
      actions: [
        (ctx) => ({ kind: 'run', argv: inside(ctx, ['ps', '-eo', 'pid,ppid,args']) }),
        (ctx) => ({ kind: 'run', argv: ['kill', '-KILL', String(ctx.proc('init').pid)] }),
      ],
      checks: [
        {
          id: 'init-gone',
          title: { en: 'init is gone', zh: 'init 进程已经不在了' },
          settle: 2000,
          verify: (ctx) => {
            const pid = ctx.proc('init').pid;
            const alive = isAlive(pid);
            return { ok: !alive, found: { en: `/proc/${pid}: ${alive ? 'running' : 'gone'}`, zh: `/proc/${pid}：${alive ? '仍在运行' : '已经不在'}` } };
          },
        },
        {
          id: 'namespace-empty',
          title: {
            en: 'the kernel killed every other process of the namespace: none is left',
            zh: '内核杀死了命名空间里的所有其他进程：一个也不剩',
          },
          settle: 2000,
          verify: (ctx) => {
            const left = pidsInNamespace('pid', labPidNs(ctx));
            return {
              ok: left.length === 0,
              found: { en: `processes left in pid:[${labPidNs(ctx)}]: ${list(left)}`, zh: `pid:[${labPidNs(ctx)}] 中剩下的进程：${list(left)}` },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
