import t from 'tap';
import { cmdline, isAlive, nsInode, nspid, parseStat, parseStatus, procStat } from '../../src/kernel/proc.js';

t.test('stat: the start time is found even when the command name has spaces and parentheses', async (t) => {
  const line = '4242 (weird) name (x)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10';
  t.same(parseStat(line), { state: 'S', start: 987654 });
  t.equal(parseStat('garbage'), undefined);
});

t.test('status: fields by name', async (t) => {
  const status = parseStatus('Name:\tsleep\nNSpid:\t4242\t1\nPPid:\t7\n');
  t.equal(status.get('NSpid'), '4242\t1');
  t.equal(status.get('PPid'), '7');
});

t.test('this process, as the kernel reports it', async (t) => {
  const stat = procStat('self');
  t.ok(stat && stat.start > 0, 'has a start time');
  t.ok(isAlive(process.pid, stat?.start), 'is alive with its own start time');
  t.notOk(isAlive(process.pid, (stat?.start ?? 0) + 1), 'another start time names another process');
  t.equal(nspid(process.pid)?.at(-1), process.pid, 'in the host PID namespace, NSpid has our PID last');
  t.ok((nsInode('self', 'pid') ?? 0) > 0, 'the PID namespace has an inode');
  t.equal(cmdline(process.pid)?.[0], process.execPath);
});
