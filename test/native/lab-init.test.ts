// dist/native/lab-init, the container setup done by one process (native/lab-init.c): it accepts every step the plan
// makes and refuses what is not in its grammar, and a whole container set up by it is the same as one set up by the
// plan's shell script (mountinfo, /dev, environment, hostname, PID, cwd), with the shell's exit statuses. The test
// builds the binary itself (scripts/build-native.mjs: a no-op when it is up to date) and skips when `cc` cannot.
// `echo $$ > DIR/cgroup.procs` before `unshare --fork`: PID 1 is born in DIR (clone3 CLONE_INTO_CGROUP), or, with
// LAB_INIT_NO_CLONE3=1, the old way (the migration); both leave the same PID 1, and the first is the faster one.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { waitFor } from '../../src/common/wait.js';
import { readCgroupLayout } from '../../src/kernel/cgroup-mode.js';
import { DEFAULT_CAPABILITIES, parseContainerConfig, type ContainerFlags } from '../../src/kernel/container-config.js';
import { containerPlan, renderScript, type ContainerPlan, type PlanInput, type PlanRoot } from '../../src/kernel/container-plan.js';
import { renderCommand } from '../../src/kernel/shell.js';
import { seccompFilter } from '../../src/kernel/seccomp.js';
import { needsRoot, ROOT, tempDir } from '../helpers.js';

const LAB_INIT = join(ROOT, 'dist', 'native', 'lab-init');
spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-native.mjs')], { stdio: 'inherit' });
const noBinary = existsSync(LAB_INIT) ? false : 'dist/native/lab-init is not built (scripts/build-native.mjs needs cc)';
const noContainer = noBinary || needsRoot() || (existsSync('/bin/busybox') ? false : 'needs /bin/busybox (busybox-static)');
/** The step the plan's argv starts with (dieWithHarness), as lab-init takes it. */
const SETPRIV = 'setpriv --pdeathsig KILL --';

/** Every kind of text the plan makes, one step each (the brief's list). */
const TEXTS = [
  'setpriv --pdeathsig KILL --',
  'echo $$ > /sys/fs/cgroup/unified/lab-container-abc/cgroup.procs',
  "echo $$ > '/sys/fs/cgroup/user.slice/a b/cgroup.procs'",
  'nsenter --net=/proc/1234/ns/net --',
  'nsenter --net=/proc/1234/ns/net --ipc=/proc/1234/ns/ipc --uts=/proc/1234/ns/uts --',
  'nsenter --net=/run/netns/lab-c0123456789ab --',
  'unshare --pid --mount --uts --ipc --net --cgroup --fork --kill-child --propagation private',
  'env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin',
  'ip link set lo up',
  'hostname abcdef012345',
  'mount --make-rprivate /',
  'mount -t overlay overlay -o lowerdir=/l2:/l1,upperdir=/c/upper,workdir=/c/work /c/merged',
  'mount --bind /c/merged /c/merged',
  'mkdir -p /c/merged/proc /c/merged/dev /c/merged/sys',
  'mount -t proc -o nosuid,nodev,noexec proc /c/merged/proc',
  'mount -t tmpfs -o nosuid,strictatime,mode=755,size=65536k tmpfs /c/merged/dev',
  'mknod -m 666 /c/merged/dev/null c 1 3',
  'mkdir /c/merged/dev/pts /c/merged/dev/shm /c/merged/dev/mqueue',
  'mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,nosuid,noexec devpts /c/merged/dev/pts',
  'mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=65536k shm /c/merged/dev/shm',
  'mount -t mqueue -o nosuid,nodev,noexec mqueue /c/merged/dev/mqueue',
  'ln -s pts/ptmx /c/merged/dev/ptmx',
  'ln -s /proc/self/fd /c/merged/dev/fd',
  'mount -t sysfs -o ro,nosuid,nodev,noexec sysfs /c/merged/sys',
  'mount -t cgroup2 -o ro,nosuid,nodev,noexec cgroup2 /c/merged/sys/fs/cgroup',
  'mkdir -p /c/merged/mnt/x',
  'mount --bind /tmp /c/merged/mnt/x',
  'mount -o remount,bind,ro /c/merged/mnt/x',
  'if [ -e /c/merged/proc/asound ]; then mount -t tmpfs -o ro tmpfs /c/merged/proc/asound; fi',
  'if [ -e /c/merged/proc/kcore ]; then mount --bind /c/merged/dev/null /c/merged/proc/kcore; fi',
  'if [ -e /c/merged/proc/bus ]; then mount --bind /c/merged/proc/bus /c/merged/proc/bus; fi',
  'if [ -e /c/merged/proc/bus ]; then mount -o remount,bind,ro,nosuid,nodev,noexec /c/merged/proc/bus; fi',
  'if [ ! -e /r/dev/null ] && [ ! -L /r/dev/null ]; then mknod -m 666 /r/dev/null c 1 3; fi',
  "if [ -d '/x y' ]; then mount -t tmpfs -o ro tmpfs '/x y'; fi",
  'if [ -e /r/proc/kcore ] && [ ! -d /r/proc/kcore ]; then mount --bind /r/dev/null /r/proc/kcore; fi',
  'if [ -d /src ]; then mkdir -p /r/dst; fi',
  'if [ ! -d /src ]; then mkdir -p /r; fi',
  'if [ ! -d /src ]; then touch /r/dst; fi',
  'mount --rbind /src /r/dst',
  'mount -o remount,bind,ro,nosuid /r/dst',
  'mount -o remount,bind,ro /r',
  'cd /c/merged',
  'pivot_root . .',
  'umount -l .',
  'cd /',
  "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOSTNAME=abcdef012345 'A=b c' HOME=/root",
  'cd /w',
  'unset OLDPWD PWD',
  'exec /bin/true',
  "exec sh -c 'echo it'\\''s; exit 3'",
  'exec setpriv --bounding-set -all,+chown,+kill,+sys_chroot --inh-caps -all --ambient-caps -all -- sleep 1',
  'exec setpriv --bounding-set -all --inh-caps -all --ambient-caps -all -- id',
  'exec setpriv --bounding-set -all,+chown --inh-caps -all --ambient-caps -all --seccomp-filter /c/seccomp.bpf -- id',
  'exec setpriv --reuid 1000 --regid 1000 --clear-groups --no-new-privs --bounding-set -all --inh-caps -all --ambient-caps -all --seccomp-filter /c/seccomp.bpf -- id',
  'exec setpriv --reuid 1000 --regid 0 --groups 5,7 -- id',
  'exec setpriv --groups 5 --no-new-privs -- id',
];

