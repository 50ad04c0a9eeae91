// The X-ray of a process (src/kernel/xray.ts) on a fake proc tree: every field read from its file, the host's
// namespaces from PID 1 (or kthreadd when PID 1's are unreadable), who shares each namespace, the cgroup limits, the
// overlay's layers, the capabilities by name, and the verdict for a process that shares everything and for a
// container. Then the overlay options, the capability names, and the report's words in both languages.
import t, { type Test } from 'tap';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capabilityNames, CAPABILITY_NAMES, decodeCapabilities } from '../../src/kernel/capability-names.js';
import { firstUseProblems } from '../../src/lab/glossary.js';
import { xray, type Xray } from '../../src/kernel/xray.js';
import { parseOverlayOptions } from '../../src/kernel/xray-overlay.js';
import { reportSections, verdictText } from '../../src/kernel/xray-text.js';

const HOST_NS = { mnt: 4026531841, uts: 4026531838, ipc: 4026531839, net: 4026531840, pid: 4026531836, user: 4026531837, cgroup: 4026531835, time: 4026531834 };
const OWN_NS = { ...HOST_NS, mnt: 4026532500, uts: 4026532501, ipc: 4026532502, net: 4026532503, pid: 4026532504, cgroup: 4026532505 };
/** Docker's default capabilities: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP. */
const DOCKER_CAPS = '00000000a80425fb';

interface FakeProcess {
  ns?: Record<string, number>;
  status: string;
  comm: string;
  cmdline?: string[];
  cgroup?: string;
  mountinfo?: string;
  uidMap?: string;
  root?: string;
}

/** A fake proc root: one directory per process, `self` pointing at the reader (PID 99), cap_last_cap. */
function fakeProc(dir: string, processes: Record<number, FakeProcess>, cgroupRoot: string): string {
  const proc = join(dir, 'proc');
  for (const [pid, p] of Object.entries(processes)) {
    const d = join(proc, pid);
    mkdirSync(join(d, 'ns'), { recursive: true });
    for (const [type, inode] of Object.entries(p.ns ?? {})) symlinkSync(`${type}:[${inode}]`, join(d, 'ns', type));
    writeFileSync(join(d, 'status'), p.status);
    writeFileSync(join(d, 'comm'), `${p.comm}\n`);
    writeFileSync(join(d, 'cmdline'), (p.cmdline ?? [p.comm]).map((a) => `${a}\0`).join(''));
    writeFileSync(join(d, 'cgroup'), p.cgroup ?? '0::/\n');
    writeFileSync(join(d, 'mountinfo'), p.mountinfo ?? HOST_MOUNTS(cgroupRoot));
    writeFileSync(join(d, 'uid_map'), p.uidMap ?? '         0          0 4294967295\n');
    writeFileSync(join(d, 'gid_map'), p.uidMap ?? '         0          0 4294967295\n');
    const root = p.root ?? join(dir, 'hostroot');
    mkdirSync(root, { recursive: true });
    symlinkSync(root, join(d, 'root'));
  }
  symlinkSync('99', join(proc, 'self'));
  mkdirSync(join(proc, 'sys', 'kernel'), { recursive: true });
  writeFileSync(join(proc, 'sys', 'kernel', 'cap_last_cap'), '40\n');
  return proc;
}

const HOST_MOUNTS = (cgroupRoot: string): string =>
  [
    '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
    `41 31 0:38 / ${cgroupRoot} rw,relatime - cgroup2 cgroup2 rw`,
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  ].join('\n') + '\n';

const CONTAINER_MOUNTS = [
  '600 500 0:90 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/lab/layers/top:/var/lib/lab/layers/base,upperdir=/var/lib/lab/c/upper,workdir=/var/lib/lab/c/work',
  '601 600 0:91 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
].join('\n');

const status = (fields: Record<string, string>): string =>
  Object.entries({
    Name: 'x',
    PPid: '1',
    Uid: '0\t0\t0\t0',
    Gid: '0\t0\t0\t0',
    NSpid: '1',
    CapPrm: '000001ffffffffff',
    CapEff: '000001ffffffffff',
    CapBnd: '000001ffffffffff',
    NoNewPrivs: '0',
    Seccomp: '0',
    Seccomp_filters: '0',
    ...fields,
  })
    .map(([k, v]) => `${k}:\t${v}`)
    .join('\n') + '\n';

