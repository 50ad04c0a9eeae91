// `lab container` on real containers, kernel facts only: PID 1 inside (NSpid), its own hostname and UTS namespace,
// no host path in its mountinfo, only `lo`, host processes invisible, -v and :ro (EROFS), Docker's exit statuses,
// -d outliving the CLI, logs, exec joining the namespaces and the cgroup, stop of a PID 1 that ignores SIGTERM
// (137), and after rm, after kill -9 of the supervisor or of the foreground CLI then `lab clean`, and with /
// shared, nothing left: no mount, directory, cgroup, journal or process.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/common/wait.js';
import { readCgroupLayout } from '../../src/kernel/cgroup-mode.js';
import { mountFingerprint, parseMountinfo, readMountinfo } from '../../src/kernel/mountinfo.js';
import { comm, isAlive, nsInode, nspid } from '../../src/kernel/proc.js';
import { importRootfs } from '../../src/host/image-store.js';
import { BIN, cleanEnv, cli, markedPids, needsRoot, tempDir, useTempState } from '../helpers.js';

const skip = needsRoot();
const state = skip ? '' : useTempState();
const v2 = readCgroupLayout().v2Path ?? '/sys/fs/cgroup';

interface Inspected {
  Id: string;
  State: { Status: string; Pid: number; ExitCode: number; OOMKilled: boolean };
  Cgroup: { Path: string };
  Supervisor: { Pid: number };
}

/** `lab container ...` with the test's state directory. */
const lab = (...args: string[]) => cli(['container', ...args, '--lang', 'en'], { LAB_STATE_DIR: state });

function inspect(name: string): Inspected {
  const r = lab('inspect', name);
  return (JSON.parse(r.stdout) as Inspected[])[0]!;
}

/** Everything a container may leave on the host, for one id: its directory, cgroup, journal, marked processes. */
function traces(id: string): string[] {
  const found: string[] = [];
  const dir = join(state, 'containers', `lab-${id}`);
  if (existsSync(dir)) found.push(dir);
  const cgroup = join(v2, `lab-container-${id.slice(0, 12)}`);
  if (existsSync(cgroup)) found.push(cgroup);
  const journal = join(state, 'runs', `lab-container-${id.slice(0, 12)}.jsonl`);
  if (existsSync(journal)) found.push(journal);
  for (const pid of markedPids(`lab-container-${id.slice(0, 12)}`)) found.push(`process ${pid}`);
  return found;
}

/** Start a detached container; returns its id and PID 1's host PID. */
function detached(t: Test, ...args: string[]): { id: string; pid: number } {
  const r = lab('run', '-d', ...args);
  t.equal(r.status, 0, `run -d ${args.join(' ')}: exit 0 (${r.stderr.trim()})`);
  const id = r.stdout.trim();
  t.match(id, /^[0-9a-f]{64}$/, 'run -d prints the full id');
  return { id, pid: inspect(id).State.Pid };
}

t.test('the busybox image is built on first use, and a foreground run gives the command its status', { skip }, async (t) => {
  const r = lab('run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3');
  t.equal(r.status, 3, "the command's own status");
  t.equal(r.stdout, 'out\n', 'stdout streamed');
  t.match(r.stderr, /err/, 'stderr streamed');
  t.ok(existsSync(join(state, 'images', 'busybox', 'latest', 'image.json')), 'busybox:latest is in the store');
  t.same(readdirSync(join(state, 'containers')), [], '--rm left no container directory');
});

