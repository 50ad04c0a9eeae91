// The cgroup-io lab: a block device of the lab's own (a loop device on a small file), a direct-I/O writer measured
// without a limit, then held to io.max wbps = 4 MiB/s, measured again from io.stat; the limit lifted while the writer
// runs; and a read limit (rbps) set by the learner, measured the same way. Every rate is the growth of an io.stat
// counter over time, read from the kernel while the process runs, so process start-up never counts.
// Layout: the lab's cgroup (labPath(): inside a delegated scope on systemd hosts, /sys/fs/cgroup/lab-io-<run> elsewhere)
// enables io for its children; box/ is the leaf every process runs in (the
// "container": `sleep infinity`, the writers, the lab shell). The file and the loop device are declared resources:
// cleanup, newest first, detaches the device before it removes the file.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LabError } from '../../src/common/errors.js';
import { readCgroupFile } from '../../src/kernel/cgroup-files.js';
import { parseControllers, parseIoMax, type IoMax } from '../../src/kernel/cgroup.js';
import { ioStatOf, measureRate, mib, timeTransfer, type IoStat, type MeasuredRate } from '../../src/kernel/cgroup-io-stat.js';
import { run } from '../../src/lab/build.js';
import { cgroupFile, cgroupPreamble, labPath, set, startIn } from '../../src/lab/build-cgroup.js';
import { runCreating } from '../../src/lab/build-host.js';
import { noting } from '../../src/lab/build-note.js';
import { word } from '../../src/lab/build-words.js';
import { runSuffix } from '../../src/lab/cgroup-lab.js';
import { readCgroupProcs } from '../../src/kernel/cgroup-path.js';
import { loopDevicesOf } from '../../src/kernel/loop.js';
import type { Action, LabContext, LabSpec, Text, Verdict } from '../../src/lab/spec.js';
import { bilingual } from '../../src/common/vocabulary.js';

const MiB = 1048576;
/** Size of the backing file (sparse: it takes disk space only as it is written). */
const IMAGE_SIZE = '64M';
/** The unlimited write of the baseline, in MiB of 1 MiB blocks. */
const BASELINE_MIB = 16;
/** The write limit: 4 MiB/s, the unit `docker run --device-write-bps /dev/loop0:4mb` writes. */
const WBPS = 4 * MiB;
/** The writer held to WBPS writes this much (8 s at the limit), in 256 KiB blocks. */
const WRITER_MIB = 32;
/** The learner's read limit: 2 MiB/s. */
const RBPS = 2 * MiB;
/** A measured rate passes within this fraction of the limit (blk-throttle lets a small burst through per slice). */
const TOLERANCE = 0.3;
/** The window a rate is measured over, from the first change of the counter, and how long to wait for that change. */
const WINDOW_MS = 1500;
const START_MS = 3000;
/** How long the unlimited write may take before the baseline check gives up. */
const BASELINE_TIMEOUT_MS = 20_000;

/** The run's cgroup, the leaf its processes live in, and the file behind the loop device. */
const labDir = labPath();
const boxDir = labPath('box');
const imageFile = (ctx: LabContext): string => `/var/tmp/lab-io-${runSuffix(ctx)}.img`;

/** The loop device (`/dev/loopN`) and its `MAJ:MIN`, as stored when it was attached. */
const device = (ctx: LabContext): string => ctx.get('device');
const majMin = (ctx: LabContext): string => ctx.get('maj-min');

/** The lab's device number as the kernel lists it now (/sys/block/loopN/dev of the device backed by the lab's file). */
function labDevice(ctx: LabContext): string {
  const [loop] = loopDevicesOf(imageFile(ctx));
  if (!loop) throw new Error(`no loop device is backed by ${imageFile(ctx)}`);
  return loop.majorMinor;
}

/** The counters of box's io.stat for the lab's device. */
function boxStat(ctx: LabContext): { dev: string; stat: IoStat } {
  const dev = labDevice(ctx);
  return { dev, stat: ioStatOf(readCgroupFile(join(boxDir(ctx), 'io.stat')), dev) };
}

/** box's io.max line for the lab's device, if any. */
function boxLimit(ctx: LabContext): { dev: string; line: IoMax | undefined } {
  const dev = labDevice(ctx);
  return { dev, line: parseIoMax(readCgroupFile(join(boxDir(ctx), 'io.max'))).find((l) => l.device === dev) };
}

/** `MAJ:MIN rbps=… wbps=… riops=… wiops=…`, or a note that there is no line. */
const showLimit = (dev: string, line: IoMax | undefined): Text =>
  line
    ? bilingual(() => `io.max: ${dev} rbps=${line.rbps} wbps=${line.wbps} riops=${line.riops} wiops=${line.wiops}`)
    : { en: `io.max: no line for ${dev}`, zh: `io.max：没有 ${dev} 这一行` };

