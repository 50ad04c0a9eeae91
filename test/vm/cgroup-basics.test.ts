// Runs the cgroup-basics lab in the test VM and asserts the kernel facts after each step independently of the
// lab's own checks: the directory's interface files, /proc/<pid>/cgroup of every process, the refusal repeated by
// hand, the controllers passed down; then that the run's cgroup is gone and the host is as before.
import t from 'tap';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { childrenOf } from '../../src/kernel/proc.js';
import { hostSnapshot, useTempState, verifyWithFacts } from '../helpers.js';

const skip = process.env.LAB_IN_VM ? false : 'runs only in the test VM (npm run test:vm)';
const ROOT = '/sys/fs/cgroup';
const read = (path: string): string => readFileSync(path, 'utf8').trim();
const cgroupOf = (pid: number): string => read(`/proc/${pid}/cgroup`);

t.test('cgroup-basics, verified step by step against the kernel', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const lab = await loadLab('cgroup-basics');
  let session: Session | undefined;
  let top = '';
  const proc = (name: string): number => session!.proc(name).pid;
  await verifyWithFacts(
    t,
    lab,
    {
      hierarchy: () => {
        const made = readdirSync(ROOT).filter((name) => name.startsWith('lab-basics-'));
        t.equal(made.length, 1, 'one lab-basics-* cgroup under the root');
        top = join(ROOT, made[0]!);
        for (const file of ['cgroup.procs', 'cgroup.controllers', 'cgroup.subtree_control', 'cgroup.events']) {
          t.ok(existsSync(join(top, file)), `the kernel made ${file}`);
        }
        t.equal(read(join(top, 'cgroup.procs')), '', 'no process in it yet');
      },
      move: () => {
        t.equal(cgroupOf(proc('box')), `0::/${top.slice(ROOT.length + 1)}`, "box's /proc/<pid>/cgroup names the lab cgroup");
      },
      fork: () => {
        const kids = childrenOf(session!.proc('family').leader);
        t.equal(kids.length, 2, 'the shell has two children');
        for (const kid of kids) t.equal(cgroupOf(kid), `0::/${top.slice(ROOT.length + 1)}`, `child ${kid} was born in the lab cgroup`);
      },
      'no-internal-processes': () => {
        t.equal(read(join(top, 'cgroup.procs')), '', 'the inner cgroup holds no process');
        t.match(read(join(top, 'cgroup.subtree_control')), /\bmemory\b/, 'it passes memory on');
        t.ok(existsSync(join(top, 'leaf', 'memory.max')), 'the leaf has memory.max');
        // The rule, the other way round: the inner cgroup now refuses a process.
        t.throws(() => writeFileSync(join(top, 'cgroup.procs'), String(proc('box'))), { code: 'EBUSY' }, 'moving box back up is refused with EBUSY');
      },
      'your-shell': () => {
        const sleeps = read(join(top, 'leaf', 'cgroup.procs'))
          .split('\n')
          .filter((pid) => read(`/proc/${pid}/cmdline`).replaceAll('\0', ' ').trim() === 'sleep 1000');
        t.equal(sleeps.length, 1, 'one sleep 1000 in the leaf');
      },
    },
    (s) => (session = s),
  );
  t.notOk(existsSync(top), "the run's cgroup is gone");
  t.same(hostSnapshot(state), before, 'the host is as before');
});
