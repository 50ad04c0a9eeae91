// The container-vs-vm lab: a toy container (`lab container run`) and a small virtual machine (qemu booting the test
// VM's kernel with an initramfs of one busybox and init.sh) started side by side on this machine and measured live:
// time to a shell, memory, and which kernel each runs. The container's facts are read through its root
// (/proc/<pid>/root/proc/...: the host's kernel, seen from inside); the VM's are what its own kernel told its init,
// printed on its serial console, which qemu copies into a log file. Host resources: the container (its own journal)
// and /run/lab-cvm-<run> (the initramfs and the console log), journaled before they are made; qemu, a journaled
// process, killed at the end and by `lab clean` after a crash of the harness.
import { isAlive, comm, nspid } from '../../src/kernel/proc.js';
import { pid, proc, run, start, type Word } from '../../src/lab/build.js';
import { runCreating } from '../../src/lab/build-host.js';
import { noting } from '../../src/lab/build-note.js';
import { word } from '../../src/lab/build-words.js';
import type { CheckContext, LabContext, LabSpec } from '../../src/lab/spec.js';
import { bilingual } from '../../src/common/vocabulary.js';
import {
  MARKER,
  SCRIPT,
  containerInit,
  containerMemory,
  containerName,
  hostUptime,
  markerValue,
  memTotalKb,
  mib,
  readHost,
  readIn,
  rssKb,
} from './container.js';
import { readArchive } from './cpio.js';
import { APPEND, BOOT_TIMEOUT_S, READY, VM_MEMORY_MIB, accel, archive, busyboxPath, consoleLog, initScript, qemuArgv, treeDir, vmDir, vmFacts } from './vm.js';
import { CONTAINER_RUN_REQUIRES } from '../../src/lab/requirements.js';

const BOOT_ID = '/proc/sys/kernel/random/boot_id';
const OSRELEASE = '/proc/sys/kernel/osrelease';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The PCI host bridge qemu's `pc` machine emulates (Intel 440FX): hardware only the VM's kernel sees. */
const I440FX = '8086:1237';

/** `lab container <args>`, the CLI as a learner types it. */
const lab = (...args: Word[]): Word[] => ['lab', 'container', ...args];

/** The container's PID 1, or an error a check reports as its finding. */
function initOf(ctx: LabContext): number {
  const found = containerInit(ctx);
  if (found === undefined) throw new Error(`no process with ${MARKER}=${markerValue(ctx)} is PID 1 of a PID namespace: the container is not running`);
  return found;
}

/** The uptime the container's shell printed first (its log's first line), in seconds, read with `lab container logs`. */
async function shellUptime(ctx: CheckContext): Promise<number | undefined> {
  const logs = await ctx.probe(['lab', 'container', 'logs', containerName(ctx)]);
  const value = Number(/^(\d+\.\d+) \d+\.\d+$/m.exec(logs.stdout)?.[1]);
  return logs.exitCode === 0 && Number.isFinite(value) ? value : undefined;
}

/** A long kernel command line, cut for a finding (the check compares it whole). */
const short = (text: string | undefined): string => (text === undefined ? '?' : text.length > 80 ? `${text.slice(0, 80)}…` : text);

/** The qemu process, or an error a check reports. */
function qemuOf(ctx: LabContext): number {
  const vm = ctx.proc('vm').pid;
  if (!isAlive(vm)) throw new Error(`qemu (PID ${vm}) is not running`);
  return vm;
}

