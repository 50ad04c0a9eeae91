// Inside the test VM (cgroup v2 alone at /sys/fs/cgroup): src/host/cgroup.ts makes a lab-* subtree, enables
// controllers down to a leaf, sets limits, moves a process in and tears it all down with cgroup.kill. Every
// assertion reads the kernel: cgroup files, /proc/<pid>/cgroup, the directory, the child's exit signal.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { enableControllers, makeCgroup, movePid, requireV2Controllers, setLimits, teardown, writeCgroupFile } from '../../src/host/cgroup.js';
import { readMaxValue } from '../../src/kernel/cgroup-files.js';
import { LabError } from '../../src/common/errors.js';

const skip = process.env.LAB_IN_VM ? false : 'runs only in the test VM (npm run test:vm)';
const read = (path: string): string => readFileSync(path, 'utf8').trim();

t.test('a lab-* subtree: controllers to a leaf, limits, a process, teardown', { skip }, async (t) => {
  const { root } = requireV2Controllers(['memory', 'pids', 'cpu']);
  const top = join(root, `lab-test-${process.pid}`);
  const leaf = join(top, 'leaf');
  const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  t.teardown(async () => {
    child.kill('SIGKILL');
    if (existsSync(top)) await teardown(top);
  });
  const pid = child.pid ?? 0;
  t.ok(pid > 0, 'sleep started');

  makeCgroup(top);
  makeCgroup(leaf);
  enableControllers(root, leaf, ['memory', 'pids', 'cpu']);
  t.same(read(join(top, 'cgroup.subtree_control')).split(' ').sort(), ['cpu', 'memory', 'pids'], `${top}/cgroup.subtree_control`);
  t.same(read(join(leaf, 'cgroup.controllers')).split(' ').sort(), ['cpu', 'memory', 'pids'], 'the leaf has the three controllers');

  movePid(leaf, pid);
  t.equal(read(`/proc/${pid}/cgroup`), `0::/lab-test-${process.pid}/leaf`, '/proc/<pid>/cgroup names the leaf');
  t.equal(read(join(leaf, 'cgroup.procs')), String(pid), "the leaf's cgroup.procs holds the PID");

  // The no-internal-process rule, both ways round.
  const enableInLeaf = t.throws(() => writeCgroupFile(join(leaf, 'cgroup.subtree_control'), '+memory')) as LabError;
  t.ok(enableInLeaf instanceof LabError, 'enabling controllers below a cgroup with a process fails with a LabError');
  t.equal(enableInLeaf.code, 'EBUSY', 'the kernel said EBUSY');
  t.equal(enableInLeaf.operation, `write \`${leaf}/cgroup.subtree_control\``);
  t.match(enableInLeaf.meaning.en, /no-internal-process rule/);
  const moveToInner = t.throws(() => movePid(top, pid)) as LabError;
  t.equal(moveToInner.code, 'EBUSY', 'a cgroup that enables controllers for children cannot take a process');
  t.match(moveToInner.meaning.en, /cannot hold processes/);

  setLimits(leaf, { memoryMax: '50M', pidsMax: 20, cpuMax: { quota: 20000 } });
  t.equal(readMaxValue(leaf, 'memory.max'), 52428800, 'memory.max reads back 52428800');
  t.equal(readMaxValue(leaf, 'pids.max'), 20, 'pids.max reads back 20');
  t.equal(read(join(leaf, 'cpu.max')), '20000 100000', 'cpu.max reads back `20000 100000`');
  t.ok(Number(read(join(leaf, 'pids.current'))) >= 1, 'pids.current counts the sleep');

  t.ok(existsSync(join(top, 'cgroup.kill')), 'this kernel has cgroup.kill');
  await teardown(top);
  t.notOk(existsSync(top), 'the lab-* directory is gone');
  t.equal(await exited, 'SIGKILL', 'the process was killed by SIGKILL');
  t.notOk(existsSync(`/proc/${pid}`), 'the process is gone from /proc');
});

t.test('teardown without cgroup.kill: SIGKILL to each PID, children removed before parents', { skip }, async (t) => {
  const { root } = requireV2Controllers([]);
  const top = join(root, `lab-test-nokill-${process.pid}`);
  const inner = join(top, 'a');
  const innermost = join(inner, 'b');
  const children = [spawn('sleep', ['1000'], { stdio: 'ignore' }), spawn('sleep', ['1000'], { stdio: 'ignore' })];
  const exits = children.map((c) => new Promise<NodeJS.Signals | null>((resolve) => c.once('exit', (_code, signal) => resolve(signal))));
  t.teardown(async () => {
    for (const c of children) c.kill('SIGKILL');
    if (existsSync(top)) await teardown(top);
  });
  makeCgroup(top);
  makeCgroup(inner);
  makeCgroup(innermost);
  // No controller is enabled in this subtree, so the no-internal-process rule does not apply: `a` may hold one too.
  movePid(inner, children[0]?.pid ?? 0);
  movePid(innermost, children[1]?.pid ?? 0);
  t.equal(read(join(top, 'cgroup.events')).split('\n')[0], 'populated 1', 'cgroup.events: populated 1');
  await teardown(top, { useCgroupKill: false });
  t.notOk(existsSync(top), 'the subtree is gone');
  t.same(await Promise.all(exits), ['SIGKILL', 'SIGKILL'], 'both processes were killed by SIGKILL');
});
