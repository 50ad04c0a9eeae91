// The cgroup-memory lab: memory.max is a hard limit (with memory.swap.max 0 a hog that passes it is OOM-killed:
// memory.events oom_kill goes up and the hog dies of SIGKILL, while box beside it lives), memory.oom.group 1 makes
// the OOM killer take a whole cgroup (a main process and its worker die together, as in a Kubernetes container on
// cgroup v2), memory.high is a soft limit (the hog is throttled and lives), and memory.min / memory.low with
// oom_score_adj are what Kubernetes' requests and QoS classes become. memory.current shows the charge as it grows.
// The hog is a few lines of perl that allocate 1 MiB at a time up to a size given on its command line. Every cgroup
// is under the run's own (declared, removed at the end).
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { readCgroupFile, readFlatKeyed, readMaxValue } from '../../src/kernel/cgroup-files.js';
import { pid, proc, run, write, type Word } from '../../src/lab/build.js';
import { cgroupFile, cgroupPreamble, labPath, runIn, set, startIn } from '../../src/lab/build-cgroup.js';
import { dieWithHarness } from '../../src/kernel/namespaces.js';
import { isAlive } from '../../src/kernel/proc.js';
import type { ActionSpec, LabSpec } from '../../src/lab/spec.js';
import { word } from '../../src/lab/build-words.js';
import { bilingual, inChinese, inEnglish, type Say } from '../../src/common/vocabulary.js';

const MIB = 1024 * 1024;

/** The memory hog: allocates 1 MiB, pauses 10 ms, again, up to the number of MiB it is given; then sleeps. */
const HOG = 'my @a; for (1 .. shift) { push @a, "x" x 1048576; select(undef, undef, undef, 0.01) } sleep';
const hog = (mib: number): string[] => ['perl', '-e', HOG, String(mib)];

/** The leaf with the hard limit (memory.max), where box and the lab shell live too. */
const hard = labPath('hard');
/** The leaf with the soft limit (memory.high). */
const soft = labPath('soft');
/** The leaf with memory.oom.group 1: a container's cgroup, its main process and a worker. */
const app = labPath('app');
/** The leaves of the three Kubernetes QoS classes, each with a `sleep infinity`. */
const QOS = ['guaranteed', 'burstable', 'besteffort'] as const;
type Qos = (typeof QOS)[number];
const guaranteed = labPath('guaranteed');
const burstable = labPath('burstable');
/** The memory request of the Guaranteed and Burstable examples (the Guaranteed one's limit too). */
const REQUEST = 16 * MIB;

/**
 * Two processes in one cgroup, and a parent outside it that reports how each ended (argument: the cgroup, then the
 * MiB the worker wants). The main process (`sleep infinity`) joins first; once cgroup.procs lists it, the worker
 * joins and allocates 1 MiB at a time. The parent waits for both with wait(2), prints each one's end, and exits with
 * the number of them that SIGKILL ended; after 20 s it sends SIGTERM to any still there, so it never hangs.
 */
const PAIR =
  'my ($cg, $mib) = @ARGV; sub enter { my $p; open($p, ">", "$cg/cgroup.procs") && print($p $$) && close($p) or die "join $cg: $!\\n" } ' +
  'my $main = fork // die "fork: $!\\n"; if (!$main) { enter(); exec("sleep", "infinity") or die "exec: $!\\n" } ' +
  'for (1 .. 500) { open(my $c, "<", "$cg/cgroup.procs") or last; last if grep { $_ == $main } <$c>; select(undef, undef, undef, 0.01) } ' +
  'my $worker = fork // die "fork: $!\\n"; if (!$worker) { enter(); my @a; for (1 .. $mib) { push @a, "x" x 1048576; select(undef, undef, undef, 0.01) } exit 0 } ' +
  'my %name = ($main => "main (sleep)", $worker => "worker (perl)"); $SIG{ALRM} = sub { kill "TERM", $main, $worker }; alarm 20; my $killed = 0; ' +
  'while ((my $pid = wait) > 0) { my $sig = $? & 127; print "$name{$pid}: ", ($sig ? "killed by signal $sig" : "exit " . ($? >> 8)), "\\n"; $killed++ if $sig == 9 } ' +
  'exit $killed';

/** MemTotal of /proc/meminfo in bytes: the machine's memory, as the kubelet reads it. */
function memTotal(): number {
  const kib = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  if (kib === undefined) throw new Error('no MemTotal line in /proc/meminfo');
  return Number(kib) * 1024;
}

