// The cgroup-pids lab: pids.max 20 on a leaf cgroup, then a fork bomb started inside it. The kernel stops the bomb
// at 20 tasks (pids.current), counts every refused fork in pids.events, and a probe that joins the full cgroup sees
// its own fork(2) fail with EAGAIN, while the host forks as usual; one write to cgroup.kill then ends every process
// of the bomb at once. The learner gives the lab shell's own cgroup the limit `docker run --pids-limit 5` sets.
// Safety: the bomb refuses to start unless its cgroup's pids.max reads 20 (the limit is written in the step before),
// every process of it forks at most three times and then sleeps on a pipe whose only writer is the first process,
// which dies with the harness (setpriv --pdeathsig): no process of the bomb spins, and none outlives the run.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { readFlatKeyed, readMaxValue } from '../../src/kernel/cgroup-files.js';
import { pid, run } from '../../src/lab/build.js';
import { cgroupFile, cgroupPreamble, labPath, runIn, set, startIn } from '../../src/lab/build-cgroup.js';
import { noting } from '../../src/lab/build-note.js';
import { word } from '../../src/lab/build-words.js';
import { readCgroupProcs } from '../../src/kernel/cgroup-path.js';
import { isAlive, startTime } from '../../src/kernel/proc.js';
import type { CheckContext, LabSpec } from '../../src/lab/spec.js';
import { bilingual } from '../../src/common/vocabulary.js';

/** The bomb's limit: what `docker run --pids-limit 20` would write to the container's pids.max. */
const LIMIT = 20;
/** How many forks each process of the bomb tries (its children try as many): 20 tasks use 19 of them. */
const TRIES = 3;
/** The limit the learner gives the lab shell's cgroup in the task. */
const BOX_LIMIT = 5;
/** errno 11 on Linux: the error fork(2) returns when pids.max would be exceeded. */
const EAGAIN = 11;
/** A fork on the host slower than this (ms) would mean the host is struggling; TCG and loaded CI included. */
const HOST_FORK_MS = 3000;

/** The bomb's leaf and the leaf of `box` (the lab shell's cgroup), under the run's cgroup. */
const bombDir = labPath('bomb');
const boxDir = labPath('box');

/**
 * The bomb, in perl (argument: its cgroup). It first refuses to run unless pids.max is 20; then every process forks
 * TRIES times as fast as it can, each child doing the same, and finally blocks reading a pipe whose only writer is
 * the first process: nothing spins once the forks are refused. When the first process dies, the pipe reads as
 * end-of-file: every other process then exits, and one still trying stops forking first (the `select` before each
 * fork), so that slots freed by exits are never refilled by a bomb without its first process.
 */
const BOMB =
  `open(L, "$ARGV[0]/pids.max") && <L> == ${LIMIT} or die "pids.max is not ${LIMIT}: no bomb\\n"; pipe(R, W); vec($r, fileno(R), 1) = 1; ` +
  `for ($n = 0; $n < ${TRIES} && !select($e = $r, undef, undef, 0); $n++) { $pid = fork; if (defined $pid && $pid == 0) { close W; $n = -1 } } ` +
  'sysread R, $x, 1';

/**
 * The probe (argument: the bomb's cgroup, which it has joined): it prints pids.current, forks once and waits. When
 * fork(2) fails, perl's `die` exits with the errno as the exit status, which the kernel hands to the waiting parent.
 */
const PROBE = 'open(C, "$ARGV[0]/pids.current"); print "pids.current: ", <C>; fork // die "fork: $!\\n"; wait';

const pidsMax = (dir: string): string => String(readMaxValue(dir, 'pids.max'));
const pidsCurrent = (dir: string): number => Number(readMaxValue(dir, 'pids.current'));
/** pids.events `max`: how many forks (or clones) in this cgroup the pids controller refused. */
const refusedForks = (dir: string): number => readFlatKeyed(dir, 'pids.events').max ?? 0;
const populated = (dir: string): number | undefined => readFlatKeyed(dir, 'cgroup.events').populated;

