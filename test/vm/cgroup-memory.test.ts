// Runs the cgroup-memory lab in the test VM and asserts the kernel facts after each step independently of the
// lab's own checks: the limits read back, the hog's charge, the OOM kill in memory.events (box beside it alive), the
// group kill of memory.oom.group, the throttled hog alive and below its goal, the QoS classes' memory.min / memory.low
// and oom_score_adj, the learner's limit; then that the run's cgroup is gone and the host is as before.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { isAlive } from '../../src/kernel/proc.js';
import { hostSnapshot, useTempState, verifyWithFacts } from '../helpers.js';

const skip = process.env.LAB_IN_VM ? false : 'runs only in the test VM (npm run test:vm)';
const ROOT = '/sys/fs/cgroup';
const MIB = 1024 * 1024;
const read = (path: string): string => readFileSync(path, 'utf8').trim();
const events = (dir: string): Record<string, number> =>
  Object.fromEntries(
    read(join(dir, 'memory.events'))
      .split('\n')
      .map((line) => line.split(' '))
      .map(([k, v]) => [k, Number(v)]),
  );

t.test('cgroup-memory, verified step by step against the kernel', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const lab = await loadLab('cgroup-memory');
  let session: Session | undefined;
  let top = '';
  await verifyWithFacts(
    t,
    lab,
    {
      limit: () => {
        const made = readdirSync(ROOT).filter((name) => name.startsWith('lab-memory-'));
        t.equal(made.length, 1, 'one lab-memory-* cgroup under the root');
        top = join(ROOT, made[0]!);
        t.equal(read(join(top, 'hard', 'memory.max')), String(50 * MIB), 'memory.max 52428800');
        t.equal(read(join(top, 'hard', 'memory.swap.max')), '0', 'memory.swap.max 0');
      },
      grow: () => {
        t.ok(Number(read(join(top, 'hard', 'memory.current'))) >= 25 * MIB, 'memory.current is over 25 MiB');
        t.ok(isAlive(session!.proc('hog').pid), 'the 30 MiB hog is alive under the 50M limit');
      },
      'oom-kill': () => {
        t.ok(events(join(top, 'hard')).oom_kill! >= 1, 'memory.events: oom_kill >= 1');
        t.ok(Number(read(join(top, 'hard', 'memory.current'))) <= 50 * MIB, 'memory.current never passes memory.max');
        t.ok(isAlive(session!.proc('box').pid), 'box, beside the hog, was not killed (memory.oom.group 0)');
      },
      'oom-group': () => {
        const app = join(top, 'app');
        t.equal(read(join(app, 'memory.oom.group')), '1', 'memory.oom.group 1');
        t.equal(read(join(app, 'memory.max')), String(20 * MIB), 'memory.max 20971520');
        t.ok(events(app).oom_group_kill! >= 1, 'memory.events: oom_group_kill >= 1');
        t.ok(events(app).oom_kill! >= 2, 'memory.events: oom_kill >= 2, the main process and the worker');
        t.equal(read(join(app, 'cgroup.procs')), '', 'no process is left in app');
        t.equal(session!.get('pair'), 'exit 2', 'the parent outside app saw two children end by SIGKILL');
      },
      high: () => {
        const soft = join(top, 'soft');
        t.equal(read(join(soft, 'memory.max')), 'max', 'the soft leaf has no hard limit');
        t.equal(read(join(soft, 'memory.high')), String(30 * MIB), 'memory.high 31457280');
        t.ok(events(soft).high! > 0, 'memory.events: high > 0');
        t.equal(events(soft).oom_kill, 0, 'no OOM kill there');
        t.ok(isAlive(session!.proc('slow').pid), 'the throttled hog is alive');
        t.ok(Number(read(join(soft, 'memory.current'))) < 45 * MIB, 'and far below the 60 MiB it wants');
      },
      qos: () => {
        const memTotal = Number(/^MemTotal:\s+(\d+) kB/m.exec(read('/proc/meminfo'))![1]) * 1024;
        const burstable = Math.min(Math.max(3, 1000 - Math.floor((1000 * 16 * MIB) / memTotal)), 999);
        t.equal(read(join(top, 'guaranteed', 'memory.min')), String(16 * MIB), 'guaranteed: memory.min 16777216');
        t.equal(read(join(top, 'burstable', 'memory.low')), String(16 * MIB), 'burstable: memory.low 16777216');
        t.equal(read(join(top, 'besteffort', 'memory.min')), '0', 'besteffort: no memory.min');
        t.equal(read(join(top, 'besteffort', 'memory.low')), '0', 'besteffort: no memory.low');
        const adj = (name: string): number => Number(read(`/proc/${session!.proc(name).pid}/oom_score_adj`));
        const score = (name: string): number => Number(read(`/proc/${session!.proc(name).pid}/oom_score`));
        t.equal(adj('guaranteed'), -997, 'guaranteed: oom_score_adj -997');
        t.equal(adj('burstable'), burstable, `burstable: oom_score_adj ${burstable} from the kubelet's formula`);
        t.equal(adj('besteffort'), 1000, 'besteffort: oom_score_adj 1000');
        t.ok(score('guaranteed') < score('burstable') && score('burstable') <= score('besteffort'), 'oom_score: guaranteed < burstable <= besteffort');
      },
      'your-limit': () => {
        t.equal(read(join(top, 'hard', 'memory.max')), String(20 * MIB), 'memory.max 20971520');
        t.ok(events(join(top, 'hard')).oom_kill! >= 2, 'a second OOM kill');
      },
    },
    (s) => (session = s),
  );
  t.notOk(existsSync(top), "the run's cgroup is gone");
  t.same(hostSnapshot(state), before, 'the host is as before');
});