export default {
  format: 1,
  id: 'container-vs-vm',
  order: 20,
  requires: [...CONTAINER_RUN_REQUIRES, 'busybox-static', 'lab-on-path', 'qemu', 'vm-kernel'],
  shell: { target: 'vm', namespaces: [] },
  steps: [
    {
      id: 'container',
      kind: 'demo',
      actions: [
        noting(
          (ctx) => ctx.set('container-t0', String(hostUptime() ?? 0)),
          runCreating(
            (ctx) => ({ kind: 'container', name: containerName(ctx) }),
            lab('run', '-d', '--name', containerName, '--network', 'none', '-e', word`${MARKER}=${markerValue}`, 'busybox', 'sh', '-c', SCRIPT),
          ),
        ),
        run(lab('logs', containerName)),
        run(lab('exec', containerName, 'uname', '-r')),
        run(['uname', '-r']),
        run(lab('exec', containerName, 'cat', BOOT_ID)),
        run(['cat', BOOT_ID]),
      ],
      checks: [
        {
          id: 'container-up',
          title: {
            en: "the container's PID 1 runs sleep in a PID namespace of its own; its shell printed the kernel's uptime first: the time from `lab container run` to that shell, and its memory, are measured",
            zh: '容器的 1 号进程在自己的 PID 命名空间里运行 sleep；它的 shell 最先打印的是内核的运行时间：从 `lab container run` 到这个 shell 运行所用的时间，以及它占用的内存，都已测出',
          },
          verify: async (ctx) => {
            const init = initOf(ctx);
            const t0 = Number(ctx.get('container-t0'));
            const printed = await shellUptime(ctx);
            const ms = printed === undefined ? undefined : Math.round((printed - t0) * 1000);
            const memory = containerMemory(init);
            return {
              ok: comm(init) === 'sleep' && nspid(init)?.length === 2 && ms !== undefined && ms >= 0,
              found: bilingual(
                (say) =>
                  `PID ${init} (NSpid ${nspid(init)?.join(' ') ?? '?'}) ${comm(init) ?? '?'}${say('; to a shell: ', '；到 shell 运行：')}${ms ?? '?'} ms ${say(`(host uptime ${t0} s at the command, ${printed ?? '?'} s in the container's first line)`, `（命令开始时宿主机运行时间 ${t0} 秒，容器第一行是 ${printed ?? '?'} 秒）`)}${say('; memory: ', '；内存：')}VmRSS ${mib(memory.rssKb)} ${say(`in ${memory.pids.length} process(es)`, `（${memory.pids.length} 个进程）`)}${memory.currentKb !== undefined ? `, memory.current ${mib(memory.currentKb)}` : say(', no memory.current (the v2 hierarchy has no memory controller here)', '，没有 memory.current（这里的 v2 层级没有 memory 控制器）')}`,
              ),
            };
          },
        },
        {
          id: 'host-kernel',
          title: {
            en: "seen from inside the container, the kernel is the host's: the same release, the same boot_id, the same uptime, the same MemTotal",
            zh: '从容器里看，内核就是宿主机的那个：同样的版本号、同样的 boot_id、同样的运行时间、同样的 MemTotal',
          },
          verify: (ctx) => {
            const init = initOf(ctx);
            const release = [readIn(init, OSRELEASE), readHost(OSRELEASE)];
            const boot = [readIn(init, BOOT_ID), readHost(BOOT_ID)];
            const up = [Number(readIn(init, '/proc/uptime')?.split(' ')[0]), hostUptime() ?? Number.NaN];
            const mem = [memTotalKb(`/proc/${init}/root/proc/meminfo`), memTotalKb('/proc/meminfo')];
            return {
              ok:
                release[0] !== undefined &&
                release[0] === release[1] &&
                boot[0] !== undefined &&
                boot[0] === boot[1] &&
                Math.abs(up[0]! - up[1]!) < 5 &&
                mem[0] !== undefined &&
                mem[0] === mem[1],
              found: bilingual(
                (say) =>
                  `${say('container / host: ', '容器 / 宿主机：')}uname -r ${release[0] ?? '?'} / ${release[1] ?? '?'}${say('; ', '；')}boot_id ${boot[0] ?? '?'} / ${boot[1] ?? '?'}${say('; uptime ', '；运行时间 ')}${up[0]} / ${up[1]} s${say('; ', '；')}MemTotal ${mem[0] ?? '?'} / ${mem[1] ?? '?'} kB`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'vm-image',
      kind: 'demo',
      actions: [
        runCreating((ctx) => ({ kind: 'path', path: vmDir(ctx) }), ['mkdir', '-p', word`${treeDir}/bin`]),
        run(['cp', busyboxPath, word`${treeDir}/bin/busybox`]),
        run(['install', '-m', '0755', initScript, word`${treeDir}/init`]),
        run(['cat', word`${treeDir}/init`]),
        run(['sh', '-c', word`cd ${treeDir} && find . | busybox cpio -o -H newc > ${archive}`]),
        run(['ls', '-l', archive]),
      ],
      checks: [
        {
          id: 'initramfs',
          title: {
            en: "the VM's whole userspace is one archive (cpio, newc): an executable /init and a static busybox, nothing else to run",
            zh: '虚拟机的全部用户空间就是一个归档文件（cpio，newc 格式）：一个可执行的 /init 和一个静态的 busybox，别的可运行的东西都没有',
          },
          verify: (ctx) => {
            const entries = readArchive(archive(ctx));
            const init = entries?.find((e) => e.name === 'init');
            const busybox = entries?.find((e) => e.name === 'bin/busybox');
            const executable = (mode: number | undefined): boolean => mode !== undefined && (mode & 0o170000) === 0o100000 && (mode & 0o111) !== 0;
            return {
              ok: executable(init?.mode) && executable(busybox?.mode) && (busybox?.size ?? 0) > 0,
              found: bilingual((say) =>
                entries === undefined
                  ? say(`${archive(ctx)}: no cpio archive`, `${archive(ctx)}：不是 cpio 归档`)
                  : `${archive(ctx)}${say(': ', '：')}${entries.map((e) => `${e.name} ${(e.mode & 0o7777).toString(8)} ${e.size}`).join(', ')}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'vm-boot',
      kind: 'demo',
      actions: [
        noting((ctx) => ctx.set('vm-t0', String(Date.now())), start('vm', qemuArgv)),
        run(['timeout', String(BOOT_TIMEOUT_S), 'sh', '-c', word`until grep -qs ${READY} ${consoleLog}; do kill -0 ${pid('vm')} || exit 1; sleep 0.1; done`]),
        run(['grep', '-E', '^(Name|VmRSS)', proc('vm', 'status')]),
        run(['grep', '-E', '^(Name|VmRSS)', (ctx) => `/proc/${initOf(ctx)}/status`]),
        run(['cat', BOOT_ID]),
      ],
      checks: [
        {
          id: 'vm-up',
          settle: 2000,
          title: {
            en: "qemu runs, and the VM's init printed its marker: the time from starting qemu to that line, and qemu's resident memory (VmRSS), are measured",
            zh: 'qemu 在运行，虚拟机的 init 打印出了它的标记行：从启动 qemu 到这一行的时间，以及 qemu 的常驻内存（VmRSS），都已测出',
          },
          verify: (ctx) => {
            const vm = qemuOf(ctx);
            const facts = vmFacts(ctx);
            const t0 = Number(ctx.get('vm-t0'));
            const ms = facts.ready && facts.writtenAt !== undefined ? Math.round(facts.writtenAt - t0) : undefined;
            const rss = rssKb(vm);
            return {
              ok: (comm(vm) ?? '').startsWith('qemu-system') && facts.ready && ms !== undefined && ms > 0 && rss !== undefined,
              found: bilingual(
                (say) =>
                  `qemu PID ${vm} ${comm(vm) ?? '?'}, ${accel().accel.toUpperCase()} (${accel().why})${say('; to the marker: ', '；到标记行：')}${ms ?? '?'} ms${say(`; the VM's own uptime then: `, '；此时虚拟机自己的运行时间：')}${facts.facts.get('uptime')?.split(' ')[0] ?? '?'} s${say('; qemu VmRSS ', '；qemu 的 VmRSS ')}${rss === undefined ? '?' : mib(rss)}`,
              ),
            };
          },
        },
        {
          id: 'second-kernel',
          title: {
            en: 'the VM runs a kernel of its own: another boot_id, an uptime of seconds, the MemTotal qemu gave it (at most -m), its init as PID 1, the CPU qemu presents',
            zh: '虚拟机运行的是它自己的内核：另一个 boot_id、只有几秒的运行时间、qemu 分给它的 MemTotal（不超过 -m）、它的 init 是 1 号进程、qemu 呈现给它的 CPU',
          },
          verify: (ctx) => {
            const { facts } = vmFacts(ctx);
            const boot = facts.get('boot_id');
            const hostBoot = readHost(BOOT_ID);
            const memKb = Number.parseInt(facts.get('MemTotal') ?? '', 10);
            const hostMem = memTotalKb('/proc/meminfo');
            const up = Number(facts.get('uptime')?.split(' ')[0]);
            const hostUp = hostUptime() ?? 0;
            const sameRelease = facts.get('osrelease') === readHost(OSRELEASE);
            return {
              ok:
                boot !== undefined &&
                UUID.test(boot) &&
                boot !== hostBoot &&
                memKb > 0 &&
                memKb <= VM_MEMORY_MIB * 1024 &&
                memKb !== hostMem &&
                up < hostUp &&
                facts.get('pid 1') === 'init',
              found: bilingual(
                (say) =>
                  `${say('VM / host: ', '虚拟机 / 宿主机：')}uname -r ${facts.get('osrelease') ?? '?'} / ${readHost(OSRELEASE) ?? '?'}${sameRelease ? say(' (the same release: the same kernel image, booted twice)', '（版本号相同：同一个内核镜像启动了两次）') : ''}${say('; ', '；')}boot_id ${boot ?? '?'} / ${hostBoot ?? '?'}${say('; uptime ', '；运行时间 ')}${Number.isFinite(up) ? up : '?'} / ${hostUp} s${say('; ', '；')}MemTotal ${Number.isFinite(memKb) ? memKb : '?'} / ${hostMem ?? '?'} kB${say('; PID 1 ', '；1 号进程 ')}${facts.get('pid 1') ?? '?'} / ${comm(1) ?? '?'}${say('; CPU ', '；CPU ')}${facts.get('cpu') ?? '?'}`,
              ),
            };
          },
        },
        {
          id: 'own-machine',
          title: {
            en: "the VM's kernel sees a machine of its own: the command line qemu gave it, qemu's PCI devices, no module loaded, its own kernel log from its boot; the container sees the host's kernel command line",
            zh: '虚拟机的内核看到的是一台属于它自己的机器：qemu 给它的内核命令行、qemu 模拟的 PCI 设备、没有加载任何模块、从它自己启动开始的内核日志；而容器看到的是宿主机的内核命令行',
          },
          verify: (ctx) => {
            const { facts } = vmFacts(ctx);
            const pci = (facts.get('pci') ?? '').split(' ').filter(Boolean);
            const init = containerInit(ctx);
            const inContainer = readIn(init, '/proc/cmdline');
            const host = readHost('/proc/cmdline');
            return {
              ok: facts.get('cmdline') === APPEND && pci.includes(I440FX) && facts.get('modules') === '0' && inContainer !== undefined && inContainer === host,
              found: bilingual(
                (say) =>
                  `${say('VM: cmdline ', '虚拟机：cmdline ')}${facts.get('cmdline') ?? '?'}${say('; PCI ', '；PCI ')}${pci.join(' ') || '?'}${say('; modules ', '；模块 ')}${facts.get('modules') ?? '?'}${say('; first log line ', '；第一行日志 ')}${facts.get('dmesg')?.slice(0, 60) ?? '?'}${say('; container: cmdline ', '；容器：cmdline ')}${short(inContainer)}${say(inContainer === host ? " (the host's)" : ' (not the host’s)', inContainer === host ? '（宿主机的）' : '（不是宿主机的）')}`,
              ),
            };
          },
        },
        {
          id: 'memory',
          title: {
            en: 'qemu holds more resident memory than the whole container: a VM carries a kernel and the memory given to it, a container only its processes',
            zh: 'qemu 占用的常驻内存比整个容器还多：虚拟机带着一个内核和分给它的内存，容器只有它自己的进程',
          },
          verify: (ctx) => {
            const vm = qemuOf(ctx);
            const init = initOf(ctx);
            const qemu = rssKb(vm);
            const container = containerMemory(init);
            return {
              ok: qemu !== undefined && container.rssKb > 0 && qemu > container.rssKb && (container.currentKb === undefined || qemu > container.currentKb),
              found: bilingual(
                (say) =>
                  `qemu VmRSS ${qemu === undefined ? '?' : mib(qemu)}${say('; container: VmRSS ', '；容器：VmRSS ')}${mib(container.rssKb)}${container.currentKb !== undefined ? `, memory.current ${mib(container.currentKb)}` : ''}${qemu !== undefined && container.rssKb > 0 ? say(` (${Math.round(qemu / container.rssKb)} times as much)`, `（${Math.round(qemu / container.rssKb)} 倍）`) : ''}`,
              ),
            };
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'why-own-kernel',
      answer: { choice: 2 },
    },
    {
      id: 'power-off',
      kind: 'task',
      shell: 'host',
      solution: [run(['kill', pid('vm')])],
      checks: [
        {
          id: 'vm-gone',
          settle: 5000,
          title: {
            en: "killing one process, qemu, ended the whole VM with its kernel; the container still runs on the host's kernel, whose boot_id is unchanged",
            zh: '杀掉一个进程（qemu），整台虚拟机连同它的内核就都没了；容器仍然运行在宿主机的内核上，而宿主机的 boot_id 没有变',
          },
          verify: (ctx) => {
            const vm = ctx.proc('vm').pid;
            const init = containerInit(ctx);
            const boot = readIn(init, BOOT_ID);
            return {
              ok: !isAlive(vm) && init !== undefined && boot === readHost(BOOT_ID),
              found: bilingual(
                (say) =>
                  `qemu PID ${vm}${say(isAlive(vm) ? ': running' : ': gone', isAlive(vm) ? '：仍在运行' : '：已退出')}${say("; the container's PID 1: ", '；容器的 1 号进程：')}${init ?? say('none', '无')}${say(', boot_id inside ', '，容器内 boot_id ')}${boot ?? '?'}`,
              ),
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
