// Runs the pid-namespace lab for real and asserts the kernel facts at each step independently of the lab's own
// checks, then that the host is exactly as before.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { loadLab } from '../../src/lab/load.js';
import { runLab } from '../../src/lab/runner.js';
import type { Session } from '../../src/lab/session.js';
import { readMountinfo } from '../../src/kernel/mountinfo.js';
import { childrenOf, comm, isAlive, nsInode, nspid, pidsInNamespace, ppid, readStatusFile } from '../../src/kernel/proc.js';
import { hostSnapshot, needsRoot, useTempState, verifyWithFacts } from '../helpers.js';

t.test('pid-namespace, verified step by step against the kernel', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const lab = await loadLab('pid-namespace');
  let session: Session | undefined;
  let labNs = 0;
  let innerNs = 0;
  let noFork = 0;
  const link = (path: string): string => readlinkSync(path);
  const facts: Record<string, () => void> = {
    create: () => {
      const init = session!.proc('init').pid;
      t.same(nspid(init), [init, 1], 'init has its host PID and PID 1');
      labNs = nsInode(init, 'pid')!;
      t.not(labNs, nsInode('self', 'pid'), 'init is in another PID namespace');
      t.ok(
        readMountinfo(init)!.every((m) => !m.tags.some((tag) => tag.startsWith('shared:'))),
        'no shared mount in the lab',
      );
    },
    'mount-proc': () => {
      const init = session!.proc('init').pid;
      const inside = readdirSync(`/proc/${init}/root/proc`).filter((n) => /^\d+$/.test(n));
      t.same(inside, ['1'], 'the /proc inside shows only PID 1');
      t.ok(readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length > 10, 'the host /proc still shows the host');
    },
    isolation: () => {
      const host = session!.proc('host-sleeper').pid;
      t.ok(isAlive(host), 'the host process survived the kill from inside');
      t.notOk(existsSync(`/proc/${session!.proc('init').pid}/root/proc/${host}`), 'and is invisible inside');
    },
    exec: () => {
      const joined = session!.proc('exec-sleep').pid;
      t.equal(nsInode(joined, 'pid'), labNs, "the exec'd process joined the lab's PID namespace");
      t.equal(nspid(joined)?.length, 2, 'and has two PIDs');
    },
    setns: () => {
      noFork = session!.proc('no-fork').pid;
      t.equal(link(`/proc/${noFork}/ns/pid`), link('/proc/self/ns/pid'), "the setns(2) caller is still in the host's PID namespace");
      t.equal(link(`/proc/${noFork}/ns/pid_for_children`), `pid:[${labNs}]`, "its children go to the lab's");
      const [child] = childrenOf(noFork);
      t.ok(child, 'it forked a child');
      t.equal(nsInode(child!, 'pid'), labNs, "which is in the lab's PID namespace");
      const inner = nspid(child!)?.at(-1);
      const status = readStatusFile(`/proc/${session!.proc('init').pid}/root/proc/${inner}/status`);
      t.equal(status?.get('PPid'), '0', 'and, read inside, has a parent outside it (PPid 0)');
    },
    nesting: () => {
      const unshare = session!.proc('inner').pid;
      const init = childrenOf(unshare).find((pid) => comm(pid) === 'sleep')!;
      const ids = nspid(init);
      t.equal(ids?.length, 3, 'the inner init has three PIDs');
      t.equal(ids?.[0], init);
      t.equal(ids?.[2], 1);
      t.equal(nspid(unshare)?.length, 2, "its parent, in the lab's namespace, has two");
      innerNs = nsInode(init, 'pid')!;
      t.not(innerNs, labNs, 'the inner namespace is another one');
      // The depth limit, independently: one level below 32 is refused.
      const chain = (levels: number): number | null =>
        spawnSync('sh', ['-c', `exec ${'unshare --pid --fork '.repeat(levels)}true`], { encoding: 'utf8' }).status;
      t.equal(chain(32), 0, '32 nested PID namespaces below the host are allowed');
      t.equal(chain(33), 1, 'the 33rd is refused');
    },
    orphans: () => {
      const init = session!.proc('init').pid;
      const adopted = pidsInNamespace('pid', labNs).filter((pid) => pid !== init && ppid(pid) === init);
      t.equal(adopted.length, 1, 'exactly one orphan was adopted by init');
    },
    'init-dies': () => {
      t.same(pidsInNamespace('pid', labNs), [], 'nothing is left in the namespace');
      t.same(pidsInNamespace('pid', innerNs), [], 'nor in the one nested in it');
      t.ok(!isAlive(noFork), 'the setns(2) caller reaped its child and ended');
    },
  };
  const events = await verifyWithFacts(t, lab, facts, (s) => (session = s));
  t.ok(
    events.some((e) => e.type === 'command' && e.command.startsWith('setpriv --pdeathsig KILL -- unshare --pid')),
    'the command shown is the one run',
  );
  t.same(hostSnapshot(state), before, 'mounts, marked processes and journals are as before');
});

t.test('the lab stopped half-way (a quit) still removes everything', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const lab = await loadLab('pid-namespace');
  let init = 0;
  const outcome = await runLab(lab, { mode: 'verify', lang: 'zh', stopAfter: 'isolation' }, (event) => {
    if (event.type === 'command' && event.command.includes('/status')) init = Number(/\/proc\/(\d+)\//.exec(event.command)?.[1]);
  });
  t.equal(outcome.stepsPassed, 3);
  t.ok(init > 0);
  t.notOk(isAlive(init), 'init was killed in cleanup');
  t.same(hostSnapshot(state), before);
});
