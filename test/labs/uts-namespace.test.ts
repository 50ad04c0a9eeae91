// Runs the uts-namespace lab for real and asserts the kernel facts at each step independently of the lab's own
// checks (hostnames read with nsenter and /proc/sys/kernel), then that the host, its hostname included, is as before.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { loadLab } from '../../src/lab/load.js';
import { runLab } from '../../src/lab/runner.js';
import type { Session } from '../../src/lab/session.js';
import { isAlive, nsInode } from '../../src/kernel/proc.js';
import { utsNameArgv } from '../../src/kernel/uts.js';
import { hostSnapshot, needsRoot, useTempState } from '../helpers.js';
import { checkCount } from '../../src/lab/quiz.js';

/** A name of the UTS namespace of `pid`, asked of the kernel through nsenter. */
function nameIn(pid: number, file: 'hostname' | 'domainname'): string {
  const r = spawnSync('nsenter', ['--target', String(pid), '--uts', 'cat', `/proc/sys/kernel/${file}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : `(nsenter failed: ${r.stderr.trim()})`;
}

const hostName = (file: 'hostname' | 'domainname'): string => readFileSync(`/proc/sys/kernel/${file}`, 'utf8').trim();

/** The hostname of the UTS namespace a file refers to (a bind-mounted or open namespace file), through nsenter. */
function nameVia(path: string): string {
  const r = spawnSync('nsenter', [`--uts=${path}`, 'cat', '/proc/sys/kernel/hostname'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : `(nsenter failed: ${r.stderr.trim()})`;
}

/** Mount points of nsfs mounts of `name` (`uts:[inode]`) in the mount namespace of `pid`, from its mountinfo. */
function nsfsMounts(pid: number | 'self', name: string): string[] {
  return readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f[3] === name && f[f.indexOf('-') + 1] === 'nsfs')
    .map((f) => f[4]!);
}

/** Every place /proc shows a reference to `name`: ns links of processes, open fds, nsfs mounts (any mount namespace). */
function referencesTo(name: string): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const link = (path: string): string | undefined => {
      try {
        return readlinkSync(path);
      } catch {
        return undefined;
      }
    };
    if (link(`/proc/${pid}/ns/uts`) === name) found.push(`process ${pid}`);
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      // gone
    }
    for (const fd of fds) if (link(`/proc/${pid}/fd/${fd}`) === name) found.push(`fd ${pid}/${fd}`);
    const mnt = link(`/proc/${pid}/ns/mnt`);
    if (mnt === undefined || seen.has(mnt)) continue;
    seen.add(mnt);
    try {
      for (const point of nsfsMounts(Number(pid), name)) found.push(`mount ${pid}:${point}`);
    } catch {
      // gone
    }
  }
  return found;
}

t.test('utsNameArgv reads hostname with hostname(1) and the domain name from /proc', async (t) => {
  t.same(utsNameArgv(42, 'hostname'), ['nsenter', '--target', '42', '--uts', '--', 'hostname']);
  t.same(utsNameArgv(42, 'domainname'), ['nsenter', '--target', '42', '--uts', '--', 'cat', '/proc/sys/kernel/domainname']);
});

t.test('uts-namespace, verified step by step against the kernel', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const hostBefore = { hostname: hostName('hostname'), domainname: hostName('domainname') };
  const lab = await loadLab('uts-namespace');
  let session: Session | undefined;
  const pids: number[] = [];
  const facts: Record<string, () => void> = {
    create: () => {
      const box = session!.proc('box').pid;
      pids.push(box);
      t.not(nsInode(box, 'uts'), nsInode('self', 'uts'), 'box has a UTS namespace of its own');
      t.equal(nameIn(box, 'hostname'), hostBefore.hostname, "which started with a copy of the host's hostname");
    },
    'set-names': () => {
      const box = session!.proc('box').pid;
      t.equal(nameIn(box, 'hostname'), 'box-a', 'the hostname inside is box-a');
      t.equal(nameIn(box, 'domainname'), 'lab.example', 'the domain name inside is lab.example');
      t.equal(hostName('hostname'), hostBefore.hostname, "the host's hostname did not change");
      t.equal(hostName('domainname'), hostBefore.domainname, "the host's domain name did not change");
    },
    siblings: () => {
      const box = session!.proc('box').pid;
      const sibling = session!.proc('sibling').pid;
      pids.push(sibling);
      t.equal(new Set([nsInode('self', 'uts'), nsInode(box, 'uts'), nsInode(sibling, 'uts')]).size, 3, 'three UTS namespaces');
      t.equal(nameIn(sibling, 'hostname'), 'box-b', 'the sibling is box-b');
      t.equal(nameIn(box, 'hostname'), 'box-a', 'box is still box-a');
      t.equal(nameIn(sibling, 'domainname'), hostBefore.domainname, "the sibling copied the host's domain name, not box's");
    },
    pin: () => {
      const sibling = session!.proc('sibling');
      const pins = session!.proc('pins').pid;
      const holder = session!.proc('holder').pid;
      pids.push(pins, holder);
      const name = `uts:[${sibling.ns.uts}]`;
      t.ok(!isAlive(sibling.pid) && !isAlive(sibling.leader), "box-b's processes are dead");
      t.notOk(
        referencesTo(name).some((r) => r.startsWith('process ')),
        "no process is in box-b's namespace",
      );
      t.same(nsfsMounts(pins, name), ['/mnt/uts'], "the lab's mount namespace has it bind-mounted on /mnt/uts");
      t.same(nsfsMounts('self', name), [], "the host's mount namespace has no such mount");
      t.equal(Number(statSync(`/proc/${pins}/root/mnt/uts`).ino), sibling.ns.uts, "the pinned file has the namespace's inode");
      t.equal(readlinkSync(`/proc/${holder}/fd/3`), name, 'the holder has it open on fd 3');
      t.equal(nameVia(`/proc/${pins}/root/mnt/uts`), 'box-b', 'through the bind mount it is still box-b');
      t.equal(nameVia(`/proc/${holder}/fd/3`), 'box-b', 'through the fd it is still box-b');
    },
    unpin: () => {
      const name = `uts:[${session!.proc('sibling').ns.uts}]`;
      t.same(nsfsMounts(session!.proc('pins').pid, name), [], 'the bind mount is gone');
      t.notOk(isAlive(session!.proc('holder').pid), 'the holder is dead');
      t.same(referencesTo(name), [], "nothing refers to box-b's namespace any more");
    },
    'name-it': () => {
      t.equal(nameIn(session!.proc('box').pid, 'hostname'), 'web-1', 'the reference solution named the container web-1');
      t.equal(hostName('hostname'), hostBefore.hostname, 'the host is still itself');
    },
  };
  const outcome = await runLab(lab, { mode: 'verify', lang: 'en', onSession: (s) => (session = s) }, (event) => {
    if (event.type === 'step-done') {
      t.equal(event.status, 'passed', `step ${event.step} passed`);
      facts[event.step]?.();
    }
  });
  t.equal(outcome.status, 'passed');
  t.equal(
    outcome.checksPassed,
    lab.steps.reduce((n, s) => n + checkCount(s.spec), 0),
    'every check ran and passed',
  );
  t.ok(pids.length === 4 && pids.every((pid) => !isAlive(pid)), 'the namespace holders and both pins were killed');
  t.same({ hostname: hostName('hostname'), domainname: hostName('domainname') }, hostBefore, 'hostname and domain name as before');
  t.same(hostSnapshot(state), before, 'mounts, marked processes, journals and names are as before');
});
