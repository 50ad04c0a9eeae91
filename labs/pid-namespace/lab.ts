// The pid-namespace lab: one process with two PIDs, a /proc of its own, isolation in one direction only,
// `docker exec` by hand, what setns(2) changes (the children only), namespaces nested down to the kernel's limit,
// orphans adopted by PID 1, and the end of everything when PID 1 dies.
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { constants } from 'node:os';
import { unshareArgv } from '../../src/kernel/namespaces.js';
import { readMountinfo, propagationOf } from '../../src/kernel/mountinfo.js';
import { childrenOf, cmdline, comm, isAlive, nsInode, nspid, pidsInNamespace, ppid, readStatusFile } from '../../src/kernel/proc.js';
import { enter, init, nsenter, pid, proc, run, start } from '../../src/lab/build.js';
import { hostProcess } from '../../src/lab/build-process.js';
import { word } from '../../src/lab/build-words.js';
import type { LabContext, LabSpec } from '../../src/lab/spec.js';
import { inChinese, inEnglish, type Say } from '../../src/common/vocabulary.js';
import { ownNamespace } from '../../src/lab/checks.js';

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

const list = (pids: number[], say: Say): string => (pids.length ? pids.join(' ') : say('(none)', '（无）'));

/** ESRCH, the errno kill(2) returns for a PID that does not exist in the caller's PID namespace (3 on Linux). */
const ESRCH = constants.errno.ESRCH;

/**
 * kill(2) with SIGKILL, straight from perl: when the kernel refuses, `die` exits with the errno as its status, so
 * the wait status a `record` action stores is the kernel's answer (`exit 3`), not a message.
 */
const KILL_PROBE = 'kill("KILL", $ARGV[0]) or die "kill: $!\\n"';

/**
 * The inode a /proc/<pid>/ns link names. `pid_for_children` is not a namespace type of its own (it is the PID
 * namespace the process's next children go to), so it is read here rather than through nsInode.
 */