/** Texts outside the grammar, each with why. */
const REFUSED: [string, string][] = [
  ['mount -o', '-o without its options'],
  ['nsenter --net=/a --net=/b --', 'a namespace joined twice'],
  ['nsenter --pid=/a --', 'nsenter joins net, ipc and uts by file, nothing else'],
  ['nsenter --net= --', 'an empty file'],
  ['nsenter --net=/a', 'nsenter without --'],
  ['if [ -e /x ]; mount /a /b; fi', 'if without then'],
  ['rm -rf /', 'not a builtin'],
  ['echo hi > /x', 'echo only as `echo $$ > FILE`'],
  ['exec', 'exec without a command'],
  ['export NOEQUALS', 'export without ='],
  ["mkdir '/x", 'an unterminated quote'],
  ['mkdir "/x"', 'double quotes'],
  ['mkdir $HOME', 'an expansion'],
  ['mkdir /x*', 'a glob'],
  ['mount --bind /a /b | cat', 'a pipe'],
  ['mount -o remount,ro /x', 'a remount that is not a bind remount'],
  ['unshare --user --fork', 'a namespace option the plan does not use'],
  ['if [ -e /x ]; then exec /bin/true; fi', 'exec inside an if'],
  ['exec setpriv --bounding-set -all,+bogus --inh-caps -all --ambient-caps -all -- id', 'a capability setpriv does not know'],
  ['exec setpriv --bounding-set +chown --inh-caps -all --ambient-caps -all -- id', 'a list that does not start with -all'],
  ['exec setpriv --bounding-set -all --inh-caps -all --ambient-caps +chown -- id', 'ambient capabilities'],
  ['exec setpriv --bounding-set -all --inh-caps -all --ambient-caps -all --', 'setpriv without a command'],
  ['exec setpriv --reuid 1000 --regid 1000 -- id', 'a user without its groups said'],
  ['exec setpriv --reuid 1000 --clear-groups -- id', '--reuid without --regid'],
  ['exec setpriv --reuid x --regid 1 --clear-groups -- id', 'a user that is not a number'],
  ['exec setpriv --groups 5,,7 -- id', 'an empty group'],
  ['exec setpriv --seccomp-filter relative.bpf -- id', 'a filter path that is not absolute'],
  ['exec setpriv --no-new-privs --reuid 1 --regid 1 --clear-groups -- id', "options out of the plan's order"],
  ['nsenter --target 1234 --mount --root --wd -- sh', 'nsenter with a command (the exec step runs it)'],
  ['nsenter --target 1234 --mount --wd --', 'nsenter --target without --root'],
  ['nsenter --target x1 --mount --root --wd --', 'a target that is not a PID'],
  ['nsenter --target 1234 --mount --mount --root --wd --', 'a namespace twice'],
  ['nsenter --target 1234 --all --root --wd --', 'a namespace option the plan does not use'],
];

/** Run lab-init with these steps. */
function labInit(steps: string[], input?: string): SpawnSyncReturns<string> {
  return spawnSync(LAB_INIT, steps, { encoding: 'utf8', input, timeout: 60_000 });
}

t.test('--check accepts every text the plan makes', { skip: noBinary }, async (t) => {
  for (const text of TEXTS) {
    const r = labInit(['--check', text]);
    t.equal(r.status, 0, text, { stderr: r.stderr });
  }
});

t.test('--check refuses what is not in the grammar, naming the step, with 125', { skip: noBinary }, async (t) => {
  for (const [text, why] of REFUSED) {
    const r = labInit(['--check', text]);
    t.equal(r.status, 125, `${why}: ${text}`);
    t.equal(r.stderr, `lab-init: unsupported step: ${text}\n`);
  }
  const r = labInit(['--check', 'exec /bin/true', 'cd /']);
  t.equal(r.status, 125, 'a step after exec is refused');
  const bad = labInit(['mkdir /nonexistent-lab-init-test', 'rm -rf /']);
  t.equal(bad.status, 125, 'a refused step stops the run before any step runs');
  t.notOk(existsSync('/nonexistent-lab-init-test'), 'the step before it did not run');
});

