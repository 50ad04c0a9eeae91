// `lab doctor` from outside: spawn the built CLI and check what it reports against the kernel, read here directly.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseCgroupMounts, readV2Controllers } from '../../src/kernel/cgroup-mode.js';
import { NAMESPACE_TYPES } from '../../src/common/vocabulary.js';
import { classifyUnshareFailure, type NamespaceProbe } from '../../src/host/probe.js';
import { findingsOf, type HostFacts } from '../../src/lab/diagnosis.js';
import { requirement } from '../../src/lab/requirements.js';
import type { RequirementId } from '../../src/lab/spec.js';
import { cli, FIXTURES, needsRoot, ROOT, tempDir } from '../helpers.js';

const CJK = /[\u3400-\u9fff]/;

interface Report {
  ok: boolean;
  lang: string;
  root: boolean;
  kernel: string;
  utilLinux: string | null;
  namespaces: NamespaceProbe[];
  cgroup: { mode: string; v2Path: string | null; v2Controllers: string[] | null; v1Controllers: string[] };
  overlayfs: string | null;
  requirements: { id: RequirementId; met: boolean }[];
  labs: { id: string; ready: boolean; requires: string[]; unmet: string[]; error?: string }[];
  findings: { section: string; id: string; status: string; text: string; why?: string; fix?: string; neededBy: string[] }[];
}

