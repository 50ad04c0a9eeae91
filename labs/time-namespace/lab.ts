// The time-namespace lab: a namespace whose CLOCK_BOOTTIME and CLOCK_MONOTONIC run ahead of the host's (so its
// uptime says ten days), offsets fixed once a process is inside, a second namespace that "just booted", one wall
// clock for all of them (and a quiz on why), and the learner's own namespace with an uptime of more than a year.
import { dieWithHarness, nsenterArgv } from '../../src/kernel/namespaces.js';
import { listPids, nsInode } from '../../src/kernel/proc.js';
import { parseUptime, readTimensOffsets, readUptime, unshareTimeArgv, type ClockOffsets } from '../../src/kernel/timens.js';
import { enter, proc, run, write } from '../../src/lab/build.js';
import type { Action, CheckContext, LabSpec, Verdict } from '../../src/lab/spec.js';
import { ownNamespace } from '../../src/lab/checks.js';

/** The offsets of the lab's namespace: boot time ten days ago, the monotonic clock five days ahead. */
const BOOT_OFFSET = 864_000;
const MONO_OFFSET = 432_000;
/** What the learner's namespace must reach: an uptime of at least a year. */
const YEAR = 31_536_000;
/** How far two reads of one clock, a few milliseconds apart, may differ (seconds). */
const SLACK = 2;

/**
 * A time namespace's first process, its clocks shifted by `offsets` (unshare writes them before it forks), killed
 * with the harness; the name stands for the child, inside the namespace.
 */
const timeInit = (name: string, offsets: Partial<ClockOffsets>, argv = ['sleep', 'infinity']): Action => ({
  kind: 'start',
  name,
  argv: dieWithHarness(unshareTimeArgv(offsets, argv)),
  pidOf: 'child',
});

/** A write(2) of one line to box's timens_offsets that the kernel must refuse; its errno is stored under `key`. */
const refusedOffsets = (line: string, key: string) => write(proc('box', 'timens_offsets'), line, { expect: 'fail', record: key });

/** The uptime as the time namespace of process `pid` sees it, read from /proc/uptime through `nsenter --time`. */
async function uptimeOf(ctx: CheckContext, pid: number): Promise<number | undefined> {
  const result = await ctx.probe(nsenterArgv(pid, ['time'], ['cat', '/proc/uptime']));
  return result.exitCode === 0 ? parseUptime(result.stdout) : undefined;
}

/** Seconds since the epoch (CLOCK_REALTIME) as `date +%s` prints it, inside the time namespace of `pid` or on the host. */
async function wallClock(ctx: CheckContext, pid?: number): Promise<number | undefined> {
  const argv = ['date', '+%s'];
  const result = await ctx.probe(pid === undefined ? argv : nsenterArgv(pid, ['time'], argv));
  const value = Number(result.stdout.trim());
  return result.exitCode === 0 && Number.isFinite(value) ? value : undefined;
}

const fmt = (seconds: number | undefined): string => (seconds === undefined ? '?' : seconds.toFixed(0));
const fmtOffsets = (o: ClockOffsets | undefined): string => (o ? `monotonic ${o.monotonic}, boottime ${o.boottime}` : '?');

/** Whether the kernel answered a refused write with `errno`, and box's offsets are still the ones it started with. */
function refusedWith(ctx: CheckContext, key: string, errno: string): Verdict {
  const answer = ctx.get(key);
  const offsets = readTimensOffsets(ctx.proc('box').pid);
  const kept = offsets?.boottime === BOOT_OFFSET && offsets.monotonic === MONO_OFFSET;
  return {
    ok: answer === errno && kept,
    found: { en: `write(2): ${answer}; box: ${fmtOffsets(offsets)}`, zh: `write(2)：${answer}；box：${fmtOffsets(offsets)}` },
  };
}

/** Processes in a time namespace other than the host's whose boottime offset is at least a year. */
function yearOldNamespaces(): { pid: number; inode: number; offsets: ClockOffsets }[] {
  const host = nsInode('self', 'time');
  const found: { pid: number; inode: number; offsets: ClockOffsets }[] = [];
  for (const pid of listPids()) {
    const inode = nsInode(pid, 'time');
    if (inode === undefined || inode === host) continue;
    const offsets = readTimensOffsets(pid);
    if (offsets && offsets.boottime >= YEAR) found.push({ pid, inode, offsets });
  }
  return found;
}