t.test('PID 1, hostname, mounts, network and processes inside a detached container', { skip }, async (t) => {
  const { id, pid } = detached(t, '--name', 'lab-iso', '--hostname', 'lab-box', '--network', 'none', 'busybox', 'sleep', '1000');
  t.teardown(() => void lab('rm', '-f', 'lab-iso'));
  t.ok(isAlive(pid), '-d outlives the CLI that started it');
  t.equal(nspid(pid)?.at(-1), 1, 'PID 1 in its own PID namespace (NSpid)');
  for (const type of ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'] as const) {
    t.not(nsInode(pid, type), nsInode('self', type), `a ${type} namespace of its own`);
  }
  const hostname = spawnSync('nsenter', ['-t', String(pid), '-u', 'cat', '/proc/sys/kernel/hostname'], { encoding: 'utf8' });
  t.equal(hostname.stdout.trim(), 'lab-box', 'its hostname, read in its UTS namespace');
  const mounts = parseMountinfo(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
  t.equal(mounts.find((m) => m.mountPoint === '/')?.fsType, 'overlay', 'its root is the overlay');
  const outside = mounts.filter((m) => !/^\/(proc|dev|sys)?(\/|$)/.test(m.mountPoint));
  t.same(
    outside.map((m) => m.mountPoint),
    [],
    'mountinfo inside shows no host path: only /, /proc, /dev, /sys and below',
  );
  t.notOk(
    mounts.some((m) => m.mountPoint.includes(state) || m.root.includes(state)),
    'not even the state directory',
  );
  const devs = readFileSync(`/proc/${pid}/net/dev`, 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]!.trim())
    .filter(Boolean);
  t.same(devs, ['lo'], '--network none: only lo');
  const procs = spawnSync('nsenter', ['-t', String(pid), '-p', '-m', '-r', 'ls', '/proc'], { encoding: 'utf8' });
  const pids = procs.stdout.split(/\s+/).filter((w) => /^\d+$/.test(w));
  t.ok(pids.length >= 1 && pids.length <= 3, `only the container's processes in its /proc (${pids.join(' ')})`);
  t.notOk(pids.includes(String(process.pid)), 'not the test process');
  const ps = lab('ps');
  t.match(ps.stdout, new RegExp(`^${id.slice(0, 12)} +busybox +"sleep 1000" .* Up .* lab-iso$`, 'm'), 'ps lists it as Up');
});