/** The input of a plan, with every option that adds a kind of step (`--network none` unless the flags name one). */
function planInput(dir: string, layers: string[], flags: ContainerFlags, more: Partial<PlanInput> = {}): PlanInput {
  const config = parseContainerConfig({ network: 'none', ...flags }, { cpus: 4 });
  if (!config.ok) throw new Error(config.message.en);
  return {
    id: 'labinit0123456789abcdef',
    config: config.value,
    image: { layers },
    dirs: { upper: join(dir, 'upper'), work: join(dir, 'work'), merged: join(dir, 'merged') },
    cgroup: join(dir, 'cgroup'),
    ...more,
  };
}

function plan(input: PlanInput): ContainerPlan {
  const built = containerPlan(input);
  if (!built.ok) throw new Error(built.message.en);
  return built.value;
}

/** The steps lab-init runs for a plan (the runtime gives it these): setpriv, then every step the harness does not do. */
function stepsOf(p: ContainerPlan): string[] {
  return p.initSteps;
}

t.test('--check accepts every step of real plans', { skip: noBinary }, async (t) => {
  const cases: [string, ContainerFlags, Partial<PlanInput>][] = [
    [
      '--network none, a read-only volume, -w, -e',
      { network: 'none', volumes: ['/tmp:/mnt/x:ro', '/srv:/mnt/y'], workdir: '/w', env: ["A=it's"], command: ['sh', '-c', 'echo "$A"'] },
      {},
    ],
    ['the host network, the defaults', { network: 'host', command: ['/bin/true'] }, {}],
    ['--network container:other', { network: 'container:other', command: ['true'] }, { joinNetns: '/proc/42/ns/net', joinHostname: 'other' }],
    [
      'a bridge network: its namespace and /etc/hosts',
      { network: 'bridge', command: ['true'] },
      { bridgeNetns: '/run/netns/lab-c0123', hostsFile: { host: '/var/lib/lab/containers/c1/hosts', target: '/etc/hosts' } },
    ],
    [
      'a pod member: --network, --ipc and --uts container:pause',
      { network: 'container:pause', ipc: 'container:pause', uts: 'container:pause', command: ['true'] },
      { joinNetns: '/proc/42/ns/net', joinIpc: '/proc/42/ns/ipc', joinUts: '/proc/42/ns/uts', joinHostname: 'pod' },
    ],
  ];
  for (const [name, flags, more] of cases) {
    const r = labInit(['--check', ...stepsOf(plan(planInput('/var/lib/lab/containers/c1', ['/l/base', '/l/top'], flags, more)))]);
    t.equal(r.status, 0, name, { stderr: r.stderr });
  }
});

/** An OCI bundle's root as oci-bundle.ts gives it: proc, /dev, a directory bound recursively and a file, read-only. */
function bundleRoot(path: string, dir: string, file: string): PlanRoot {
  return {
    path,
    readonly: true,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/data', type: 'bind', source: dir, options: ['rbind', 'ro'] },
      { destination: '/etc/data-file', type: 'bind', source: file, options: ['bind', 'ro', 'nosuid'] },
    ],
    maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/acpi', '/sys/firmware'],
    readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
  };
}

t.test('--check accepts every step of a --bundle plan', { skip: noBinary }, async (t) => {
  const r = labInit(['--check', ...stepsOf(plan(planInput('/b', [], { command: ['true'] }, { root: bundleRoot('/b/rootfs', '/srv', '/etc/hostname') })))]);
  t.equal(r.status, 0, 'accepted', { stderr: r.stderr });
});

t.test('quoting: single quotes and backslashes as sh reads them', { skip: noBinary }, async (t) => {
  const r = labInit(["exec /bin/echo 'a b' 'it'\\''s' x\\ y"]);
  t.equal(r.stdout, "a b it's x y\n");
  t.equal(r.status, 0);
});

t.test("exit statuses: the shell's", { skip: noBinary }, async (t) => {
  const missing = labInit(['exec /nonexistent-lab-init']);
  t.equal(missing.status, 127, 'a command that does not exist: 127');
  t.equal(missing.stderr, 'lab-init: exec: /nonexistent-lab-init: not found\n');
  const notOnPath = labInit(['export PATH=/nonexistent-lab-init', 'exec true']);
  t.equal(notOnPath.status, 127, 'a command not on the PATH exported: 127');
  const cannot = labInit(['exec /etc/passwd']);
  t.equal(cannot.status, 126, 'a file that cannot run: 126');
  t.equal(cannot.stderr, 'lab-init: exec: /etc/passwd: Permission denied\n');
  const mount = labInit(['mount -t proc proc /nonexistent-lab-init']);
  t.equal(mount.status, 125, 'a failing mount: 125');
  t.match(mount.stderr, /^mount: mount proc on \/nonexistent-lab-init: \S.*\n$/, 'the message names the operation and the path');
  const mkdir = labInit(['mkdir /nonexistent-lab-init/a']);
  t.equal(mkdir.stderr, 'mkdir: mkdir /nonexistent-lab-init/a: No such file or directory\n');
  t.equal(labInit(["exec sh -c 'exit 3'"]).status, 3, "the command's status");
  t.equal(labInit(['unshare --fork --kill-child', "exec sh -c 'exit 3'"]).status, 3, "through unshare --fork: the child's status");
  t.equal(labInit([]).status, 0, 'no exec: 0');
});