export default {
  format: 1,
  id: 'time-namespace',
  order: 8,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'procps', 'ns-time'],
  shell: { target: 'box', namespaces: ['time'] },
  steps: [
    {
      id: 'create',
      kind: 'demo',
      actions: [
        timeInit('box', { boottime: BOOT_OFFSET, monotonic: MONO_OFFSET }),
        run(['readlink', '/proc/self/ns/time', proc('box', 'ns/time')]),
        run(['cat', proc('box', 'timens_offsets')]),
        run(['cat', '/proc/uptime']),
        enter(['cat', '/proc/uptime']),
        enter(['uptime']),
        refusedOffsets('boottime 0 0', 'frozen-write'),
      ],
      checks: [
        ownNamespace('time', 'box', {
          en: "the lab's process lives in a time namespace other than the host's",
          zh: '实验的进程所在的时间命名空间与宿主机的不同',
        }),
        {
          id: 'offsets',
          title: {
            en: `its offsets are boottime ${BOOT_OFFSET} s and monotonic ${MONO_OFFSET} s, the host's are 0`,
            zh: `它的偏移量是 boottime ${BOOT_OFFSET} 秒、monotonic ${MONO_OFFSET} 秒，宿主机的都是 0`,
          },
          verify: (ctx) => {
            const lab = readTimensOffsets(ctx.proc('box').pid);
            const host = readTimensOffsets('self');
            return {
              ok: lab?.boottime === BOOT_OFFSET && lab.monotonic === MONO_OFFSET && host?.boottime === 0 && host.monotonic === 0,
              found: { en: `box: ${fmtOffsets(lab)}; host: ${fmtOffsets(host)}`, zh: `box：${fmtOffsets(lab)}；宿主机：${fmtOffsets(host)}` },
            };
          },
        },
        {
          id: 'offsets-frozen',
          title: {
            en: 'writing new offsets for box, which has a process in it, is refused with EACCES, and its offsets stay',
            zh: '给已有进程的 box 写入新的偏移量被拒绝，错误是 EACCES，偏移量保持不变',
          },
          verify: (ctx) => refusedWith(ctx, 'frozen-write', 'EACCES'),
        },
        {
          id: 'uptime-shifted',
          title: {
            en: `/proc/uptime inside is ${BOOT_OFFSET} s (ten days) ahead of the host's`,
            zh: `命名空间内的 /proc/uptime 比宿主机的多 ${BOOT_OFFSET} 秒（十天）`,
          },
          verify: async (ctx) => {
            const lab = await uptimeOf(ctx, ctx.proc('box').pid);
            const host = readUptime();
            const ahead = lab !== undefined && host !== undefined ? lab - host : undefined;
            return {
              ok: ahead !== undefined && Math.abs(ahead - BOOT_OFFSET) < SLACK,
              found: { en: `uptime inside ${fmt(lab)} s, host ${fmt(host)} s`, zh: `命名空间内 uptime ${fmt(lab)} 秒，宿主机 ${fmt(host)} 秒` },
            };
          },
        },
      ],
    },
    {
      id: 'wall-clock',
      kind: 'demo',
      actions: [
        (ctx) => {
          // Take the host's uptime off the boot clock, less one second: the new namespace "booted" a second ago.
          const back = Math.max(0, Math.floor(readUptime() ?? 0) - 1);
          ctx.set('fresh-boottime', String(-back));
          return timeInit('fresh', { boottime: -back, monotonic: -back });
        },
        enter(['uptime'], { into: 'fresh' }),
        enter(['uptime']),
        run(['uptime']),
        enter(['date'], { into: 'fresh' }),
        enter(['date']),
        run(['date']),
        refusedOffsets('realtime 3600 0', 'realtime-write'),
      ],
      checks: [
        {
          id: 'just-booted',
          title: {
            en: "the second namespace has negative offsets, and its uptime is the host's minus that much: a few seconds",
            zh: '第二个命名空间的偏移量为负数，它的 uptime 等于宿主机的减去这么多：只有几秒',
          },
          verify: async (ctx) => {
            const pid = ctx.proc('fresh').pid;
            const offsets = readTimensOffsets(pid);
            const lab = await uptimeOf(ctx, pid);
            const host = readUptime();
            return {
              ok:
                offsets !== undefined &&
                offsets.boottime === Number(ctx.get('fresh-boottime')) &&
                offsets.boottime < 0 &&
                lab !== undefined &&
                host !== undefined &&
                Math.abs(host + offsets.boottime - lab) < SLACK,
              found: {
                en: `offsets ${fmtOffsets(offsets)}; uptime inside ${lab?.toFixed(1) ?? '?'} s, host ${fmt(host)} s`,
                zh: `偏移量 ${fmtOffsets(offsets)}；命名空间内 uptime ${lab?.toFixed(1) ?? '?'} 秒，宿主机 ${fmt(host)} 秒`,
              },
            };
          },
        },
        {
          id: 'no-realtime-offset',
          title: {
            en: 'a realtime offset is refused with EINVAL: timens_offsets knows only monotonic and boottime',
            zh: 'realtime 偏移量被拒绝，错误是 EINVAL：timens_offsets 只认 monotonic 和 boottime',
          },
          verify: (ctx) => refusedWith(ctx, 'realtime-write', 'EINVAL'),
        },
        {
          id: 'one-wall-clock',
          title: {
            en: '`date +%s` gives the same time in both namespaces and on the host: the wall clock is not namespaced',
            zh: '`date +%s` 在两个命名空间里和宿主机上给出同一个时间：墙上时钟不属于命名空间',
          },
          verify: async (ctx) => {
            const fresh = await wallClock(ctx, ctx.proc('fresh').pid);
            const box = await wallClock(ctx, ctx.proc('box').pid);
            const host = await wallClock(ctx);
            const all = [fresh, box, host];
            const defined = all.filter((v): v is number => v !== undefined);
            return {
              ok: defined.length === 3 && Math.max(...defined) - Math.min(...defined) < SLACK,
              found: { en: `fresh ${fmt(fresh)}, box ${fmt(box)}, host ${fmt(host)}`, zh: `fresh ${fmt(fresh)}，box ${fmt(box)}，宿主机 ${fmt(host)}` },
            };
          },
        },
      ],
    },
    {
      // What the kernel cannot show: why it leaves the wall clock out. The second choice is right (en.md, zh.md).
      id: 'why-clock',
      kind: 'quiz',
      answer: { choice: 2 },
    },
    {
      id: 'a-year-up',
      kind: 'task',
      shell: 'host',
      solution: [timeInit('learner', { boottime: YEAR }, ['sleep', '1000'])],
      checks: [
        {
          id: 'year-offset',
          title: {
            en: `a process runs in a time namespace of its own whose boottime offset is at least ${YEAR} s (a year)`,
            zh: `有一个进程运行在自己的时间命名空间里，其 boottime 偏移量至少为 ${YEAR} 秒（一年）`,
          },
          verify: () => {
            const found = yearOldNamespaces();
            const shown = found.map((f) => `PID ${f.pid} time:[${f.inode}] boottime ${f.offsets.boottime}`).join(', ');
            return {
              ok: found.length > 0,
              found: found.length
                ? shown
                : {
                    en: 'no process in a time namespace with a boottime offset of a year or more',
                    zh: '没有找到 boottime 偏移量达到一年的时间命名空间里的进程',
                  },
            };
          },
        },
        {
          id: 'uptime-over-a-year',
          title: {
            en: 'in that namespace /proc/uptime says more than a year',
            zh: '在那个命名空间里，/proc/uptime 显示超过一年',
          },
          verify: async (ctx) => {
            const [first] = yearOldNamespaces();
            const uptime = first ? await uptimeOf(ctx, first.pid) : undefined;
            const days = uptime === undefined ? '?' : (uptime / 86_400).toFixed(1);
            return {
              ok: uptime !== undefined && uptime > YEAR,
              found: first
                ? {
                    en: `uptime in PID ${first.pid}'s namespace: ${fmt(uptime)} s (${days} days)`,
                    zh: `PID ${first.pid} 所在命名空间的 uptime：${fmt(uptime)} 秒（${days} 天）`,
                  }
                : { en: 'no such namespace', zh: '没有这样的命名空间' },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