t.test('exec joins the namespaces and the cgroup; logs; 126 and 127', { skip }, async (t) => {
  const { id, pid } = detached(t, '--name', 'lab-exec', 'busybox', 'sh', '-c', 'echo to-out; echo to-err >&2; exec sleep 1000');
  t.teardown(() => void lab('rm', '-f', 'lab-exec'));
  const child = spawn(process.execPath, [BIN, 'container', 'exec', 'lab-exec', 'sleep', '77'], { env: cleanEnv({ LAB_STATE_DIR: state }), stdio: 'ignore' });
  let joined: number | undefined;
  await waitFor(
    () =>
      (joined = readdirSync('/proc')
        .map(Number)
        .find((p) => p !== pid && comm(p) === 'sleep' && nsInode(p, 'pid') === nsInode(pid, 'pid'))) !== undefined,
    10_000,
    20,
  );
  t.ok(joined, 'the exec process is found in the container PID namespace');
  if (joined) {
    for (const type of ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'] as const)
      t.equal(nsInode(joined, type), nsInode(pid, type), `exec joined its ${type} namespace`);
    const cgroupLine = readFileSync(`/proc/${joined}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    t.equal(cgroupLine, `0::${join(v2, `lab-container-${id.slice(0, 12)}`).slice(v2.length)}`, "and the container's cgroup");
    t.ok(
      readFileSync(join(v2, `lab-container-${id.slice(0, 12)}`, 'cgroup.procs'), 'utf8')
        .split('\n')
        .includes(String(joined)),
      'cgroup.procs lists it',
    );
  }
  child.kill('SIGKILL');
  const logs = lab('logs', 'lab-exec');
  t.equal(logs.stdout, 'to-out\n', 'logs: stdout');
  t.equal(logs.stderr, 'to-err\n', 'logs: stderr');
  t.equal(lab('exec', 'lab-exec', 'sh', '-c', 'exit 7').status, 7, "exec: the command's own status");
  t.equal(lab('exec', 'lab-exec', 'no-such-command').status, 127, 'exec: 127 when not found');
  t.equal(lab('exec', 'lab-exec', '/etc/passwd').status, 126, 'exec: 126 when not executable');
  t.equal(lab('exec', 'lab-nobody', 'true').status, 125, 'exec: 125 for a container that is not there');
});

t.test('-v binds a host directory, :ro makes it read-only (EROFS)', { skip }, async (t) => {
  const host = tempDir('lab-test-vol-');
  const { pid } = detached(t, '--name', 'lab-vol', '-v', `${host}:/data`, '-v', `${host}:/ro:ro`, 'busybox', 'sleep', '1000');
  t.teardown(() => void lab('rm', '-f', 'lab-vol'));
  t.equal(lab('exec', 'lab-vol', 'sh', '-c', 'echo hi > /data/f').status, 0, 'a write to the volume');
  t.equal(readFileSync(join(host, 'f'), 'utf8'), 'hi\n', 'lands in the host directory');
  const ro = lab('exec', 'lab-vol', 'sh', '-c', 'echo no > /ro/g');
  t.not(ro.status, 0, 'a write to the :ro volume fails');
  t.match(ro.stderr, /Read-only file system/, 'with EROFS');
  t.notOk(existsSync(join(host, 'g')), 'and writes nothing');
  const mounts = parseMountinfo(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
  t.ok(
    mounts
      .find((m) => m.mountPoint === '/ro')
      ?.options.split(',')
      .includes('ro'),
    'mountinfo: /ro is mounted ro',
  );
  t.ok(
    mounts
      .find((m) => m.mountPoint === '/data')
      ?.options.split(',')
      .includes('rw'),
    'mountinfo: /data is rw',
  );
});

t.test("Docker's exit statuses: 125 for lab's own errors, 126, 127", { skip }, async (t) => {
  t.equal(lab('run', '--rm', 'busybox', 'no-such-command').status, 127, 'command not found: 127');
  t.equal(lab('run', '--rm', 'busybox', '/etc/passwd').status, 126, 'not executable: 126');
  t.equal(lab('run', '--rm', 'lab-no-such-image').status, 125, 'unknown image: 125');
  const bad = lab('run', '--bogus', 'busybox', 'true');
  t.equal(bad.status, 125, 'unknown flag: 125');
  t.match(bad.stderr, /unknown flag: --bogus/);
  t.equal(lab('run', '--memory', 'lots', 'busybox', 'true').status, 125, 'bad value: 125');
  const { id } = detached(t, '--name', 'lab-taken', 'busybox', 'sleep', '1000');
  t.teardown(() => void lab('rm', '-f', 'lab-taken'));
  const taken = lab('run', '--name', 'lab-taken', 'busybox', 'true');
  t.equal(taken.status, 125, 'a name in use: 125');
  t.match(taken.stderr, `Conflict. The container name "/lab-taken" is already in use by container "${id}"`);
  const zh = cli(['container', 'run', '--name', 'lab-taken', 'busybox', 'true', '--lang', 'zh'], { LAB_STATE_DIR: state });
  t.match(zh.stderr, '冲突：容器名称 "/lab-taken" 已被容器', 'and in Chinese');
  // An image whose link leads out of its root: a volume target through it is refused before any mkdir.
  const rootfs = tempDir('lab-test-rootfs-');
  mkdirSync(join(rootfs, 'bin'));
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  symlinkSync('busybox', join(rootfs, 'bin', 'sh'));
  symlinkSync('../../../../../../..', join(rootfs, 'escape'));
  await importRootfs(rootfs, 'lab-escape');
  const escape = lab('run', '--rm', '-v', `${rootfs}:/escape/tmp/x`, 'lab-escape', '/bin/sh', '-c', 'true');
  t.equal(escape.status, 125, 'a volume target through a link that leaves the root: 125');
  t.match(escape.stderr, /leads out of the container's root filesystem/);
  t.equal(lab('run', '--rm', '-w', '/escape/etc', 'lab-escape', '/bin/sh', '-c', 'true').status, 125, 'a working directory through it: 125');
  if (!readCgroupLayout().v2Path || !readFileSync(join(v2, 'cgroup.controllers'), 'utf8').includes('memory')) {
    const limit = lab('run', '--rm', '--memory', '20m', 'busybox', 'true');
    t.equal(limit.status, 125, 'a limit this host cannot enforce is refused: 125');
    t.match(limit.stderr, /memory/, 'naming the controller');
  }
});

t.test('the other subcommands: 125 for a usage error, 1 for an operational one (no such container), as Docker', { skip }, async (t) => {
  for (const sub of ['ps', 'rm', 'logs', 'stop', 'inspect', 'export', 'images', 'rmi']) {
    const bad = lab(sub, '--bogus', 'lab-nobody');
    t.equal(bad.status, 125, `${sub} --bogus: 125`);
    t.match(bad.stderr, /--bogus/, 'naming the flag');
  }
  t.equal(lab('rm').status, 125, 'rm without a container: 125 (a missing argument)');
  t.equal(lab('logs').status, 125, 'logs without a container: 125');
  t.equal(lab('stop', '-t', 'soon', 'lab-nobody').status, 125, 'stop -t with a bad value: 125');
  t.equal(lab('commit', 'lab-nobody', 'Bad/Name').status, 125, 'commit to a bad image name: 125');
  for (const sub of ['rm', 'logs', 'stop', 'inspect', 'export']) {
    const none = lab(sub, 'lab-nobody');
    t.equal(none.status, 1, `${sub} of no such container: 1`);
    t.match(none.stderr, /No such container: lab-nobody/);
  }
  t.equal(lab('commit', 'lab-nobody', 'lab-committed').status, 1, 'commit of no such container: 1');
  t.equal(lab('rmi', 'lab-no-such-image').status, 1, 'rmi of no such image: 1');
  t.equal(lab('exec', 'lab-nobody', 'true').status, 125, 'while exec of no such container: 125, as run');
  for (const sub of ['ps', 'rm', 'images', 'rmi', 'run', 'exec']) {
    const en = lab(sub, '--help').stdout;
    const zh = cli(['container', sub, '--help', '--lang', 'zh'], { LAB_STATE_DIR: state }).stdout;
    t.match(en, /Exit status:.*125 for (a usage error|any error of lab itself)/s, `${sub} --help says its exit statuses`);
    t.match(zh, /退出状态：.*125/s, 'in Chinese too');
  }
});

t.test('stop: a PID 1 that ignores SIGTERM is killed after the grace period, 137; rm leaves nothing', { skip }, async (t) => {
  const { id, pid } = detached(t, '--name', 'lab-stop', 'busybox', 'sleep', '1000');
  const started = Date.now();
  const stop = lab('stop', '-t', '1', 'lab-stop');
  t.equal(stop.status, 0, 'stop: exit 0');
  t.ok(Date.now() - started >= 1000, 'after the grace period');
  t.notOk(isAlive(pid), 'PID 1 is gone');
  const after = inspect('lab-stop');
  t.equal(after.State.ExitCode, 137, 'recorded exit status 137, as docker stop');
  t.equal(after.State.Status, 'exited');
  t.match(lab('ps', '-a').stdout, /Exited \(137\)/, 'ps -a: Exited (137)');
  t.notMatch(lab('ps').stdout, /lab-stop/, 'ps: not running');
  t.equal(lab('rm', 'lab-stop').status, 0, 'rm');
  t.same(traces(id), [], 'after rm: no directory, cgroup, journal or process');
});

t.test('rm of a running container needs -f; -f removes it all', { skip }, async (t) => {
  const { id, pid } = detached(t, '--name', 'lab-rmf', 'busybox', 'sleep', '1000');
  t.equal(lab('rm', 'lab-rmf').status, 1, 'rm of a running container: refused (1, as Docker)');
  t.ok(isAlive(pid), 'and it still runs');
  t.equal(lab('rm', '-f', 'lab-rmf').status, 0, 'rm -f');
  t.notOk(isAlive(pid), 'PID 1 is gone');
  t.same(traces(id), [], 'nothing left');
});

t.test('kill -9 of the supervisor, then lab clean: nothing left', { skip }, async (t) => {
  const { id, pid } = detached(t, '--name', 'lab-k9', 'busybox', 'sleep', '1000');
  const clean0 = cli(['clean'], { LAB_STATE_DIR: state });
  t.equal(clean0.status, 0);
  t.ok(isAlive(pid), 'lab clean leaves a running container alone');
  const supervisor = inspect('lab-k9').Supervisor.Pid;
  process.kill(supervisor, 'SIGKILL');
  t.ok(await waitFor(() => !isAlive(pid), 5000, 20), 'PID 1 dies with its supervisor');
  t.equal(cli(['clean'], { LAB_STATE_DIR: state }).status, 0, 'lab clean');
  t.same(traces(id), [], 'no directory, cgroup, journal or process');
});

t.test('kill -9 of a foreground CLI, then lab clean: nothing left', { skip }, async (t) => {
  const child = spawn(process.execPath, [BIN, 'container', 'run', '--name', 'lab-fg', 'busybox', 'sleep', '1000'], {
    env: cleanEnv({ LAB_STATE_DIR: state }),
    stdio: 'ignore',
  });
  let pid = 0;
  await waitFor(
    () => {
      const r = lab('inspect', 'lab-fg');
      pid = r.status === 0 ? (JSON.parse(r.stdout) as Inspected[])[0]!.State.Pid : 0;
      return pid > 0;
    },
    15_000,
    50,
  );
  t.ok(pid > 0 && isAlive(pid), 'the container runs');
  const id = inspect('lab-fg').Id;
  child.kill('SIGKILL');
  t.ok(await waitFor(() => !isAlive(pid), 5000, 20), 'PID 1 dies with the CLI');
  t.equal(cli(['clean'], { LAB_STATE_DIR: state }).status, 0, 'lab clean');
  t.same(traces(id), [], 'no directory, cgroup, journal or process');
});

t.test('with / mounted shared, a container adds no mount to the host and leaves none', { skip }, async (t) => {
  const dir = tempDir('lab-test-shared-');
  const run = (args: string) => `${process.execPath} ${BIN} container ${args}`;
  const script = [
    'set -e',
    'mount --make-rshared /',
    `cat /proc/self/mountinfo > ${dir}/before`,
    `${run('run -d --name lab-shared busybox sleep 1000')} > ${dir}/id`,
    `cat /proc/self/mountinfo > ${dir}/during`,
    `${run('rm -f lab-shared')} > /dev/null`,
    `${run('run --rm busybox true')}`,
    `cat /proc/self/mountinfo > ${dir}/after`,
  ].join('\n');
  const result = spawnSync('unshare', ['--mount', 'sh', '-c', script], { encoding: 'utf8', env: cleanEnv({ LAB_STATE_DIR: state }) });
  t.equal(result.status, 0, `the script in the shared namespace ran (${result.stderr.trim()})`);
  const read = (name: string) => parseMountinfo(readFileSync(join(dir, name), 'utf8'));
  t.equal(
    read('before')
      .find((m) => m.mountPoint === '/')
      ?.tags.some((tag) => tag.startsWith('shared:')),
    true,
    '/ was shared',
  );
  // On the default bridge network the host holds the pins of the network namespaces (nsfs on /run/netns/lab-*,
  // journaled netns resources, as Docker's /run/docker/netns/*); nothing else of the container reaches it.
  const before = new Set(mountFingerprint(read('before')));
  const added = read('during').filter((m) => !before.has(mountFingerprint([m])[0]!));
  t.same(
    added.filter((m) => !(m.fsType === 'nsfs' && /^\/run\/netns\/lab-[a-z0-9-]+$/.test(m.mountPoint))),
    [],
    'while it runs, none of its mounts reached the host (only the pins of its network namespaces)',
  );
  t.same(
    added.map((m) => m.mountPoint).sort(),
    ['/run/netns/lab-c' + readFileSync(join(dir, 'id'), 'utf8').trim().slice(0, 12), '/run/netns/lab-host-net', '/run/netns/lab-internet'],
    'those three pins: its own namespace, lab-host-net and lab-internet',
  );
  t.same(mountFingerprint(read('after')), mountFingerprint(read('before')), 'after rm, the same mounts');
  t.same(traces(readFileSync(join(dir, 'id'), 'utf8').trim()), [], 'nothing left');
  t.ok(readMountinfo('self'), 'the real host is untouched (the namespace was private from it)');
});

t.test("a lab's `container` resource removes a running container", { skip }, async (t) => {
  const { id, pid } = detached(t, '--name', 'lab-declared', 'busybox', 'sleep', '1000');
  const { resourceExists, removeResource } = await import('../../src/host/resource-kinds.js');
  process.env.LAB_STATE_DIR = state;
  t.ok(resourceExists({ kind: 'container', name: 'lab-declared' }), 'exists while it has state');
  t.ok(await removeResource({ kind: 'container', name: 'lab-declared' }), 'removed while it runs');
  t.notOk(isAlive(pid), 'PID 1 is gone');
  t.notOk(resourceExists({ kind: 'container', name: 'lab-declared' }), 'no longer exists');
  t.same(traces(id), [], 'nothing left');
  t.notOk(await removeResource({ kind: 'container', name: 'not-lab' }), 'a name without lab- is never touched');
});

t.test('commit keeps the writable layer with its whiteouts; export writes the merged view', { skip }, async (t) => {
  const r = lab('run', '--name', 'lab-commit', 'busybox', 'sh', '-c', 'echo new > /newfile && rm /etc/passwd');
  t.equal(r.status, 0, 'the container wrote a file and deleted one');
  t.teardown(() => void lab('rm', '-f', 'lab-commit'));
  const mounts = mountFingerprint(readMountinfo('self') ?? []);
  t.equal(lab('commit', 'lab-commit', 'lab-committed:v1').status, 0, 'commit');
  const top = join(state, 'images', 'lab-committed', 'v1', 'layers', '1');
  const whiteout = statSync(join(top, 'etc', 'passwd'));
  t.ok(whiteout.isCharacterDevice() && whiteout.rdev === 0, "the new top layer holds the deletion as overlayfs's whiteout (0/0)");
  t.equal(readFileSync(join(top, 'newfile'), 'utf8'), 'new\n', 'and the new file');
  const again = lab('run', '--rm', 'lab-committed:v1', 'sh', '-c', 'cat /newfile; test ! -e /etc/passwd');
  t.equal(again.status, 0, 'a container of the committed image has the file and not the deleted one');
  t.equal(again.stdout, 'new\n');
  const tar = join(tempDir('lab-test-export-'), 'c.tar');
  t.equal(lab('export', '-o', tar, 'lab-commit').status, 0, 'export of the stopped container');
  const names = spawnSync('tar', ['-tf', tar], { encoding: 'utf8' }).stdout.split('\n');
  t.ok(names.includes('./newfile'), 'the tar has the new file');
  t.notOk(names.includes('./etc/passwd'), 'and not the deleted one');
  t.ok(names.includes('./bin/busybox'), "and the image's files");
  t.same(mountFingerprint(readMountinfo('self') ?? []), mounts, 'the read-only overlay it mounted never showed on the host');
});

t.test('-it: a pseudo-terminal as stdio, its window size, the exit status passed through', { skip }, async (t) => {
  const pty = await import('node-pty');
  const spawnPty = (pty as unknown as { default?: typeof pty }).default?.spawn ?? pty.spawn;
  const term = spawnPty(process.execPath, [BIN, 'container', 'run', '--rm', '-it', 'busybox', 'sh'], {
    cols: 90,
    rows: 20,
    env: cleanEnv({ LAB_STATE_DIR: state }) as Record<string, string>,
  });
  let output = '';
  term.onData((d) => (output += d));
  const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  await waitFor(() => output.includes('#'), 15_000, 20);
  term.write('test -t 0 && test -t 1 && echo is-a-$((6*7))-tty; stty size\r');
  await waitFor(() => /\d+ \d+\r?\n/.test(output), 5000, 20);
  term.resize(100, 30);
  await new Promise((resolve) => setTimeout(resolve, 300));
  term.write('stty size; exit 5\r');
  t.equal(await exited, 5, "the shell's exit status");
  // isatty(3) is the TCGETS ioctl: the kernel says the fds are a terminal (the echo of the command has no 42).
  t.match(output, /is-a-42-tty/, 'stdin and stdout are a terminal');
  t.match(output, /20 90/, 'the terminal size at start');
  t.match(output, /30 100/, 'and after a resize (SIGWINCH)');
});

t.test('--network container:<name> joins its network namespace and takes its hostname; host keeps the host one', { skip }, async (t) => {
  const first = detached(t, '--name', 'lab-net1', '-h', 'lab-first', 'busybox', 'sleep', '1000');
  t.teardown(() => void lab('rm', '-f', 'lab-net1', 'lab-net2', 'lab-net3'));
  const second = detached(t, '--name', 'lab-net2', '--network', 'container:lab-net1', 'busybox', 'sleep', '1000');
  t.equal(nsInode(second.pid, 'net'), nsInode(first.pid, 'net'), 'the same network namespace (inode)');
  t.not(nsInode(second.pid, 'uts'), nsInode(first.pid, 'uts'), 'its own UTS namespace');
  const hostname = spawnSync('nsenter', ['-t', String(second.pid), '-u', 'cat', '/proc/sys/kernel/hostname'], { encoding: 'utf8' });
  t.equal(hostname.stdout.trim(), 'lab-first', "the joined container's hostname");
  const host = detached(t, '--name', 'lab-net3', '--network', 'host', 'busybox', 'sleep', '1000');
  t.equal(nsInode(host.pid, 'net'), nsInode('self', 'net'), "--network host: the host's network namespace");
  t.equal(lab('run', '--rm', '--network', 'container:lab-nobody', 'busybox', 'true').status, 125, 'a container that does not run: 125');
  t.equal(lab('run', '--rm', '--bundle', '/nonexistent', '-v', '/tmp:/x').status, 125, '--bundle with a config flag: 125');
});
