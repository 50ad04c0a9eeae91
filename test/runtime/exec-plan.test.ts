// The plan of `lab container exec`, exactly: the cgroup first, a clean environment, then nsenter with the
// namespaces, the root and the working directory.
import t from 'tap';
import { execPlan, mergeEnv } from '../../src/kernel/container-exec.js';

t.test('exec: cgroup, environment, namespaces, root, command', async (t) => {
  const plan = execPlan({
    pid: 42,
    cgroup: '/sys/fs/cgroup/lab-container-abc',
    namespaces: ['pid', 'mnt', 'net'],
    env: ['PATH=/bin', 'A=1'],
    command: ['sh', '-c', 'echo hi'],
  });
  t.same(plan.argv, [
    'sh',
    '-c',
    'echo $$ > /sys/fs/cgroup/lab-container-abc/cgroup.procs && exec "$@"',
    'sh',
    'env',
    '-i',
    'PATH=/bin',
    'A=1',
    'nsenter',
    '--target',
    '42',
    '--pid',
    '--mount',
    '--net',
    '--root',
    '--wd',
    '--',
    'sh',
    '-c',
    'echo hi',
  ]);
  t.match(plan.text, /^sh -c .*cgroup\.procs.* nsenter --target 42 /, 'the text is the argv');
  t.same(
    plan.initSteps,
    [
      'echo $$ > /sys/fs/cgroup/lab-container-abc/cgroup.procs',
      'env -i PATH=/bin A=1',
      'nsenter --target 42 --pid --mount --net --root --wd --',
      "exec sh -c 'echo hi'",
    ],
    "lab-init's steps: the same, one command each",
  );
  const wd = execPlan({ pid: 7, cgroup: '/c/lab-x', namespaces: [], env: [], workdir: '/proc/7/root/srv', command: ['pwd'] });
  t.ok(wd.argv.includes('--wd=/proc/7/root/srv'), '-w: the directory opened through /proc/<pid>/root');
  t.equal(wd.initSteps[2], 'nsenter --target 7 --root --wd=/proc/7/root/srv --');
});

t.test("exec: the container's capabilities by setpriv before the command, in both forms", async (t) => {
  const setpriv = ['setpriv', '--bounding-set', '-all,+chown,+kill', '--inh-caps', '-all', '--ambient-caps', '-all', '--'];
  const plan = execPlan({ pid: 9, cgroup: '/c/lab-x', namespaces: ['pid'], env: ['PATH=/bin'], setpriv, command: ['id'] });
  t.same(plan.argv.slice(-10), ['--', ...setpriv, 'id'], 'the shell: nsenter runs setpriv, which runs the command');
  t.equal(plan.initSteps.at(-1), 'exec setpriv --bounding-set -all,+chown,+kill --inh-caps -all --ambient-caps -all -- id');
  t.equal(execPlan({ pid: 9, cgroup: '/c/lab-x', namespaces: [], env: [], command: ['id'] }).initSteps.at(-1), 'exec id', 'none: every capability');
});

t.test('environment: a later key replaces an earlier one', async (t) => {
  t.same(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3']), ['PATH=/bin', 'A=2', 'B=3']);
});