t.test('unshare --fork: lab-init dies by the signal that killed the child', { skip: noBinary }, async (t) => {
  for (const signal of ['TERM', 'KILL', 'INT'] as const) {
    const r = labInit(['unshare --fork --kill-child', `exec sh -c 'kill -${signal} $$'`]);
    t.equal(r.signal, `SIG${signal}`, `SIG${signal}`);
  }
});

/** A busybox root filesystem in `dir`: /bin/busybox and every applet as a link (as scripts/bench-container.mjs). */
function busyboxLayer(dir: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
  spawnSync('chroot', [dir, '/bin/busybox', '--install', '-s', '/bin']);
  return dir;
}

/** What the container's PID 1 prints: its PID, hostname, cwd, environment, /dev, mountinfo. */
const REPORT = [
  'echo "pid $$"',
  'echo "hostname $(hostname)"',
  'echo "cwd $(pwd)"',
  'echo environ; tr "\\0" "\\n" < /proc/$$/environ | sort',
  'echo dev; for f in /dev/* /dev/pts/*; do stat -c \'%n %F %a %u:%g %t:%T %N\' "$f"; done',
  'echo mountinfo; cat /proc/self/mountinfo',
].join('\n');

/** A container's directories and the two ways to run its plan. */
interface Container {
  dir: string;
  plan: ContainerPlan;
}

/** A fresh container's plan under `work`, its directories made as the harness makes them. */
function newContainer(work: string, name: string, layers: string[], flags: ContainerFlags, more: (dir: string) => Partial<PlanInput> = () => ({})): Container {
  const dir = join(work, name);
  const p = plan(planInput(dir, layers, flags, more(dir)));
  for (const step of p.stages.flatMap((s) => s.steps)) {
    if (step.place !== 'harness') continue;
    if (step.action.kind === 'mkdir') mkdirSync(step.action.path, { recursive: true });
    else writeFileSync(step.action.path, step.action.value);
  }
  return { dir, plan: p };
}

/** Run a container's plan by lab-init or by the shell (the plan's own argv). */
function runPlan(c: Container, by: 'lab-init' | 'sh'): SpawnSyncReturns<string> {
  const [file = '', ...args] = by === 'sh' ? c.plan.argv : [LAB_INIT, ...stepsOf(c.plan)];
  return spawnSync(file, args, { encoding: 'utf8', timeout: 60_000 });
}

/**
 * The report with what differs between two containers made equal: mount ids, anonymous devices, their directory's
 * name (`<c>`; mountinfo shows it relative to the root of its filesystem: /tmp is one in the test VM).
 */
function normalise(report: string, dir: string): string {
  return report
    .split(`/${basename(dir)}/`)
    .join('/<c>/')
    .split('\n')
    .map((line) => (/^\d+ \d+ \d+:\d+ /.test(line) ? line.replace(/^\d+ \d+ 0:\d+ /, '0:N ').replace(/^\d+ \d+ /, '') : line))
    .join('\n');
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** Lines of the host's mountinfo that name `dir`. */
const hostMountsUnder = (dir: string): string[] =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.includes(dir));