/** The oom_score_adj the kubelet gives a container of each QoS class (a Burstable one's from its memory request). */
function kubeletAdj(qos: Qos, request: number, capacity: number): number {
  if (qos === 'guaranteed') return -997;
  if (qos === 'besteffort') return 1000;
  return Math.min(Math.max(3, 1000 - Math.floor((1000 * request) / capacity)), 999);
}

/** A number from a file of /proc (oom_score_adj, oom_score), or undefined when the process is gone. */
function procNumber(pid: number, file: 'oom_score_adj' | 'oom_score'): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/${file}`, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** Watch memory.current a few times while a hog grows, as the learner would with `watch`. */
const watchCurrent = (cgroup: Word): ActionSpec =>
  run(['sh', '-c', word`for i in 1 2 3 4 5 6; do cat ${cgroupFile(cgroup, 'memory.current')}; sleep 0.3; done`]);

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

const unreadable = (say: Say): string => say('(unreadable)', '（读不到）');
const mib = (bytes: number | undefined, say: Say): string => (bytes === undefined ? unreadable(say) : `${(bytes / MIB).toFixed(1)} MiB`);
const eventsText = (e: Record<string, number> | undefined, say: Say): string =>
  e ? `oom ${e.oom ?? 0}, oom_kill ${e.oom_kill ?? 0}, max ${e.max ?? 0}, high ${e.high ?? 0}` : unreadable(say);
const groupText = (e: Record<string, number> | undefined, say: Say): string =>
  e ? `oom ${e.oom ?? 0}, oom_kill ${e.oom_kill ?? 0}, oom_group_kill ${e.oom_group_kill ?? say('(no such line)', '（没有这一行）')}` : unreadable(say);

/** memory.max of a cgroup in bytes ('max' when unlimited), or a note. */
function limit(cgroup: string, file: 'memory.max' | 'memory.swap.max' | 'memory.high' | 'memory.min' | 'memory.low'): number | 'max' | undefined {
  try {
    return readMaxValue(cgroup, file);
  } catch {
    return undefined;
  }
}

/** A limit as the learner reads it: the file's value, or that the file is missing. */
const shownLimit = (value: number | 'max' | undefined, say: Say): string => (value === undefined ? say('(missing)', '（没有这个文件）') : String(value));

/** The `some` line of a cgroup's memory.pressure (PSI): how long its tasks stalled waiting for memory. */
function stalled(cgroup: string, say: Say): string {
  try {
    const total = /^some .*total=(\d+)/m.exec(readCgroupFile(join(cgroup, 'memory.pressure')))?.[1];
    if (total === undefined) return say('no PSI', '没有 PSI 数据');
    const seconds = (Number(total) / 1e6).toFixed(2);
    return say(`${seconds} s stalled (memory.pressure)`, `停顿了 ${seconds} 秒（memory.pressure）`);
  } catch {
    return say('no memory.pressure (PSI off)', '没有 memory.pressure（PSI 未开启）');
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
        ...cgroupPreamble({ controllers: ['memory'], leaves: ['hard'] }),
        set(hard, 'memory.max', '50M'),
        set(hard, 'memory.swap.max', 0),
        // box goes in once the limits are there: it lives beside the hogs, under the same memory.max.
        startIn('box', hard, ['sleep', 'infinity']),
        run(['cat', cgroupFile(hard, 'memory.max'), cgroupFile(hard, 'memory.swap.max'), cgroupFile(hard, 'memory.current')]),
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
            return {
              ok: max === 50 * MIB && swap === 0,
              found: bilingual((say) => `${hard(ctx)}: memory.max ${shownLimit(max, say)}, memory.swap.max ${shownLimit(swap, say)}`),
            };
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
        run(['perl', '-e', '1']),
        startIn('hog', hard, hog(30)),
        watchCurrent(hard),
      ],
      checks: [
        {
          id: 'charged',
          title: {
            en: "the hog's 30 MiB are charged to the leaf: memory.current passes 25 MiB, most of it anonymous memory",
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
              found: bilingual((say) => `${hard(ctx)}: memory.current ${mib(now, say)}, memory.stat anon ${mib(anon, say)}`),
            };
          },
        },
      ],
    },
    {
      id: 'oom-kill',
      kind: 'demo',
      actions: [run(['kill', pid('hog')]), runIn(hard, hog(200), { expect: 'fail', record: 'big-hog' }), run(['cat', cgroupFile(hard, 'memory.events')])],
      checks: [
        {
          id: 'oom-killed',
          title: {
            en: "the kernel's OOM killer fired in the leaf: memory.events counts an oom_kill after allocations hit memory.max, and box, the small process beside the hog, still lives",
            zh: '内核的 OOM killer 在叶子 cgroup 里出手了：分配撞上 memory.max 之后，memory.events 记下了一次 oom_kill，而吃内存程序旁边的小进程 box 还活着',
          },
          verify: (ctx) => {
            const e = events(hard(ctx));
            const box = isAlive(ctx.proc('box').pid);
            return {
              ok: (e?.oom_kill ?? 0) >= 1 && (e?.max ?? 0) >= 1 && box,
              found: bilingual(
                (say) =>
                  `${hard(ctx)}/memory.events: ${eventsText(e, say)}; memory.current ${mib(current(hard(ctx)), say)}${say('; box ', '；box ')}${box ? say('alive', '还活着') : say('gone', '已经不在了')}`,
              ),
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
      id: 'oom-group',
      kind: 'demo',
      actions: [
        run(['mkdir', app]),
        set(app, 'memory.max', '20M'),
        set(app, 'memory.swap.max', 0),
        set(app, 'memory.oom.group', 1),
        // The parent stays outside the cgroup, so that it lives to report both ends; its exit status is their count.
        run((ctx) => dieWithHarness(['perl', '-e', PAIR, app(ctx), '100']), { expect: 'fail', record: 'pair' }),
        run(['cat', cgroupFile(app, 'memory.events'), cgroupFile(app, 'cgroup.events')]),
      ],
      checks: [
        {
          id: 'group-killed',
          title: {
            en: 'with memory.oom.group 1 the OOM killer took the whole cgroup: memory.events counts an oom_group_kill and 2 oom_kill, and cgroup.events says populated 0',
            zh: 'memory.oom.group 为 1 时，OOM killer 拿下了整个 cgroup：memory.events 记下一次 oom_group_kill 和 2 次 oom_kill，cgroup.events 显示 populated 0',
          },
          settle: 3000,
          verify: (ctx) => {
            const e = events(app(ctx));
            let populated: number | undefined;
            try {
              populated = readFlatKeyed(app(ctx), 'cgroup.events').populated;
            } catch {
              // unreadable
            }
            return {
              ok: (e?.oom_group_kill ?? 0) >= 1 && (e?.oom_kill ?? 0) >= 2 && populated === 0,
              found: bilingual((say) => `${app(ctx)}/memory.events: ${groupText(e, say)}; cgroup.events populated ${populated ?? unreadable(say)}`),
            };
          },
        },
        {
          id: 'both-sigkill',
          title: {
            en: 'wait(2) reported SIGKILL for both, the main process and the worker: their parent exited with 2, its count of them',
            zh: 'wait(2) 对两个进程（主进程和工作进程）报告的都是 SIGKILL：它们的父进程以 2 退出，这是它数出的个数',
          },
          verify: (ctx) => {
            const end = ctx.get('pair');
            return {
              ok: end === 'exit 2',
              found: {
                en: `the parent's end: ${end} (processes of the pair that SIGKILL ended)`,
                zh: `父进程的结局：${end}（这一对进程中死于 SIGKILL 的个数）`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'high',
      kind: 'demo',
      actions: [
        run(['mkdir', soft]),
        set(soft, 'memory.high', '30M'),
        set(soft, 'memory.swap.max', 0),
        startIn('slow', soft, hog(60)),
        watchCurrent(soft),
        run(['cat', cgroupFile(soft, 'memory.events'), cgroupFile(soft, 'memory.pressure')]),
      ],
      checks: [
        {
          id: 'throttled-alive',
          title: {
            en: 'over memory.high the hog is throttled, not killed: memory.events counts `high` events, no oom_kill, and it still runs',
            zh: '超过 memory.high 后，吃内存程序被限流而不是被杀：memory.events 记下了 `high` 事件，没有 oom_kill，它还活着',
          },
          verify: (ctx) => {
            const e = events(soft(ctx));
            const alive = isAlive(ctx.proc('slow').pid);
            return {
              ok: alive && (e?.high ?? 0) > 0 && (e?.oom_kill ?? 0) === 0,
              found: {
                en: `${soft(ctx)}/memory.events: ${eventsText(e, inEnglish)}; the hog is ${alive ? 'alive' : 'gone'}`,
                zh: `${soft(ctx)}/memory.events：${eventsText(e, inChinese)}；吃内存程序${alive ? '还活着' : '已经不在了'}`,
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
              found: bilingual((say) => `${soft(ctx)}: memory.current ${mib(now, say)}${say('; ', '；')}${stalled(soft(ctx), say)}`),
            };
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'why-kill',
      answer: { choice: 4 },
    },
    {
      id: 'qos',
      kind: 'demo',
      actions: [
        ...QOS.map((qos) => run(['mkdir', labPath(qos)])),
        // Guaranteed: request = limit, protected by memory.min. Burstable: a limit above the request, protected by
        // memory.low. BestEffort: neither. What the kubelet writes with memoryReservationPolicy: TieredReservation.
        set(guaranteed, 'memory.max', '16M'),
        set(guaranteed, 'memory.min', '16M'),
        set(burstable, 'memory.max', '32M'),
        set(burstable, 'memory.low', '16M'),
        ...QOS.map((qos) => startIn(qos, labPath(qos), ['sleep', 'infinity'], { execs: 'sleep' })),
        ...QOS.map((qos) => write(proc(qos, 'oom_score_adj'), () => kubeletAdj(qos, REQUEST, memTotal()))),
        run(['cat', cgroupFile(guaranteed, 'memory.min'), cgroupFile(burstable, 'memory.low'), ...QOS.map((qos) => proc(qos, 'oom_score'))]),
      ],
      checks: [
        {
          id: 'protection-set',
          title: {
            en: 'guaranteed has memory.min = memory.max = 16M; burstable has memory.low 16M under a memory.max of 32M (16777216 and 33554432 bytes)',
            zh: 'guaranteed 的 memory.min = memory.max = 16M；burstable 的 memory.low 是 16M，memory.max 是 32M（16777216 和 33554432 字节）',
          },
          verify: (ctx) => {
            const g = guaranteed(ctx);
            const b = burstable(ctx);
            const got = { gmin: limit(g, 'memory.min'), gmax: limit(g, 'memory.max'), blow: limit(b, 'memory.low'), bmax: limit(b, 'memory.max') };
            return {
              ok: got.gmin === REQUEST && got.gmax === REQUEST && got.blow === REQUEST && got.bmax === 2 * REQUEST,
              found: bilingual(
                (say) =>
                  `guaranteed: memory.min ${shownLimit(got.gmin, say)}, memory.max ${shownLimit(got.gmax, say)}; burstable: memory.low ${shownLimit(got.blow, say)}, memory.max ${shownLimit(got.bmax, say)}`,
              ),
            };
          },
        },
        {
          id: 'oom-score',
          title: {
            en: "each sleep has its class's oom_score_adj (-997, the Burstable formula, 1000), and the kernel's oom_score puts guaranteed far below the other two",
            zh: '每个 sleep 都有它所属类别的 oom_score_adj（-997、Burstable 公式的结果、1000），内核算出的 oom_score 让 guaranteed 远低于另外两个',
          },
          verify: (ctx) => {
            const capacity = memTotal();
            const rows = QOS.map((qos) => {
              const pid = ctx.proc(qos).pid;
              return { qos, want: kubeletAdj(qos, REQUEST, capacity), adj: procNumber(pid, 'oom_score_adj'), score: procNumber(pid, 'oom_score') };
            });
            const [g, b, be] = rows as [(typeof rows)[number], (typeof rows)[number], (typeof rows)[number]];
            const adjOk = rows.every((r) => r.adj === r.want);
            const scoreOk = g.score !== undefined && b.score !== undefined && be.score !== undefined && g.score < b.score && g.score < be.score;
            return {
              ok: adjOk && scoreOk,
              found: bilingual((say) => {
                const value = (n: number | undefined): string => (n === undefined ? say('(process gone)', '（进程已不在）') : String(n));
                return rows.map((r) => `${r.qos}: oom_score_adj ${value(r.adj)} (kubelet${say(': ', '：')}${r.want}), oom_score ${value(r.score)}`).join('; ');
              }),
            };
          },
        },
      ],
    },
    {
      id: 'your-limit',
      kind: 'task',
      shell: 'lab',
      solution: [set(hard, 'memory.max', '20M'), runIn(hard, hog(30), { expect: 'fail' })],
      checks: [
        {
          id: 'limit-20m',
          title: { en: 'memory.max of `hard` is 20M (20971520 bytes)', zh: '`hard` 的 memory.max 是 20M（20971520 字节）' },
          verify: (ctx) => {
            const max = limit(hard(ctx), 'memory.max');
            return { ok: max === 20 * MIB, found: bilingual((say) => `${hard(ctx)}/memory.max: ${shownLimit(max, say)}`) };
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
            return { ok: (e?.oom_kill ?? 0) >= 2, found: bilingual((say) => `${hard(ctx)}/memory.events: ${eventsText(e, say)}`) };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
