// Runs the security lab for real and asserts, after each step, the kernel facts from raw /proc files and commands of
// the test's own, independently of the lab's checks: each container's PID 1 (found by the variable it was given) and
// its capability sets, NoNewPrivs, Seccomp, masks and read-only mounts, user namespace and uid_map; the seccomp
// refusal repeated with `lab container exec`; the rootless process's map and the container made inside it (the task). Then that the host is as before: no
// container left, its hostname and /etc/passwd untouched. And the same run with / mounted shared, as on systemd hosts.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { parseMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { BIN, cleanEnv, needsRoot, tempDir, verifyLeavingHost } from '../helpers.js';
import { unmetSkip } from './contract.js';
import { verifyUnderSharedRoot } from './shared-root.js';
import { checkCount } from '../../src/lab/quiz.js';

// The lab runs `lab container ...` as a learner types it: `lab` must be on the PATH (as in toy-container.test.ts).
if (spawnSync('sh', ['-c', 'command -v lab']).status !== 0) {
  const bin = tempDir('lab-test-bin-');
  symlinkSync(BIN, join(bin, 'lab'));
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
}

const lab = await loadLab('security');
const skip = needsRoot() || unmetSkip(lab);

const DOCKER = '00000000a80425fb';
const DOCKER_AND_SYS_ADMIN = '00000000a82425fb';

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/** One field of /proc/<pid>/status, raw. */
const status = (pid: number | 'self', field: string): string => new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(read(`/proc/${pid}/status`))?.[1]?.trim() ?? '';

/** The PID 1 of the run's container of this variant: level 1 of a PID namespace, with LAB_SEC=<variant>-<suffix>. */
function pid1(variant: string, suffix: string): number | undefined {
  const marker = `LAB_SEC=${variant}-${suffix}`;
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .find((pid) => read(`/proc/${pid}/environ`).split('\0').includes(marker) && status(pid, 'NSpid').split(/\s+/).at(-1) === '1');
}

/** The last mount at a point of a process's mount table. */
const mountAt = (pid: number, point: string): MountEntry | undefined =>
  parseMountinfo(read(`/proc/${pid}/mountinfo`))
    .filter((m) => m.mountPoint === point)
    .at(-1);

/** The hostname a process's UTS namespace holds. */
const hostnameIn = (pid: number): string => spawnSync('nsenter', ['--target', String(pid), '--uts', '--', 'hostname'], { encoding: 'utf8' }).stdout.trim();

/** `lab container exec <name> ARGV`: its exit status. */
const execStatus = (name: string, ...argv: string[]): number | null =>
  spawnSync('lab', ['container', 'exec', name, ...argv], { encoding: 'utf8', env: cleanEnv() }).status;

const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