t.test('a whole container: lab-init makes the same one as the shell', { skip: noContainer }, async (t) => {
  const work = tempDir('lab-test-lab-init-');
  const layers = [busyboxLayer(join(work, 'base')), join(work, 'top')];
  mkdirSync(join(layers[1] ?? '', 'etc'), { recursive: true });
  writeFileSync(join(layers[1] ?? '', 'etc', 'top'), 'top layer\n');
  const volume = join(work, 'volume');
  mkdirSync(volume);
  // --privileged: the shell cannot drop capabilities (busybox's setpriv has no --bounding-set); both keep every one.
  const flags: ContainerFlags = {
    network: 'none',
    volumes: [`${volume}:/mnt/x:ro`],
    workdir: '/w',
    env: ["A=b c it's"],
    command: ['sh', '-c', REPORT],
    privileged: true,
  };

  const bySh = newContainer(work, 'c-sh', layers, flags);
  const byInit = newContainer(work, 'c-init', layers, flags);
  const sh = runPlan(bySh, 'sh');
  const init = runPlan(byInit, 'lab-init');
  t.equal(sh.status, 0, 'the shell ran the plan', { stderr: sh.stderr });
  t.equal(init.status, 0, 'lab-init ran the plan', { stderr: init.stderr });
  t.equal(init.stderr, '', 'lab-init printed nothing on stderr');
  const got = normalise(init.stdout, byInit.dir);
  t.equal(got, normalise(sh.stdout, bySh.dir), 'PID, hostname, cwd, environment, /dev and mountinfo are the same');
  t.match(got, /^pid 1\nhostname labinit01234\ncwd \/w\n/, 'PID 1, the hostname from the id, the workdir');
  t.match(got, /\nA=b c it's\nHOME=\/root\nHOSTNAME=labinit01234\nPATH=[^\n]+\ndev\n/, 'the environment: exactly the exported variables');
  t.match(got, /\n\/dev\/null character special file 666 0:0 1:3 /, '/dev/null made by mknod, mode 666');
  t.match(
    got,
    /\n0:N \/ \/ rw,relatime - overlay overlay rw,lowerdir=[^ ,]*\/top:[^ ,]*\/base,upperdir=[^ ,]*\/<c>\/upper,/,
    '/ is the overlay of both layers, top first',
  );
  t.match(got, /\/volume \/mnt\/x ro[, ]/, 'the volume, read-only');
  t.match(got, /\/bus \/proc\/bus ro,nosuid,nodev,noexec,relatime /, '/proc/bus read-only');
  // The plan's cgroup is a plain directory here, not on cgroup2: nothing can be born in it, the PID is written.
  t.equal(readFileSync(join(byInit.dir, 'cgroup', 'cgroup.procs'), 'utf8'), `${init.pid}\n`, '`echo $$ >` wrote lab-init’s PID');
  t.comment(got.split('\nmountinfo\n')[1] ?? '');

  // Speed, for the record: the whole setup of `true` by lab-init and by the shell, 20 runs each.
  const times: Record<'lab-init' | 'sh', number[]> = { 'lab-init': [], sh: [] };
  for (let i = 0; i < 20; i++) {
    for (const by of ['lab-init', 'sh'] as const) {
      const c = newContainer(work, `speed-${by}-${i}`, layers, { network: 'none', command: ['true'], privileged: true });
      const start = process.hrtime.bigint();
      const r = runPlan(c, by);
      times[by].push(Number(process.hrtime.bigint() - start) / 1e6);
      if (r.status !== 0) t.fail(`${by} run ${i}: ${r.stderr}`);
    }
  }
  const baseline: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = process.hrtime.bigint();
    spawnSync('/bin/true');
    baseline.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const ms = (values: number[]): string => `${median(values).toFixed(1)} ms`;
  t.comment(`median of 20 runs: lab-init ${ms(times['lab-init'])}, sh ${ms(times.sh)} (spawning /bin/true alone: ${ms(baseline)})`);

  t.same(hostMountsUnder(work), [], 'nothing is left mounted on the host');
  rmSync(work, { recursive: true });
  t.notOk(existsSync(work), 'the directories are removed');
});

t.test('an OCI bundle: lab-init makes the same container as the shell', { skip: noContainer }, async (t) => {
  const work = tempDir('lab-test-lab-init-bundle-');
  const data = join(work, 'data');
  mkdirSync(join(data, 'sub'), { recursive: true });
  writeFileSync(join(work, 'file'), 'a file\n');
  const flags: ContainerFlags = { hostname: 'bundled', command: ['sh', '-c', REPORT], privileged: true };
  const root = (dir: string): Partial<PlanInput> => ({ root: bundleRoot(busyboxLayer(join(dir, 'rootfs')), data, join(work, 'file')) });
  const bySh = newContainer(work, 'c-sh', [], flags, root);
  const byInit = newContainer(work, 'c-init', [], flags, root);
  const sh = runPlan(bySh, 'sh');
  const init = runPlan(byInit, 'lab-init');
  t.equal(sh.status, 0, 'the shell ran the plan', { stderr: sh.stderr });
  t.equal(init.status, 0, 'lab-init ran the plan', { stderr: init.stderr });
  const got = normalise(init.stdout, byInit.dir);
  t.equal(got, normalise(sh.stdout, bySh.dir), 'PID, hostname, cwd, environment, /dev and mountinfo are the same');
  t.match(got, /\n\/dev\/null character special file 666 0:0 1:3 /, '/dev/null made by mknod');
  t.match(got, /\/file \/etc\/data-file ro,[^ ]*nosuid/, 'the file bound read-only on the empty file touch made');
  t.match(got, /\/<c>\/rootfs \/ ro[, ]/, '/ read-only');
  t.comment(got.split('\nmountinfo\n')[1] ?? '');
  t.same(hostMountsUnder(work), [], 'nothing is left mounted on the host');
});

t.test('a bind remount keeps the flags the mount has, as mount(8) does', { skip: noContainer }, async (t) => {
  const work = tempDir('lab-test-lab-init-remount-');
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((name) => join(work, name));
  for (const path of [a, b, c, d]) mkdirSync(path ?? '');
  const steps = [
    `mount -t tmpfs -o nosuid,nodev,noexec,noatime,nodiratime lab-test ${a}`,
    `mount --bind ${a} ${b}`,
    `mount -o remount,bind,ro ${b}`,
    `mount --bind ${a} ${c}`,
    `mount -o remount,bind,ro,suid,exec ${c}`,
    `mount -t tmpfs -o strictatime lab-test-strict ${d}`,
    `mount -o remount,bind,ro ${d}`,
  ];
  const show = 'exec cat /proc/self/mountinfo';
  const unshare = ['unshare', '--mount', '--fork', '--kill-child', '--propagation', 'private'];
  const init = labInit([renderCommand(unshare), ...steps, show]);
  const sh = spawnSync(unshare[0] ?? '', [...unshare.slice(1), 'sh', '-c', renderScript([...steps, show])], { encoding: 'utf8' });
  t.equal(init.status, 0, 'lab-init', { stderr: init.stderr });
  t.equal(sh.status, 0, 'sh and util-linux mount', { stderr: sh.stderr });
  const lines = (out: string): string[] =>
    normalise(out, work)
      .split('\n')
      .filter((line) => line.includes('<c>'));
  t.same(lines(init.stdout), lines(sh.stdout), 'the same mountinfo lines');
  t.match(lines(init.stdout).join('\n'), /<c>\/b ro,nosuid,nodev,noexec,noatime,nodiratime /, 'ro added, nosuid,nodev,noexec,noatime kept');
  t.same(hostMountsUnder(work), [], 'nothing is left mounted on the host');
});

/** The state of a process (R, S, Z...), or undefined once it is gone. */
const stateOf = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
  } catch {
    return undefined;
  }
};

