// Runs the time-namespace lab for real and asserts the kernel facts at each step independently of the lab's own
// checks (timens_offsets, /proc/uptime read through nsenter --time, date), then that the host is as before.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { nsInode, pidsInNamespace } from '../../src/kernel/proc.js';
import { parseTimensOffsets, parseUptime, readTimensOffsets, readUptime, unshareTimeArgv } from '../../src/kernel/timens.js';
import { hostSnapshot, needsRoot, useTempState, verifyWithFacts } from '../helpers.js';

/** The errno of writing one line to a process's timens_offsets (our own write(2), not the lab's), or 'ok'. */
function writeError(pid: number, line: string): string {
  try {
    writeFileSync(`/proc/${pid}/timens_offsets`, line);
    return 'ok';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

t.test('time namespace helpers', async (t) => {
  t.same(parseTimensOffsets('monotonic      432000         0\nboottime       -864000 500000000\n'), { monotonic: 432000, boottime: -863999.5 });
  t.equal(parseTimensOffsets('monotonic 1 0\n'), undefined, 'both clocks are needed');
  t.equal(parseUptime('3457.03 4529.97\n'), 3457.03);
  t.equal(parseUptime(''), undefined);
  t.same(unshareTimeArgv({ boottime: 10, monotonic: -5 }, ['sleep', '1']), [
    'unshare',
    '--time',
    '--fork',
    '--kill-child',
    '--boottime',
    '10',
    '--monotonic',
    '-5',
    'sleep',
    '1',
  ]);
  t.same(unshareTimeArgv({ boottime: 10 }, ['sh']), ['unshare', '--time', '--fork', '--kill-child', '--boottime', '10', 'sh']);
});

/** A command's stdout inside the time namespace of `pid`. */
function inTime(pid: number, argv: string[]): string {
  const r = spawnSync('nsenter', ['--target', String(pid), '--time', ...argv], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

t.test('time-namespace, verified step by step against the kernel', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const lab = await loadLab('time-namespace');
  const hostNs = nsInode('self', 'time');
  let session: Session | undefined;
  const inodes: number[] = [];
  const facts: Record<string, () => void> = {
    create: () => {
      const box = session!.proc('box').pid;
      inodes.push(nsInode(box, 'time')!);
      t.not(nsInode(box, 'time'), hostNs, 'box has a time namespace of its own');
      t.same(readTimensOffsets(box), { monotonic: 432000, boottime: 864000 }, 'with the offsets asked for');
      t.same(readTimensOffsets('self'), { monotonic: 0, boottime: 0 }, 'the host has none');
      const ahead = parseUptime(inTime(box, ['cat', '/proc/uptime']))! - readUptime()!;
      t.ok(Math.abs(ahead - 864000) < 2, `uptime inside is ten days ahead (${ahead.toFixed(2)} s)`);
      t.equal(writeError(box, 'monotonic 0 0'), 'EACCES', 'the kernel refuses new offsets once a process is inside');
    },
    'wall-clock': () => {
      const fresh = session!.proc('fresh').pid;
      inodes.push(nsInode(fresh, 'time')!);
      t.ok(readTimensOffsets(fresh)!.boottime < 0, 'fresh has a negative boottime offset');
      t.ok(parseUptime(inTime(fresh, ['cat', '/proc/uptime']))! < 10, 'and an uptime of a few seconds');
      const now = Math.floor(Date.now() / 1000);
      for (const name of ['box', 'fresh']) {
        const inside = Number(inTime(session!.proc(name).pid, ['date', '+%s']));
        t.ok(Math.abs(inside - now) <= 1, `${name}'s wall clock is the host's (${inside} vs ${now})`);
      }
      t.equal(writeError(session!.proc('box').pid, 'realtime 1 0'), 'EINVAL', 'a realtime offset is refused with EINVAL');
      t.same(readTimensOffsets(session!.proc('box').pid), { monotonic: 432000, boottime: 864000 }, "box's offsets are unchanged");
    },
    'a-year-up': () => {
      const learner = session!.proc('learner').pid;
      inodes.push(nsInode(learner, 'time')!);
      t.not(nsInode(learner, 'time'), hostNs, "the learner's sleep has a time namespace of its own");
      t.equal(readTimensOffsets(learner)?.boottime, 31536000, 'with a boottime offset of a year');
      t.ok(parseUptime(inTime(learner, ['cat', '/proc/uptime']))! > 31536000, 'so its uptime is over a year');
    },
  };
  await verifyWithFacts(t, lab, facts, (s) => (session = s));
  t.equal(new Set(inodes).size, 3, 'three time namespaces were made');
  t.same(
    inodes.flatMap((inode) => pidsInNamespace('time', inode)),
    [],
    'no process is left in any of them',
  );
  t.same(hostSnapshot(state), before, 'mounts, marked processes and journals are as before');
});