/** The processes of a cgroup with their start times, so that a recycled PID is never taken for one of them. */
function processesOf(dir: string): { pid: number; start: number }[] {
  return (readCgroupProcs(dir) ?? []).flatMap((pid) => {
    const start = startTime(pid);
    return start === undefined ? [] : [{ pid, start }];
  });
}

/** Tasks on the whole host (the fourth field of /proc/loadavg is running/total) and the kernel's ceiling. */
function hostTasks(): { total: string; pidMax: string } {
  const total = readFileSync('/proc/loadavg', 'utf8').split(' ')[3]?.split('/')[1] ?? '?';
  return { total, pidMax: readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim() };
}

export default {
  format: 1,
  id: 'cgroup-pids',
  order: 12,
  requires: ['linux', 'root', 'setpriv', 'procps', 'perl', 'cgroup2', 'cgroup2-pids'],
  shell: { target: 'box', namespaces: [], cgroup: true },
  cgroup: 'pids',
  steps: [
    {
      id: 'limit',
      kind: 'demo',
      actions: [
        // Two leaves, both removed with the run's cgroup: box for the lab shell, bomb for the bomb.
        ...cgroupPreamble({ controllers: ['pids'], leaves: ['box', 'bomb'], box: 'box' }),
        set(bombDir, 'pids.max', LIMIT),
        run(['cat', ...['pids.max', 'pids.current', 'pids.events'].map((f) => cgroupFile(bombDir, f))]),
      ],
      checks: [
        {
          id: 'bomb-limited',
          title: {
            en: `the bomb's cgroup has pids.max ${LIMIT}, and is empty: pids.current 0, pids.events max 0`,
            zh: `炸弹的 cgroup 的 pids.max 是 ${LIMIT}，而且是空的：pids.current 为 0，pids.events 里 max 为 0`,
          },
          verify: (ctx) => {
            const dir = bombDir(ctx);
            const [max, current, refused] = [pidsMax(dir), pidsCurrent(dir), refusedForks(dir)];
            return {
              ok: max === String(LIMIT) && current === 0 && refused === 0,
              found: `${dir}: pids.max ${max}, pids.current ${current}, pids.events max ${refused}`,
            };
          },
        },
        {
          id: 'box-unlimited',
          title: {
            en: 'box (the cgroup your lab shell joins) holds sleep infinity and has no limit yet: pids.max max',
            zh: 'box（你的实验 shell 将加入的 cgroup）里有 sleep infinity，而且还没有限制：pids.max 是 max',
          },
          // The started shell writes its PID to box's cgroup.procs a moment after it is spawned.
          settle: 3000,
          verify: (ctx) => {
            const dir = boxDir(ctx);
            const procs = readCgroupProcs(dir) ?? [];
            const max = pidsMax(dir);
            return {
              ok: procs.includes(ctx.proc('box').pid) && max === 'max',
              found: bilingual((say) => `${dir}: cgroup.procs ${procs.join(' ') || say('(empty)', '（空）')}, pids.max ${max}`),
            };
          },
        },
      ],
    },
    {
      id: 'bomb',
      kind: 'demo',
      actions: [
        startIn('bomb', bombDir, ['perl', '-e', BOMB, bombDir]),
        // Waits (20 s at most) until the bomb has filled its cgroup, then shows the counters; so the checks below
        // need only a short settle (a long one would only slow down proving that they fail without the bomb).
        run([
          'sh',
          '-c',
          word`cd ${bombDir} && for i in $(seq 100); do read n < pids.current; [ $n -ge ${LIMIT} ] && break; sleep 0.2; done; cat pids.current pids.events`,
        ]),
        run(['ps', '--forest', '-o', 'pid,ppid,stat,comm', '-s', pid('bomb')]),
      ],
      checks: [
        {
          id: 'held-at-limit',
          title: {
            en: `the bomb is held at the limit: pids.current is ${LIMIT} and cgroup.procs lists ${LIMIT} processes`,
            zh: `炸弹被限制在上限：pids.current 是 ${LIMIT}，cgroup.procs 里正好 ${LIMIT} 个进程`,
          },
          settle: 2000,
          verify: (ctx) => {
            const dir = bombDir(ctx);
            const current = pidsCurrent(dir);
            const procs = readCgroupProcs(dir) ?? [];
            return {
              ok: current === LIMIT && procs.length === LIMIT,
              found: bilingual(
                (say) => `${dir}: pids.max ${pidsMax(dir)}, pids.current ${current}, cgroup.procs: ${say(`${procs.length} PIDs`, `${procs.length} 个 PID`)}`,
              ),
            };
          },
        },
        {
          id: 'forks-refused',
          title: {
            en: 'the kernel refused forks of the bomb: pids.events max is above 0',
            zh: '内核拒绝了炸弹的 fork：pids.events 里的 max 大于 0',
          },
          settle: 2000,
          verify: (ctx) => {
            const refused = refusedForks(bombDir(ctx));
            return { ok: refused > 0, found: `${bombDir(ctx)}/pids.events: max ${refused}` };
          },
        },
        {
          id: 'host-forks',
          title: {
            en: `while the bomb's cgroup is full, the host still forks: \`true\` runs and exits 0 within ${HOST_FORK_MS / 1000} s`,
            zh: `炸弹的 cgroup 满员时，宿主机照样能 fork：\`true\` 在 ${HOST_FORK_MS / 1000} 秒内启动并以 0 退出`,
          },
          settle: 2000,
          verify: async (ctx: CheckContext) => {
            const current = pidsCurrent(bombDir(ctx));
            const began = performance.now();
            const result = await ctx.probe(['true']);
            const ms = Math.round(performance.now() - began);
            const { total, pidMax } = hostTasks();
            return {
              ok: current === LIMIT && result.exitCode === 0 && ms < HOST_FORK_MS,
              found: {
                en: `bomb: pids.current ${current}; host: \`true\` exited ${result.exitCode} after ${ms} ms; ${total} tasks on the host, kernel.pid_max ${pidMax}`,
                zh: `炸弹：pids.current ${current}；宿主机：\`true\` 用了 ${ms} 毫秒，退出码 ${result.exitCode}；宿主机上共 ${total} 个任务，kernel.pid_max 为 ${pidMax}`,
              },
            };
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'why-pids-max',
      answer: { choice: 1 },
    },
    {
      id: 'eagain',
      kind: 'demo',
      actions: [
        // The count before the probe: the check looks for the one refusal the probe adds.
        noting(
          (ctx) => ctx.set('refused-before', String(refusedForks(bombDir(ctx)))),
          runIn(bombDir, ['perl', '-e', PROBE, bombDir], { expect: 'fail', record: 'probe' }),
        ),
      ],
      checks: [
        {
          id: 'fork-eagain',
          title: {
            en: `the probe's fork(2) failed with EAGAIN: the kernel reported its exit status as ${EAGAIN}, the errno`,
            zh: `探针的 fork(2) 以 EAGAIN 失败：内核报告它的退出状态为 ${EAGAIN}，也就是那个 errno`,
          },
          verify: (ctx) => {
            const status = ctx.get('probe');
            return {
              ok: status === `exit ${EAGAIN}`,
              found: { en: `wait status of the probe: ${status} (errno ${EAGAIN} is EAGAIN)`, zh: `探针的等待状态：${status}（errno ${EAGAIN} 即 EAGAIN）` },
            };
          },
        },
        {
          id: 'refusal-counted',
          title: {
            en: "pids.events max went up when the probe's fork was refused",
            zh: '探针的 fork 被拒绝后，pids.events 里的 max 增加了',
          },
          verify: (ctx) => {
            const before = Number(ctx.get('refused-before'));
            const after = refusedForks(bombDir(ctx));
            return { ok: after > before, found: `${bombDir(ctx)}/pids.events max: ${before} -> ${after}` };
          },
        },
      ],
    },
    {
      id: 'kill',
      kind: 'demo',
      actions: [
        // Who is in the bomb right before the kill, with start times: the check proves each one is gone.
        noting((ctx) => ctx.set('bomb-processes', JSON.stringify(processesOf(bombDir(ctx)))), set(bombDir, 'cgroup.kill', 1)),
        // Waits (5 s at most) until the kernel reports the cgroup empty, then shows it.
        run([
          'sh',
          '-c',
          word`cd ${bombDir} && for i in $(seq 50); do read line < cgroup.events; [ "$line" = 'populated 0' ] && break; sleep 0.1; done; cat pids.current cgroup.events`,
        ]),
      ],
      checks: [
        {
          id: 'cgroup-empty',
          title: {
            en: "the bomb's cgroup is empty: pids.current 0 and cgroup.events populated 0",
            zh: '炸弹的 cgroup 空了：pids.current 为 0，cgroup.events 里 populated 为 0',
          },
          settle: 2000,
          verify: (ctx) => {
            const dir = bombDir(ctx);
            const [current, full] = [pidsCurrent(dir), populated(dir)];
            return { ok: current === 0 && full === 0, found: `${dir}: pids.current ${current}, cgroup.events populated ${full}` };
          },
        },
        {
          id: 'every-process-gone',
          title: {
            en: `every one of the ${LIMIT} processes that were in the bomb is gone from /proc`,
            zh: `炸弹里原有的 ${LIMIT} 个进程全部从 /proc 中消失了`,
          },
          settle: 2000,
          verify: (ctx) => {
            const before = JSON.parse(ctx.get('bomb-processes')) as { pid: number; start: number }[];
            const alive = before.filter(({ pid, start }) => isAlive(pid, start)).map(({ pid }) => pid);
            return {
              ok: before.length === LIMIT && alive.length === 0,
              found: {
                en: `${before.length} processes before the kill; alive now: ${alive.join(' ') || 'none'}`,
                zh: `kill 之前有 ${before.length} 个进程；现在还活着的：${alive.join(' ') || '无'}`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'pids-limit',
      kind: 'task',
      shell: 'lab',
      solution: [
        set(boxDir, 'pids.max', BOX_LIMIT),
        // A shell in box, as the lab shell is: three sleeps fit beside it and sleep infinity, the fourth does not.
        // The sleeps let go of the output pipe, so that the command ends when the shell does.
        run(['sh', '-c', word`echo $$ > ${cgroupFile(boxDir, 'cgroup.procs')} && for i in 1 2 3 4; do sleep 30 > /dev/null 2>&1 & done`], { expect: 'fail' }),
      ],
      checks: [
        {
          id: 'box-limit',
          title: {
            en: `box's pids.max is ${BOX_LIMIT}, as \`docker run --pids-limit ${BOX_LIMIT}\` would set it`,
            zh: `box 的 pids.max 是 ${BOX_LIMIT}，就像 \`docker run --pids-limit ${BOX_LIMIT}\` 设置的那样`,
          },
          verify: (ctx) => {
            const max = pidsMax(boxDir(ctx));
            return { ok: max === String(BOX_LIMIT), found: `${boxDir(ctx)}/pids.max: ${max}` };
          },
        },
        {
          id: 'box-refused',
          title: {
            en: 'a fork in box was refused: its pids.events max is above 0',
            zh: 'box 里有一次 fork 被拒绝：它的 pids.events 里 max 大于 0',
          },
          verify: (ctx) => {
            const dir = boxDir(ctx);
            return { ok: refusedForks(dir) > 0, found: `${dir}: pids.events max ${refusedForks(dir)}, pids.current ${pidsCurrent(dir)}` };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
