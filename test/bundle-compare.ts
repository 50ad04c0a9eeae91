// One OCI bundle (a busybox root filesystem and a config.json written here, in the subset src/kernel/oci-bundle.ts
// reads) run by every runtime this host has: Debian's runc, crun (it refuses a hybrid cgroup layout, so it runs where
// cgroup v2 is alone: the test VM), and `lab container run --bundle`. What each container's process sees is read from
// the host, as kernel facts: its PID in its own namespace (NSpid), its hostname (read in its UTS namespace), which
// namespaces differ from the host's, the mountinfo line of its `/`, a masked path (a character device 1:3,
// /dev/null), a read-only path, and its cgroup limits where the host has the controllers. The process waits until
// the host has looked, then exits 0. The test itself, shared by test/cli/bundle-compare.test.ts (this host) and
// test/vm/bundle-compare.test.ts (the test VM, where crun runs).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Test } from 'tap';
import { waitFor } from '../src/common/wait.js';
import { readCgroupLayout, readV2Controllers, v1ControllersOf } from '../src/kernel/cgroup-mode.js';
import { parseMountinfo, type MountEntry } from '../src/kernel/mountinfo.js';
import { BIN, cleanEnv, needsRoot, tempDir } from './helpers.js';

const NAMESPACES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];
/** The masked files the test looks at (the bundle masks /sys/firmware too). */
const MASKED = ['/proc/kcore', '/proc/keys'];
const LIMITS = { memory: 32 * 1024 * 1024, pids: 20, cpu: '50000 100000' };

const onPath = (program: string): boolean => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** Which of memory, pids, cpu cgroup v2 offers at its root, and which v1 hierarchies hold. */
function hostControllers(): { v2: string[]; v1: string[] } {
  const layout = readCgroupLayout();
  return { v2: (layout.v2Path && readV2Controllers(layout.v2Path)) || [], v1: layout.v1Controllers };
}

/** A bundle: busybox in rootfs/ (every applet a link), config.json; `limits`: with linux.resources. */
function makeBundle(dir: string, token: string, limits: boolean): string {
  const rootfs = join(dir, 'rootfs');
  for (const sub of ['bin', 'proc', 'dev', 'run', 'sys', 'tmp']) mkdirSync(join(rootfs, sub), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  spawnSync('chroot', [rootfs, '/bin/busybox', '--install', '-s', '/bin']);
  // PID 1 waits (at most 30 s) for the host to create /run/go through /proc/<pid>/root, then exits 0.
  const wait = 'i=0; while [ ! -e /run/go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; [ -e /run/go ]';
  const config = {
    ociVersion: '1.0.2',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['sh', '-c', wait, token], env: ['PATH=/bin'], cwd: '/' },
    root: { path: 'rootfs', readonly: true },
    hostname: 'bundled',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755'] },
    ],
    linux: {
      namespaces: ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup'].map((type) => ({ type })),
      ...(limits ? { resources: { memory: { limit: LIMITS.memory }, cpu: { quota: 50000, period: 100000 }, pids: { limit: LIMITS.pids } } } : {}),
      maskedPaths: ['/proc/kcore', '/proc/keys', '/sys/firmware'],
      readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger'],
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return dir;
}

/** The host PID of the process whose argv ends with `token` (the container's PID 1: `sh -c WAIT TOKEN`). */
function findByToken(token: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (read(`/proc/${entry}/cmdline`) ?? '').split('\0').filter(Boolean);
    if (argv[0] === 'sh' && argv.at(-1) === token) return Number(entry);
  }
  return undefined;
}

/** The cgroup limits of a process, read from its cgroup files (v1 hierarchies or v2), normalized. */
function limitsOf(pid: number): { memory?: number; pids?: number; cpu?: string } {
  const mounts = parseMountinfo(read('/proc/self/mountinfo') ?? '');
  const found: { memory?: number; pids?: number; cpu?: string } = {};
  for (const line of (read(`/proc/${pid}/cgroup`) ?? '').split('\n')) {
    const [id, controllers = '', path = ''] = line.split(':');
    if (id === '0') {
      const v2 = mounts.find((m) => m.fsType === 'cgroup2');
      if (!v2) continue;
      const dir = join(v2.mountPoint, path);
      const memory = read(join(dir, 'memory.max'));
      if (memory !== undefined) found.memory = Number(memory);
      const pids = read(join(dir, 'pids.max'));
      if (pids !== undefined) found.pids = Number(pids);
      found.cpu = read(join(dir, 'cpu.max')) ?? found.cpu;
      continue;
    }
    const names = controllers.split(',');
    const mount = mounts.find((m) => m.fsType === 'cgroup' && v1ControllersOf(m.superOptions).some((c) => names.includes(c)));
    if (!mount) continue;
    const dir = join(mount.mountPoint, path);
    if (names.includes('memory')) found.memory = Number(read(join(dir, 'memory.limit_in_bytes')));
    if (names.includes('pids')) found.pids = Number(read(join(dir, 'pids.max')));
    if (names.includes('cpu')) found.cpu = `${read(join(dir, 'cpu.cfs_quota_us'))} ${read(join(dir, 'cpu.cfs_period_us'))}`;
  }
  return found;
}