/** The tree: host PID 1, a container's PID 1 (4242) and its shell (4250), a host shell (500), the reader (99). */
function tree(t: Test, options: { pid1Readable?: boolean } = {}): { proc: string; cgroupRoot: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lab-test-xray-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cgroupRoot = join(dir, 'cgroup');
  const cg = join(cgroupRoot, 'lab-container-abc');
  mkdirSync(cg, { recursive: true });
  writeFileSync(join(cg, 'memory.max'), '33554432\n');
  writeFileSync(join(cg, 'memory.current'), '1232896\n');
  writeFileSync(join(cg, 'cpu.max'), '50000 100000\n');
  writeFileSync(join(cg, 'pids.max'), '20\n');
  writeFileSync(join(cg, 'pids.current'), '2\n');
  const container = {
    ns: OWN_NS,
    cgroup: '9:name=systemd:/\n4:memory:/lab\n0::/lab-container-abc\n',
    mountinfo: CONTAINER_MOUNTS,
    root: join(dir, 'merged'),
  };
  const proc = fakeProc(
    dir,
    {
      1: { ns: options.pid1Readable === false ? {} : HOST_NS, status: status({ Name: 'init', PPid: '0' }), comm: 'init', cmdline: ['/sbin/init'] },
      2: { ns: HOST_NS, status: status({ Name: 'kthreadd', PPid: '0' }), comm: 'kthreadd', cmdline: [] },
      99: { ns: HOST_NS, status: status({ Name: 'node' }), comm: 'node' },
      500: {
        ns: HOST_NS,
        status: status({ Name: 'bash', PPid: '1', NSpid: '500', Uid: '1000\t1000\t1000\t1000', Gid: '1000\t1000\t1000\t1000' }),
        comm: 'bash',
        cmdline: ['-bash'],
      },
      4242: {
        ...container,
        status: status({
          Name: 'sleep',
          PPid: '4240',
          NSpid: '4242\t1',
          CapPrm: DOCKER_CAPS,
          CapEff: DOCKER_CAPS,
          CapBnd: DOCKER_CAPS,
          NoNewPrivs: '1',
          Seccomp: '2',
          Seccomp_filters: '1',
        }),
        comm: 'sleep',
        cmdline: ['sleep', '1000'],
      },
      4250: { ...container, status: status({ Name: 'sh', PPid: '0', NSpid: '4250\t7' }), comm: 'sh', cmdline: ['sh'] },
    },
    cgroupRoot,
  );
  return { proc, cgroupRoot, dir };
}

function ok(t: Test, result: ReturnType<typeof xray>): Xray {
  if (!result.ok) throw new Error(`xray failed: ${result.why} ${result.path}`);
  t.pass('read');
  return result.xray;
}