/** Measure one io.stat counter of box and compare it with `limit` bytes per second. */
async function measuredAgainst(ctx: LabContext, counter: 'rbytes' | 'wbytes', limit: number): Promise<Verdict> {
  const rate: MeasuredRate = await measureRate(() => boxStat(ctx).stat[counter], { windowMs: WINDOW_MS, startMs: START_MS });
  const dev = boxStat(ctx).dev;
  if (!rate.started) {
    return {
      ok: false,
      found: {
        en: `io.stat ${dev} ${counter} stayed at ${rate.from} for ${START_MS / 1000} s: nothing in box is doing that I/O`,
        zh: `io.stat ${dev} ${counter} 在 ${START_MS / 1000} 秒内一直是 ${rate.from}：box 里没有进程在做这类 I/O`,
      },
    };
  }
  const ok = Math.abs(rate.perSecond - limit) <= limit * TOLERANCE;
  const change = `${dev} ${counter} ${rate.from} → ${rate.to}`;
  return {
    ok,
    found: {
      en: `io.stat ${change} in ${rate.seconds.toFixed(2)} s: ${mib(rate.perSecond)} MiB/s (limit ${mib(limit)} MiB/s ± ${TOLERANCE * 100}%)`,
      zh: `io.stat ${change}（${rate.seconds.toFixed(2)} 秒内）：${mib(rate.perSecond)} MiB/s（限制 ${mib(limit)} MiB/s ± ${TOLERANCE * 100}%）`,
    },
  };
}

/** Remember the loop device the kernel attached for the lab's file, and show its device number. */
function rememberDevice(ctx: LabContext): Action {
  const [loop] = loopDevicesOf(imageFile(ctx));
  if (!loop) {
    throw new LabError({
      operation: `read \`/sys/block/loop*/loop/backing_file\``,
      code: 'no-loop-device',
      meaning: {
        en: `losetup succeeded, yet no loop device lists ${imageFile(ctx)} as its backing file.`,
        zh: `losetup 成功了，但没有哪个 loop 设备的 backing_file 是 ${imageFile(ctx)}。`,
      },
      fix: {
        en: 'Run `losetup -l` to see the attached devices, then `sudo lab clean`.',
        zh: '运行 `losetup -l` 查看已挂接的设备，然后运行 `sudo lab clean`。',
      },
    });
  }
  ctx.set('device', loop.device);
  ctx.set('maj-min', loop.majorMinor);
  return { kind: 'run', argv: ['cat', `/sys/block/${loop.device.slice('/dev/'.length)}/dev`] };
}

