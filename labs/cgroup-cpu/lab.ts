// The cgroup-cpu lab: cpu.max holds a busy loop to a share of one CPU, measured from cpu.stat usage_usec over a
// window, with the throttling the kernel counts (nr_throttled, throttled_usec) and the stall PSI sees
// (cpu.pressure); the learner changes the quota of the running loop, as `docker update --cpus` does; then two busy
// loops pinned to one CPU split it by cpu.weight, 1:3, without any throttling, and the lighter one takes the whole
// CPU as soon as it is alone. Everything lives under the run's own cgroup (declared, killed and removed at the end).
import { join } from 'node:path';
import { readCgroupFile, readCpuMax, readFlatKeyed, readPids, readPressure } from '../../src/kernel/cgroup-files.js';
import { waitFor } from '../../src/common/wait.js';
import { cmdline } from '../../src/kernel/proc.js';
import { run } from '../../src/lab/build.js';
import { cgroupPreamble, labPath, set, startIn } from '../../src/lab/build-cgroup.js';
import type { Check, LabContext, LabSpec, Text, Verdict } from '../../src/lab/spec.js';

/** The leaves of the run's cgroup: `box` holds the shell target, `capped` the limited loop, `low`/`high` the pair. */
const capped = labPath('capped');
const low = labPath('low');
const high = labPath('high');

/** A busy loop: one process that never sleeps, so it uses all the CPU time it is given. */
const LOOP = ['sh', '-c', 'while :; do :; done'];

/** How long one measurement watches usage_usec: 15 periods of 100 ms, short enough for a slow VM. */
const WINDOW_MS = 1500;
/**
 * Windows a measurement may take in all. A window on a loaded machine can come out a little off (a virtual CPU
 * that the host stops for a while charges that time to whichever task it was running), so a reading near the
 * target but outside the tolerance is taken again; a reading far from it (the step was not done) is not.
 */
const MAX_WINDOWS = 3;
/** How long a measurement waits for its loops to run (a process starts slowly on a busy machine). */
const START_WAIT_MS = 3000;
/** How long the loops run before a measurement starts. */
const WARM_UP_MS = 500;
/** How long the last step waits for the killed loop's cgroup to be empty. */
const EMPTY_WAIT_MS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** usage_usec of a cgroup's cpu.stat: the CPU time its processes used, in µs, since it was made. */
const usage = (dir: string): number => readFlatKeyed(dir, 'cpu.stat').usage_usec ?? Number.NaN;

/** Whether a cgroup holds a process (its own cgroup.procs, not its children's). */
const holdsProcess = (dir: string): boolean => readPids(dir).length > 0;

/** Whether the lab process of this name already runs the loop (it starts as a shell that moves itself first). */
const looping = (ctx: LabContext, name: string): boolean => cmdline(ctx.proc(name).pid)?.join(' ') === LOOP.join(' ');

/** One measurement: the share of one CPU (%) of each cgroup over the same window, and the window's length. */
interface Usage {
  percent: number[];
  ms: number;
}

/** How a measurement is judged: within tolerance, or near enough that another window is worth taking. */
interface Target {
  fits(percent: number[]): boolean;
  near(percent: number[]): boolean;
}

/**
 * The share of one CPU (%) each cgroup's processes used over the same window: the growth of usage_usec divided by
 * the wall time between the two reads. It starts once each named loop runs, and takes another window while the
 * reading is near the target but not within it. It throws (so the check fails, saying why) when a loop was never
 * started or a cgroup is missing.
 */
async function measure(ctx: LabContext, loops: string[], dirs: string[], target: Target): Promise<Usage> {
  await waitFor(() => loops.every((name) => looping(ctx, name)), START_WAIT_MS, 20);
  // Let the scheduler settle first: a process that just started brings the load it had before it moved in.
  await sleep(WARM_UP_MS);
  let last: Usage | undefined;
  for (let window = 0; window < MAX_WINDOWS; window++) {
    const t0 = process.hrtime.bigint();
    const before = dirs.map(usage);
    await sleep(WINDOW_MS);
    const after = dirs.map(usage);
    const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
    last = { percent: dirs.map((_, i) => ((after[i]! - before[i]!) / wallUs) * 100), ms: wallUs / 1000 };
    if (target.fits(last.percent) || !target.near(last.percent)) break;
  }
  return last!;
}

const pct = (value: number): string => `${value.toFixed(1)}%`;