/** The children of a process (its main thread's). */
const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

t.test("kill -9 of lab-init: the container's PID 1 dies with it (--kill-child)", { skip: noBinary || needsRoot() }, async (t) => {
  const parent = spawn(LAB_INIT, ['unshare --pid --fork --kill-child', 'exec sleep 60'], { stdio: 'ignore' });
  const pid = parent.pid ?? 0;
  let child: number | undefined;
  t.ok(await waitFor(() => (child = childrenOf(pid)[0]) !== undefined && stateOf(child) !== undefined, 10_000), 'PID 1 started');
  const status = readFileSync(`/proc/${child}/status`, 'utf8');
  t.match(status, /\nNSpid:\s+\d+\s+1\n/, 'it is PID 1 of its own PID namespace');
  const exited = new Promise((resolve) => parent.on('exit', resolve));
  process.kill(pid, 'SIGKILL');
  await exited;
  t.ok(await waitFor(() => stateOf(child ?? 0) === undefined || stateOf(child ?? 0) === 'Z', 10_000), 'PID 1 is gone');
});

t.test('kill -9 of the harness: lab-init dies with it (setpriv --pdeathsig KILL)', { skip: noBinary }, async (t) => {
  // The "harness" is a shell that starts lab-init and waits; lab-init becomes `sleep`.
  const harness = spawn('sh', ['-c', `"$0" "$1" 'exec sleep 60' & wait`, LAB_INIT, SETPRIV], { stdio: 'ignore' });
  const pid = harness.pid ?? 0;
  let child: number | undefined;
  t.ok(await waitFor(() => (child = childrenOf(pid)[0]) !== undefined && /^sleep/.test(readFileSync(`/proc/${child}/comm`, 'utf8')), 10_000), 'it runs');
  const exited = new Promise((resolve) => harness.on('exit', resolve));
  process.kill(pid, 'SIGKILL');
  await exited;
  t.ok(await waitFor(() => stateOf(child ?? 0) === undefined || stateOf(child ?? 0) === 'Z', 10_000), 'it is gone');
});

/** The cgroup v2 hierarchy of this host (/sys/fs/cgroup/unified when hybrid). */
const V2_ROOT = readCgroupLayout().v2Path ?? '';
const noCgroup = noBinary || needsRoot() || (V2_ROOT === '' ? 'needs a cgroup v2 hierarchy' : false);

/** A cgroup of the test's own under the v2 root (`lab-test-...`). */
function testCgroup(name: string): string {
  const path = join(V2_ROOT, `lab-test-lab-init-${name}-${process.pid}`);
  mkdirSync(path);
  return path;
}

/** Remove a test cgroup once its last process is gone (a cgroup stays populated a moment after its last exit). */
async function removeCgroup(path: string): Promise<boolean> {
  return waitFor(() => {
    try {
      rmdirSync(path);
      return true;
    } catch {
      return false;
    }
  }, 10_000);
}

/** The cgroup v2 line (`0::/path`) of a /proc/<pid>/cgroup text. */
const v2Line = (text: string): string | undefined => text.split('\n').find((line) => line.startsWith('0::'));

/** The PIDs a cgroup.procs file lists. */
const procsOf = (cgroup: string): number[] => readFileSync(join(cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);

/** The environment of lab-init: clone3, or the fallback forced. */
function initEnv(way: 'clone3' | 'fallback'): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LAB_INIT_NO_CLONE3;
  return way === 'fallback' ? { ...env, LAB_INIT_NO_CLONE3: '1' } : env;
}

/** The steps that join `cgroup` and make PID 1 of new PID and cgroup namespaces, then `last`. */
const joinSteps = (cgroup: string, last: string): string[] => [
  `echo $$ > ${join(cgroup, 'cgroup.procs')}`,
  'unshare --pid --cgroup --fork --kill-child --propagation private',
  last,
];

