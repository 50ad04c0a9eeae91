// Inside the test VM: the cgroup-pids lab run with its reference solutions, with the kernel facts after each step
// asserted independently of the lab's checks: the cgroup files, every bomb process's /proc/<pid>/cgroup and state,
// the exact count of refused forks (20 processes x 3 tries - 19 forks that made them = 41), the kernel log line,
// and after cgroup.kill a scan of all of /proc for anything left in the bomb's cgroup. Then the host is as before.
// Two more tests run the lab's own bomb argv outside the lab: under any pids.max but 20 it forks nothing, and when
// the process that started it dies, the whole bomb exits by itself (no cgroup.kill needed).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { waitFor } from '../../src/host/cleanup.js';
import { makeCgroup, teardown, writeCgroupFile } from '../../src/host/cgroup.js';
import { v2Root } from '../../src/lab/cgroup-lab.js';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import type { Action, LabContext } from '../../src/lab/spec.js';
import { hostSnapshot, useTempState, verifyWithFacts } from '../helpers.js';

const skip = process.env.LAB_IN_VM ? false : 'runs only in the test VM (npm run test:vm)';
const read = (path: string): string => readFileSync(path, 'utf8').trim();

/** Block this thread for `ms` (facts run inside the runner's synchronous event listener). */
const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Poll `fn` every 50 ms for up to `ms`; true once it held. */
function within(ms: number, fn: () => boolean): boolean {
  const end = Date.now() + ms;
  for (;;) {
    if (fn()) return true;
    if (Date.now() >= end) return false;
    pause(50);
  }
}

/** A key of a flat-keyed cgroup file (pids.events, cgroup.events). */
const key = (path: string, name: string): number | undefined => {
  const line = read(path)
    .split('\n')
    .find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

const procsOf = (dir: string): number[] => read(join(dir, 'cgroup.procs')).split('\n').filter(Boolean).map(Number);

/** Every PID on the host whose v2 cgroup is `path` (relative to the root, as /proc/<pid>/cgroup says it). */
function pidsInCgroup(path: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return read(`/proc/${pid}/cgroup`) === `0::${path}`;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The state letter of a process (third field of /proc/<pid>/stat, after the command in parentheses). */
const stateOf = (pid: number): string =>
  read(`/proc/${pid}/stat`)
    .replace(/^.*\) /, '')
    .split(' ')[0] ?? '?';

t.test('cgroup-pids, verified step by step against the kernel', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const lab = await loadLab('cgroup-pids');
  let session: Session | undefined;
  let top = '';
  let bombPids: number[] = [];
  const pid = (name: string): number => session!.proc(name).pid;
  const bomb = (): string => join(top, 'bomb');
  const box = (): string => join(top, 'box');
  const facts: Record<string, () => void> = {
    limit: () => {
      const line = read(`/proc/${pid('box')}/cgroup`);
      t.match(line, /^0::\/lab-pids-[^/]+\/box$/, `sleep infinity is in box (${line})`);
      top = join(v2Root(), line.slice('0::'.length).replace(/\/box$/, ''));
      t.equal(read(join(top, 'cgroup.subtree_control')), 'pids', "the run's cgroup enables pids for its children");
      t.same(procsOf(top), [], "the run's cgroup itself holds no process");
      t.equal(read(join(bomb(), 'pids.max')), '20', 'bomb/pids.max');
      t.equal(read(join(box(), 'pids.max')), 'max', 'box/pids.max');
      t.same(procsOf(bomb()), [], 'bomb is empty');
    },
    bomb: () => {
      t.ok(
        within(5000, () => key(join(bomb(), 'pids.events'), 'max') === 41),
        'pids.events max reaches 41 = 20 x 3 tries - 19 forks',
      );
      t.equal(read(join(bomb(), 'pids.current')), '20', 'bomb/pids.current');
      bombPids = procsOf(bomb());
      t.equal(bombPids.length, 20, 'twenty processes in bomb/cgroup.procs');
      const rel = bomb().slice(v2Root().length);
      t.same(
        bombPids.filter((p) => read(`/proc/${p}/cgroup`) !== `0::${rel}`),
        [],
        'each says 0::…/bomb in /proc/<pid>/cgroup',
      );
      t.ok(bombPids.includes(pid('bomb')), 'the first perl is one of them');
      t.ok(
        within(3000, () => bombPids.every((p) => stateOf(p) === 'S')),
        'all of them sleep (state S): no spinning',
      );
      const log = spawnSync('dmesg', { encoding: 'utf8' }).stdout ?? '';
      t.match(log, `cgroup: fork rejected by pids controller in ${rel}`, 'the kernel logged the first refusal');
    },
    eagain: () => {
      t.equal(key(join(bomb(), 'pids.events'), 'max'), 42, "one more refusal: the probe's");
      t.same(procsOf(bomb()).sort(), [...bombPids].sort(), 'the probe is gone; the bomb is as it was');
    },
    kill: () => {
      t.equal(key(join(bomb(), 'cgroup.events'), 'populated'), 0, 'bomb/cgroup.events populated 0');
      t.equal(read(join(bomb(), 'pids.current')), '0', 'bomb/pids.current');
      t.same(pidsInCgroup(bomb().slice(v2Root().length)), [], 'no process on the host is in bomb');
      t.same(
        bombPids.filter((p) => existsSync(`/proc/${p}`) && stateOf(p) !== 'Z'),
        [],
        'none of the 20 PIDs runs',
      );
    },
    'pids-limit': () => {
      t.equal(read(join(box(), 'pids.max')), '5', 'box/pids.max');
      t.ok((key(join(box(), 'pids.events'), 'max') ?? 0) >= 1, 'box/pids.events max counts the refused fork');
      t.equal(read(join(box(), 'pids.current')), '4', 'box holds sleep infinity and the three sleeps that fit');
    },
  };
  await verifyWithFacts(t, lab, facts, (s) => (session = s));
  t.notOk(existsSync(top), "the run's cgroup is gone");
  t.same(hostSnapshot(state), before, 'cgroups, marked processes and journals are as before');
});

