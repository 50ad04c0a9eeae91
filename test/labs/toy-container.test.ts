// Runs the toy-container lab for real and asserts, after each stage, the kernel facts from the raw /proc files of the
// lab's processes, independently of the lab's own checks; then that its processes and cgroup are gone and the host is
// as before. And, as on systemd hosts where / is shared, runs it inside a test namespace whose / is rshared and
// requires that namespace's mount table to be identical afterwards.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab } from '../../src/lab/load.js';
import { labCgroupOf } from '../../src/lab/runner.js';
import type { Session } from '../../src/lab/session.js';
import { mountFingerprint, parseMountinfo, propagationOf, readMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { comm, isAlive, listPids, nsInode, nspid } from '../../src/kernel/proc.js';
import { readCgroupProcs } from '../../src/kernel/cgroup-path.js';
import { BIN, cleanEnv, hostSnapshot, needsRoot, tempDir, useTempState, verifyWithFacts } from '../helpers.js';
import { unmetSkip } from './contract.js';
import { checkCount } from '../../src/lab/quiz.js';

/** The mountinfo of a process, parsed (empty when the process is gone). */
const table = (pid: number | 'self'): MountEntry[] => readMountinfo(pid) ?? [];
/** The last mount at a mount point. */
const at = (entries: MountEntry[], point: string): MountEntry | undefined => entries.filter((m) => m.mountPoint === point).at(-1);
/** What a command prints, trimmed. */
const output = (argv: string[]): string => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }).stdout.trim();

// The lab runs `lab container ...` as a learner types it: `lab` must be on the PATH. Where provisioning has not linked
// it (a development checkout), the test puts this checkout's bin/lab.js there, for itself and what it starts.
if (spawnSync('sh', ['-c', 'command -v lab']).status !== 0) {
  const bin = tempDir('lab-test-bin-');
  symlinkSync(BIN, join(bin, 'lab'));
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
}

const lab = await loadLab('toy-container');
const skip = needsRoot() || unmetSkip(lab);

/** The container's PID 1, found as the lab finds it: level 1 of its PID namespace, with the run's marker. */
const containerPid1 = (runId: string): number | undefined => {
  const marker = `TOY_RUN=${runId.split('-').slice(-2).join('-')}`;
  return listPids().find((pid) => nspid(pid)?.at(-1) === 1 && readEnv(pid).includes(marker));
};
const readEnv = (pid: number): string[] => {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return [];
  }
};

/** The cgroups right under the v2 root whose name starts so. */
const labCgroupsNamed = (prefix: string): string[] => {
  const root = existsSync('/sys/fs/cgroup/unified/cgroup.procs') ? '/sys/fs/cgroup/unified' : '/sys/fs/cgroup';
  return readdirSync(root).filter((name) => name.startsWith(prefix));
};

const MERGED = '/mnt/container/merged';
const LAYER = '/mnt/layers/busybox';

