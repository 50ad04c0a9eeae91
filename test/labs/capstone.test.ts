// The capstone lab on this host: step by step against the kernel (test/vm/capstone-facts.ts) where the host has
// what it needs (cgroup v2 with the memory and pids controllers; skipped with the reason elsewhere, and run in the
// test VM by test/vm/capstone.test.ts). And, on any host, what hideSolution does, with a fixture lab that hides
// its solution: `lab verify` applies it without showing its commands or their output; `lab solution` shows them.
import t from 'tap';
import { join } from 'node:path';
import { loadLab } from '../../src/lab/load.js';
import { withCgroupVariable } from '../../src/cli/solution.js';
import { ROOT, cli, needsRoot, useTempState } from '../helpers.js';
import { unmetSkip } from './contract.js';
import { capstoneStepByStep } from '../vm/capstone-facts.js';

const lab = await loadLab('capstone');

t.test('capstone, verified step by step against the kernel', { skip: needsRoot() || unmetSkip(lab) }, (t) => capstoneStepByStep(t));

const hidden = { LAB_LABS_DIR: join(ROOT, 'test', 'fixtures', 'hidden') };

t.test('a hidden solution is applied by lab verify, not shown', async (t) => {
  const r = cli(['verify', 'fixture-hidden', '--lang', 'en'], { ...hidden, LAB_STATE_DIR: useTempState() });
  t.equal(r.status, 0, r.stderr);
  t.notMatch(r.stdout, /hidden-word-7d3f/, 'neither the command nor its output is shown');
  t.notMatch(r.stdout, /kill -0/, 'nor the command made from the context');
  t.equal(r.stdout.split('lab solution fixture-hidden answer').length - 1, 2, 'each command is one line that says how to see it');
  t.match(r.stdout, /the answer ran/, 'the checks are shown as always');
});

t.test('lab solution shows the hidden solution, with placeholders and the warning', async (t) => {
  const r = cli(['solution', 'fixture-hidden', '--lang', 'en'], hidden);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /spoils the exercise/);
  t.match(r.stdout, /\$ echo hidden-word-7d3f\n/);
  t.match(r.stdout, /\$ kill -0 <sleeper PID>\n/, 'a PID known only while the lab runs is a placeholder');
  const zh = cli(['solution', 'fixture-hidden', 'answer', '--lang', 'zh'], hidden);
  t.match(zh.stdout, /失去了意义/);
  const wrong = cli(['solution', 'fixture-hidden', 'start'], hidden);
  t.equal(wrong.status, 2, 'a demo step has no solution: a usage error');
});

t.test('lab solution capstone names every task step and hides nothing of it', async (t) => {
  const r = cli(['solution', 'capstone', '--lang', 'en']);
  t.equal(r.status, 0, r.stderr);
  for (const step of ['rootfs', 'cgroup', 'container', 'network', 'run']) t.match(r.stdout, `(${step})`);
  t.match(r.stdout, /\$ mount -t overlay lab-capstone /);
  t.match(r.stdout, /\$ ip link set lab-cap1 netns <PID>\n/);
  t.match(r.stdout, /\$ echo 64M > \$LAB_CGROUP\/lab-box\/memory.max\n/);
});

t.test('the run cgroup becomes $LAB_CGROUP, inside single quotes too', async (t) => {
  t.equal(withCgroupVariable('mkdir /cg/x', '/cg'), 'mkdir $LAB_CGROUP/x');
  t.equal(withCgroupVariable("sh -c 'echo 1 > /cg/a'", '/cg'), `sh -c 'echo 1 > '"$LAB_CGROUP"'/a'`);
  t.equal(withCgroupVariable("cat '/cg/a b'", '/cg'), `cat "$LAB_CGROUP"'/a b'`);
});
