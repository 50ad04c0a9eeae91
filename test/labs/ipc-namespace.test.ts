// Runs the ipc-namespace lab for real and asserts the kernel facts at each step independently of the lab's own
// checks (/proc/sysvipc read on both sides, the mqueue filesystem listed from both IPC namespaces), then that the
// host, its System V objects included, is as before.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { listMqueuesArgv, parseMqueueFile, parseMqueueListing } from '../../src/kernel/mqueue.js';
import { readMountinfo } from '../../src/kernel/mountinfo.js';
import { isAlive, nsInode } from '../../src/kernel/proc.js';
import { describeSysv, parseSysvipcTable, sameSysv, sysvipcArgv, type SysvEntry } from '../../src/kernel/sysvipc-table.js';
import { hostSnapshot, needsRoot, useTempState, verifyWithFacts } from '../helpers.js';

const MSG = `       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime
-598579917          0   644           0          0     0     0     0     0     0     0          0          0 1795414011
  12345678          3   600          16          1   100   0     0     0     0     0          0          0 1795414012
`;
const SHM = `       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap
 364102489          0  1644                  4096  4310     0      0     0     0     0     0          0          0 1795414011                     0                     0
`;

t.test('parseSysvipcTable reads key, id, mode and every column', async (t) => {
  const msg = parseSysvipcTable(MSG);
  t.equal(msg.length, 2);
  t.same([msg[0]!.key, msg[0]!.id, msg[0]!.mode], [-598579917, 0, 0o644]);
  t.same([msg[1]!.mode, msg[1]!.columns.qnum, msg[1]!.columns.cbytes], [0o600, '1', '16']);
  const shm = parseSysvipcTable(SHM);
  t.equal(shm[0]!.mode, 0o644, 'SHM_DEST and SHM_LOCKED bits are not permissions');
  t.equal(shm[0]!.columns.size, '4096');
  t.same(parseSysvipcTable(MSG.split('\n')[0]!), [], 'a header alone has no object');
  t.equal(describeSysv(msg[0]!), 'key 0xdc526533 id 0', 'keys shown the way ipcs shows them');
  t.ok(sameSysv({ key: 1, id: 0 }, { key: 1, id: 0 }));
  t.notOk(sameSysv({ key: 1, id: 0 }, { key: 2, id: 0 }), 'the same id in two namespaces is not the same object');
  t.same(sysvipcArgv(7, 'shm'), ['nsenter', '--target', '7', '--ipc', '--', 'cat', '/proc/sysvipc/shm']);
});

t.test('mqueue helpers: the throwaway listing, its output, a queue file', async (t) => {
  t.same(listMqueuesArgv(), ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -t mqueue mqueue /mnt && ls -a /mnt']);
  t.same(parseMqueueListing('.\n..\nlab-q\nother\n'), ['lab-q', 'other']);
  t.same(
    [...parseMqueueFile('QSIZE:12         NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n')!],
    [
      ['QSIZE', 12],
      ['NOTIFY', 0],
      ['SIGNO', 0],
      ['NOTIFY_PID', 0],
    ],
  );
  t.equal(parseMqueueFile('hello'), undefined);
});

/** System V objects of one type in the IPC namespace of `pid` (or the host's), asked of the kernel. */
function objects(type: 'msg' | 'shm', pid?: number): SysvEntry[] {
  if (pid === undefined) return parseSysvipcTable(readFileSync(`/proc/sysvipc/${type}`, 'utf8'));
  const r = spawnSync('nsenter', ['--target', String(pid), '--ipc', 'cat', `/proc/sysvipc/${type}`], { encoding: 'utf8' });
  return r.status === 0 ? parseSysvipcTable(r.stdout) : [];
}

/** POSIX queues of the IPC namespace of `pid` (or the host's), listed through a throwaway mount namespace. */
function mqueues(pid?: number): string[] {
  const argv = pid === undefined ? listMqueuesArgv() : ['nsenter', '--target', String(pid), '--ipc', ...listMqueuesArgv()];
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  return r.status === 0 ? parseMqueueListing(r.stdout) : ['(listing failed)'];
}

t.test('ipc-namespace, verified step by step against the kernel', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const hostMsgBefore = objects('msg');
  const lab = await loadLab('ipc-namespace');
  let session: Session | undefined;
  let box = 0;
  const facts: Record<string, () => void> = {
    create: () => {
      box = session!.proc('box').pid;
      t.not(nsInode(box, 'ipc'), nsInode('self', 'ipc'), 'box has an IPC namespace of its own');
      t.not(nsInode(box, 'mnt'), nsInode('self', 'mnt'), 'and a mount namespace of its own');
      t.same([objects('msg', box), objects('shm', box)], [[], []], 'which starts empty');
    },
    'sysv-inside': () => {
      const msg = objects('msg', box);
      const shm = objects('shm', box);
      t.equal(msg.length, 1, 'one queue inside');
      t.same(
        shm.map((s) => s.columns.size),
        ['4096'],
        'one 4096-byte segment inside',
      );
      const host = [...objects('msg'), ...objects('shm')];
      t.notOk(
        [...msg, ...shm].some((o) => host.some((h) => h.key === o.key)),
        'no key made inside is on the host',
      );
    },
    'host-hidden': () => {
      const added = objects('msg').filter((o) => !hostMsgBefore.some((b) => sameSysv(o, b)));
      t.equal(added.length, 1, 'the host has one more queue');
      t.notOk(
        objects('msg', box).some((o) => added.some((a) => a.key === o.key)),
        'its key is not inside',
      );
    },
    'posix-mqueue': () => {
      t.ok(parseMqueueFile(readFileSync(`/proc/${box}/root/mnt/lab-q`, 'utf8')), "the lab's /mnt/lab-q is a queue");
      t.ok(mqueues(box).includes('lab-q'), "the lab's IPC namespace lists lab-q");
      t.notOk(mqueues().includes('lab-q'), "the host's does not");
      t.notOk(
        readMountinfo('self')!.some((m) => m.fsType === 'mqueue' && m.mountPoint === '/mnt'),
        "no mqueue on the host's /mnt",
      );
      t.notOk(existsSync('/mnt/lab-q'), 'and no lab-q file there');
    },
    'your-queue': () => {
      const mine = objects('msg', box).filter((o) => o.mode === 0o600);
      t.equal(mine.length, 1, 'a queue with mode 600 inside');
      t.notOk(
        objects('msg').some((o) => o.key === mine[0]?.key),
        'not on the host',
      );
    },
  };
  await verifyWithFacts(t, lab, facts, (s) => (session = s));
  t.notOk(isAlive(box), 'box was killed');
  t.same(objects('msg').map(describeSysv), hostMsgBefore.map(describeSysv), 'the host queue was removed');
  t.same(hostSnapshot(state), before, 'mounts, marked processes, journals and System V objects are as before');
});