t.test('toy-container, verified stage by stage against the kernel', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  let session: Session | undefined;
  const ws = (): number => session!.proc('workspace').pid;
  const init = (): number => session!.proc('init').pid;
  const cgroup = (): string => labCgroupOf(lab.spec, session!.runId)!;
  let pids: number[] = [];
  let container = { pid1: 0, cgroup: '' };
  const facts: Record<string, () => void> = {
    workspace: () => {
      t.not(nsInode(ws(), 'mnt'), nsInode('self', 'mnt'), 'the workspace has a mount namespace of its own');
      t.equal(at(table(ws()), '/mnt')?.source, 'lab-toy', 'with the tmpfs lab-toy at /mnt');
      t.notOk(
        table('self').some((m) => m.source === 'lab-toy'),
        'the host has no lab-toy',
      );
    },
    layer: () => {
      const root = `/proc/${ws()}/root${LAYER}`;
      t.equal(statSync(`${root}/bin/busybox`).size, statSync('/bin/busybox').size, "the layer's busybox is the host's");
      t.equal(readlinkSync(`${root}/bin/sh`), '/bin/busybox', 'sh links to /bin/busybox, a path inside the layer');
    },
    cgroup: () => {
      t.same(readCgroupProcs(cgroup()), [], `${cgroup()} exists and is empty`);
    },
    namespaces: () => {
      pids = [ws(), init()];
      for (const type of ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'] as const)
        t.not(nsInode(init(), type), nsInode('self', type), `a ${type} namespace of its own`);
      t.equal(nsInode(init(), 'user'), nsInode('self', 'user'), "the host's user namespace");
      t.equal(nspid(init())?.at(-1), 1, 'PID 1 inside');
      t.ok(readCgroupProcs(cgroup())?.includes(init()), 'in the container cgroup');
      t.equal(output(['nsenter', '--target', String(init()), '--uts', 'hostname']), 'toy-container', 'its own hostname');
      t.equal(comm(init()), 'sh', 'still the shell, waiting at the pipe');
    },
    rootfs: () => {
      const mine = at(table(init()), MERGED);
      t.equal(mine?.fsType, 'overlay', 'the overlay is mounted in the container');
      t.match(mine?.superOptions ?? '', `lowerdir=${LAYER}`, 'over the layer');
      t.equal(at(table(init()), `${MERGED}/proc`)?.fsType, 'proc');
      t.notOk(at(table(ws()), MERGED), 'not in the workspace');
      t.notOk(
        table('self').some((m) => m.fsType === 'overlay' && m.superOptions.includes(LAYER)),
        'not on the host',
      );
    },
    pivot: () => {
      const inside = table(init());
      t.equal(at(inside, '/')?.fsType, 'overlay', '/ is the overlay');
      t.same(
        inside.filter((m) => !['overlay', 'proc', 'tmpfs', 'devpts', 'mqueue', 'sysfs', 'cgroup2'].includes(m.fsType)),
        [],
        'no host filesystem is left',
      );
      t.same(readdirSync(`/proc/${init()}/root`).sort(), ['bin', 'dev', 'etc', 'proc', 'root', 'sys', 'tmp'], "PID 1's root is the image");
    },
    process: () => {
      t.equal(comm(init()), 'sleep', 'PID 1 now runs sleep');
      t.equal(readlinkSync(`/proc/${init()}/exe`), '/bin/busybox', "the image's busybox");
      const inside = readdirSync(`/proc/${init()}/root/proc`).filter((name) => /^\d+$/.test(name));
      t.same(inside, ['1'], "the container's /proc lists PID 1 alone");
      const env = readFileSync(`/proc/${init()}/environ`, 'utf8').split('\0').filter(Boolean);
      t.notOk(
        env.some((e) => e.startsWith('LAB_')),
        'no variable of the harness',
      );
      t.notOk(
        env.some((e) => e.startsWith('PWD=') || e.startsWith('OLDPWD=')),
        "no PWD of the script's shell, as under runc",
      );
    },
    run: () => {
      const pid1 = containerPid1(session!.runId);
      t.ok(pid1, 'the detached container has a PID 1');
      t.equal(comm(pid1!), 'sleep', 'running sleep');
      for (const type of ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup'] as const)
        t.not(nsInode(pid1!, type), nsInode('self', type), `a ${type} namespace of its own`);
      t.equal(at(table(pid1!), '/')?.fsType, 'overlay', 'its root is an overlay');
      t.match(readFileSync(`/proc/${pid1}/cgroup`, 'utf8'), /^0::.*\/lab-container-[0-9a-f]{12}(\.scope)?$/m, 'in its own cgroup');
      container = { pid1: pid1!, cgroup: readFileSync(`/proc/${pid1}/cgroup`, 'utf8').match(/^0::(.*)$/m)![1]! };
    },
    exec: () => {
      const others = listPids().filter((pid) => pid !== container.pid1 && nsInode(pid, 'pid') === nsInode(container.pid1, 'pid'));
      const execd = others.find((pid) => comm(pid) === 'sleep');
      t.ok(execd, "the exec'd sleep is in the container's PID namespace");
      for (const type of ['mnt', 'uts', 'ipc', 'net', 'cgroup'] as const)
        t.equal(nsInode(execd!, type), nsInode(container.pid1, type), `in its ${type} namespace`);
      t.ok((nspid(execd!)?.at(-1) ?? 0) > 1, 'with a PID above 1 inside');
    },
    stop: () => {
      t.notOk(isAlive(container.pid1), 'PID 1 is gone');
      const [dir] = readdirSync(join(state, 'containers'));
      const recorded = JSON.parse(readFileSync(join(state, 'containers', dir!, 'state.json'), 'utf8')) as { status: string; exitCode: number };
      t.same([recorded.status, recorded.exitCode], ['exited', 137], 'recorded: exited 137');
    },
    rm: () => {
      t.same(readdirSync(join(state, 'containers')), [], 'no container directory is left');
      t.notOk(labCgroupsNamed('lab-container-').length, 'no container cgroup is left');
      t.notOk(
        table('self').some((m) => m.superOptions.includes(join(state, 'containers'))),
        'no overlay of it on the host',
      );
    },
  };
  await verifyWithFacts(t, lab, facts, (s) => (session = s));
  t.notOk(
    pids.some((pid) => isAlive(pid)),
    'the workspace and the container were killed in cleanup',
  );
  t.notOk(existsSync(cgroup()), 'the container cgroup was removed');
  t.same(hostSnapshot(state), before, 'mounts, marked processes, cgroups and journals are as before');
});

t.test('with / mounted shared, the lab leaves the mount table exactly as it was', { skip }, async (t) => {
  const state = useTempState();
  const dir = tempDir('lab-test-toy-');
  const hostBefore = mountFingerprint(table('self'));
  const script = [
    'set -e',
    'mount --make-rshared /',
    `cat /proc/self/mountinfo > ${dir}/before`,
    `${process.execPath} ${BIN} verify toy-container --json > ${dir}/out; echo $? > ${dir}/rc`,
    `cat /proc/self/mountinfo > ${dir}/after`,
  ].join('\n');
  // `unshare --mount` makes the test's namespace private from the real host before / is made shared inside it.
  const result = spawnSync('unshare', ['--mount', 'sh', '-c', script], { encoding: 'utf8', env: cleanEnv({ LAB_STATE_DIR: state }) });
  t.equal(result.status, 0, 'the script in the shared namespace ran to its end', { stderr: result.stderr });
  const read = (name: string): MountEntry[] => parseMountinfo(readFileSync(join(dir, name), 'utf8'));
  const root = read('before').find((m) => m.mountPoint === '/');
  t.equal(root && propagationOf(root), 'shared', '/ was shared, as on systemd hosts');
  t.equal(readFileSync(join(dir, 'rc'), 'utf8').trim(), '0', 'the lab passed');
  const checks = readFileSync(join(dir, 'out'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; ok?: boolean })
    .filter((e) => e.type === 'check');
  const total = lab.steps.reduce((n, s) => n + checkCount(s.spec), 0);
  t.equal(checks.filter((e) => e.ok).length, total, `all ${total} checks passed`);
  t.same(mountFingerprint(read('after')), mountFingerprint(read('before')), 'the lab added or removed no mount');
  t.notOk(
    read('after').some((m) => m.source.startsWith('lab-') || m.fsType === 'overlay'),
    'no mount of the lab or the container reached the shared namespace',
  );
  t.same(mountFingerprint(table('self')), hostBefore, 'the real host never saw any of it');
});

t.test('kill -9 of lab while the detached container runs, then lab clean: the container is gone too', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const child = spawn(process.execPath, [BIN, 'verify', 'toy-container', '--json'], {
    env: cleanEnv({ LAB_STATE_DIR: state }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  const ran = await new Promise<boolean>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (/"type":"step-done","step":"run"/.test(text)) resolve(true);
    });
    child.on('exit', () => resolve(false));
  });
  t.ok(ran, 'the run step passed');
  const [dir] = readdirSync(join(state, 'containers'));
  t.ok(dir, 'the container exists');
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const clean = spawnSync(process.execPath, [BIN, 'clean'], { encoding: 'utf8', env: cleanEnv({ LAB_STATE_DIR: state }) });
  t.equal(clean.status, 0, 'lab clean succeeded', { stderr: clean.stderr });
  t.same(readdirSync(join(state, 'containers')), [], "the container's directory is gone");
  t.notOk(labCgroupsNamed('lab-container-').length, "the container's cgroup is gone");
  t.same(hostSnapshot(state), before, 'nothing of the lab or the container remains');
});
