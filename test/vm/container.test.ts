// `lab container` limits on cgroup v2 with every controller (the test VM): --memory, --cpus and --pids-limit
// written to the container's cgroup and in force, and a PID 1 the OOM killer ends reported as 137 with
// OOMKilled, as Docker reports it; then nothing of the containers is left.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, useTempState } from '../helpers.js';

const skip = process.env.LAB_IN_VM ? false : 'runs only in the test VM (npm run test:vm)';
const read = (path: string): string => readFileSync(path, 'utf8').trim();

t.test('limits in force, and the OOM kill is 137', { skip }, async (t) => {
  const state = useTempState();
  const lab = (...args: string[]) => cli(['container', ...args, '--lang', 'en'], { LAB_STATE_DIR: state });
  const inspect = (name: string) =>
    (JSON.parse(lab('inspect', name).stdout) as { Id: string; State: { ExitCode: number; OOMKilled: boolean; Pid: number }; Cgroup: { Path: string } }[])[0]!;

  const run = lab(
    'run',
    '-d',
    '--name',
    'lab-limits',
    '--network',
    'none',
    '--memory',
    '32m',
    '--cpus',
    '0.5',
    '--pids-limit',
    '20',
    'busybox',
    'sleep',
    '1000',
  );
  t.equal(run.status, 0, `run -d with limits (${run.stderr.trim()})`);
  const limited = inspect('lab-limits');
  const cgroup = limited.Cgroup.Path;
  t.equal(read(join(cgroup, 'memory.max')), String(32 * 1024 * 1024), 'memory.max');
  t.equal(read(join(cgroup, 'memory.swap.max')), '0', 'memory.swap.max: no swap, as Docker with --memory alone');
  t.equal(read(join(cgroup, 'cpu.max')), '50000 100000', 'cpu.max');
  t.equal(read(join(cgroup, 'pids.max')), '20', 'pids.max');
  t.ok(read(join(cgroup, 'cgroup.procs')).split('\n').includes(String(limited.State.Pid)), 'PID 1 is in it');
  lab('exec', 'lab-limits', 'sh', '-c', 'for i in $(seq 40); do sleep 100 & done; wait');
  const events = Object.fromEntries(
    read(join(cgroup, 'pids.events'))
      .split('\n')
      .map((l) => l.split(' ')),
  );
  t.ok(Number(events.max) > 0, 'pids.max refused forks (pids.events max)');
  t.ok(Number(read(join(cgroup, 'pids.current'))) <= 20, 'pids.current stays at the limit');
  t.equal(lab('rm', '-f', 'lab-limits').status, 0, 'rm -f');
  t.notOk(existsSync(cgroup), 'its cgroup is gone');

  // tail keeps the current line in memory, and /dev/zero has no newline: it grows until the OOM killer ends it.
  const oom = lab('run', '--name', 'lab-oom', '--network', 'none', '--memory', '16m', 'busybox', 'tail', '/dev/zero');
  t.equal(oom.status, 137, 'the OOM-killed PID 1: exit 137');
  const killed = inspect('lab-oom');
  t.equal(killed.State.ExitCode, 137, 'inspect: ExitCode 137');
  t.equal(killed.State.OOMKilled, true, 'inspect: OOMKilled');
  t.equal(lab('rm', 'lab-oom').status, 0, 'rm');
  t.notOk(existsSync(killed.Cgroup.Path), 'nothing left of its cgroup');
});