for (const way of ['clone3', 'fallback'] as const) {
  t.test(`echo $$ > DIR/cgroup.procs, then unshare --cgroup --fork (${way}): PID 1 is in DIR, its namespace's root`, { skip: noCgroup }, async (t) => {
    const cgroup = testCgroup(way);
    const parent = spawn(LAB_INIT, joinSteps(cgroup, "exec sh -c 'cat /proc/self/cgroup; exec sleep 60'"), {
      env: initEnv(way),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    parent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    parent.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise((resolve) => parent.on('exit', resolve));
    const pid = parent.pid ?? 0;
    let child: number | undefined;
    const started = await waitFor(
      () => (child = childrenOf(pid)[0]) !== undefined && /^sleep/.test(readFileSync(`/proc/${child}/comm`, 'utf8')) && v2Line(out) !== undefined,
      10_000,
    );
    t.ok(started, 'PID 1 runs', { stderr: err });
    if (started && child !== undefined) {
      t.match(readFileSync(`/proc/${child}/status`, 'utf8'), /\nNSpid:\s+\d+\s+1\n/, 'it is PID 1 of its own PID namespace');
      t.equal(v2Line(out), '0::/', 'inside, its cgroup is / (the root of its cgroup namespace is its cgroup)');
      t.equal(
        v2Line(readFileSync(`/proc/${child}/cgroup`, 'utf8')),
        `0::${cgroup.slice(V2_ROOT.length)}`,
        "outside, /proc/<PID 1>/cgroup is the container's cgroup",
      );
      const procs = procsOf(cgroup);
      t.ok(procs.includes(child), 'the cgroup.procs of the cgroup lists PID 1');
      if (way === 'clone3') t.notOk(procs.includes(pid), 'the waiting lab-init is not in it: PID 1 was born there');
      else t.ok(procs.includes(pid), 'the waiting lab-init is in it: it migrated there before the fork');
      t.not(readlinkSync(`/proc/${child}/ns/cgroup`), readlinkSync('/proc/self/ns/cgroup'), 'PID 1 has a cgroup namespace of its own');
    }
    process.kill(pid, 'SIGKILL');
    await exited;
    t.ok(await removeCgroup(cgroup), 'the test cgroup is removed');
  });
}

t.test("echo $$ > DIR/cgroup.procs before unshare --fork: a DIR that cannot be opened is the step's error, 125", { skip: noBinary }, async (t) => {
  const r = labInit(['echo $$ > /nonexistent-lab-init/cgroup.procs', 'unshare --fork --kill-child', 'exec /bin/true']);
  t.equal(r.status, 125, '125');
  t.equal(r.stderr, 'echo: open /nonexistent-lab-init: No such file or directory\n', 'the message names the directory');
});

t.test('speed, cold: PID 1 born in its cgroup (clone3) against the migration', { skip: noCgroup }, async (t) => {
  // A fresh lab-init each run, 200 ms apart: no migration is recent, so each one waits for its RCU grace period.
  const cgroup = testCgroup('speed');
  const times: Record<'clone3' | 'fallback', number[]> = { clone3: [], fallback: [] };
  for (let i = 0; i < 10; i++) {
    for (const way of ['clone3', 'fallback'] as const) {
      await sleep(200);
      const start = process.hrtime.bigint();
      const r = spawnSync(LAB_INIT, joinSteps(cgroup, 'exec /bin/true'), { encoding: 'utf8', env: initEnv(way), timeout: 60_000 });
      times[way].push(Number(process.hrtime.bigint() - start) / 1e6);
      if (r.status !== 0) t.fail(`${way} run ${i}: ${r.stderr}`);
    }
  }
  const ms = (values: number[]): string => `${median(values).toFixed(1)} ms`;
  t.comment(`median of 10 cold runs of lab-init (join, unshare --pid --cgroup --fork, exec true): clone3 ${ms(times.clone3)}, migration ${ms(times.fallback)}`);
  t.ok(await removeCgroup(cgroup), 'the test cgroup is removed');
});

t.test('exec setpriv: the bounding set cut, no inheritable or ambient capability, as util-linux setpriv', { skip: noBinary || needsRoot() }, async (t) => {
  const caps = '-all,+audit_write,+chown,+dac_override,+fowner,+fsetid,+kill,+mknod,+net_bind_service,+net_raw,+setfcap,+setgid,+setpcap,+setuid,+sys_chroot';
  const argv = ['--bounding-set', caps, '--inh-caps', '-all', '--ambient-caps', '-all', '--', 'grep', '^Cap', '/proc/self/status'];
  const mine = labInit([`exec setpriv ${argv.join(' ').replace('^Cap', "'^Cap'")}`]);
  const theirs = spawnSync('setpriv', argv, { encoding: 'utf8' });
  t.equal(mine.status, 0, mine.stderr);
  t.match(mine.stdout, /CapEff:\t00000000a80425fb\n/);
  t.match(mine.stdout, /CapBnd:\t00000000a80425fb\n/);
  t.match(mine.stdout, /CapInh:\t0000000000000000\n/);
  if (theirs.status === 0) t.equal(mine.stdout, theirs.stdout, 'the same sets as util-linux setpriv');
  t.equal(labInit(['exec setpriv --bounding-set -all --inh-caps -all --ambient-caps -all -- lab-init-no-such-command']).status, 127);
  t.equal(labInit(['exec setpriv --bounding-set -all --inh-caps -all --ambient-caps -all -- /etc/passwd']).status, 126);
});

t.test('exec setpriv --seccomp-filter: the file read before any step runs, the filter loaded, its EPERM', { skip: noBinary || needsRoot() }, async (t) => {
  const dir = tempDir('lab-init-seccomp-');
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const filter = join(dir, 'seccomp.bpf');
  writeFileSync(filter, seccompFilter(DEFAULT_CAPABILITIES));
  const caps = '-all,+chown,+setgid,+setuid,+setpcap';
  const setpriv = (options: string, command: string) =>
    `exec setpriv ${options} --bounding-set ${caps} --inh-caps -all --ambient-caps -all --seccomp-filter ${filter} -- ${command}`;
  const status = labInit([setpriv('', 'cat /proc/self/status')]);
  t.equal(status.status, 0, status.stderr);
  t.match(status.stdout, /^Seccomp:\t2$/m, 'Seccomp: 2');
  t.match(status.stdout, /^Seccomp_filters:\t1$/m, 'one filter');
  t.match(status.stdout, /^NoNewPrivs:\t0$/m, 'loaded as root without no_new_privs');
  const refused = labInit([setpriv('', 'unshare -U true')]);
  t.not(refused.status, 0, 'unshare(CLONE_NEWUSER) refused');
  t.match(refused.stderr, /Operation not permitted/);
  const user = labInit([setpriv('--reuid 1000 --regid 1000 --groups 5,7 --no-new-privs', 'cat /proc/self/status')]);
  t.equal(user.status, 0, user.stderr);
  t.match(user.stdout, /^Uid:\t1000\t1000\t1000\t1000$/m, 'Uid 1000');
  t.match(user.stdout, /^Gid:\t1000\t1000\t1000\t1000$/m, 'Gid 1000');
  t.match(user.stdout, /^Groups:\t5 7 ?$/m, 'Groups 5 7');
  t.match(user.stdout, /^CapEff:\t0000000000000000$/m, 'no effective capability');
  t.match(user.stdout, /^NoNewPrivs:\t1$/m, 'NoNewPrivs 1');
  t.match(user.stdout, /^Seccomp_filters:\t1$/m, 'the filter, loaded last');
  const marker = join(dir, 'made');
  const missing = labInit([`mkdir ${marker}`, setpriv('', 'true').replace(filter, join(dir, 'missing.bpf'))]);
  t.equal(missing.status, 125, 'a missing filter file: 125');
  t.match(missing.stderr, /^setpriv: open .*missing\.bpf: No such file or directory$/m);
  t.notOk(existsSync(marker), 'before any step ran');
  writeFileSync(join(dir, 'odd.bpf'), 'abc');
  t.equal(labInit([setpriv('', 'true').replace(filter, join(dir, 'odd.bpf'))]).status, 125, 'a file that is not whole instructions: 125');
});

t.test('nsenter --target: the same view of a process as util-linux nsenter, a fork for the PID namespace', { skip: noBinary || needsRoot() }, async (t) => {
  const target = spawn(
    'unshare',
    ['--uts', '--pid', '--mount', '--ipc', '--fork', '--mount-proc', 'sh', '-c', 'hostname lab-nsenter-test; cd /tmp; exec sleep 60'],
    {
      stdio: 'ignore',
    },
  );
  t.teardown(() => target.kill('SIGKILL'));
  let child = 0;
  const started = await waitFor(() => {
    child = childrenOf(target.pid ?? 0)[0] ?? 0;
    return child > 0 && /^sleep/.test(readFileSync(`/proc/${child}/comm`, 'utf8'));
  }, 10_000);
  t.ok(started, 'the target runs');
  const probe = 'echo "pid $$"; hostname; pwd; readlink /proc/self/ns/uts /proc/self/ns/pid /proc/self/ns/mnt /proc/self/ns/ipc; cat /proc/self/cgroup';
  const flags = ['--uts', '--pid', '--mount', '--ipc', '--root', '--wd'];
  const mine = labInit([`nsenter --target ${child} ${flags.join(' ')} --`, renderCommand(['exec', 'sh', '-c', probe])]);
  const theirs = spawnSync('nsenter', ['--target', String(child), ...flags, '--', 'sh', '-c', probe], { encoding: 'utf8' });
  t.equal(mine.status, 0, mine.stderr);
  t.equal(theirs.status, 0, theirs.stderr);
  t.match(mine.stdout, /^pid \d+\nlab-nsenter-test\n\/tmp\n/, "a PID in the target's namespace, its hostname and working directory");
  t.equal(mine.stdout.replace(/^pid \d+/, 'pid N'), theirs.stdout.replace(/^pid \d+/, 'pid N'), 'the same namespaces, root and cwd as nsenter');
  const wd = labInit([`nsenter --target ${child} --mount --root --wd=/proc/${child}/root/etc --`, 'exec pwd']);
  t.equal(wd.stdout, '/etc\n', '--wd=DIR: the directory opened before the namespaces are entered');
  t.equal(labInit([`nsenter --target ${child} --pid --root --wd --`, "exec sh -c 'exit 3'"]).status, 3, 'the parent ends as its child did');
  t.equal(labInit([`nsenter --target ${child} --pid --root --wd --`, 'exec lab-init-no-such-command']).status, 127, '127 when not found');
  const gone = labInit(['nsenter --target 999999999 --pid --root --wd --', 'exec true']);
  t.equal(gone.status, 125, 'a target that does not exist: 125');
  t.match(gone.stderr, /^nsenter: open \/proc\/999999999\/ns\/pid: /);
});
