// Runs the user-namespace lab for real and asserts the kernel facts at each step independently of the lab's own
// checks (raw /proc reads and commands of our own), then that the host is exactly as before, /run included.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { loadLab } from '../../src/lab/load.js';
import { runLab } from '../../src/lab/runner.js';
import type { Session } from '../../src/lab/session.js';
import { isAlive } from '../../src/kernel/proc.js';
import { parseMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { errnoNumber, openForWriteProbeArgv, umountProbeArgv } from '../../src/kernel/syscall-probe.js';
import { hostSnapshot, needsRoot, useTempState, verifyWithFacts } from '../helpers.js';

const status = (pid: number, field: string): string[] =>
  (new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '').trim().split(/\s+/);
const map = (pid: number, kind: 'uid' | 'gid'): string => readFileSync(`/proc/${pid}/${kind}_map`, 'utf8').trim().split(/\s+/).join(' ');
const ns = (pid: number | 'self', type: string): string => readlinkSync(`/proc/${pid}/ns/${type}`);
const mounts = (pid: number): MountEntry[] => parseMountinfo(readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
const tagOf = (m: MountEntry | undefined, name: 'shared' | 'master'): string | undefined =>
  m?.tags.find((x) => x.startsWith(`${name}:`))?.slice(name.length + 1);
const labPaths = (): string[] =>
  readdirSync('/run')
    .filter((name) => name.startsWith('lab-userns-'))
    .sort();
const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
const allCaps = ((1n << BigInt(lastCap + 1)) - 1n).toString(16).padStart(16, '0');

t.test('user-namespace, verified step by step against the kernel', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const runBefore = labPaths();
  const hostname = readFileSync('/proc/sys/kernel/hostname', 'utf8');
  const lab = await loadLab('user-namespace');
  let session: Session | undefined;
  const suffix = (): string => session!.runId.split('-').slice(-2).join('-');
  const facts: Record<string, () => void> = {
    create: () => {
      const init = session!.proc('init').pid;
      t.not(ns(init, 'user'), ns('self', 'user'), 'init is in another user namespace');
      t.equal(map(init, 'uid'), '0 65534 1', 'uid_map: root inside is 65534 outside');
      t.equal(map(init, 'gid'), '0 65534 1', 'gid_map too');
      t.same(status(init, 'Uid'), ['65534', '65534', '65534', '65534'], 'the host sees nobody');
      t.equal(status(init, 'CapEff')[0], allCaps, 'with every capability, in its own namespace');
      const inside = spawnSync('nsenter', ['--target', String(init), '--user', '--', 'id', '-u'], { encoding: 'utf8' });
      t.equal(inside.stdout.trim(), '0', 'inside, the same process is root');
    },
    files: () => {
      const dir = `/run/lab-userns-${suffix()}`;
      const st = statSync(dir);
      t.equal(st.uid, 65534, 'the directory belongs to nobody');
      t.equal(st.mode & 0o777, 0o700, 'and only nobody may enter it');
      const file = statSync(`${dir}/made-inside`);
      t.same([file.uid, file.gid], [65534, 65534], 'the file root made inside belongs to nobody on disk');
    },
    'host-file': () => {
      const path = `/run/lab-userns-${suffix()}.conf`;
      t.equal(readFileSync(path, 'utf8'), 'written by the host root\n', "the host root's file is unchanged");
      t.equal(statSync(path).uid, 0, "and still the host root's");
      const init = session!.proc('init').pid;
      const write = spawnSync('nsenter', ['--target', String(init), '--user', '--', 'sh', '-c', `: > ${path}`], { encoding: 'utf8' });
      t.not(write.status, 0, 'truncating it from inside fails too');
      t.match(write.stderr, /Permission denied/);
      t.equal(statSync(path).size, 25, 'nothing was truncated');
      const open = spawnSync('nsenter', ['--target', String(init), '--user', '--', ...openForWriteProbeArgv(path)], { encoding: 'utf8' });
      t.equal(open.status, errnoNumber('EACCES'), `open(2) for writing from inside: EACCES (${open.stderr.trim()})`);
    },
    'own-namespaces': () => {
      const own = session!.proc('own-uts').pid;
      t.not(ns(own, 'uts'), ns('self', 'uts'), "the new UTS namespace is not the host's");
      t.equal(ns(own, 'user'), ns(session!.proc('init').pid, 'user'), "its process is in the lab's user namespace");
      const name = spawnSync('nsenter', ['--target', String(own), '--uts', '--', 'cat', '/proc/sys/kernel/hostname'], { encoding: 'utf8' });
      t.equal(name.stdout.trim(), 'lab-userns', 'it has the name root inside gave it');
      t.equal(readFileSync('/proc/sys/kernel/hostname', 'utf8'), hostname, "the host's hostname is unchanged");
    },
    mounts: () => {
      const parent = session!.proc('mnt-parent').pid;
      const child = session!.proc('mnt-child').pid;
      t.not(ns(parent, 'mnt'), ns('self', 'mnt'), "the parent mount namespace is not the host's");
      t.equal(ns(parent, 'user'), ns('self', 'user'), "and belongs to the host's user namespace");
      t.not(ns(child, 'user'), ns('self', 'user'), 'the child is in another user namespace');
      t.equal(map(child, 'uid'), '0 65534 1', 'made by nobody, who is root there');
      const inParent = mounts(parent).find((m) => m.source === 'lab-userns-mnt');
      const inChild = mounts(child).find((m) => m.source === 'lab-userns-mnt');
      const group = tagOf(inParent, 'shared');
      t.ok(group, `the parent's /mnt is shared:${group}`);
      t.equal(tagOf(inChild, 'master'), group, "the child's copy is its slave");
      t.equal(tagOf(inChild, 'shared'), undefined, 'and in no peer group');
      const umount = spawnSync('nsenter', ['--target', String(child), '--user', '--mount', '--', ...umountProbeArgv('/mnt')], { encoding: 'utf8' });
      t.equal(umount.status, errnoNumber('EINVAL'), `umount2 of the inherited /mnt from inside: EINVAL (${umount.stderr.trim()})`);
      t.ok(
        mounts(child).some((m) => m.source === 'lab-userns-mnt' && m.mountPoint === '/mnt'),
        'it is still mounted',
      );
      t.same(
        mounts(child)
          .filter((m) => m.source === 'lab-userns-own')
          .map((m) => `${m.mountPoint} ${m.fsType}`),
        ['/mnt/own tmpfs'],
        "the child's own tmpfs",
      );
      t.notOk(
        mounts(parent).some((m) => m.source === 'lab-userns-own'),
        'did not reach the parent',
      );
      t.notOk(
        mounts(process.pid).some((m) => m.source.startsWith('lab-userns-')),
        'the host has none of these mounts',
      );
    },
    'map-user': () => {
      const mapped = session!.proc('mapped').pid;
      t.equal(map(mapped, 'uid'), '1000 65534 1', "the learner's namespace maps 1000 to nobody");
      t.equal(map(mapped, 'gid'), '1000 65534 1');
      t.equal(status(mapped, 'CapEff')[0], '0000000000000000', 'and as 1000 inside it has no capability');
    },
  };
  const events = await verifyWithFacts(t, lab, facts, (s) => (session = s));
  t.ok(
    events.some(
      (e) => e.type === 'command' && e.command.startsWith('setpriv --reuid 65534 --regid 65534 --clear-groups -- setpriv --pdeathsig KILL -- unshare --user'),
    ),
    'the command shown is the one run',
  );
  t.same(labPaths(), runBefore, "the lab's paths under /run are gone");
  t.same(hostSnapshot(state), before, 'mounts, marked processes, journals and the hostname are as before');
});

t.test('stopped after the file step, the run still removes its directory and processes', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const runBefore = labPaths();
  const lab = await loadLab('user-namespace');
  let init = 0;
  const outcome = await runLab(lab, { mode: 'verify', lang: 'zh', stopAfter: 'files' }, (event) => {
    if (event.type === 'command' && event.command.includes('/uid_map')) init = Number(/\/proc\/(\d+)\//.exec(event.command)?.[1]);
  });
  t.equal(outcome.stepsPassed, 2);
  t.ok(init > 0);
  t.notOk(isAlive(init), 'init was killed in cleanup');
  t.same(labPaths(), runBefore, 'the directory under /run was removed');
  t.same(hostSnapshot(state), before);
});
