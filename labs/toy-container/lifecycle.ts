// The toy-container lab's second half: the same plan all at once, `lab container run -d`, then the lifecycle Docker
// users know: exec (a new process that joins the namespaces and the cgroup) against attach (PID 1's own stdio, held
// by the supervisor), logs, ps, stop (SIGTERM, then SIGKILL after the grace period) and rm. Every command is the CLI
// a learner types; the checks find the container's processes in the host's /proc by the `-e` marker.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readCgroupProcs, readProcCgroup, v2PathOf } from '../../src/kernel/cgroup-path.js';
import { readMountinfo } from '../../src/kernel/mountinfo.js';
import { cmdline, comm, isAlive, nsInode, nspid, ppid, readStatus, startTime } from '../../src/kernel/proc.js';
import { run, start, type Word } from '../../src/lab/build.js';
import { runCreating } from '../../src/lab/build-host.js';
import { noting } from '../../src/lab/build-note.js';
import { word } from '../../src/lab/build-words.js';
import { v2Root } from '../../src/lab/cgroup-lab.js';
import type { CheckContext, LabContext, Step } from '../../src/lab/spec.js';
import { bilingual } from '../../src/common/vocabulary.js';
import { CONTAINER_NS } from './plan.js';
import {
  MARKER,
  containerInit,
  containerName,
  containerOthers,
  descendsFrom,
  fdTargets,
  leadsSession,
  markerValue,
  openFileEnding,
  otherEnd,
  supervisorOf,
} from './find.js';

/** PID 1's command: a line for the log, then busybox's sleep, which has no SIGTERM handler. */
export const SCRIPT = 'echo "hello from $(hostname)"; exec sleep 3600';
/** What `lab container exec` runs beside it. */
export const EXEC_COMMAND = ['sleep', '1000'];
/** The grace period `stop` gives PID 1 between SIGTERM and SIGKILL (Docker's default is 10 s). */
export const GRACE_SECONDS = 2;

/** SIGTERM's bit in /proc/<pid>/status's SigCgt (signal N is bit N-1). */
const SIGTERM_BIT = 1n << 14n;

/** `lab container <args>`, the CLI as a learner types it. */
const lab = (...args: Word[]): Word[] => ['lab', 'container', ...args];

/** The container's PID 1, or an error a check reports as its finding. */
function initOf(ctx: LabContext): number {
  const pid = containerInit(ctx);
  if (pid === undefined) throw new Error(`no process with ${MARKER}=${markerValue(ctx)} is PID 1 of a PID namespace: the container is not running`);
  return pid;
}

/** The v2 cgroup directory of a process on the host, or undefined. */
const cgroupDir = (pid: number): string | undefined => {
  const path = v2PathOf(readProcCgroup(pid));
  return path === undefined ? undefined : join(v2Root(), path);
};

/** What `stop` is measured against, noted just before it runs. */
function noteBeforeStop(ctx: LabContext): void {
  const pid = containerInit(ctx);
  if (pid === undefined) return;
  const supervisor = supervisorOf(pid);
  const log = supervisor === undefined ? undefined : openFileEnding(supervisor, '/container.log');
  ctx.set('init', String(pid));
  ctx.set('init-start', String(startTime(pid) ?? 0));
  ctx.set('sigcgt', readStatus(pid)?.get('SigCgt') ?? '');
  ctx.set('stop-at', String(Date.now()));
  if (supervisor !== undefined) ctx.set('supervisor', String(supervisor));
  if (log !== undefined) ctx.set('container-dir', dirname(log));
  const cgroup = cgroupDir(pid);
  if (cgroup !== undefined) ctx.set('container-cgroup', cgroup);
}

/** The state the runtime recorded for the container (its state.json), in the directory noted before `stop`. */
function recordedState(ctx: LabContext): { status?: string; exitCode?: number; finishedAt?: string } {
  try {
    return JSON.parse(readFileSync(join(ctx.get('container-dir'), 'state.json'), 'utf8')) as { status?: string; exitCode?: number; finishedAt?: string };
  } catch {
    return {};
  }
}

/** The process `lab container exec` started beside PID 1. */
function execed(ctx: LabContext, init: number): number | undefined {
  return containerOthers(ctx, init).find((pid) => cmdline(pid)?.join(' ') === EXEC_COMMAND.join(' '));
}