function nsLink(pid: number, file: 'pid' | 'pid_for_children'): number | undefined {
  try {
    const m = /\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/${file}`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The first child of a process running `program`, by host PID. */
const childRunning = (pid: number, program: string): number | undefined => childrenOf(pid).find((child) => comm(child) === program);

/**
 * The kernel's limit on nested PID namespaces: the initial namespace is level 0, and create_pid_namespace() refuses
 * a namespace deeper than MAX_PID_NS_LEVEL (32) with ENOSPC.
 */
const MAX_LEVEL = 32;

/**
 * A shell that learns its level from its own NSpid line (one PID per level, so the word count minus the `NSpid:`
 * label minus one), then starts itself again in a new PID namespace. When unshare(2) refuses (unshare exits 1), the
 * deepest shell exits with its level, and every unshare above passes that status on: the wait status is the depth
 * the kernel allowed. It reads the host's /proc, which shows every level.
 */
const NEST =
  'level=$(($(grep NSpid /proc/self/status | wc -w) - 2)); unshare --pid --fork sh -c "$NEST"; status=$?; [ $status = 1 ] && status=$level; exit $status';

export default {
  format: 1,
  id: 'pid-namespace',
  order: 1,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'procps', 'perl', 'ns-pid', 'ns-mnt'],
  shell: { target: 'init', namespaces: ['pid', 'mnt'] },
  steps: [
    {
      id: 'create',
      kind: 'demo',
      actions: [
        init('init', { namespaces: ['pid', 'mnt'] }),
        run(['grep', 'NSpid', proc('init', 'status')]),
        run(['readlink', '/proc/self/ns/pid', proc('init', 'ns/pid')]),
      ],
      checks: [
        ownNamespace('pid', 'init', {
          en: "init lives in a PID namespace other than the host's",
          zh: 'init 进程所在的 PID 命名空间与宿主机的不同',
        }),
        {
          id: 'two-pids',
          title: {
            en: "NSpid shows two PIDs for init: the host's, and 1 inside",
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
            en: "every mount in the lab's mount namespace is private, so nothing it mounts reaches the host",
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
      actions: [enter(['sh', '-c', 'ps -e --no-headers | wc -l']), enter(['mount', '-t', 'proc', 'proc', '/proc']), enter(['ps', '-ef'])],
      checks: [
        {
          id: 'proc-lists-namespace',
          title: {
            en: "/proc inside lists exactly the processes of the lab's PID namespace, by their inside PIDs",
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
            const shown = (say: Say): string =>
              seen.length > 12 ? `${say(`${seen.length} PIDs`, `${seen.length} 个 PID`)} (${seen.slice(0, 6).join(' ')} ...)` : list(seen, say);
            return {
              ok: same && seen.includes(1),
              found: {
                en: `/proc inside: ${shown(inEnglish)}; namespace holds: ${list(members, inEnglish)}`,
                zh: `命名空间内的 /proc：${shown(inChinese)}；命名空间里的进程：${list(members, inChinese)}`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'isolation',
      kind: 'demo',
      actions: [
        hostProcess('host-sleeper', ['sleep', '3600']),
        enter(['ls', '-d', word`/proc/${pid('host-sleeper')}`], { expect: 'fail' }),
        enter(['perl', '-e', KILL_PROBE, pid('host-sleeper')], { expect: 'fail', record: 'kill-from-inside' }),
        run(['ps', '-o', 'pid,stat,args', '-p', pid('host-sleeper')]),
      ],
      checks: [
        {
          id: 'cannot-see',
          title: {
            en: "the host process is in the host's /proc but not in the /proc inside",
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
            en: `kill(2) from inside failed with ESRCH (the probe's exit status ${ESRCH}), and the host process stays alive`,
            zh: `从命名空间内调用的 kill(2) 以 ESRCH 失败（探针的退出状态为 ${ESRCH}），宿主机进程依然活着`,
          },
          verify: (ctx) => {
            const host = ctx.proc('host-sleeper').pid;
            const status = ctx.get('kill-from-inside');
            const alive = isAlive(host);
            return {
              ok: status === `exit ${ESRCH}` && alive,
              found: {
                en: `wait status of the probe: ${status} (errno ${ESRCH} is ESRCH); host process ${host} ${alive ? 'alive' : 'gone'}`,
                zh: `探针的等待状态：${status}（errno ${ESRCH} 即 ESRCH）；宿主机进程 ${host} ${alive ? '仍然活着' : '已经不在'}`,
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
      solution: [run(['lsns', '--type', 'pid', '--output', 'NS,PID,COMMAND']), start('exec-sleep', nsenter(['sleep', '777']), { pidOf: 'child' })],
      checks: [
        {
          id: 'joined',
          title: {
            en: "a `sleep 777` you started runs inside the lab's PID namespace",
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
      id: 'setns',
      kind: 'demo',
      actions: [
        // `--no-fork`: nsenter calls setns(2) and then executes the shell itself, so the shell is the caller; `execs`
        // waits for that exec, which comes after the setns(2). The shell must `wait`: a dying init waits until every
        // process of its namespace is reaped, also a child whose parent is outside (zap_pid_ns_processes()), so a
        // parent that never reaped `sleep 900` would keep the init of the last step from ending.
        start('no-fork', ['nsenter', '--target', pid('init'), '--pid', '--no-fork', '--', 'sh', '-c', 'sleep 900 & wait'], { execs: 'sh' }),
        run(['readlink', '/proc/self/ns/pid', proc('no-fork', 'ns/pid'), proc('no-fork', 'ns/pid_for_children')]),
        run(['ps', '-o', 'pid,ppid,args', '--ppid', pid('no-fork')]),
      ],
      checks: [
        {
          id: 'caller-stays',
          title: {
            en: "the process that called setns(2) is still in the host's PID namespace",
            zh: '调用 setns(2) 的进程仍在宿主机的 PID 命名空间里',
          },
          verify: (ctx) => {
            const pid = ctx.proc('no-fork').pid;
            const own = nsLink(pid, 'pid');
            const host = nsInode('self', 'pid');
            return {
              ok: own !== undefined && own === host,
              found: {
                en: `/proc/${pid}/ns/pid: pid:[${own ?? '?'}]; host: pid:[${host ?? '?'}]`,
                zh: `/proc/${pid}/ns/pid：pid:[${own ?? '?'}]；宿主机：pid:[${host ?? '?'}]`,
              },
            };
          },
        },
        {
          id: 'children-ns',
          title: {
            en: "its pid_for_children names the lab's PID namespace",
            zh: '它的 pid_for_children 指向实验的 PID 命名空间',
          },
          verify: (ctx) => {
            const pid = ctx.proc('no-fork').pid;
            const next = nsLink(pid, 'pid_for_children');
            return {
              ok: next === labPidNs(ctx),
              found: {
                en: `/proc/${pid}/ns/pid_for_children: pid:[${next ?? '?'}]; the lab: pid:[${labPidNs(ctx)}]`,
                zh: `/proc/${pid}/ns/pid_for_children：pid:[${next ?? '?'}]；实验的：pid:[${labPidNs(ctx)}]`,
              },
            };
          },
        },
        {
          id: 'child-inside',
          title: {
            en: "the child it forked after setns(2), `sleep 900`, is in the lab's PID namespace, with two PIDs",
            zh: '它在 setns(2) 之后 fork 出的子进程 `sleep 900` 在实验的 PID 命名空间里，有两个 PID',
          },
          settle: 500,
          verify: (ctx) => {
            const pid = ctx.proc('no-fork').pid;
            const child = childRunning(pid, 'sleep');
            const ids = child === undefined ? undefined : nspid(child);
            const ns = child === undefined ? undefined : nsLink(child, 'pid');
            return {
              ok: ns === labPidNs(ctx) && ids?.length === 2,
              found:
                child === undefined
                  ? { en: `no \`sleep\` child of ${pid}`, zh: `${pid} 没有 \`sleep\` 子进程` }
                  : `${child}: pid:[${ns ?? '?'}], NSpid: ${ids?.join(' ') ?? '?'}`,
            };
          },
        },
      ],
    },
    {
      id: 'nesting',
      kind: 'demo',
      actions: [
        // A PID namespace made from inside the lab's: nsenter forks into the lab's namespace, unshare from there.
        start('inner', nsenter(unshareArgv({ namespaces: ['pid'] }, ['sleep', 'infinity']), { ns: ['pid'] }), { pidOf: 'child' }),
        // The same, once, with a command that prints its own NSpid: the host's /proc (no --mount) shows every level.
        enter(['unshare', '--pid', '--fork', 'grep', 'NSpid', '/proc/self/status'], { ns: ['pid'] }),
        run(['env', `NEST=${NEST}`, 'sh', '-c', 'eval "$NEST"'], { expect: 'fail', record: 'deepest' }),
      ],
      checks: [
        {
          id: 'three-pids',
          title: {
            en: "the init of the inner namespace has three PIDs in NSpid: the host's, the lab namespace's, and 1",
            zh: '内层命名空间的 init 在 NSpid 里有三个 PID：宿主机的、实验命名空间里的，以及 1',
          },
          settle: 500,
          verify: (ctx) => {
            const unshare = ctx.proc('inner').pid;
            const init = childRunning(unshare, 'sleep');
            const ids = init === undefined ? undefined : nspid(init);
            const ns = init === undefined ? undefined : nsLink(init, 'pid');
            if (ns !== undefined) ctx.set('inner-ns', String(ns));
            return {
              ok: ids?.length === 3 && ids[0] === init && ids[2] === 1 && ns !== undefined && ns !== labPidNs(ctx),
              found:
                init === undefined
                  ? { en: `no \`sleep\` child of unshare ${unshare}`, zh: `unshare ${unshare} 没有 \`sleep\` 子进程` }
                  : `${init}: pid:[${ns ?? '?'}], NSpid: ${ids?.join(' ') ?? '?'}`,
            };
          },
        },
        {
          id: 'depth-limit',
          title: {
            en: `namespaces nested from the host went down to level ${MAX_LEVEL}, and no further: unshare(2) refused level ${MAX_LEVEL + 1}`,
            zh: `从宿主机开始一层层嵌套的命名空间到第 ${MAX_LEVEL} 层为止：unshare(2) 拒绝了第 ${MAX_LEVEL + 1} 层`,
          },
          verify: (ctx) => {
            const status = ctx.get('deepest');
            return {
              ok: status === `exit ${MAX_LEVEL}`,
              found: {
                en: `wait status of the chain: ${status} (the level of the deepest shell)`,
                zh: `整条链的等待状态：${status}（最深一层 shell 所在的层级）`,
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
      solution: [enter(['sh', '-c', 'sleep 600 >/dev/null 2>&1 &'])],
      checks: [
        {
          id: 'adopted',
          title: {
            en: "an orphan inside was adopted by init: its parent is init's host PID",
            zh: '命名空间内的孤儿进程被 init 收养：它的父进程是 init（宿主机 PID）',
          },
          settle: 500,
          verify: (ctx) => {
            const init = ctx.proc('init').pid;
            const adopted = pidsInNamespace('pid', labPidNs(ctx)).filter((pid) => pid !== init && ppid(pid) === init);
            ctx.set('orphan', String(adopted[0] ?? ''));
            return {
              ok: adopted.length > 0,
              found: { en: `children of init (host PIDs): ${list(adopted, inEnglish)}`, zh: `init 的子进程（宿主机 PID）：${list(adopted, inChinese)}` },
            };
          },
        },
        {
          id: 'parent-is-one',
          title: {
            en: "seen from inside, that orphan's parent is PID 1",
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
      kind: 'quiz',
      id: 'why-reap',
      answer: { choice: 2 },
    },
    {
      id: 'init-dies',
      kind: 'demo',
      actions: [enter(['ps', '-eo', 'pid,ppid,args']), run(['kill', '-KILL', pid('init')])],
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
            en: 'the kernel killed every other process of the namespace, and of the namespace nested in it: none is left',
            zh: '内核杀死了命名空间里的所有其他进程，连嵌套在其中的命名空间里的也一样：一个也不剩',
          },
          settle: 2000,
          verify: (ctx) => {
            const inner = Number(ctx.get('inner-ns'));
            const left = pidsInNamespace('pid', labPidNs(ctx));
            const leftInner = pidsInNamespace('pid', inner);
            return {
              ok: left.length === 0 && leftInner.length === 0,
              found: {
                en: `processes left in pid:[${labPidNs(ctx)}]: ${list(left, inEnglish)}; in the nested pid:[${inner}]: ${list(leftInner, inEnglish)}`,
                zh: `pid:[${labPidNs(ctx)}] 中剩下的进程：${list(left, inChinese)}；嵌套的 pid:[${inner}] 中：${list(leftInner, inChinese)}`,
              },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
