// Runs the uts-namespace lab for real and asserts the kernel facts at each step independently of the lab's own
// checks (hostnames read with nsenter and /proc/sys/kernel), then that the host, its hostname included, is as before.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadLab } from '../../src/lab/load.js';
import { runLab } from '../../src/lab/runner.js';
import type { Session } from '../../src/lab/session.js';
import { isAlive, nsInode } from '../../src/kernel/proc.js';
import { utsNameArgv } from '../../src/kernel/uts.js';
import { hostSnapshot, needsRoot, useTempState } from '../helpers.js';

/** A name of the UTS namespace of `pid`, asked of the kernel through nsenter. */
function nameIn(pid: number, file: 'hostname' | 'domainname'): string {
  const r = spawnSync('nsenter', ['--target', String(pid), '--uts', 'cat', `/proc/sys/kernel/${file}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : `(nsenter failed: ${r.stderr.trim()})`;
}

const hostName = (file: 'hostname' | 'domainname'): string => readFileSync(`/proc/sys/kernel/${file}`, 'utf8').trim();

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
      t.equal(nameIn(box, 'hostname'), hostBefore.hostname, 'which started with a copy of the host\'s hostname');
    },
    'set-names': () => {
      const box = session!.proc('box').pid;
      t.equal(nameIn(box, 'hostname'), 'box-a', 'the hostname inside is box-a');
      t.equal(nameIn(box, 'domainname'), 'lab.example', 'the domain name inside is lab.example');
      t.equal(hostName('hostname'), hostBefore.hostname, 'the host\'s hostname did not change');
      t.equal(hostName('domainname'), hostBefore.domainname, 'the host\'s domain name did not change');
    },
    siblings: () => {
      const box = session!.proc('box').pid;
      const sibling = session!.proc('sibling').pid;
      pids.push(sibling);
      t.equal(new Set([nsInode('self', 'uts'), nsInode(box, 'uts'), nsInode(sibling, 'uts')]).size, 3, 'three UTS namespaces');
      t.equal(nameIn(sibling, 'hostname'), 'box-b', 'the sibling is box-b');
      t.equal(nameIn(box, 'hostname'), 'box-a', 'box is still box-a');
      t.equal(nameIn(sibling, 'domainname'), hostBefore.domainname, 'the sibling copied the host\'s domain name, not box\'s');
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
  t.equal(outcome.checksPassed, lab.steps.reduce((n, s) => n + s.spec.checks.length, 0), 'every check ran and passed');
  t.ok(pids.length === 2 && pids.every((pid) => !isAlive(pid)), 'both namespace holders were killed');
  t.same({ hostname: hostName('hostname'), domainname: hostName('domainname') }, hostBefore, 'hostname and domain name as before');
  t.same(hostSnapshot(state), before, 'mounts, marked processes, journals and names are as before');
});
