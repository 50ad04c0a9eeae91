// `lab inspect` on real processes, its answers checked against the kernel and against what made them: a detached
// `lab container` (its own namespaces, its cgroup, the overlay of its image's layers; by name, id prefix and PID),
// the test's own process (not a container), a runc container made from a bundle whose config.json states the
// answer (its namespaces, capabilities, no_new_privs, its rootfs), and the errors: no such process or container,
// a stopped container, not root, usage. Both languages, at most 100 columns.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { firstUseProblems } from '../../src/lab/glossary.js';
import { displayWidth } from '../../src/ui/text.js';
import { BIN, cleanEnv, cli, needsRoot, useTempState } from '../helpers.js';
import { OCI_TO_PROC, onPath, startBundle, type XrayBundle } from '../xray-bundle.js';

const skip = needsRoot();
const state = skip ? '' : useTempState();
const NS = ['mnt', 'uts', 'ipc', 'net', 'pid', 'user', 'cgroup', 'time'];
const KEYS = [
  'pid',
  'comm',
  'command',
  'ppid',
  'uid',
  'gid',
  'nspid',
  'reference',
  'namespaces',
  'idMaps',
  'cgroup',
  'root',
  'capabilities',
  'seccomp',
  'noNewPrivs',
  'verdict',
  'container',
];

interface Inspected {
  pid: number;
  comm: string;
  command: string[];
  nspid: number[];
  namespaces: { type: string; inode: number; hostInode: number; own: boolean; sharedWith: { count: number; processes: { pid: number; comm: string }[] } }[];
  cgroup: { v2Path: string | null; dir: string | null; limits: Record<string, unknown> };
  root: { sameAsHost: boolean; mount: { fsType: string; root: string } | null; overlay: { lowerdir: string[]; upperdir: string; workdir: string } | null };
  capabilities: { effective: { names: string[]; count: number }; bounding: { names: string[] } };
  seccomp: { mode: number; filters: number };
  noNewPrivs: boolean;
  verdict: { container: boolean; ownNamespaces: string[]; cgroup: string | null; root: { kind: string; layers: number | null }; text: string };
  container: { id: string; name: string } | null;
}

const lab = (...args: string[]) => cli([...args], { LAB_STATE_DIR: state });
const inspectJson = (t: Test, target: string): Inspected => {
  const r = lab('inspect', target, '--json', '--lang', 'en');
  t.equal(r.status, 0, `lab inspect ${target} --json: exit 0 (${r.stderr.trim()})`);
  return JSON.parse(r.stdout) as Inspected;
};
const read = (path: string): string => readFileSync(path, 'utf8');
/** The namespaces in which a process differs from this test process (in the host's namespaces), read from /proc. */
const ownByKernel = (pid: number): string[] =>
  NS.filter((ns) => existsSync(`/proc/self/ns/${ns}`) && readlinkSync(`/proc/${pid}/ns/${ns}`) !== readlinkSync(`/proc/self/ns/${ns}`));
const widest = (text: string): number => Math.max(...text.split('\n').map(displayWidth));