function doctor(args: string[], env: Record<string, string> = {}): { status: number | null; report: Report; stderr: string } {
  const result = cli(['doctor', '--json', ...args], env);
  let report: Report;
  try {
    report = JSON.parse(result.stdout) as Report;
  } catch {
    throw new Error(`lab doctor --json printed no JSON (status ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return { status: result.status, report, stderr: result.stderr };
}

t.before(() => {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'doctor.js'))) throw new Error('dist/ is missing: run `npm run build` first');
});

t.test('doctor --json states kernel facts that the kernel confirms', async (t) => {
  const { status, report } = doctor([]);
  t.equal(status, report.ok ? 0 : 1, 'exit status follows ok');
  t.equal(
    report.ok,
    report.labs.every((lab) => lab.ready),
    'ok means every lab is ready',
  );
  t.equal(report.root, process.getuid?.() === 0);
  t.equal(report.kernel, release());

  const version = spawnSync('unshare', ['--version'], { encoding: 'utf8' });
  t.equal(report.utilLinux, /util-linux\s+(\S+)/.exec(version.stdout ?? '')?.[1] ?? null, 'util-linux version as unshare says');

  t.same(
    report.namespaces.map((probe) => probe.type),
    NAMESPACE_TYPES,
    'every namespace type probed',
  );
  for (const probe of report.namespaces) {
    // Run the very command doctor ran: the kernel's answer must be the same.
    const again = spawnSync(probe.argv[0]!, probe.argv.slice(1), { encoding: 'utf8', timeout: 5_000 });
    t.equal(probe.ok, again.status === 0, `${probe.argv.join(' ')}: ${again.status === 0 ? 'works' : again.stderr.trim()}`);
    if (!probe.ok) t.ok(probe.failure, `${probe.type}: the failure is named`);
  }

  const layout = parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  t.equal(report.cgroup.mode, layout.mode, 'cgroup mode as parseCgroupMounts says');
  t.equal(report.cgroup.v2Path, layout.v2Path ?? null);
  t.same(report.cgroup.v1Controllers, layout.v1Controllers);
  t.same(report.cgroup.v2Controllers, layout.v2Path ? (readV2Controllers(layout.v2Path) ?? null) : null, 'v2 controllers from cgroup.controllers');
  const v2Ready = ['memory', 'cpu', 'pids', 'io'].every((c) => report.cgroup.v2Controllers?.includes(c));
  const v2Finding = report.findings.find((f) => f.id === 'cgroup-v2');
  t.equal(v2Finding?.status, v2Ready ? 'ok' : 'missing', 'cgroup v2 labs: ready exactly when memory, cpu, pids, io are on v2');
  t.same(
    v2Finding?.neededBy,
    ['cgroup-basics', 'cgroup-memory', 'cgroup-cpu', 'cgroup-pids', 'cgroup-io', 'capstone'],
    'the cgroup labs and the capstone need it',
  );
  if (report.cgroup.mode === 'hybrid' && !v2Ready) t.match(v2Finding?.why, /hybrid/, 'the why says how this host mounts cgroups');
  if (!v2Ready) t.match(v2Finding?.fix, /systemd\.unified_cgroup_hierarchy=1/);

  const filesystems = readFileSync('/proc/filesystems', 'utf8');
  if (/\toverlay$/m.test(filesystems)) t.equal(report.overlayfs, 'proc-filesystems');

  for (const req of report.requirements) t.equal(req.met, requirement(req.id).met(), `requirement ${req.id}`);
  for (const lab of report.labs) {
    const unmet = lab.requires.filter((id) => !report.requirements.find((r) => r.id === id)?.met);
    t.same(lab.unmet, unmet, `${lab.id}: unmet requirements`);
  }
  for (const finding of report.findings.filter((f) => f.status === 'missing')) {
    t.ok(finding.fix, `${finding.id}: a missing item says how to fix it`);
  }
});

t.test('as root, every namespace type the kernel offers can be created', { skip: needsRoot() }, async (t) => {
  const { report } = doctor([]);
  const pid = report.namespaces.find((probe) => probe.type === 'pid');
  t.ok(pid?.ok, 'unshare --pid works as root');
  t.equal(report.findings.find((f) => f.id === 'root')?.status, 'ok');
});

t.test('--lang zh: findings and text in Chinese, the same facts', async (t) => {
  const en = doctor([]).report;
  const { status, report } = doctor(['--lang', 'zh']);
  t.equal(report.lang, 'zh');
  t.equal(status, report.ok ? 0 : 1);
  t.same(
    report.namespaces.map((p) => p.ok),
    en.namespaces.map((p) => p.ok),
    'the same kernel facts',
  );
  t.ok(
    report.findings.some((f) => CJK.test(f.text)),
    'findings in Chinese',
  );
  const text = cli(['doctor', '--lang', 'zh']);
  t.equal(text.status, status, 'text and JSON agree on the exit status');
  t.match(text.stdout, /命名空间（namespace）/, 'the glossary term with its English the first time');
  t.match(text.stdout, /控制组（cgroup）/);
});

t.test('exit status: 1 when a lab cannot be loaded, 0 when every lab is ready', async (t) => {
  const broken = doctor([], { LAB_LABS_DIR: FIXTURES });
  t.equal(broken.status, 1);
  const bad = broken.report.labs.find((lab) => lab.id === 'fixture-bad');
  t.equal(bad?.ready, false);
  t.match(bad?.error, /warp-drive/, 'the malformed lab is named with its problem');
  t.equal(broken.report.labs.find((lab) => lab.id === 'fixture-pass')?.ready, true, 'needs only linux');

  const dir = tempDir('lab-doctor-labs-');
  cpSync(join(FIXTURES, 'fixture-pass'), join(dir, 'fixture-pass'), { recursive: true });
  const good = doctor([], { LAB_LABS_DIR: dir });
  t.equal(good.status, 0, 'the only lab needs linux, which this host is');
  t.same(
    good.report.labs.map((lab) => lab.ready),
    [true],
  );
});

t.test('usage: arguments are refused, --help prints help', async (t) => {
  t.equal(cli(['doctor', 'extra']).status, 2);
  t.equal(cli(['doctor', '--bogus']).status, 2);
  const help = cli(['doctor', '--help', '--lang', 'zh']);
  t.equal(help.status, 0);
  t.match(help.stdout, CJK);
});

t.test('findingsOf: a host without root and an old kernel, explained in both languages', async (t) => {
  const probe = (type: NamespaceProbe['type'], stderr: string): NamespaceProbe => ({
    type,
    argv: ['unshare', `--${type}`, 'true'],
    ok: false,
    failure: classifyUnshareFailure(1, stderr),
    message: stderr,
  });
  const facts: HostFacts = {
    uid: 1000,
    root: false,
    kernel: '5.4.0',
    utilLinux: '2.34',
    namespaces: [
      probe('uts', 'unshare: unshare failed: Operation not permitted'),
      probe('time', "unshare: unrecognized option '--time'"),
      { type: 'user', argv: ['unshare', '--user', 'true'], ok: true },
    ],
    userns: [
      { name: 'kernel.apparmor_restrict_unprivileged_userns', value: 1 },
      { name: 'user.max_user_namespaces', value: 15000 },
    ],
    cgroup: { mode: 'legacy', v1Controllers: ['cpu', 'memory', 'pids'], v1Named: ['systemd'], v2Controllers: undefined },
    init: { pid1: 'systemd', systemdBooted: true, systemdRun: true, manager: 'systemd' },
    delegation: undefined,
    overlayfs: undefined,
    busybox: undefined,
    qemu: undefined,
    labInit: undefined,
    kvm: { present: false, usable: false },
    requirements: [
      { id: 'root', met: false },
      { id: 'linux', met: true },
    ],
    labs: [
      { id: 'demo', ready: false, requires: ['linux', 'root'], unmet: ['root'] },
      { id: 'userns-demo', ready: false, requires: ['userns-unprivileged'], unmet: ['userns-unprivileged'] },
    ],
  };
  const findings = findingsOf(facts);
  const byId = (id: string) => findings.find((f) => f.id === id);
  t.equal(byId('root')?.status, 'missing');
  t.same(byId('root')?.neededBy, ['demo']);
  t.match(byId('ns-uts')?.why?.en, /EPERM/);
  t.match(byId('ns-time')?.why?.en, /util-linux 2\.36/);
  t.equal(byId('ns-user')?.status, 'ok');
  t.equal(byId('userns-unprivileged')?.status, 'missing', "Ubuntu's AppArmor restriction blocks the user-namespace lab");
  t.match(byId('userns-unprivileged')?.text.en, 'kernel.apparmor_restrict_unprivileged_userns = 1, user.max_user_namespaces = 15000');
  t.same(byId('userns-unprivileged')?.neededBy, ['userns-demo']);
  t.match(byId('cgroup-v2')?.text.en, /memory, cpu, pids live on cgroup v1/);
  t.same(byId('busybox')?.neededBy, [], 'no lab needs busybox yet');
  t.equal(byId('demo')?.status, 'missing');
  for (const finding of findings) {
    t.match(finding.text.zh, CJK, `${finding.id}: text in Chinese`);
    if (finding.why) t.match(finding.why.zh, CJK, `${finding.id}: why in Chinese`);
    if (finding.fix) t.match(finding.fix.zh, CJK, `${finding.id}: fix in Chinese`);
  }
});

t.test("doctor --json with a fake /proc/sys (LAB_PROC_SYS): Ubuntu's restriction of user namespaces on, off, absent", async (t) => {
  const root = tempDir('lab-test-proc-sys-');
  mkdirSync(join(root, 'kernel'));
  const file = join(root, 'kernel', 'apparmor_restrict_unprivileged_userns');
  const finding = (report: Report) => report.findings.find((f) => f.id === 'userns-unprivileged');
  const userLab = (report: Report) => report.labs.find((lab) => lab.id === 'user-namespace');

  writeFileSync(file, '1\n');
  const on = doctor([], { LAB_PROC_SYS: root }).report;
  t.equal(finding(on)?.status, 'missing', 'restricted: ✗');
  t.match(finding(on)?.text, 'kernel.apparmor_restrict_unprivileged_userns = 1', 'the setting with its value');
  t.match(finding(on)?.why, 'AppArmor');
  t.match(finding(on)?.fix, 'sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0');
  t.ok(finding(on)?.neededBy.includes('user-namespace'), 'the user-namespace lab needs it');
  t.same(userLab(on)?.unmet.includes('userns-unprivileged'), true, 'and cannot run');
  t.equal(on.ok, false);
  const text = cli(['doctor'], { LAB_PROC_SYS: root }).stdout;
  t.match(
    text,
    /✗ unprivileged user namespaces: forbidden by kernel\.apparmor_restrict_unprivileged_userns \(kernel\.apparmor_restrict_unprivileged_userns = 1\) \(needed by: [^)]*user-namespace/,
  );
  t.match(cli(['doctor', '--lang', 'zh'], { LAB_PROC_SYS: root }).stdout, /✗ 普通用户的用户命名空间：被 kernel\.apparmor_restrict_unprivileged_userns 禁止/);

  writeFileSync(file, '0\n');
  const off = doctor([], { LAB_PROC_SYS: root }).report;
  t.equal(finding(off)?.status, 'ok', 'restriction off: ✓');
  t.match(finding(off)?.text, 'kernel.apparmor_restrict_unprivileged_userns = 0');
  t.notOk(userLab(off)?.unmet.includes('userns-unprivileged'));

  const absent = doctor([], { LAB_PROC_SYS: tempDir('lab-test-proc-sys-') }).report;
  t.equal(finding(absent)?.status, 'ok', 'no such setting: ✓');
  t.notMatch(finding(absent)?.text, 'apparmor', 'and it is not named');
});