t.test('a container: every field, from its file', async (t) => {
  const { proc, cgroupRoot, dir } = tree(t);
  const x = ok(t, xray(4242, proc));
  t.equal(x.pid, 4242);
  t.equal(x.comm, 'sleep');
  t.same(x.command, ['sleep', '1000']);
  t.equal(x.ppid, 4240);
  t.same(x.uid, { real: 0, effective: 0, saved: 0, filesystem: 0 });
  t.same(x.nspid, [4242, 1], 'NSpid: its PID here and inside');
  t.same(x.reference, { pid: 1, why: 'pid-1' }, "the host's namespaces are PID 1's");
  t.same(
    x.namespaces.map((n) => [n.type, n.inode, n.own]),
    [
      ['mnt', OWN_NS.mnt, true],
      ['uts', OWN_NS.uts, true],
      ['ipc', OWN_NS.ipc, true],
      ['net', OWN_NS.net, true],
      ['pid', OWN_NS.pid, true],
      ['user', HOST_NS.user, false],
      ['cgroup', OWN_NS.cgroup, true],
      ['time', HOST_NS.time, false],
    ],
    'each namespace against the host’s',
  );
  const mnt = x.namespaces.find((n) => n.type === 'mnt')!;
  t.same(mnt.sharedWith, { count: 1, processes: [{ pid: 4250, comm: 'sh' }] }, 'its mnt namespace: shared with its shell only');
  t.equal(x.namespaces.find((n) => n.type === 'user')!.sharedWith.count, 5, "the host's user namespace: everyone else");
  t.same(x.idMaps.uid, [{ inside: 0, outside: 0, count: 4294967295 }], 'uid_map');
  t.same(x.cgroup.v2Path, '/lab-container-abc', 'the 0:: line');
  t.equal(x.cgroup.v2Mount, cgroupRoot, "the reader's cgroup2 mount, from self/mountinfo");
  t.equal(x.cgroup.dir, join(cgroupRoot, 'lab-container-abc'));
  t.same(
    x.cgroup.limits,
    { 'memory.max': 33554432, 'memory.current': 1232896, 'cpu.max': { quota: 50000, period: 100000 }, 'pids.max': 20, 'pids.current': 2, 'io.max': null },
    'the limit files; io.max absent is null',
  );
  t.same(x.cgroup.v1, [
    { controllers: ['name=systemd'], path: '/' },
    { controllers: ['memory'], path: '/lab' },
  ]);
  t.equal(x.root.sameAsHost, false, 'its root is not the host’s');
  t.not(x.root.id, null);
  t.equal(x.root.mount?.fsType, 'overlay');
  t.same(x.root.overlay, {
    lowerdir: ['/var/lib/lab/layers/top', '/var/lib/lab/layers/base'],
    upperdir: '/var/lib/lab/c/upper',
    workdir: '/var/lib/lab/c/work',
  });
  t.same(x.capabilities.effective?.names, [
    'CAP_CHOWN',
    'CAP_DAC_OVERRIDE',
    'CAP_FOWNER',
    'CAP_FSETID',
    'CAP_KILL',
    'CAP_SETGID',
    'CAP_SETUID',
    'CAP_SETPCAP',
    'CAP_NET_BIND_SERVICE',
    'CAP_NET_RAW',
    'CAP_SYS_CHROOT',
    'CAP_MKNOD',
    'CAP_AUDIT_WRITE',
    'CAP_SETFCAP',
  ]);
  t.equal(x.capabilities.effective?.all, false);
  t.equal(x.capabilities.lacking.length, 41 - 14, "it lacks 27 of the host's PID 1's");
  t.ok(x.capabilities.lacking.includes('CAP_SYS_ADMIN'));
  t.same(x.seccomp, { mode: 2, filters: 1 });
  t.equal(x.noNewPrivs, true);
  t.same(x.verdict, {
    container: true,
    ownNamespaces: ['mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup'],
    cgroup: '/lab-container-abc',
    root: { kind: 'overlay', layers: 2, fsType: 'overlay', path: '/' },
  });
  t.equal(verdictText(x).en, 'a container: own mnt, uts, ipc, net, pid, cgroup namespaces; cgroup /lab-container-abc; root is an overlay of 2 layers');
  t.equal(
    verdictText(x).zh,
    '是容器（container）：有自己的 mnt、uts、ipc、net、pid、cgroup 命名空间（namespace）；控制组（cgroup）/lab-container-abc；根目录是 2 层的叠加文件系统（overlayfs）',
  );
  t.ok(dir);
});

t.test('a host process shares everything: not a container', async (t) => {
  const { proc } = tree(t);
  const x = ok(t, xray(500, proc));
  t.ok(
    x.namespaces.every((n) => !n.own && n.inode === n.hostInode),
    'every namespace is the host’s',
  );
  t.same(x.uid, { real: 1000, effective: 1000, saved: 1000, filesystem: 1000 });
  t.equal(x.root.sameAsHost, true, 'the same root as PID 1');
  t.equal(x.capabilities.effective?.all, true, 'all 41');
  t.same(x.capabilities.lacking, []);
  t.same(x.verdict.container, false);
  t.equal(verdictText(x).en, 'not a container: it shares every namespace with the host');
  t.equal(verdictText(x).zh, '不是容器（container）：它的每个命名空间（namespace）都与宿主机（host）共用');
  const mnt = x.namespaces.find((n) => n.type === 'mnt')!;
  t.equal(mnt.sharedWith.count, 3, 'PID 1, kthreadd and the reader');
});

