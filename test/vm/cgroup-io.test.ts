// The cgroup-io lab in the test VM, step by step, with the kernel facts asserted independently of the lab's own checks:
// the loop device read from /sys/block, the cgroup files read and parsed here, the writer's and reader's rates sampled
// here from io.stat; then nothing of the lab left (no loop device on its file, no file, no cgroup). The pure parts
// of src/kernel/cgroup-io-stat.ts are tested first, anywhere.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ioStatOf, measureRate, mib, parseIoStat, timeTransfer } from '../../src/kernel/cgroup-io-stat.js';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { hostSnapshot, useTempState, verifyWithFacts } from '../helpers.js';

const skip = process.env.LAB_IN_VM ? false : 'runs only in the test VM (npm run test:vm)';
const MiB = 1048576;

t.test('io.stat parsing and rate measurement (pure)', async (t) => {
  const text = '7:0 rbytes=0 wbytes=33554432 rios=0 wios=32 dbytes=0 dios=0\n8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n';
  t.same(parseIoStat(text)['7:0'], { rbytes: 0, wbytes: 33554432, rios: 0, wios: 32, dbytes: 0, dios: 0 });
  t.equal(ioStatOf(text, '8:0').rbytes, 4096);
  t.same(ioStatOf(text, '7:1'), { rbytes: 0, wbytes: 0, rios: 0, wios: 0, dbytes: 0, dios: 0 }, 'a device with no line counts zero');
  t.same(parseIoStat(''), {}, 'a cgroup that did no I/O has an empty io.stat');
  t.equal(mib(4194304), '4.00');

  // A fake clock: the counter starts moving at 300 ms and grows by 4 MiB per second after that.
  let clock = 0;
  const counter = (): number => (clock < 300 ? 1000 : 1000 + Math.floor(((clock - 300) / 1000) * 4 * MiB));
  const sleep = async (ms: number): Promise<void> => void (clock += ms);
  const rate = await measureRate(counter, { windowMs: 1500, startMs: 3000, now: () => clock, sleep });
  t.ok(rate.started, 'the window opened at the first change');
  t.equal(rate.seconds, 1.5);
  t.ok(Math.abs(rate.perSecond - 4 * MiB) < 0.02 * 4 * MiB, `4 MiB/s measured (${mib(rate.perSecond)})`);

  clock = 0;
  const idle = await measureRate(() => 5, { windowMs: 1500, startMs: 200, now: () => clock, sleep });
  t.same(idle, { started: false, from: 5, to: 5, seconds: 0, perSecond: 0 }, 'a counter that never moves: not started');

  // A transfer of 32 MiB that starts at 500 ms and takes 1 s: timed from the last idle read to the first complete one.
  clock = 0;
  const transfer = (): number => (clock <= 500 ? 0 : Math.min(32 * MiB, Math.floor(((clock - 500) / 1000) * 32 * MiB)));
  const timed = await timeTransfer(transfer, { before: 0, size: 32 * MiB, notBefore: -100, timeoutMs: 5000, now: () => clock, sleep });
  t.ok(timed.done, 'the whole transfer was seen');
  t.equal(timed.seconds, 1, 'from the last read at 0 (500 ms) to the first at 32 MiB (1500 ms)');
  t.equal(timed.perSecond, 32 * MiB);
  // Already over when first read: timed from notBefore, so the figure is a lower bound.
  clock = 2000;
  const late = await timeTransfer(transfer, { before: 0, size: 32 * MiB, notBefore: 0, timeoutMs: 5000, now: () => clock, sleep });
  t.same([late.done, late.seconds], [true, 2], 'a transfer already done is timed from notBefore');
  clock = 0;
  const stuck = await timeTransfer(() => 7, { before: 7, size: 1, notBefore: 0, timeoutMs: 100, now: () => clock, sleep });
  t.equal(stuck.done, false, 'a transfer that never completes times out');
});

const read = (path: string): string => readFileSync(path, 'utf8').trim();

/** Sleep without returning to the event loop (facts are checked synchronously, while lab's processes run on). */
const block = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** The `key=value` counter of one device in an io.stat text, parsed here with a regular expression. */
function counter(ioStat: string, dev: string, key: string): number {
  const line = ioStat.split('\n').find((l) => l.startsWith(`${dev} `)) ?? '';
  return Number(new RegExp(`\\b${key}=(\\d+)`).exec(line)?.[1] ?? 0);
}

