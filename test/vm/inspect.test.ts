// `lab inspect` where cgroup v2 is alone with every controller (the test VM): a crun container made from a bundle
// whose config.json states the answer (its namespaces, capabilities, no_new_privs, and memory, pids and cpu limits),
// and a `lab container` run with --memory, --pids-limit and --cpus; lab inspect must read every limit back from the
// container's cgroup files, and find the process in that cgroup.
import t, { type Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, needsRoot, tempDir } from '../helpers.js';
import { OCI_TO_PROC, onPath, startBundle, type XrayBundle } from '../xray-bundle.js';

const NS = ['mnt', 'uts', 'ipc', 'net', 'pid', 'user', 'cgroup', 'time'];
const LIMIT_FILES = ['memory.max', 'memory.current', 'cpu.max', 'pids.max', 'pids.current', 'io.max'];
const skip = process.env.LAB_IN_VM ? needsRoot() || (existsSync('/bin/busybox') ? false : 'needs /bin/busybox') : 'runs only in the test VM (npm run test:vm)';
// Its own state directory, passed to each command: not useTempState(), which sets LAB_STATE_DIR for this whole
// process. In the VM every file runs in one process, and this line runs when the file is imported, while an earlier
// file's lab may be running: that lab's journal would then be looked for in another directory.
const state = skip ? '' : tempDir('lab-test-state-');

interface Inspected {
  pid: number;
  namespaces: { type: string; own: boolean }[];
  cgroup: { v2Path: string; dir: string; limits: Record<string, unknown> };
  capabilities: { effective: { names: string[] } };
  noNewPrivs: boolean;
  verdict: { ownNamespaces: string[]; cgroup: string };
}

const lab = (...args: string[]) => cli([...args], { LAB_STATE_DIR: state });
function inspect(t: Test, target: string): Inspected {
  const r = lab('inspect', target, '--json', '--lang', 'en');
  t.equal(r.status, 0, `lab inspect ${target} --json: exit 0 (${r.stderr.trim()})`);
  return JSON.parse(r.stdout) as Inspected;
}

/** Every limit file lab inspect read is the file as it is; an absent one is null. */
function sameAsFiles(t: Test, x: Inspected): void {
  for (const file of LIMIT_FILES) {
    t.equal(
      x.cgroup.limits[file] === null,
      !existsSync(join(x.cgroup.dir, file)),
      `${file}: ${x.cgroup.limits[file] === null ? 'absent' : 'present'} as the file is`,
    );
  }
}

const BUNDLE: XrayBundle = {
  namespaces: ['pid', 'ipc', 'uts', 'mount', 'network', 'cgroup'],
  capabilities: ['CAP_CHOWN', 'CAP_SETGID', 'CAP_SETUID'], // in bit order, as the kernel's mask lists them
  limits: { memory: 32 * 1024 * 1024, pids: 20, cpu: { quota: 50000, period: 100000 } },
};

t.test(
  'a crun container: the namespaces and limits its config.json states',
  { skip: skip || (onPath('crun') ? false : 'crun is not installed') },
  async (t) => {
    const { pid, release } = await startBundle(t, 'crun', BUNDLE);
    const x = inspect(t, String(pid));
    t.same(
      x.verdict.ownNamespaces,
      NS.filter((ns) => BUNDLE.namespaces.map((n) => OCI_TO_PROC[n]).includes(ns)),
      'its own namespaces: exactly those config.json lists',
    );
    t.same(x.capabilities.effective.names, BUNDLE.capabilities, 'CapEff: the capabilities config.json gives');
    t.equal(x.noNewPrivs, true, 'NoNewPrivs');
    t.ok(readFileSync(join(x.cgroup.dir, 'cgroup.procs'), 'utf8').split('\n').includes(String(pid)), 'its PID is in the cgroup lab inspect names');
    t.equal(x.cgroup.limits['memory.max'], BUNDLE.limits!.memory, 'memory.max: resources.memory.limit');
    t.equal(x.cgroup.limits['pids.max'], BUNDLE.limits!.pids, 'pids.max: resources.pids.limit');
    t.same(x.cgroup.limits['cpu.max'], BUNDLE.limits!.cpu, 'cpu.max: resources.cpu quota and period');
    t.ok((x.cgroup.limits['memory.current'] as number) > 0, 'memory.current: a number of bytes');
    t.ok((x.cgroup.limits['pids.current'] as number) >= 1, 'pids.current: at least PID 1');
    sameAsFiles(t, x);
    const text = lab('inspect', String(pid), '--lang', 'en').stdout;
    t.match(text, /\n {2}memory\.max +33554432 \(32 MiB\)\n/, 'memory.max in the report');
    t.match(text, /\n {2}pids\.max +20\n/, 'pids.max in the report');
    t.match(text, /\n {2}cpu\.max +50000 100000 \(0\.5 CPU\)\n/, 'cpu.max in the report');
    t.equal(await release(), 0, 'the container exited 0');
  },
);

t.test('a lab container with --memory, --pids-limit, --cpus: read back', { skip }, async (t) => {
  const run = lab(
    'container',
    'run',
    '-d',
    '--name',
    'lab-xray-limits',
    '--network',
    'none',
    '--memory',
    '32m',
    '--pids-limit',
    '20',
    '--cpus',
    '0.5',
    'busybox',
    'sleep',
    '1000',
  );
  t.equal(run.status, 0, `run -d with limits (${run.stderr.trim()})`);
  t.teardown(() => void lab('container', 'rm', '-f', 'lab-xray-limits'));
  const x = inspect(t, 'lab-xray-limits');
  const record = JSON.parse(readFileSync(join(state, 'containers', `lab-${run.stdout.trim()}`, 'config.json'), 'utf8')) as { cgroup: string };
  t.equal(x.cgroup.dir, record.cgroup, "its cgroup: the container's");
  t.equal(x.cgroup.limits['memory.max'], 32 * 1024 * 1024, 'memory.max');
  t.equal(x.cgroup.limits['pids.max'], 20, 'pids.max');
  t.same(x.cgroup.limits['cpu.max'], { quota: 50000, period: 100000 }, 'cpu.max');
  sameAsFiles(t, x);
  for (const ns of ['mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup']) t.ok(x.verdict.ownNamespaces.includes(ns), `its own ${ns} namespace`);
});