t.test("PID 1's namespaces unreadable: kthreadd's are the host's", async (t) => {
  const { proc } = tree(t, { pid1Readable: false });
  const x = ok(t, xray(4242, proc));
  t.same(x.reference, { pid: 2, why: 'kthreadd' });
  t.equal(x.namespaces.find((n) => n.type === 'mnt')!.hostInode, HOST_NS.mnt);
  t.same(x.verdict.ownNamespaces, ['mnt', 'uts', 'ipc', 'net', 'pid', 'cgroup']);
});

t.test('no such process', async (t) => {
  const { proc } = tree(t);
  const r = xray(31337, proc);
  t.equal(r.ok, false);
  if (!r.ok) t.equal(r.why, 'no-such-process');
});

t.test('overlay options: lowerdir top first, escaped colons and commas, lowerdir+ one by one', async (t) => {
  t.same(parseOverlayOptions('rw,lowerdir=/a:/b:/c,upperdir=/u,workdir=/w'), { lowerdir: ['/a', '/b', '/c'], upperdir: '/u', workdir: '/w' });
  t.same(parseOverlayOptions('ro,lowerdir=/x\\:y:/z').lowerdir, ['/x:y', '/z'], 'a colon inside a path');
  t.same(parseOverlayOptions('rw,lowerdir=/with\\054comma,upperdir=/u\\040v').lowerdir, ['/with,comma']);
  t.same(parseOverlayOptions('rw,lowerdir+=/a,lowerdir+=/b,datadir+=/d,upperdir=/u,workdir=/w').lowerdir, ['/a', '/b', '/d'], 'the new mount API');
  t.same(parseOverlayOptions('rw,lowerdir=/a::/data').lowerdir, ['/a', '/data'], 'a data-only layer after ::');
  t.equal(parseOverlayOptions('ro,lowerdir=/a').upperdir, null, 'read-only: no upperdir');
});

t.test('capability names: 0 to 40, a mask decoded, all of them', async (t) => {
  t.equal(CAPABILITY_NAMES.length, 41);
  t.equal(CAPABILITY_NAMES[21], 'CAP_SYS_ADMIN');
  t.equal(CAPABILITY_NAMES[40], 'CAP_CHECKPOINT_RESTORE');
  t.same(capabilityNames(0b101n), ['CAP_CHOWN', 'CAP_DAC_READ_SEARCH']);
  t.same(capabilityNames(1n << 41n), ['CAP_41'], 'a bit the table does not know yet');
  t.same(decodeCapabilities(0x1ffffffffffn, 40), { hex: '000001ffffffffff', names: CAPABILITY_NAMES, count: 41, all: true });
  t.equal(decodeCapabilities(0x1fffeffffffn, 40).all, false, 'one missing');
  t.equal(decodeCapabilities(0n, 40).count, 0);
});

t.test('the report in both languages: every section, the glossary’s first-use rule in Chinese', async (t) => {
  const { proc } = tree(t);
  const x = ok(t, xray(4242, proc));
  const sections = reportSections(x);
  t.same(
    sections.map((s) => s.heading.en.split(/[ ,(]/)[0]),
    ['Process', 'Namespaces', 'Control', 'Root', 'Capabilities', 'Security'],
  );
  const zh = [verdictText(x).zh, ...sections.flatMap((s) => ['', s.heading.zh, ...s.rows.map((r) => `${r.label.zh} ${r.value.zh}`)])].join('\n');
  t.same(firstUseProblems(zh), [], 'each term is followed by its English word at first use');
  const en = sections.flatMap((s) => s.rows.map((r) => `${r.label.en} ${r.value.en}`)).join('\n');
  t.match(en, /4026532500 its own, shared with 1 other process: 4250 \(sh\)/, 'who shares its mnt namespace');
  t.match(en, /NSpid 4242 1: PID 1 inside/);
  t.match(en, /memory\.max 33554432 \(32 MiB\)/);
  t.match(en, /cpu\.max 50000 100000 \(0\.5 CPU\)/);
  t.match(en, /io\.max not enabled/);
  t.match(en, /the layers, top first:\n\/var\/lib\/lab\/layers\/top\n\/var\/lib\/lab\/layers\/base/);
  t.match(en, /CapEff 14 \(00000000a80425fb\): CAP_CHOWN, CAP_DAC_OVERRIDE/);
  t.match(en, /Seccomp 2 \(filter\), 1 filter$/m);
  t.match(en, /NoNewPrivs 1/);
});