/** What a container's process sees, read from the host. */
interface Seen {
  nspid: number | undefined;
  hostname: string;
  /** Namespaces whose inode differs from the host's (this test process's). */
  ownNamespaces: string[];
  root: Pick<MountEntry, 'root' | 'fsType'> & { readOnly: boolean; propagation: string[] };
  /** `<path> char 1:3` for each masked file the host has (/proc/kcore is not on every kernel). */
  masked: string[];
  procSysReadOnly: boolean;
  limits: { memory?: number; pids?: number; cpu?: string };
  status: number | null;
  stderr: string;
}

/** Start `argv` (a runtime running the bundle), look at its PID 1, let it go, wait for its exit. */
async function observe(argv: string[], token: string): Promise<Seen> {
  const [command = '', ...args] = argv;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let pid: number | undefined;
  let status: number | null | undefined;
  void exited.then((code) => (status = code));
  await waitFor(() => (pid = findByToken(token)) !== undefined || status !== undefined, 30_000, 20);
  if (pid === undefined) {
    child.kill('SIGKILL');
    throw new Error(`${argv.join(' ')}: no container process (exit ${String(await exited)}): ${stderr}`);
  }
  const proc = `/proc/${pid}`;
  const nspid = (read(`${proc}/status`) ?? '')
    .match(/^NSpid:\s+(.*)$/m)?.[1]
    ?.split(/\s+/)
    .map(Number);
  const ownNamespaces = NAMESPACES.filter((ns) => readlinkSync(`${proc}/ns/${ns}`) !== readlinkSync(`/proc/self/ns/${ns}`));
  const hostname = spawnSync('nsenter', ['-t', String(pid), '-u', 'cat', '/proc/sys/kernel/hostname'], { encoding: 'utf8' }).stdout.trim();
  const mounts = parseMountinfo(read(`${proc}/mountinfo`) ?? '');
  const rootLine = mounts.filter((m) => m.mountPoint === '/').at(-1);
  const procSys = mounts.filter((m) => m.mountPoint === '/proc/sys').at(-1);
  const masked = MASKED.filter((path) => existsSync(path)).map((path) => {
    const stat = lstatSync(`${proc}/root${path}`);
    return `${path} ${stat.isCharacterDevice() ? `char ${stat.rdev >> 8}:${stat.rdev & 0xff}` : `size ${stat.size}`}`;
  });
  const limits = limitsOf(pid);
  writeFileSync(`${proc}/root/run/go`, '');
  return {
    nspid: nspid?.at(-1),
    hostname,
    ownNamespaces,
    root: {
      root: rootLine?.root ?? '',
      fsType: rootLine?.fsType ?? '',
      readOnly: rootLine?.options.split(',').includes('ro') ?? false,
      propagation: rootLine?.tags ?? [],
    },
    masked,
    procSysReadOnly: procSys?.options.split(',').includes('ro') ?? false,
    limits,
    status: await exited,
    stderr,
  };
}

/** `lab container run --bundle` exists when its help names the flag. */
function labHasBundle(): boolean {
  const help = spawnSync(process.execPath, [BIN, 'container', 'run', '--help'], { encoding: 'utf8', env: cleanEnv() });
  return help.status === 0 && help.stdout.includes('--bundle');
}

/** Why the comparison cannot run here (not root, no busybox-static), or false when it can. */
export function compareSkip(): string | false {
  return needsRoot() || (existsSync('/bin/busybox') ? false : 'needs /bin/busybox (busybox-static)');
}