/** A check that one cgroup's loop gets `target` % of one CPU, within 5 points, measured over a window. */
function shareCheck(id: string, dir: (ctx: LabContext) => string, target: number, title: Text): Check {
  return {
    id,
    title,
    verify: async (ctx): Promise<Verdict> => {
      const { percent, ms } = await measure(ctx, ['hog'], [dir(ctx)], {
        fits: ([p]) => Math.abs(p! - target) <= 5,
        near: ([p]) => Math.abs(p! - target) <= 15,
      });
      const got = percent[0]!;
      return {
        ok: Math.abs(got - target) <= 5,
        found: {
          en: `usage_usec grew by ${Math.round((got * ms * 1000) / 100)} µs in ${ms.toFixed(0)} ms: ${pct(got)} of one CPU`,
          zh: `usage_usec 在 ${ms.toFixed(0)} ms 内增加了 ${Math.round((got * ms * 1000) / 100)} µs：相当于一个 CPU 的 ${pct(got)}`,
        },
      };
    },
  };
}

/** The throttling counters of a cgroup's cpu.stat. */
function throttling(dir: string): { periods: number; throttled: number; throttledUs: number } {
  const stat = readFlatKeyed(dir, 'cpu.stat');
  return { periods: stat.nr_periods ?? 0, throttled: stat.nr_throttled ?? 0, throttledUs: stat.throttled_usec ?? 0 };
}