/** The processes that hold this very file (the same socket, pipe or file) among their descriptors. */
function holders(target: string, among: readonly number[]): number[] {
  return among.filter((pid) => [...fdTargets(pid).values()].includes(target));
}

/**
 * The other end of PID 1's stdout, when the kernel's socket diagnostics say (`ss -xn`; without the unix_diag module,
 * as in the test VM, the peer is 0 and only the holders are compared).
 */
async function peerOf(ctx: CheckContext, target: string): Promise<string | undefined> {
  const ss = await ctx.probe(['ss', '-xn']);
  const end = otherEnd(target, ss.stdout);
  return end === 'socket:[0]' ? undefined : end;
}

/** The steps after the stage-by-stage container: `lab container run -d`, exec against attach, stop, rm. */
export const LIFECYCLE: Step[] = [
  {
    id: 'run',
    kind: 'demo',
    actions: [
      runCreating(
        (ctx) => ({ kind: 'container', name: containerName(ctx) }),
        lab('run', '-d', '--name', containerName, '--network', 'none', '-e', word`${MARKER}=${markerValue}`, 'busybox', 'sh', '-c', SCRIPT),
      ),
      run(lab('ps')),
      run(lab('logs', containerName)),
    ],
    checks: [
      {
        id: 'detached-pid-1',
        title: {
          en: "the container's PID 1 runs sleep in six namespaces of its own, below a supervisor that leads a session of its own, not lab's: it outlives the command that started it",
          zh: '容器的 1 号进程在六个自己的命名空间里运行 sleep，它上面是一个自成会话、不属于 lab 的监管进程：它比启动它的命令活得更久',
        },
        verify: (ctx) => {
          const pid = initOf(ctx);
          const supervisor = supervisorOf(pid);
          const own = CONTAINER_NS.filter((type) => nsInode(pid, type) !== nsInode('self', type));
          const alone = supervisor !== undefined && leadsSession(supervisor) && !descendsFrom(supervisor, process.pid);
          return {
            ok: comm(pid) === 'sleep' && own.length === CONTAINER_NS.length && alone,
            found: bilingual(
              (say) =>
                `PID ${pid} (NSpid ${nspid(pid)?.join(' ') ?? '?'}) ${comm(pid) ?? '?'}${say(', new: ', '，新的：')}${own.join(' ')}${say('; parent ', '；父进程 ')}${ppid(pid) ?? '?'} ${comm(ppid(pid) ?? 0) ?? '?'}${say(', supervisor ', '，监管进程 ')}${supervisor ?? '?'} ${comm(supervisor ?? 0) ?? '?'}${say(alone ? ': a session of its own, not under lab' : ': under lab', alone ? '：自成会话，不在 lab 之下' : '：在 lab 之下')}`,
            ),
          };
        },
      },
      {
        id: 'cgroup-and-log',
        title: {
          en: "it is in a cgroup of its own (lab-container-<id>) with the image's layer as its overlay root, and the supervisor holds open the log with the line PID 1 wrote",
          zh: '它在自己的 cgroup（lab-container-<id>）里，根是以镜像层为下层的 overlay；监管进程打开着日志文件，里面有 1 号进程写出的那一行',
        },
        verify: (ctx) => {
          const pid = initOf(ctx);
          const cgroup = cgroupDir(pid);
          // lab-container-<id> under the v2 root, or systemd's transient scope lab-container-<id>.scope for it.
          const id = /\/lab-container-([0-9a-f]{12})(\.scope)?$/.exec(cgroup ?? '')?.[1];
          const inCgroup = cgroup !== undefined && id !== undefined && (readCgroupProcs(cgroup) ?? []).includes(pid);
          const root = (readMountinfo(pid) ?? []).filter((m) => m.mountPoint === '/').at(-1);
          const overlay = root?.fsType === 'overlay' && /lowerdir=[^,]*\/images\/busybox\//.test(root.superOptions);
          const supervisor = supervisorOf(pid);
          const log = supervisor === undefined ? undefined : openFileEnding(supervisor, '/container.log');
          const line = `hello from ${id ?? '?'}\n`;
          let logged = false;
          try {
            logged = log !== undefined && readFileSync(log, 'utf8').includes(JSON.stringify(line).slice(1, -1));
          } catch {
            logged = false;
          }
          return {
            ok: inCgroup && overlay && logged,
            found: bilingual(
              (say) =>
                `cgroup ${cgroup ?? '?'}${say('; / ', '；/ ')}${root ? `${root.fsType} ${root.superOptions.split(',').find((o) => o.startsWith('lowerdir=')) ?? ''}` : '?'}${say('; log held by the supervisor: ', '；监管进程打开的日志：')}${log ?? say('none', '无')}${say(`, with "hello from ${id ?? '?'}": `, `，其中有 "hello from ${id ?? '?'}"：`)}${logged ? say('yes', '有') : say('no', '没有')}`,
            ),
          };
        },
      },
    ],
  },
  {
    id: 'exec',
    kind: 'demo',
    actions: [start('exec', lab('exec', containerName, ...EXEC_COMMAND)), run(lab('ps')), run(lab('exec', containerName, 'ps'))],
    checks: [
      {
        id: 'joined-not-child',
        settle: 5000,
        title: {
          en: `the exec'd ${EXEC_COMMAND.join(' ')} is in PID 1's six namespaces, its cgroup and its root, with a PID above 1 inside, and its parent is outside the container, not PID 1`,
          zh: `exec 出来的 ${EXEC_COMMAND.join(' ')} 在 1 号进程的六个命名空间、它的 cgroup 和它的根里，在容器里的 PID 大于 1，而它的父进程在容器之外，不是 1 号进程`,
        },
        verify: (ctx) => {
          const init = initOf(ctx);
          const pid = execed(ctx, init);
          if (pid === undefined)
            return { ok: false, found: { en: `no ${EXEC_COMMAND.join(' ')} in the container`, zh: `容器里没有 ${EXEC_COMMAND.join(' ')}` } };
          const joined = CONTAINER_NS.filter((type) => nsInode(pid, type) === nsInode(init, type));
          const sameCgroup = cgroupDir(pid) === cgroupDir(init);
          const parent = ppid(pid) ?? 0;
          const parentOutside = parent !== init && nsInode(parent, 'pid') !== nsInode(init, 'pid');
          const sameRoot =
            (readMountinfo(pid) ?? []).find((m) => m.mountPoint === '/')?.device === (readMountinfo(init) ?? []).find((m) => m.mountPoint === '/')?.device;
          const ids = nspid(pid) ?? [];
          return {
            ok: joined.length === CONTAINER_NS.length && sameCgroup && sameRoot && (ids.at(-1) ?? 0) > 1 && parentOutside,
            found: bilingual(
              (say) =>
                `PID ${pid} (NSpid ${ids.join(' ')})${say(": PID 1's namespaces: ", '：与 1 号进程相同的命名空间：')}${joined.join(' ')}${say('; cgroup ', '；cgroup')}${sameCgroup ? say('the same', '相同') : say('another', '不同')}${say('; root ', '；根目录')}${sameRoot ? say('the same', '相同') : say('another', '不同')}${say('; parent ', '；父进程 ')}${parent} ${comm(parent) ?? '?'}${parentOutside ? say(', outside the container', '，在容器之外') : say(', inside the container', '，在容器之内')}`,
            ),
          };
        },
      },
      {
        id: 'exec-not-attach',
        settle: 5000,
        title: {
          en: "PID 1's stdout is the stream its supervisor gave it (what attach and logs read), held by nothing of lab's; the exec'd process's stdout is the very one of the `lab container exec` that started it",
          zh: '1 号进程的标准输出是监管进程给它的那条流（attach 和 logs 读的就是它），lab 的进程都不持有它；exec 出来的进程的标准输出就是启动它的 `lab container exec` 的那一个',
        },
        verify: async (ctx) => {
          const init = initOf(ctx);
          const supervisor = supervisorOf(init) ?? 0;
          const pid = execed(ctx, init);
          if (pid === undefined)
            return { ok: false, found: { en: `no ${EXEC_COMMAND.join(' ')} in the container`, zh: `容器里没有 ${EXEC_COMMAND.join(' ')}` } };
          const cli = ctx.proc('exec').pid;
          const one = fdTargets(init).get(1) ?? '?';
          const other = fdTargets(pid).get(1) ?? '?';
          const cliOut = fdTargets(cli).get(1) ?? '?';
          const peer = await peerOf(ctx, one);
          const bySupervisor = peer === undefined ? undefined : holders(peer, [supervisor]).length === 1;
          // PID 1's stream is none of lab's: neither the harness nor the exec command holds it.
          const labHolds = holders(one, [process.pid, cli]);
          return {
            ok: other === cliOut && one !== cliOut && labHolds.length === 0 && bySupervisor !== false,
            found: bilingual(
              (say) =>
                `${say('PID 1 fd 1: ', '1 号进程 fd 1：')}${one}${peer === undefined ? say(' (peer unknown: no unix_diag)', '（对端未知：没有 unix_diag）') : ` <-> ${peer}${bySupervisor ? say(`, held by the supervisor ${supervisor}`, `，由监管进程 ${supervisor} 持有`) : say(', not the supervisor', '，不是监管进程')}`}${say(', held by lab: ', '，lab 持有的：')}${labHolds.join(' ') || say('no', '没有')}${say("; exec'd fd 1: ", '；exec 出来的进程 fd 1：')}${other}${say('; fd 1 of `lab container exec`: ', '；`lab container exec` 的 fd 1：')}${cliOut}`,
            ),
          };
        },
      },
    ],
  },
  {
    id: 'stop',
    kind: 'demo',
    actions: [noting(noteBeforeStop, run(lab('stop', '-t', String(GRACE_SECONDS), containerName))), run(lab('ps', '-a'))],
    checks: [
      {
        id: 'killed-after-grace',
        title: {
          en: `PID 1 had no SIGTERM handler (SigCgt), so SIGTERM did nothing; SIGKILL came after the ${GRACE_SECONDS} s grace period, the process is gone, and the recorded exit status is 137 (128 + 9)`,
          zh: `1 号进程没有 SIGTERM 处理函数（SigCgt），所以 SIGTERM 不起作用；${GRACE_SECONDS} 秒宽限期之后来了 SIGKILL，进程已经不在了，记录的退出状态是 137（128 + 9）`,
        },
        verify: (ctx) => {
          const pid = Number(ctx.get('init'));
          const alive = isAlive(pid, Number(ctx.get('init-start')));
          const handled = (BigInt(`0x${ctx.get('sigcgt') || '0'}`) & SIGTERM_BIT) !== 0n;
          const state = recordedState(ctx);
          const took = state.finishedAt ? Date.parse(state.finishedAt) - Number(ctx.get('stop-at')) : -1;
          return {
            ok: !handled && !alive && state.status === 'exited' && state.exitCode === 137 && took >= GRACE_SECONDS * 1000,
            found: bilingual(
              (say) =>
                `SigCgt ${ctx.get('sigcgt')}${say(' (SIGTERM ', '（SIGTERM ')}${handled ? say('caught', '有处理函数') : say('not caught', '没有处理函数')}${say(')', '）')}${say('; PID ', '；PID ')}${pid} ${alive ? say('alive', '仍在运行') : say('gone', '已不在')}${say('; recorded: ', '；记录：')}${state.status === 'exited' ? say('exited', '已退出') : (state.status ?? '?')} ${state.exitCode ?? '?'}${say(`, ${took} ms after the stop began`, `，在 stop 开始后 ${took} 毫秒`)}`,
            ),
          };
        },
      },
    ],
  },
  {
    kind: 'quiz',
    id: 'why-137',
    answer: { choice: 4 },
  },
  {
    id: 'rm',
    kind: 'demo',
    actions: [run(lab('rm', containerName)), run(lab('ps', '-a'))],
    checks: [
      {
        id: 'nothing-left',
        title: {
          en: 'nothing of the container is left: no directory, no cgroup, no supervisor, no mount on the host that names its directory',
          zh: '容器什么也没留下：没有目录，没有 cgroup，没有监管进程，宿主机上也没有提到它目录的挂载',
        },
        verify: (ctx) => {
          const dir = ctx.get('container-dir');
          const cgroup = ctx.get('container-cgroup');
          const supervisor = Number(ctx.get('supervisor'));
          const mounts = (readMountinfo('self') ?? []).filter((m) => m.mountPoint.startsWith(dir) || m.superOptions.includes(dir));
          const left = [
            existsSync(dir) ? dir : '',
            existsSync(cgroup) ? cgroup : '',
            isAlive(supervisor) ? `PID ${supervisor}` : '',
            ...mounts.map((m) => m.mountPoint),
          ].filter(Boolean);
          return {
            ok: left.length === 0,
            found: bilingual((say) => `${say('left: ', '残留：')}${left.join(', ') || say('nothing', '无')}`),
          };
        },
      },
    ],
  },
];