export default {
  format: 1,
  id: 'cgroup-io',
  order: 13,
  requires: ['linux', 'root', 'setpriv', 'procps', 'cgroup2', 'cgroup2-io', 'loop'],
  shell: { target: 'box', namespaces: [], cgroup: true },
  cgroup: 'io',
  steps: [
    {
      id: 'device',
      kind: 'demo',
      actions: [
        ...cgroupPreamble({ controllers: ['io'], leaves: ['box'], box: 'box' }),
        runCreating((ctx) => ({ kind: 'path', path: imageFile(ctx) }), ['truncate', '-s', IMAGE_SIZE, imageFile]),
        runCreating((ctx) => ({ kind: 'loop', file: imageFile(ctx) }), ['losetup', '--find', '--show', imageFile]),
        rememberDevice,
      ],
      checks: [
        {
          id: 'loop-device',
          title: {
            en: "a loop device (block major 7) is backed by the lab's file: /sys/block/loopN/loop/backing_file names it",
            zh: '有一个 loop 设备（块设备主设备号 7）以实验的文件为后端：/sys/block/loopN/loop/backing_file 写的就是它',
          },
          verify: (ctx) => {
            const loops = loopDevicesOf(imageFile(ctx));
            const [loop] = loops;
            return {
              ok: loops.length === 1 && loop !== undefined && /^7:\d+$/.test(loop.majorMinor),
              found: loop
                ? `${loop.device} ${loop.majorMinor} ← ${loop.file}`
                : { en: `no loop device is backed by ${imageFile(ctx)}`, zh: `没有以 ${imageFile(ctx)} 为后端的 loop 设备` },
            };
          },
        },
        {
          id: 'io-enabled',
          title: {
            en: "the lab's cgroup enables io for its children, so box has io.max and io.stat",
            zh: '实验的 cgroup 为子 cgroup 启用了 io 控制器，所以 box 有 io.max 和 io.stat',
          },
          verify: (ctx) => {
            const enabled = existsSync(labDir(ctx)) && parseControllers(readCgroupFile(join(labDir(ctx), 'cgroup.subtree_control'))).includes('io');
            const files = ['io.max', 'io.stat'].filter((f) => existsSync(join(boxDir(ctx), f)));
            return {
              ok: enabled && files.length === 2,
              found: bilingual(
                (say) =>
                  `${labDir(ctx)}/cgroup.subtree_control: ${enabled ? 'io' : say('(no io)', '（没有 io）')}; box: ${files.join(' ') || say('(no io.* files)', '（没有 io.* 文件）')}`,
              ),
            };
          },
        },
        {
          id: 'box-in-leaf',
          title: { en: 'box (sleep infinity) is in the leaf cgroup box', zh: 'box（sleep infinity）在叶子 cgroup box 里' },
          // The started shell writes its PID to cgroup.procs a moment after it is spawned.
          settle: 2000,
          verify: (ctx) => {
            const pid = ctx.proc('box').pid;
            const procs = readCgroupProcs(boxDir(ctx));
            return {
              ok: procs?.includes(pid) ?? false,
              found: bilingual((say) => `${boxDir(ctx)}/cgroup.procs: ${procs?.join(' ') || say('(none)', '（无）')}; box: ${pid}`),
            };
          },
        },
      ],
    },
    {
      id: 'baseline',
      kind: 'demo',
      actions: [
        // What io.stat says before the writer starts, and when: the check times the writer from these if its first
        // look already finds bytes written (on a fast machine the whole write can end within milliseconds).
        noting(
          (ctx) => {
            ctx.set('baseline-wbytes', String(boxStat(ctx).stat.wbytes));
            ctx.set('baseline-start', String(performance.now()));
          },
          startIn('baseline', boxDir, ['dd', 'if=/dev/zero', word`of=${device}`, 'bs=1M', `count=${BASELINE_MIB}`, 'oflag=direct']),
        ),
      ],
      checks: [
        {
          id: 'unthrottled',
          title: {
            en: `with no io.max line, io.stat counts the ${BASELINE_MIB} MiB going faster than the next step's limit lets through (${mib(WBPS)} MiB/s + ${TOLERANCE * 100}%)`,
            zh: `没有 io.max 限制时，io.stat 记下这 ${BASELINE_MIB} MiB 的写入速度，比下一步的限制所允许的（${mib(WBPS)} MiB/s + ${TOLERANCE * 100}%）更快`,
          },
          verify: async (ctx) => {
            const transfer = await timeTransfer(() => boxStat(ctx).stat.wbytes, {
              before: Number(ctx.get('baseline-wbytes')),
              size: BASELINE_MIB * MiB,
              notBefore: Number(ctx.get('baseline-start')),
              timeoutMs: BASELINE_TIMEOUT_MS,
            });
            const { dev, line } = boxLimit(ctx);
            const ok = transfer.done && line === undefined && transfer.perSecond > WBPS * (1 + TOLERANCE);
            const rate = Number.isFinite(transfer.perSecond) ? mib(transfer.perSecond) : '∞';
            return {
              ok,
              found: transfer.done
                ? {
                    en: `${showLimit(dev, line).en}; io.stat ${dev} wbytes +${transfer.bytes} in ${transfer.seconds.toFixed(2)} s: ${rate} MiB/s (at ${mib(WBPS)} MiB/s: ${(transfer.bytes / WBPS).toFixed(1)} s)`,
                    zh: `${showLimit(dev, line).zh}；io.stat ${dev} wbytes 在 ${transfer.seconds.toFixed(2)} 秒内增加 ${transfer.bytes}：${rate} MiB/s（按 ${mib(WBPS)} MiB/s 需要 ${(transfer.bytes / WBPS).toFixed(1)} 秒）`,
                  }
                : {
                    en: `io.stat ${dev} wbytes grew by ${transfer.bytes} of ${BASELINE_MIB * MiB} in ${BASELINE_TIMEOUT_MS / 1000} s`,
                    zh: `io.stat ${dev} wbytes 在 ${BASELINE_TIMEOUT_MS / 1000} 秒内只增加了 ${transfer.bytes}（共 ${BASELINE_MIB * MiB}）`,
                  },
            };
          },
        },
        {
          id: 'counted',
          title: {
            en: `box's io.stat counts exactly the ${BASELINE_MIB} MiB written to the loop device (wbytes)`,
            zh: `box 的 io.stat 正好记下了写入 loop 设备的 ${BASELINE_MIB} MiB（wbytes）`,
          },
          verify: (ctx) => {
            const { dev, stat } = boxStat(ctx);
            return { ok: stat.wbytes === BASELINE_MIB * MiB, found: `io.stat: ${dev} wbytes=${stat.wbytes} wios=${stat.wios}` };
          },
        },
      ],
    },
    {
      id: 'limit',
      kind: 'demo',
      actions: [
        run(['cat', cgroupFile(boxDir, 'io.stat')]),
        set(boxDir, 'io.max', word`${majMin} wbps=${WBPS}`),
        run(['cat', cgroupFile(boxDir, 'io.max')]),
        startIn('writer', boxDir, ['dd', 'if=/dev/zero', word`of=${device}`, 'bs=256K', `count=${WRITER_MIB * 4}`, 'oflag=direct']),
      ],
      checks: [
        {
          id: 'wbps-set',
          title: {
            en: `box's io.max limits writes to the loop device to ${WBPS} bytes/s and nothing else`,
            zh: `box 的 io.max 把对 loop 设备的写入限制为 ${WBPS} 字节/秒，其余不限`,
          },
          verify: (ctx) => {
            const { dev, line } = boxLimit(ctx);
            const ok = line !== undefined && line.wbps === WBPS && line.rbps === 'max' && line.riops === 'max' && line.wiops === 'max';
            return { ok, found: showLimit(dev, line) };
          },
        },
        {
          id: 'writer-held',
          title: {
            en: `the writer's bytes, counted by io.stat over ${WINDOW_MS / 1000} s, come to ${mib(WBPS)} MiB/s ± ${TOLERANCE * 100}%`,
            zh: `用 io.stat 在 ${WINDOW_MS / 1000} 秒内统计写入字节，速度为 ${mib(WBPS)} MiB/s ± ${TOLERANCE * 100}%`,
          },
          verify: (ctx) => {
            ctx.proc('writer'); // no writer started (the step was skipped): fail at once rather than wait for bytes
            return measuredAgainst(ctx, 'wbytes', WBPS);
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'v1-writeback',
      answer: { choice: 2 },
    },
    {
      id: 'lift',
      kind: 'demo',
      actions: [set(boxDir, 'io.max', word`${majMin} wbps=max`)],
      checks: [
        {
          id: 'no-limit',
          title: {
            en: "box's io.max has no line for the loop device any more",
            zh: 'box 的 io.max 里不再有这个 loop 设备的行',
          },
          verify: (ctx) => {
            const { dev, line } = boxLimit(ctx);
            return { ok: line === undefined, found: showLimit(dev, line) };
          },
        },
        {
          id: 'writer-done',
          title: {
            en: `the writer finished: it left box, and io.stat counts all ${BASELINE_MIB + WRITER_MIB} MiB written`,
            zh: `写入进程已经结束：它离开了 box，io.stat 记下了全部 ${BASELINE_MIB + WRITER_MIB} MiB 的写入`,
          },
          settle: 3000,
          verify: (ctx) => {
            const writer = ctx.proc('writer').pid;
            const procs = readCgroupProcs(boxDir(ctx)) ?? [];
            const { dev, stat } = boxStat(ctx);
            const gone = !procs.includes(writer);
            return {
              ok: gone && stat.wbytes >= (BASELINE_MIB + WRITER_MIB) * MiB,
              found: {
                en: `writer ${writer} ${gone ? 'not' : 'still'} in box/cgroup.procs; io.stat: ${dev} wbytes=${stat.wbytes} (${mib(stat.wbytes)} MiB)`,
                zh: `写入进程 ${writer} ${gone ? '不在' : '仍在'} box/cgroup.procs 中；io.stat：${dev} wbytes=${stat.wbytes}（${mib(stat.wbytes)} MiB）`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'read-limit',
      kind: 'task',
      shell: 'lab',
      solution: [
        set(boxDir, 'io.max', word`${majMin} rbps=${RBPS}`),
        startIn('reader', boxDir, ['dd', word`if=${device}`, 'of=/dev/null', 'bs=256K', 'iflag=direct']),
      ],
      checks: [
        {
          id: 'rbps-set',
          title: {
            en: `box's io.max limits reads from the loop device to ${RBPS} bytes/s`,
            zh: `box 的 io.max 把从 loop 设备读取的速度限制为 ${RBPS} 字节/秒`,
          },
          verify: (ctx) => {
            const { dev, line } = boxLimit(ctx);
            return { ok: line?.rbps === RBPS, found: showLimit(dev, line) };
          },
        },
        {
          id: 'reader-held',
          title: {
            en: `a reader in box is held to the rbps of io.max: io.stat rbytes over ${WINDOW_MS / 1000} s, ± ${TOLERANCE * 100}%`,
            zh: `box 里的读取进程被限制在 io.max 的 rbps：用 io.stat 的 rbytes 在 ${WINDOW_MS / 1000} 秒内测量，± ${TOLERANCE * 100}%`,
          },
          verify: async (ctx) => {
            const { dev, line } = boxLimit(ctx);
            if (line === undefined || line.rbps === 'max') {
              return {
                ok: false,
                found: { en: `${showLimit(dev, line).en}: no read limit to measure against`, zh: `${showLimit(dev, line).zh}：没有可供比较的读取限制` },
              };
            }
            return measuredAgainst(ctx, 'rbytes', line.rbps);
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