t.test('security, verified step by step against the kernel', { skip }, async (t) => {
  const hostname = read('/proc/sys/kernel/hostname');
  const passwd = digest('/etc/passwd');
  let session: Session | undefined;
  const suffix = (): string => session!.runId.split('-').slice(-2).join('-');
  const name = (variant: string): string => `lab-sec-${variant}-${suffix()}`;
  const must = (variant: string): number => {
    const pid = pid1(variant, suffix());
    if (pid === undefined) throw new Error(`no PID 1 of ${variant}`);
    return pid;
  };
  const facts: Record<string, () => void> = {
    capabilities: () => {
      const pid = must('default');
      t.same(
        ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'].map((f) => status(pid, f)),
        ['0000000000000000', DOCKER, DOCKER, DOCKER, '0000000000000000'],
        "the default container's PID 1: Docker's 14, nothing inheritable or ambient",
      );
      t.not(hostnameIn(pid), 'lab-sec-try', 'its hostname was not changed');
      t.equal(read('/proc/sys/kernel/hostname'), hostname, "nor the host's");
    },
    'cap-add': () => {
      const pid = must('admin');
      t.equal(status(pid, 'CapEff'), DOCKER_AND_SYS_ADMIN, '--cap-add SYS_ADMIN: bit 21 more');
      t.equal(hostnameIn(pid), 'lab-sec-try', 'its UTS namespace holds the new hostname');
      t.equal(read('/proc/sys/kernel/hostname'), hostname, "the host's is unchanged");
    },
    'no-new-privs': () => {
      t.equal(status(must('nnp'), 'NoNewPrivs'), '1', 'no-new-privileges: NoNewPrivs 1');
      t.equal(status(must('default'), 'NoNewPrivs'), '0', 'the default container: 0');
      t.equal(status(must('nnp'), 'Seccomp'), '2', 'still filtered');
    },
    'proc-paths': () => {
      const pid = must('default');
      const keys = mountAt(pid, '/proc/keys');
      t.equal(keys?.root, '/null', '/proc/keys is a bind of /dev/null');
      t.equal(keys?.device, mountAt(pid, '/dev')?.device, "the container's own /dev");
      t.ok(mountAt(pid, '/proc/sys')?.options.split(',').includes('ro'), '/proc/sys is mounted read-only');
      t.not(hostnameIn(pid), 'lab-sec-proc', 'the write to /proc/sys/kernel/hostname changed nothing');
      t.equal(execStatus(name('default'), 'umount', '/proc/keys') !== 0, true, 'umount /proc/keys is refused again');
      t.equal(mountAt(pid, '/proc/keys')?.root, '/null', 'and the mask is still there');
    },
    seccomp: () => {
      t.same([status(must('default'), 'Seccomp'), status(must('default'), 'Seccomp_filters')], ['2', '1'], 'default: one filter');
      t.same([status(must('unconfined'), 'Seccomp'), status(must('unconfined'), 'CapEff')], ['0', DOCKER], 'unconfined: no filter, the same capabilities');
      t.not(execStatus(name('default'), 'unshare', '-U', 'true'), 0, 'unshare -U refused under the filter');
      t.equal(execStatus(name('unconfined'), 'unshare', '-U', 'true'), 0, 'allowed without it');
    },
    privileged: () => {
      const pid = must('privileged');
      t.equal(status(pid, 'CapEff'), status('self', 'CapBnd'), "--privileged: every capability of the harness's bounding set");
      t.equal(status(pid, 'Seccomp'), '0', 'no filter');
      t.equal(readlinkSync(`/proc/${pid}/ns/user`), readlinkSync('/proc/self/ns/user'), "the host's user namespace");
      t.equal(read(`/proc/${pid}/uid_map`).trim().split(/\s+/).join(' '), '0 0 4294967295', 'the identity map');
    },
    rootless: () => {
      const pid = session!.proc('rootless').pid;
      t.equal(read(`/proc/${pid}/uid_map`).trim().split(/\s+/).join(' '), '0 65534 1', 'root inside is nobody outside');
      t.match(status(pid, 'Uid'), /^65534\s/, 'the host sees it as nobody');
      t.not(readlinkSync(`/proc/${pid}/ns/user`), readlinkSync('/proc/self/ns/user'), 'in a user namespace of its own');
      t.equal(digest('/etc/passwd'), passwd, '/etc/passwd unchanged');
    },
    'rootless-container': () => {
      const rootless = session!.proc('rootless').pid;
      const userns = readlinkSync(`/proc/${rootless}/ns/user`);
      const own = readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .map(Number)
        .filter((pid) => {
          try {
            return readlinkSync(`/proc/${pid}/ns/user`) === userns && readlinkSync(`/proc/${pid}/ns/pid`) !== readlinkSync(`/proc/${rootless}/ns/pid`);
          } catch {
            return false;
          }
        })
        .find((pid) => status(pid, 'NSpid').split(/\s+/).at(-1) === '1');
      t.ok(own, 'a PID 1 of a new PID namespace in the rootless user namespace');
      for (const type of ['mnt', 'uts', 'ipc', 'net'])
        t.not(readlinkSync(`/proc/${own}/ns/${type}`), readlinkSync(`/proc/${rootless}/ns/${type}`), `its own ${type} namespace`);
      t.match(status(own!, 'Uid'), /^65534\s/, 'running as nobody on the host');
    },
    remove: () => {
      for (const variant of ['default', 'admin', 'nnp', 'unconfined', 'privileged']) t.equal(pid1(variant, suffix()), undefined, `${variant}: no PID 1 left`);
    },
  };
  await verifyLeavingHost(t, lab, facts, (s) => (session = s));
  const ps = spawnSync('lab', ['container', 'ps', '-a', '-q'], { encoding: 'utf8', env: cleanEnv() });
  t.equal(ps.stdout.trim(), '', 'no container is left');
  t.equal(read('/proc/sys/kernel/hostname'), hostname, "the host's hostname is as before");
  t.equal(digest('/etc/passwd'), passwd, '/etc/passwd is as before');
});

t.test('with / mounted shared, the lab leaves the mount table exactly as it was', { skip }, async (t) => {
  const run = verifyUnderSharedRoot(t, 'security');
  const total = lab.steps.reduce((n, s) => n + checkCount(s.spec), 0);
  t.equal(run.checks().filter((e) => e.ok).length, total, `all ${total} checks passed`);
  t.notOk(
    run.table('after').some((m) => m.fsType === 'overlay'),
    "no container's overlay reached the shared namespace",
  );
});
