// The cgroup-memory lab: memory.max is a hard limit (with memory.swap.max 0 a hog that passes it is OOM-killed:
// memory.events oom_kill goes up and the hog dies of SIGKILL), memory.high a soft one (the hog is throttled and
// lives), and memory.current shows the charge as it grows. The hog is a few lines of perl that allocate 1 MiB at
// a time up to a size given on its command line. Every cgroup is under the run's own (declared, removed at the end).
import { join } from 'node:path';
import { readCgroupFile, readFlatKeyed, readMaxValue } from '../../src/host/cgroup.js';
import { delegation, enableAction, inCgroupArgv, labCgroup, mkdirCgroup, mkdirChild, setAction } from '../../src/kernel/cgroup-lab.js';
import { isAlive } from '../../src/kernel/proc.js';
import type { Action, LabContext, LabSpec } from '../../src/lab/spec.js';

const MIB = 1024 * 1024;

/** The memory hog: allocates 1 MiB, pauses 10 ms, again, up to the number of MiB it is given; then sleeps. */
const HOG = 'my @a; for (1 .. shift) { push @a, "x" x 1048576; select(undef, undef, undef, 0.01) } sleep';
const hog = (mib: number): string[] => ['perl', '-e', HOG, String(mib)];

const top = (ctx: LabContext): string => labCgroup(ctx, 'memory');
/** The leaf with the hard limit (memory.max), where box and the lab shell live too. */
const hard = (ctx: LabContext): string => join(top(ctx), 'hard');
/** The leaf with the soft limit (memory.high). */
const soft = (ctx: LabContext): string => join(top(ctx), 'soft');

/** Watch memory.current a few times while a hog grows, as the learner would with `watch`. */
const watchCurrent = (cgroup: string): Action => ({
  kind: 'run',
  argv: ['sh', '-c', `for i in 1 2 3 4 5 6; do cat ${join(cgroup, 'memory.current')}; sleep 0.3; done`],
});

/** A cgroup's memory.events, or undefined when it cannot be read. */
function events(cgroup: string): Record<string, number> | undefined {
  try {
    return readFlatKeyed(cgroup, 'memory.events');
  } catch {
    return undefined;
  }
}

function current(cgroup: string): number | undefined {
  try {
    return Number(readCgroupFile(join(cgroup, 'memory.current')).trim());
  } catch {
    return undefined;
  }
}

const mib = (bytes: number | undefined): string => (bytes === undefined ? '(unreadable)' : `${(bytes / MIB).toFixed(1)} MiB`);
const eventsText = (e: Record<string, number> | undefined): string =>
  e ? `oom ${e.oom ?? 0}, oom_kill ${e.oom_kill ?? 0}, max ${e.max ?? 0}, high ${e.high ?? 0}` : '(unreadable)';

/** memory.max of a cgroup in bytes ('max' when unlimited), or a note. */
function limit(cgroup: string, file: 'memory.max' | 'memory.swap.max' | 'memory.high'): number | 'max' | 'missing' {
  try {
    return readMaxValue(cgroup, file);
  } catch {
    return 'missing';
  }
}

/** The `some` line of a cgroup's memory.pressure (PSI): how long its tasks stalled waiting for memory. */
function stalled(cgroup: string): string {
  try {
    const total = /^some .*total=(\d+)/m.exec(readCgroupFile(join(cgroup, 'memory.pressure')))?.[1];
    return total === undefined ? 'no PSI' : `${(Number(total) / 1e6).toFixed(2)} s stalled (memory.pressure)`;
  } catch {
    return 'no memory.pressure (PSI off)';
  }
}