t.test('a lab container: its own namespaces, its cgroup, the overlay of its layers', { skip }, async (t) => {
  const run = lab('container', 'run', '-d', '--name', 'lab-xray', 'busybox', 'sleep', '1000');
  t.equal(run.status, 0, `lab container run -d: exit 0 (${run.stderr.trim()})`);
  const id = run.stdout.trim();
  t.teardown(() => void lab('container', 'rm', '-f', 'lab-xray'));
  const record = JSON.parse(read(join(state, 'containers', `lab-${id}`, 'config.json'))) as {
    cgroup: string;
    layers: string[];
    dirs: { upper: string; work: string };
  };
  const pid = (JSON.parse(lab('container', 'inspect', 'lab-xray').stdout) as { State: { Pid: number } }[])[0]!.State.Pid;

  const x = inspectJson(t, 'lab-xray');
  t.same(Object.keys(x), KEYS, 'the JSON keys, in a stable order');
  t.equal(x.pid, pid, "by name: the container's PID 1 on the host");
  t.same(x.container, { id, name: 'lab-xray' });
  t.same(x.nspid, [pid, 1], 'NSpid: PID 1 inside');
  t.same(x.verdict.ownNamespaces, ownByKernel(pid), 'its own namespaces: those whose inode differs from the host’s');
  for (const ns of ['mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup']) t.ok(x.verdict.ownNamespaces.includes(ns), `its own ${ns} namespace`);
  for (const n of x.namespaces) {
    t.equal(n.inode, Number(/\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${n.type}`))![1]), `${n.type}: the inode of /proc/<pid>/ns/${n.type}`);
    t.type(n.inode, 'number');
  }
  t.equal(x.cgroup.dir, record.cgroup, "the cgroup: the container's");
  t.ok(read(join(record.cgroup, 'cgroup.procs')).split('\n').includes(String(pid)), 'PID 1 is in that cgroup');
  t.equal(x.verdict.cgroup, x.cgroup.v2Path);
  t.equal(x.root.mount?.fsType, 'overlay', '/ is the overlay');
  t.same(x.root.overlay?.lowerdir, [...record.layers].reverse(), "lowerdir: the image's layers, top first");
  t.equal(x.root.overlay?.upperdir, record.dirs.upper, 'upperdir: the container’s writable layer');
  t.equal(x.root.overlay?.workdir, record.dirs.work);
  t.equal(x.root.sameAsHost, false);
  t.same(x.verdict.root, { kind: 'overlay', layers: record.layers.length, fsType: 'overlay', path: '/' });
  t.equal(x.verdict.container, true);

  t.equal(inspectJson(t, id.slice(0, 12)).pid, pid, 'by id prefix');
  t.equal(inspectJson(t, String(pid)).pid, pid, 'by PID');

  const en = lab('inspect', 'lab-xray', '--lang', 'en');
  t.equal(en.status, 0);
  const verdict = (text: string, join = ' '): string => text.split('\n\n')[0]!.replace(/\n/g, join);
  t.match(
    verdict(en.stdout),
    new RegExp(`^${pid} \\(sleep\\), container lab-xray \\(${id.slice(0, 12)}\\): a container: own ${x.verdict.ownNamespaces.join(', ')} namespaces; cgroup `),
    'the verdict on the first line',
  );
  t.match(verdict(en.stdout), `; root is an overlay of ${record.layers.length} layer`);
  t.match(en.stdout, /\n {2}memory\.max +/, 'the limits');
  t.ok(widest(en.stdout) <= 100, `at most 100 columns (${widest(en.stdout)})`);
  const zh = lab('inspect', 'lab-xray', '--lang', 'zh');
  t.equal(zh.status, 0);
  t.match(verdict(zh.stdout, ''), /：是容器（container）：有自己的 /, 'the verdict in Chinese');
  // The verdict, wrapped or not, is the one-line summary the rule starts after.
  t.same(firstUseProblems([verdict(zh.stdout, ''), ...zh.stdout.split('\n\n').slice(1)].join('\n\n')), [], "the glossary's first-use rule");
  t.ok(widest(zh.stdout) <= 100, `at most 100 columns in Chinese (${widest(zh.stdout)})`);

  t.equal(lab('container', 'stop', '-t', '0', 'lab-xray').status, 0, 'stop');
  const stopped = lab('inspect', 'lab-xray', '--lang', 'en');
  t.equal(stopped.status, 1, 'a stopped container: exit 1');
  t.match(stopped.stderr, /is not running/);
});

t.test("the test's own process: not a container", { skip }, async (t) => {
  const x = inspectJson(t, String(process.pid));
  t.equal(x.verdict.container, false);
  t.same(x.verdict.ownNamespaces, []);
  t.equal(x.root.sameAsHost, true);
  t.equal(x.verdict.text, 'not a container: it shares every namespace with the host');
  t.equal(x.container, null);
  t.same(x.command, read(`/proc/${process.pid}/cmdline`).split('\0').slice(0, -1), 'its command line');
  const r = lab('inspect', String(process.pid), '--lang', 'en');
  t.match(r.stdout.split('\n')[0], `${process.pid} (`);
  t.match(r.stdout.split('\n')[0], /: not a container: it shares every namespace with the host$/);
});

/** The bundle states the answer: these namespaces (OCI names), these capabilities, no_new_privs. */
const BUNDLE: XrayBundle = { namespaces: ['pid', 'ipc', 'uts', 'mount', 'network'], capabilities: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'] };
const runcSkip = skip || (!onPath('runc') ? 'runc is not installed' : existsSync('/bin/busybox') ? false : 'needs /bin/busybox');

t.test('a runc container: exactly what its config.json states', { skip: runcSkip }, async (t) => {
  const { pid, release } = await startBundle(t, 'runc', BUNDLE);
  const x = inspectJson(t, String(pid));
  const expected = NS.filter((ns) => BUNDLE.namespaces.map((n) => OCI_TO_PROC[n]).includes(ns));
  t.same(x.verdict.ownNamespaces, expected, `its own namespaces: exactly those config.json lists (${expected.join(', ')})`);
  t.same(x.capabilities.effective.names, BUNDLE.capabilities, 'CapEff: the capabilities config.json gives');
  t.same(x.capabilities.bounding.names, BUNDLE.capabilities, 'CapBnd too');
  t.equal(x.noNewPrivs, true, 'noNewPrivileges: NoNewPrivs 1');
  t.same(x.nspid.at(-1), 1, 'PID 1 inside');
  t.equal(x.root.sameAsHost, false);
  t.match(x.root.mount?.root, /\/rootfs$/, "/ is the bundle's rootfs");
  t.equal(x.verdict.root.kind, 'other');
  const sh = x.namespaces.find((n) => n.type === 'pid')!;
  t.ok(sh.own, 'its own PID namespace');
  t.equal(await release(), 0, 'the container exited 0');
});

t.test('errors: no such process or container (1), usage (2), not root (1); both languages', { skip }, async (t) => {
  let unused = 4_000_000;
  while (existsSync(`/proc/${unused}`)) unused--;
  const gone = lab('inspect', String(unused), '--lang', 'en');
  t.equal(gone.status, 1, 'no such process: exit 1');
  t.match(gone.stderr, `No such process: ${unused} is not running`);
  t.match(lab('inspect', String(unused), '--lang', 'zh').stderr, '没有这个进程');
  const name = lab('inspect', 'lab-no-such-thing', '--lang', 'en');
  t.equal(name.status, 1, 'a name matching no container: exit 1');
  t.match(name.stderr, 'No such process or container: lab-no-such-thing');
  t.match(lab('inspect', 'lab-no-such-thing', '--lang', 'zh').stderr, '没有这个进程或容器');
  for (const args of [[], ['1', '2'], ['1', '--bogus']]) {
    const r = lab('inspect', ...args, '--lang', 'en');
    t.equal(r.status, 2, `lab inspect ${args.join(' ')}: usage error, exit 2`);
  }
  t.match(lab('inspect', '--lang', 'zh').stderr, '请给出一个 PID');
  // Another user's process, read by nobody: the kernel hides its /proc/<pid>/ns.
  const nobody = spawnSync(
    'setpriv',
    ['--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, BIN, 'inspect', String(process.pid), '--lang', 'en'],
    {
      encoding: 'utf8',
      env: cleanEnv({ LAB_STATE_DIR: state }),
    },
  );
  t.equal(nobody.status, 1, 'not root: exit 1');
  t.match(nobody.stderr, /Not root/, 'it says why');
});
