// lab-init (native/lab-init.c) and the shell run the same steps of a container's plan: the container they make is
// the same, kernel facts compared (mountinfo, the device nodes, hostname, environment, working directory,
// capabilities, PID 1), and so are the exit statuses; so is what `exec` sees. The containers are --privileged: the
// shell cannot drop capabilities, and refuses (125) a container that is not. And lab-init is what runs when it is
// built: the process that waits for PID 1 (its parent, outside the PID namespace) is lab-init, or util-linux's
// unshare with LAB_CONTAINER_INIT=sh.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { labInitPath } from '../../src/host/install.js';
import { cmdline } from '../../src/kernel/proc.js';
import { cli, needsRoot, tempDir, useTempState } from '../helpers.js';

const skip = needsRoot() || (labInitPath() === undefined ? 'lab-init is not built (npm run build compiles it with cc)' : false);
const state = skip ? '' : useTempState();

type Init = 'lab-init' | 'sh';
const INITS: readonly Init[] = ['lab-init', 'sh'];

/** `lab container ...` with the test's state directory, set up by lab-init or by the shell. */
const lab = (init: Init, ...args: string[]) =>
  cli(['container', ...args, '--lang', 'en'], { LAB_STATE_DIR: state, ...(init === 'sh' ? { LAB_CONTAINER_INIT: 'sh' } : {}) });

/** What the container sees, printed by busybox inside: the facts compared. */
const PROBE = [
  'echo "pid $$"',
  'hostname',
  'pwd',
  'env | sort',
  'grep -E "^(Cap|NoNewPrivs|Seccomp)" /proc/self/status',
  'for f in /dev/* /dev/pts/*; do stat -c "%n %F %a %t %T %u %g" $f; done',
  'for f in /dev/fd /dev/ptmx /dev/stdin /dev/stdout /dev/stderr; do echo "$f -> $(readlink $f)"; done',
  'echo mountinfo',
  'cat /proc/self/mountinfo',
].join('; ');

/**
 * mountinfo without what differs between any two containers: mount ids, anonymous device numbers (0:N), and the
 * container's id in its own paths.
 */
function normalise(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const fields = line.split(' ');
      if (fields.length > 6 && /^\d+$/.test(fields[0]!) && /^\d+$/.test(fields[1]!)) {
        fields[0] = 'ID';
        fields[1] = 'PARENT';
        if (fields[2]!.startsWith('0:')) fields[2] = '0:N';
      }
      return fields.join(' ');
    })
    .join('\n')
    .replace(/lab-[0-9a-f]{64}/g, 'lab-ID')
    .replace(/[0-9a-f]{12}(?=\b)/g, (m) => (m === m.toLowerCase() ? 'ID12' : m));
}

t.test('lab-init and the shell make the same container', { skip }, async (t) => {
  const volume = tempDir('lab-test-init-vol-');
  writeFileSync(join(volume, 'file'), 'data\n');
  const views: Record<Init, string> = { 'lab-init': '', sh: '' };
  for (const init of INITS) {
    const r = lab(
      init,
      'run',
      '--privileged',
      '--rm',
      '-v',
      `${volume}:/data:ro`,
      '-e',
      'A=b c',
      '-w',
      '/app',
      '--hostname',
      'lab-init-test',
      'busybox',
      'sh',
      '-c',
      PROBE,
    );
    t.equal(r.status, 0, `${init}: exit 0 (${r.stderr.trim()})`);
    t.match(r.stdout, /^pid 1\n/, `${init}: the command is PID 1`);
    t.match(r.stdout, /\nlab-init-test\n\/app\n/, `${init}: its hostname and working directory`);
    t.match(r.stdout, / \/data ro,/, `${init}: the volume is read-only`);
    views[init] = normalise(r.stdout);
  }
  t.ok(views['lab-init'].split('\n').length > 40, 'the probe printed what it reads');
  t.equal(views['lab-init'], views.sh, 'the same mounts, devices, environment, capabilities, hostname and cwd');
});

t.test('the same exit statuses: the command own, 127 not found, 126 not executable', { skip }, async (t) => {
  for (const init of INITS) {
    t.equal(lab(init, 'run', '--privileged', '--rm', 'busybox', 'sh', '-c', 'exit 3').status, 3, `${init}: the command's status`);
    t.equal(lab(init, 'run', '--privileged', '--rm', 'busybox', 'no-such-command').status, 127, `${init}: 127 when not found`);
    t.equal(lab(init, 'run', '--privileged', '--rm', 'busybox', '/etc/passwd').status, 126, `${init}: 126 when not executable`);
  }
});