export default {
  format: 1,
  id: 'cgroup-memory',
  order: 10,
  requires: ['linux', 'root', 'setpriv', 'procps', 'perl', 'cgroup2', 'cgroup2-memory'],
  shell: { target: 'box', namespaces: [], cgroup: true },
  cgroup: 'memory',
  steps: [
    {
      id: 'limit',
      kind: 'demo',
      actions: [
        ...delegation('memory', ['memory']),
        (ctx) => mkdirCgroup(top(ctx)),
        (ctx) => enableAction(top(ctx), ['memory']),
        (ctx) => mkdirChild(hard(ctx)),
        (ctx) => setAction(hard(ctx), 'memory.max', '50M'),
        (ctx) => setAction(hard(ctx), 'memory.swap.max', '0'),
        (ctx) => ({ kind: 'start', name: 'box', argv: inCgroupArgv(hard(ctx), ['sleep', 'infinity']) }),
        (ctx) => ({ kind: 'run', argv: ['cat', join(hard(ctx), 'memory.max'), join(hard(ctx), 'memory.swap.max'), join(hard(ctx), 'memory.current')] }),
      ],
      checks: [
        {
          id: 'hard-limit-set',
          title: {
            en: 'the leaf `hard` has memory.max = 50M (52428800 bytes) and memory.swap.max = 0',
            zh: '叶子 cgroup `hard` 的 memory.max = 50M（52428800 字节），memory.swap.max = 0',
          },
          verify: (ctx) => {
            const max = limit(hard(ctx), 'memory.max');
            const swap = limit(hard(ctx), 'memory.swap.max');
            return { ok: max === 50 * MIB && swap === 0, found: `${hard(ctx)}: memory.max ${max}, memory.swap.max ${swap}` };
          },
        },
      ],
    },
    {
      id: 'grow',
      kind: 'demo',
      actions: [
        // perl once outside the group: its program's pages enter the page cache charged to the harness's cgroup
        // (the first to touch a page pays for it), so the group's limit weighs the hog's own memory only.
        { kind: 'run', argv: ['perl', '-e', '1'] },
        (ctx) => ({ kind: 'start', name: 'hog', argv: inCgroupArgv(hard(ctx), hog(30)) }),
        (ctx) => watchCurrent(hard(ctx)),
      ],
      checks: [
        {
          id: 'charged',
          title: {
            en: 'the hog\'s 30 MiB are charged to the leaf: memory.current passes 25 MiB, most of it anonymous memory',
            zh: '吃内存程序的 30 MiB 记在叶子 cgroup 的账上：memory.current 超过 25 MiB，其中大部分是匿名内存（anon）',
          },
          settle: 10_000,
          verify: (ctx) => {
            const now = current(hard(ctx));
            let anon: number | undefined;
            try {
              anon = readFlatKeyed(hard(ctx), 'memory.stat').anon;
            } catch {
              // unreadable
            }
            return {
              ok: (now ?? 0) >= 25 * MIB && (anon ?? 0) >= 20 * MIB && isAlive(ctx.proc('hog').pid),
              found: `${hard(ctx)}: memory.current ${mib(now)}, memory.stat anon ${mib(anon)}`,
            };
          },
        },
      ],
    },
    {
      id: 'oom-kill',
      kind: 'demo',
      actions: [
        (ctx) => ({ kind: 'run', argv: ['kill', String(ctx.proc('hog').pid)] }),
        (ctx) => ({ kind: 'run', argv: inCgroupArgv(hard(ctx), hog(200)), expect: 'fail', record: 'big-hog' }),
        (ctx) => ({ kind: 'run', argv: ['cat', join(hard(ctx), 'memory.events')] }),
      ],
      checks: [
        {
          id: 'oom-killed',
          title: {
            en: 'the kernel\'s OOM killer fired in the leaf: memory.events counts an oom_kill, after allocations hit memory.max',
            zh: '内核的 OOM killer 在叶子 cgroup 里出手了：memory.events 记下了一次 oom_kill，此前分配撞上了 memory.max',
          },
          verify: (ctx) => {
            const e = events(hard(ctx));
            return {
              ok: (e?.oom_kill ?? 0) >= 1 && (e?.max ?? 0) >= 1,
              found: `${hard(ctx)}/memory.events: ${eventsText(e)}; memory.current ${mib(current(hard(ctx)))}`,
            };
          },
        },
        {
          id: 'sigkill',
          title: {
            en: 'the 200 MiB hog died of SIGKILL, as wait(2) reported it',
            zh: '要 200 MiB 的吃内存程序死于 SIGKILL，wait(2) 是这样报告的',
          },
          verify: (ctx) => {
            const end = ctx.get('big-hog');
            return { ok: end === 'SIGKILL', found: `perl … 200: ${end}` };
          },
        },
      ],
    },
    {
      id: 'high',
      kind: 'demo',
      actions: [
        (ctx) => mkdirChild(soft(ctx)),
        (ctx) => setAction(soft(ctx), 'memory.high', '30M'),
        (ctx) => setAction(soft(ctx), 'memory.swap.max', '0'),
        (ctx) => ({ kind: 'start', name: 'slow', argv: inCgroupArgv(soft(ctx), hog(60)) }),
        (ctx) => watchCurrent(soft(ctx)),
        (ctx) => ({ kind: 'run', argv: ['cat', join(soft(ctx), 'memory.events'), join(soft(ctx), 'memory.pressure')] }),
      ],
      checks: [
        {
          id: 'throttled-alive',
          title: {
            en: 'over memory.high the hog is throttled, not killed: memory.events counts `high` events, no oom_kill, and it still runs',
            zh: '超过 memory.high 后，吃内存程序被限流（节流）而不是被杀：memory.events 记下了 `high` 事件，没有 oom_kill，它还活着',
          },
          verify: (ctx) => {
            const e = events(soft(ctx));
            const alive = isAlive(ctx.proc('slow').pid);
            return {
              ok: alive && (e?.high ?? 0) > 0 && (e?.oom_kill ?? 0) === 0,
              found: {
                en: `${soft(ctx)}/memory.events: ${eventsText(e)}; the hog is ${alive ? 'alive' : 'gone'}`,
                zh: `${soft(ctx)}/memory.events：${eventsText(e)}；吃内存程序${alive ? '还活着' : '已经不在了'}`,
              },
            };
          },
        },
        {
          id: 'held-near-high',
          title: {
            en: 'the hog asked for 60 MiB but memory.current stays near the 30M of memory.high (under 45 MiB)',
            zh: '吃内存程序要了 60 MiB，但 memory.current 停在 memory.high 的 30M 附近（低于 45 MiB）',
          },
          verify: (ctx) => {
            const now = current(soft(ctx));
            return {
              ok: now !== undefined && now > 25 * MIB && now < 45 * MIB && isAlive(ctx.proc('slow').pid),
              found: `${soft(ctx)}: memory.current ${mib(now)}; ${stalled(soft(ctx))}`,
            };
          },
        },
      ],
    },
    {
      id: 'your-limit',
      kind: 'task',
      shell: 'lab',
      solution: [
        (ctx) => setAction(hard(ctx), 'memory.max', '20M'),
        (ctx) => ({ kind: 'run', argv: inCgroupArgv(hard(ctx), hog(30)), expect: 'fail' }),
      ],
      checks: [
        {
          id: 'limit-20m',
          title: { en: 'memory.max of `hard` is 20M (20971520 bytes)', zh: '`hard` 的 memory.max 是 20M（20971520 字节）' },
          verify: (ctx) => {
            const max = limit(hard(ctx), 'memory.max');
            return { ok: max === 20 * MIB, found: `${hard(ctx)}/memory.max: ${max}` };
          },
        },
        {
          id: 'second-oom-kill',
          title: {
            en: 'a hog that fitted before was OOM-killed under the new limit: oom_kill is 2 or more',
            zh: '一个原本装得下的吃内存程序在新的限制下被 OOM 终止了：oom_kill 达到 2 或更多',
          },
          settle: 3000,
          verify: (ctx) => {
            const e = events(hard(ctx));
            return { ok: (e?.oom_kill ?? 0) >= 2, found: `${hard(ctx)}/memory.events: ${eventsText(e)}` };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