export default {
  format: 1,
  id: 'cgroup-cpu',
  order: 11,
  requires: ['linux', 'root', 'setpriv', 'procps', 'cgroup2', 'cgroup2-cpu', 'cgroup2-cpuset'],
  shell: { target: 'box', namespaces: [], cgroup: true },
  cgroup: 'cpu',
  steps: [
    {
      id: 'quota',
      kind: 'demo',
      actions: [
        // Both leaves in one command: a process costs a lot to start on a slow machine.
        ...cgroupPreamble({ controllers: ['cpu', 'cpuset'], leaves: ['box', 'capped'], box: 'box' }),
        set(capped, 'cpu.max', '20000 100000'),
        startIn('hog', capped, LOOP),
      ],
      checks: [
        {
          id: 'cpu-max',
          title: {
            en: 'capped/cpu.max holds a quota of 20000 µs per period of 100000 µs (0.2 CPU)',
            zh: 'capped/cpu.max 的配额是每 100000 µs 周期 20000 µs（0.2 个 CPU）',
          },
          verify: (ctx) => {
            const { quota, period } = readCpuMax(capped(ctx));
            return { ok: quota === 20000 && period === 100000, found: `${join(capped(ctx), 'cpu.max')}: ${quota} ${period}` };
          },
        },
        shareCheck('about-20-percent', capped, 20, {
          en: 'the busy loop in capped gets about 20% of one CPU (within 5 points), measured from cpu.stat usage_usec',
          zh: 'capped 中的忙循环大约得到一个 CPU 的 20%（误差 5 个百分点以内），由 cpu.stat 的 usage_usec 测得',
        }),
        {
          id: 'throttled',
          title: {
            en: 'the kernel throttled it: cpu.stat counts nr_throttled > 0 periods and throttled_usec > 0',
            zh: '内核对它进行了限流：cpu.stat 中 nr_throttled > 0 个周期，throttled_usec > 0',
          },
          verify: (ctx) => {
            const { periods, throttled, throttledUs } = throttling(capped(ctx));
            return { ok: throttled > 0 && throttledUs > 0, found: `nr_periods ${periods}, nr_throttled ${throttled}, throttled_usec ${throttledUs}` };
          },
        },
        {
          id: 'pressure',
          title: {
            en: 'PSI saw the loop wait: cpu.pressure of capped has a "some" total above 0',
            zh: 'PSI 看到了循环在等待：capped 的 cpu.pressure 中 "some" 的 total 大于 0',
          },
          verify: (ctx) => {
            const { some } = readPressure(capped(ctx), 'cpu');
            return { ok: some.total > 0, found: `some avg10=${some.avg10} total=${some.total}` };
          },
        },
      ],
    },
    {
      id: 'half',
      kind: 'task',
      shell: 'lab',
      solution: [set(capped, 'cpu.max', '50000 100000')],
      checks: [
        {
          id: 'half-quota',
          title: {
            en: 'capped/cpu.max allows half a CPU: quota / period = 0.5',
            zh: 'capped/cpu.max 允许半个 CPU：配额 / 周期 = 0.5',
          },
          verify: (ctx) => {
            const { quota, period } = readCpuMax(capped(ctx));
            return { ok: typeof quota === 'number' && quota * 2 === period, found: `${join(capped(ctx), 'cpu.max')}: ${quota} ${period}` };
          },
        },
        shareCheck('about-50-percent', capped, 50, {
          en: 'the same loop, never restarted, now gets about 50% of one CPU (within 5 points)',
          zh: '同一个循环（没有重启）现在大约得到一个 CPU 的 50%（误差 5 个百分点以内）',
        }),
      ],
    },
    {
      kind: 'quiz',
      id: 'quota-threads',
      answer: { typed: ['12.5', '12.5 ms', '12.5ms'] },
    },
    {
      id: 'weights',
      kind: 'demo',
      actions: [
        // cgroup.kill: SIGKILL to every process of the cgroup at once, in one write and no command to start.
        set(capped, 'cgroup.kill', 1),
        run(['mkdir', low, high]),
        set(low, 'cpu.weight', 100),
        set(high, 'cpu.weight', 300),
        // Both on CPU 0 only, so that they must share it. A cpuset (not taskset) because the kernel moves a process
        // onto CPU 0 as it joins the cgroup: the group never runs, and so never has load, on another CPU.
        set(low, 'cpuset.cpus', 0),
        set(high, 'cpuset.cpus', 0),
        startIn('low', low, LOOP),
        startIn('high', high, LOOP),
      ],
      checks: [
        {
          id: 'weights-set',
          title: { en: 'low/cpu.weight is 100 and high/cpu.weight is 300', zh: 'low/cpu.weight 为 100，high/cpu.weight 为 300' },
          verify: (ctx) => {
            const weights = [low(ctx), high(ctx)].map((dir) => readCgroupFile(join(dir, 'cpu.weight')).trim());
            return { ok: weights[0] === '100' && weights[1] === '300', found: `low ${weights[0]}, high ${weights[1]}` };
          },
        },
        {
          id: 'one-to-three',
          title: {
            en: 'on one CPU, high gets about three times the CPU time of low (1:3, within 10%) over the same window',
            zh: '在同一个 CPU 上、同一时间窗口内，high 得到的 CPU 时间大约是 low 的三倍（1:3，误差 10% 以内）',
          },
          verify: async (ctx) => {
            const { percent, ms } = await measure(ctx, ['low', 'high'], [low(ctx), high(ctx)], {
              fits: ([l, h]) => Math.abs(h! / l! / 3 - 1) <= 0.1,
              near: ([l, h]) => Math.abs(h! / l! / 3 - 1) <= 0.5,
            });
            const [l, h] = percent as [number, number];
            const ratio = h / l;
            return {
              ok: l > 0 && Math.abs(ratio / 3 - 1) <= 0.1,
              found: {
                en: `in ${ms.toFixed(0)} ms: low ${pct(l)}, high ${pct(h)} of CPU 0 (together ${pct(l + h)}); high / low = ${ratio.toFixed(2)}`,
                zh: `${ms.toFixed(0)} ms 内：low 占 CPU 0 的 ${pct(l)}，high 占 ${pct(h)}（合计 ${pct(l + h)}）；high / low = ${ratio.toFixed(2)}`,
              },
            };
          },
        },
        {
          id: 'not-throttled',
          title: {
            en: 'a weight is not a limit: neither group was ever throttled (nr_throttled 0), yet low waited (cpu.pressure some > 0)',
            zh: '权重不是上限：两个组都从未被限流（nr_throttled 为 0），但 low 确实在等待（cpu.pressure some > 0）',
          },
          verify: (ctx) => {
            const [l, h] = [low(ctx), high(ctx)].map(throttling) as [ReturnType<typeof throttling>, ReturnType<typeof throttling>];
            const { some } = readPressure(low(ctx), 'cpu');
            return {
              ok: l.throttled === 0 && h.throttled === 0 && some.total > 0,
              found: `low nr_throttled ${l.throttled}, high nr_throttled ${h.throttled}; low cpu.pressure some total=${some.total}`,
            };
          },
        },
      ],
    },
    {
      id: 'alone',
      kind: 'demo',
      actions: [set(high, 'cgroup.kill', 1)],
      checks: [
        {
          id: 'low-takes-all',
          title: {
            en: 'with high empty, low (weight still 100) takes nearly all of CPU 0 (over 80%)',
            zh: 'high 空了以后，low（权重仍是 100）几乎占满 CPU 0（超过 80%）',
          },
          verify: async (ctx) => {
            await waitFor(() => !holdsProcess(high(ctx)), EMPTY_WAIT_MS, 20);
            const empty = !holdsProcess(high(ctx));
            const weight = readCgroupFile(join(low(ctx), 'cpu.weight')).trim();
            const { percent, ms } = await measure(ctx, ['low'], [low(ctx)], { fits: ([p]) => p! > 80, near: ([p]) => p! > 60 });
            const l = percent[0]!;
            return {
              ok: empty && weight === '100' && l > 80,
              found: {
                en: `high/cgroup.procs ${empty ? 'empty' : 'not empty'}; low (cpu.weight ${weight}) got ${pct(l)} of CPU 0 in ${ms.toFixed(0)} ms`,
                zh: `high/cgroup.procs ${empty ? '为空' : '不为空'}；low（cpu.weight ${weight}）在 ${ms.toFixed(0)} ms 内得到 CPU 0 的 ${pct(l)}`,
              },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