t.test('a setup step that fails ends the run with 125, and nothing is left', { skip }, async (t) => {
  // A working directory below a file of the image: its `mkdir -p` fails, before the pivot.
  for (const init of INITS) {
    const r = lab(init, 'run', '--privileged', '--rm', '-w', '/bin/busybox/x', 'busybox', 'true');
    t.equal(r.status, 125, `${init}: 125 (${r.stderr.trim().split('\n')[0]})`);
    t.same(lab(init, 'ps', '-a', '-q').stdout.trim(), '', `${init}: no container left`);
  }
});

t.test('lab-init is what waits for PID 1 when it is built; unshare with LAB_CONTAINER_INIT=sh', { skip }, async (t) => {
  for (const init of INITS) {
    const name = `lab-init-probe-${init === 'sh' ? 'sh' : 'native'}`;
    const r = lab(init, 'run', '--privileged', '-d', '--name', name, 'busybox', 'sleep', '100');
    t.equal(r.status, 0, `${init}: run -d (${r.stderr.trim()})`);
    const pid = (JSON.parse(lab(init, 'inspect', name).stdout) as { State: { Pid: number } }[])[0]!.State.Pid;
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    const parent = cmdline(ppid)?.[0] ?? '';
    if (init === 'lab-init') t.equal(parent, labInitPath(), 'PID 1 is the child of lab-init');
    else t.equal(basename(parent), 'unshare', 'PID 1 is the child of unshare');
    t.equal(lab(init, 'rm', '-f', name).status, 0, `${init}: rm -f`);
  }
});

t.test('exec: lab-init and the shell give the new process the same view', { skip }, async (t) => {
  const views: Record<Init, string> = { 'lab-init': '', sh: '' };
  for (const init of INITS) {
    const name = `lab-init-exec-${init === 'sh' ? 'sh' : 'native'}`;
    t.equal(
      lab(init, 'run', '--privileged', '-d', '--name', name, '-e', 'A=b c', '-w', '/app', '--hostname', 'lab-exec-test', 'busybox', 'sleep', '100').status,
      0,
    );
    const r = lab(init, 'exec', '-e', 'B=d', '-w', '/tmp', name, 'sh', '-c', PROBE);
    t.equal(r.status, 0, `${init}: exec exits 0 (${r.stderr.trim()})`);
    t.match(r.stdout, /\nlab-exec-test\n\/tmp\n/, `${init}: the container's hostname, the -w directory`);
    t.notMatch(r.stdout, /^pid 1\n/, `${init}: not PID 1`);
    t.equal(lab(init, 'exec', name, 'sh', '-c', 'exit 3').status, 3, `${init}: the command's status`);
    t.equal(lab(init, 'exec', name, 'no-such-command').status, 127, `${init}: 127 when not found`);
    views[init] = normalise(r.stdout.replace(/^pid \d+\n/, ''));
    t.equal(lab(init, 'rm', '-f', name).status, 0, `${init}: rm -f`);
  }
  t.ok(views['lab-init'].split('\n').length > 40, 'the probe printed what it reads');
  t.equal(views['lab-init'], views.sh, 'the same mounts, devices, environment, capabilities, hostname and cwd');
});

t.test('the shell refuses a container that is not --privileged (125): it cannot drop capabilities', { skip }, async (t) => {
  const run = lab('sh', 'run', '--rm', 'busybox', 'true');
  t.equal(run.status, 125, 'run: 125');
  t.match(run.stderr, /capabilities cannot be dropped without lab-init/, 'what');
  t.match(run.stderr, /apt-get install gcc libc6-dev && npm run build/, 'the fix');
  t.match(run.stderr, /--privileged/, 'or --privileged');
  t.same(lab('sh', 'ps', '-a', '-q').stdout.trim(), '', 'no container left');
  const zh = cli(['container', 'run', '--rm', 'busybox', 'true', '--lang', 'zh'], { LAB_STATE_DIR: state, LAB_CONTAINER_INIT: 'sh' });
  t.equal(zh.status, 125);
  t.match(zh.stderr, /没有 lab-init 就无法去掉能力/, 'in Chinese too');
  // A container made by lab-init: the shell's exec is refused, unless exec --privileged (every capability).
  t.equal(lab('lab-init', 'run', '-d', '--name', 'lab-init-caps', 'busybox', 'sleep', '100').status, 0);
  const exec = lab('sh', 'exec', 'lab-init-caps', 'true');
  t.equal(exec.status, 125, 'exec: 125');
  t.match(exec.stderr, /capabilities cannot be dropped without lab-init/);
  t.equal(lab('sh', 'exec', '--privileged', 'lab-init-caps', 'true').status, 0, 'exec --privileged: the shell runs it');
  t.equal(lab('lab-init', 'rm', '-f', 'lab-init-caps').status, 0, 'rm -f');
});