/**
 * The comparison, as subtests of `t`: the bundle under runc, crun and lab, each where it can run (crun where cgroup
 * v2 is alone), with the cgroup v2 limits where the host has the controllers, and runc's v1 limits on a hybrid host.
 */
export async function compareBundles(t: Test): Promise<void> {
  const { v2, v1 } = hostControllers();
  const v2Limits = ['memory', 'pids', 'cpu'].every((c) => v2.includes(c));
  const hybrid = readCgroupLayout().mode !== 'unified';
  const runtimes: { name: string; argv: (bundle: string, id: string) => string[]; cleanup?: (id: string) => void; skip: string | false }[] = [];
  for (const runtime of ['runc', 'crun']) {
    const root = tempDir(`lab-test-${runtime}-root-`);
    runtimes.push({
      name: runtime,
      argv: (bundle, id) => [runtime, '--root', root, 'run', '--bundle', bundle, id],
      cleanup: (id) => void spawnSync(runtime, ['--root', root, 'delete', '-f', id]),
      skip: !onPath(runtime)
        ? `${runtime} is not installed (scripts/provision.sh installs it)`
        : runtime === 'crun' && hybrid
          ? 'crun refuses a hybrid cgroup layout (it runs in the test VM)'
          : false,
    });
  }
  runtimes.push({
    name: 'lab',
    argv: (bundle) => [process.execPath, BIN, 'container', 'run', '--rm', '--bundle', bundle],
    skip: labHasBundle() ? false : 'lab container run has no --bundle yet',
  });

  for (const runtime of runtimes) {
    t.test(runtime.name, { skip: runtime.skip }, async (t) => {
      const id = `lab-cmp-${randomBytes(4).toString('hex')}`;
      const token = `lab-compare-${id}`;
      // Limits go into the bundle only where every runtime can enforce them: cgroup v2 with the controllers.
      const bundle = makeBundle(tempDir(`lab-test-bundle-${runtime.name}-`), token, v2Limits);
      t.teardown(() => runtime.cleanup?.(id));
      const seen = await observe(runtime.argv(bundle, id), token);
      t.equal(seen.status, 0, `${runtime.name} ran the bundle and its process exited 0`, { stderr: seen.stderr });
      t.equal(seen.nspid, 1, 'PID 1 in its own PID namespace (NSpid)');
      t.equal(seen.hostname, 'bundled', "the bundle's hostname, in its UTS namespace");
      t.same(seen.ownNamespaces, ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts'], 'its own namespaces: those the bundle lists; time and user the host’s');
      t.match(seen.root.root, new RegExp(`/${basename(bundle)}/rootfs$`), "mountinfo: `/` is the bundle's rootfs directory");
      t.ok(seen.root.readOnly, 'mountinfo: `/` is read-only (root.readonly)');
      t.same(
        seen.masked,
        MASKED.filter((path) => existsSync(path)).map((path) => `${path} char 1:3`),
        '/proc/kcore and /proc/keys are masked with /dev/null',
      );
      t.ok(seen.masked.length > 0, 'the host has one of them');
      t.ok(seen.procSysReadOnly, 'mountinfo: /proc/sys is read-only');
      if (v2Limits) t.same(seen.limits, LIMITS, 'the cgroup limits (v2)');
      t.comment(`${runtime.name}: / is ${JSON.stringify(seen.root)}`);
    });
  }

  // On a hybrid host only runc can enforce the limits (in v1 hierarchies), so it runs a second bundle with them.
  const v1Limits = !v2Limits && ['memory', 'pids', 'cpu'].every((c) => v1.includes(c));
  t.test(
    'runc: the cgroup limits in v1 hierarchies',
    { skip: !onPath('runc') ? 'runc is not installed' : v1Limits ? false : 'no hybrid cgroup layout' },
    async (t) => {
      const root = tempDir('lab-test-runc-root-');
      const id = `lab-cmp-${randomBytes(4).toString('hex')}`;
      const token = `lab-compare-${id}`;
      const bundle = makeBundle(tempDir('lab-test-bundle-runc-v1-'), token, true);
      t.teardown(() => void spawnSync('runc', ['--root', root, 'delete', '-f', id]));
      const seen = await observe(['runc', '--root', root, 'run', '--bundle', bundle, id], token);
      t.equal(seen.status, 0, 'exited 0', { stderr: seen.stderr });
      t.same(seen.limits, LIMITS, 'memory.limit_in_bytes, pids.max, cpu.cfs_quota_us and cfs_period_us');
    },
  );
}