/**
 * The bomb's argv exactly as the lab's bomb step builds it, for a run whose id ends in `<pid>-<tag>`, and a fresh
 * cgroup `lab-pids-<pid>-<tag>` with the pids controller and an empty `bomb` leaf of that limit (removed at the end).
 */
async function bombOutsideTheLab(t: Test, tag: string, limit: number): Promise<{ argv: string[]; dir: string }> {
  const lab = await loadLab('cgroup-pids');
  const step = lab.steps.find((s) => s.spec.id === 'bomb')?.spec;
  const first = step?.kind === 'demo' ? step.actions[0] : undefined;
  const ctx = { runId: `lab-cgroup-pids-${process.pid}-${tag}`, cgroup: lab.spec.cgroup } as LabContext;
  const action = (typeof first === 'function' ? first(ctx) : first) as Action | undefined;
  if (action?.kind !== 'start') throw new Error('the bomb step does not start with the bomb');
  const top = join(v2Root(), `lab-pids-${process.pid}-${tag}`);
  const dir = join(top, 'bomb');
  t.teardown(() => teardown(top));
  makeCgroup(top);
  writeCgroupFile(join(top, 'cgroup.subtree_control'), '+pids');
  makeCgroup(dir);
  writeCgroupFile(join(dir, 'pids.max'), String(limit));
  return { argv: action.argv, dir };
}

t.test('the bomb refuses to start unless pids.max is 20', { skip }, async (t) => {
  // A limit stays in place all the same: were the guard broken, the bomb would stop at 21.
  const { argv, dir } = await bombOutsideTheLab(t, 'guard', 21);
  const run = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  t.equal(run.signal, null, 'it was not killed (no timeout)');
  t.ok(typeof run.status === 'number' && run.status !== 0, `it exits at once with status ${run.status}`);
  t.match(run.stderr, 'pids.max is not 20: no bomb', 'and says why');
  t.equal(key(join(dir, 'pids.events'), 'max'), 0, 'no fork was ever refused');
  t.equal(read(join(dir, 'pids.current')), '0', 'nothing is left in the cgroup');
});

t.test('the bomb dies with whoever started it, without cgroup.kill', { skip }, async (t) => {
  const { argv, dir } = await bombOutsideTheLab(t, 'orphan', 20);
  // A stand-in for the harness: a node process that spawns the bomb's argv, as the lab's start action does, and idles.
  const script = `require('node:child_process').spawn(${JSON.stringify(argv[0])}, ${JSON.stringify(argv.slice(1))}, { stdio: 'ignore' }); setInterval(() => {}, 1000);`;
  const harness = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  t.ok(await waitFor(() => read(join(dir, 'pids.current')) === '20', 20_000, 50), 'the bomb filled its cgroup');
  const before = new Set(procsOf(dir));
  harness.kill('SIGKILL');
  // setpriv --pdeathsig kills the first perl; the pipe then reads as end-of-file, and the others stop and exit.
  // A bomb that went on forking into the slots freed by exits would show up as a stream of new PIDs.
  const born = new Set<number>();
  const emptied = await waitFor(
    () => {
      for (const p of procsOf(dir)) if (!before.has(p)) born.add(p);
      return key(join(dir, 'cgroup.events'), 'populated') === 0;
    },
    10_000,
    20,
  );
  t.ok(emptied, 'cgroup.events: populated 0, without cgroup.kill');
  // Each process still trying may finish the one fork it had begun; a child born after that forks nothing.
  t.ok(born.size < 20, `no refill: ${born.size} new PIDs after the kill, at most one per process still trying`);
  t.equal(read(join(dir, 'pids.current')), '0', 'pids.current 0: no process of the bomb outlived its starter');
});