/** Loop devices whose backing file is `file`, straight from /sys/block. */
function loopsOf(file: string): { name: string; dev: string }[] {
  return readdirSync('/sys/block')
    .filter((name) => name.startsWith('loop') && existsSync(`/sys/block/${name}/loop/backing_file`))
    .filter((name) => read(`/sys/block/${name}/loop/backing_file`).replace(/ \(deleted\)$/, '') === file)
    .map((name) => ({ name, dev: read(`/sys/block/${name}/dev`) }));
}

t.test('cgroup-io, verified step by step against the kernel', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const lab = await loadLab('cgroup-io');
  let session: Session | undefined;
  let cgroup = '';
  let image = '';
  let dev = '';
  const box = (): string => join(cgroup, 'box');
  const ioStat = (): string => read(join(box(), 'io.stat'));
  /** Bytes per second of one io.stat counter of box, sampled here over `ms`. */
  const sample = (key: string, ms: number): number => {
    const a = counter(ioStat(), dev, key);
    const t0 = performance.now();
    block(ms);
    const b = counter(ioStat(), dev, key);
    return (b - a) / ((performance.now() - t0) / 1000);
  };

  const facts: Record<string, () => void> = {
    device: () => {
      const boxPid = session!.proc('box').pid;
      const path = read(`/proc/${boxPid}/cgroup`).replace(/^0::/, '');
      t.match(path, /^\/lab-io-[^/]+\/box$/, `box is in a leaf of the lab's cgroup (${path})`);
      cgroup = join('/sys/fs/cgroup', path, '..');
      t.ok(read(join(cgroup, 'cgroup.subtree_control')).split(' ').includes('io'), 'the lab cgroup enables io for its children');
      t.ok(read(join(box(), 'cgroup.controllers')).split(' ').includes('io'), 'box has the io controller');
      image = `/var/tmp/${path.split('/')[1]}.img`;
      t.ok(existsSync(image), `the backing file ${image} exists`);
      const loops = loopsOf(image);
      t.equal(loops.length, 1, 'one loop device is backed by it');
      dev = loops[0]?.dev ?? '';
      t.match(dev, /^7:\d+$/, `its device number has the loop major, 7 (${dev})`);
      t.equal(ioStat(), '', 'box has done no I/O yet');
    },
    baseline: () => {
      t.equal(counter(ioStat(), dev, 'wbytes'), 16 * MiB, 'io.stat: box wrote exactly 16 MiB');
      t.equal(counter(ioStat(), dev, 'rbytes'), 0, 'and read nothing');
      t.equal(read(join(box(), 'io.max')), '', 'io.max is still empty');
    },
    limit: () => {
      t.equal(read(join(box(), 'io.max')), `${dev} rbps=max wbps=4194304 riops=max wiops=max`, 'io.max: wbps=4194304');
      const writer = session!.proc('writer').pid;
      t.equal(read(`/proc/${writer}/cgroup`), `0::${box().slice('/sys/fs/cgroup'.length)}`, 'the writer is in box');
      const rate = sample('wbytes', 1000);
      t.ok(Math.abs(rate - 4 * MiB) <= 0.3 * 4 * MiB, `sampled here: ${mib(rate)} MiB/s written (4 MiB/s ± 30%)`);
    },
    lift: () => {
      t.equal(read(join(box(), 'io.max')), '', 'io.max is empty again');
      t.equal(counter(ioStat(), dev, 'wbytes'), 48 * MiB, 'io.stat: 48 MiB written in all');
      t.notOk(
        read(join(box(), 'cgroup.procs'))
          .split('\n')
          .includes(String(session!.proc('writer').pid)),
        'the writer has left box',
      );
    },
    'read-limit': () => {
      t.equal(read(join(box(), 'io.max')), `${dev} rbps=2097152 wbps=max riops=max wiops=max`, 'io.max: rbps=2097152');
      const reader = session!.proc('reader').pid;
      t.equal(read(`/proc/${reader}/cgroup`), `0::${box().slice('/sys/fs/cgroup'.length)}`, 'the reader is in box');
      const rate = sample('rbytes', 1000);
      t.ok(Math.abs(rate - 2 * MiB) <= 0.3 * 2 * MiB, `sampled here: ${mib(rate)} MiB/s read (2 MiB/s ± 30%)`);
      t.equal(counter(ioStat(), dev, 'wbytes'), 48 * MiB, 'no more writes');
    },
  };
  await verifyWithFacts(t, lab, facts, (s) => (session = s));
  t.same(loopsOf(image), [], "no loop device is backed by the lab's file any more");
  t.notOk(existsSync(image), 'the backing file is gone');
  t.notOk(existsSync(cgroup), "the lab's cgroup is gone");
  t.same(hostSnapshot(state), before, 'the host is as before');
});
