// Inside the test VM: the cgroup-cpu lab run with its reference solutions, with the kernel facts after each step
// asserted independently of the lab's checks. CPU shares are measured here from each loop's own run time in
// /proc/<pid>/schedstat (ns on the CPU), not from the cgroup's cpu.stat the lab reads; limits and weights are read
// from the cgroup files, placement from /proc/<pid>/cgroup and Cpus_allowed_list. Then the host is as before.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { v2Root } from '../../src/lab/cgroup-lab.js';
import { hostSnapshot, useTempState, verifyWithFacts } from '../helpers.js';

const skip = process.env.LAB_IN_VM ? false : 'runs only in the test VM (npm run test:vm)';
const read = (path: string): string => readFileSync(path, 'utf8').trim();

/** Block this thread for `ms` (facts run inside the runner's synchronous event listener). */
const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Nanoseconds a process has spent on a CPU (first field of /proc/<pid>/schedstat). */
const ranNs = (pid: number): number => Number(read(`/proc/${pid}/schedstat`).split(' ')[0]);

/** The share of one CPU (%) each process ran over the same 1 s window, from its own schedstat. */
function shares(pids: number[]): number[] {
  const t0 = process.hrtime.bigint();
  const before = pids.map(ranNs);
  pause(1000);
  const after = pids.map(ranNs);
  const wallNs = Number(process.hrtime.bigint() - t0);
  return pids.map((_, i) => ((after[i]! - before[i]!) / wallNs) * 100);
}

/** `shares`, taken again (up to three windows in all) while `fits` says no: a loaded machine can disturb one window. */
function sharesUntil(pids: number[], fits: (shares: number[]) => boolean): number[] {
  let last = shares(pids);
  for (let i = 1; i < 3 && !fits(last); i++) last = shares(pids);
  return last;
}

/** A line of /proc/<pid>/status. */
const status = (pid: number, key: string): string | undefined =>
  read(`/proc/${pid}/status`)
    .split('\n')
    .find((l) => l.startsWith(`${key}:`))
    ?.split(':')[1]
    ?.trim();

t.test('cgroup-cpu, verified step by step against the kernel', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const lab = await loadLab('cgroup-cpu');
  let session: Session | undefined;
  let top = '';
  let hogStart = '';
  const pid = (name: string): number => session!.proc(name).pid;
  const cgroupOf = (p: number): string => read(`/proc/${p}/cgroup`);
  const facts: Record<string, () => void> = {
    quota: () => {
      const hog = pid('hog');
      const line = cgroupOf(hog);
      top = join(v2Root(), line.slice('0::'.length).replace(/\/capped$/, ''));
      t.match(line, /^0::\/lab-cpu-[^/]+\/capped$/, `the loop is in capped (${line})`);
      t.equal(cgroupOf(pid('box')), `${line.replace(/capped$/, 'box')}`, 'box holds the shell target');
      t.equal(read(join(top, 'cgroup.subtree_control')), 'cpuset cpu', "the run's cgroup enables cpuset and cpu for its children");
      t.equal(read(join(top, 'capped', 'cpu.max')), '20000 100000', 'capped/cpu.max');
      hogStart = read(`/proc/${hog}/stat`).split(' ')[21] ?? '';
      const [share] = sharesUntil([hog], ([s]) => Math.abs(s! - 20) <= 5);
      t.ok(Math.abs(share! - 20) <= 5, `the loop ran ${share!.toFixed(1)}% of one CPU by its own schedstat`);
    },
    half: () => {
      const hog = pid('hog');
      t.equal(read(join(top, 'capped', 'cpu.max')), '50000 100000', 'capped/cpu.max after the task');
      t.equal(read(`/proc/${hog}/stat`).split(' ')[21], hogStart, 'the same loop, never restarted');
      const [share] = sharesUntil([hog], ([s]) => Math.abs(s! - 50) <= 5);
      t.ok(Math.abs(share! - 50) <= 5, `the loop ran ${share!.toFixed(1)}% of one CPU by its own schedstat`);
    },
    weights: () => {
      t.notOk(existsSync(`/proc/${pid('hog')}`), 'the capped loop was stopped');
      t.equal(read(join(top, 'capped', 'cgroup.procs')), '', 'capped is empty');
      t.equal(read(join(top, 'low', 'cpu.weight')), '100', 'low/cpu.weight');
      t.equal(read(join(top, 'high', 'cpu.weight')), '300', 'high/cpu.weight');
      const [low, high] = [pid('low'), pid('high')];
      for (const [name, p] of [
        ['low', low],
        ['high', high],
      ] as const) {
        t.equal(cgroupOf(p), `0::${top.slice(v2Root().length)}/${name}`, `the ${name} loop is in ${name}`);
        t.equal(read(join(top, name, 'cpuset.cpus.effective')), '0', `${name}/cpuset.cpus.effective is 0`);
        t.equal(status(p, 'Cpus_allowed_list'), '0', `the ${name} loop may run on CPU 0 only`);
      }
      const [l, h] = sharesUntil([low, high], ([a, b]) => Math.abs(b! / a! / 3 - 1) <= 0.1) as [number, number];
      t.ok(Math.abs(h / l / 3 - 1) <= 0.1, `high / low = ${(h / l).toFixed(2)} (${l.toFixed(1)}% and ${h.toFixed(1)}%) by schedstat`);
    },
    alone: () => {
      t.notOk(existsSync(`/proc/${pid('high')}`), 'the high loop was stopped');
      const [l] = sharesUntil([pid('low')], ([a]) => a! > 80);
      t.ok(l! > 80, `low alone ran ${l!.toFixed(1)}% of CPU 0 by its own schedstat`);
    },
  };
  const events = await verifyWithFacts(t, lab, facts, (s) => (session = s));
  for (const event of events) if (event.type === 'check' && !event.ok) t.comment(`${event.step}/${event.check} failed: ${event.found.en}`);
  t.notOk(existsSync(top), `${top} was removed`);
  t.same(hostSnapshot(state), before, 'the host is as before');
});
