// Runs the cgroup-namespace lab for real and asserts the kernel facts at each step independently of the lab's own
// checks (raw reads of /proc and of the cgroup hierarchy), then that the host is exactly as before: no cgroup
// left, the host's mount table unchanged.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadLab } from '../../src/lab/load.js';
import { runLab } from '../../src/lab/runner.js';
import type { Session } from '../../src/lab/session.js';
import { readCgroupLayout } from '../../src/kernel/cgroup-mode.js';
import { propagationOf, readMountinfo } from '../../src/kernel/mountinfo.js';
import { hostSnapshot, needsRoot, useTempState, verifyWithFacts } from '../helpers.js';

const layout = readCgroupLayout();
const skip = needsRoot() || (layout.v2Path === undefined && 'needs a cgroup v2 hierarchy');
const v2 = layout.v2Path ?? '/sys/fs/cgroup';

/** The v2 line of /proc/<pid>/cgroup, as read by this process or by a command run in the lab's cgroup namespace. */
const v2Line = (text: string): string | undefined => text.split('\n').find((line) => line.startsWith('0::'));
const onHost = (pid: number): string | undefined => v2Line(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
const fromInside = (pid: number): string | undefined =>
  v2Line(spawnSync('nsenter', ['--target', String(pid), '--cgroup', '--', 'cat', `/proc/${pid}/cgroup`], { encoding: 'utf8' }).stdout);
const procs = (dir: string): string[] => readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).sort();
const labCgroups = (): string[] =>
  readdirSync(v2)
    .filter((name) => name.startsWith('lab-cgns-'))
    .sort();

t.test('cgroup-namespace, verified step by step against the kernel', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const cgroupsBefore = labCgroups();
  const hostMounts = readFileSync('/proc/self/mountinfo', 'utf8');
  const lab = await loadLab('cgroup-namespace');
  let session: Session | undefined;
  const name = (): string => `lab-cgns-${session!.runId.split('-').slice(-2).join('-')}`;
  const dir = (): string => join(v2, name());
  const init = (): number => session!.proc('init').pid;
  const facts: Record<string, () => void> = {
    create: () => {
      t.ok(procs(dir()).includes(String(init())), "init is listed in the lab cgroup's cgroup.procs");
      t.equal(onHost(init()), `0::/${name()}`, 'the host sees the real path');
      t.equal(fromInside(init()), '0::/', 'inside, the same cgroup is the root');
      t.not(readlinkSync(`/proc/${init()}/ns/cgroup`), readlinkSync('/proc/self/ns/cgroup'), 'in a cgroup namespace of its own');
      t.not(readlinkSync(`/proc/${init()}/ns/mnt`), readlinkSync('/proc/self/ns/mnt'), 'and a mount namespace of its own');
      // The next step unmounts /sys/fs/cgroup in it: with a shared or slave mount that would reach the host.
      t.same(
        readMountinfo(init())!
          .filter((m) => propagationOf(m) !== 'private')
          .map((m) => m.mountPoint),
        [],
        'every mount in it is private',
      );
    },
    join: () => {
      const joined = session!.proc('joined').pid;
      t.equal(readlinkSync(`/proc/${joined}/ns/cgroup`), readlinkSync(`/proc/${init()}/ns/cgroup`), "the joined process is in the lab's cgroup namespace");
      const own = onHost(process.pid)!;
      t.equal(onHost(joined), own, "and still in the cgroup it was started in, this test's");
      t.ok(procs(join(v2, own.slice('0::'.length))).includes(String(joined)), 'whose cgroup.procs lists it');
      t.notOk(procs(dir()).includes(String(joined)), "the lab's cgroup.procs does not");
      const up = `/${relative(`/${name()}`, own.slice('0::'.length))}`;
      t.ok(up.startsWith('/..'), "its cgroup lies outside the namespace's root");
      t.equal(fromInside(joined), `0::${up}`, 'and inside it is named relative to that root');
    },
    cgroupfs: () => {
      const mount = readMountinfo(init())!
        .filter((m) => m.fsType === 'cgroup2' && m.mountPoint === '/sys/fs/cgroup')
        .at(-1);
      t.equal(mount?.root, `/${name()}`, "the lab's cgroup2 mount is rooted at the lab's cgroup");
      const below = readMountinfo(init())!.filter((m) => m.mountPoint === '/sys/fs/cgroup' || m.mountPoint.startsWith('/sys/fs/cgroup/'));
      t.same(
        below.map((m) => `${m.fsType} ${m.root}`),
        [`cgroup2 /${name()}`],
        "and the only mount at /sys/fs/cgroup and below: the copy of the host's is gone",
      );
      t.equal(readFileSync('/proc/self/mountinfo', 'utf8'), hostMounts, "the host's mount table is unchanged");
      const seen = readdirSync(`/proc/${init()}/root/sys/fs/cgroup`);
      t.ok(seen.includes('cgroup.procs'), 'inside, /sys/fs/cgroup is a cgroup directory');
      t.notOk(seen.includes(name()), "and not the hierarchy's root (the lab's own cgroup is not listed in it)");
      t.same(procs(`/proc/${init()}/root/sys/fs/cgroup`), procs(dir()), "its cgroup.procs is the lab cgroup's");
    },
    child: () => {
      const child = join(dir(), 'lab-child');
      t.same(procs(child), [String(init())], 'init alone is in the child made from inside');
      t.equal(onHost(init()), `0::/${name()}/lab-child`);
      t.equal(fromInside(init()), '0::/lab-child');
    },
    remove: () => {
      t.notOk(existsSync(join(dir(), 'lab-child')), 'the child is removed');
      t.equal(onHost(init()), `0::/${name()}`, "init is back in the lab's cgroup");
    },
  };
  const events = await verifyWithFacts(t, lab, facts, (s) => (session = s));
  t.ok(
    events.some((e) => e.type === 'command' && e.command === `mkdir ${join(v2, name())}`),
    'the command shown is the one run',
  );
  t.same(labCgroups(), cgroupsBefore, "the lab's cgroup is gone");
  t.same(hostSnapshot(state), before, 'mounts, marked processes, journals and lab cgroups are as before');
});

t.test('stopped with init in the child cgroup, the run removes the child, then its own cgroup', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const cgroupsBefore = labCgroups();
  const lab = await loadLab('cgroup-namespace');
  let session: Session | undefined;
  let child = '';
  const outcome = await runLab(lab, { mode: 'verify', lang: 'zh', stopAfter: 'child', onSession: (s) => (session = s) }, (event) => {
    if (event.type === 'step-done' && event.step === 'child') {
      child = join(v2, `lab-cgns-${session!.runId.split('-').slice(-2).join('-')}`, 'lab-child');
      t.ok(existsSync(child), 'the child cgroup exists when the run stops');
    }
  });
  t.equal(outcome.stepsPassed, 5, 'create, join, the view-only quiz, cgroupfs and child passed');
  t.notOk(existsSync(child), 'cleanup removed it');
  t.same(labCgroups(), cgroupsBefore, "and the lab's cgroup");
  t.same(hostSnapshot(state), before);
});
