// The security lab: what stands between a container's root and the host when the user namespace is the host's.
// Containers made with `lab container run -d` (containers.ts) with Docker's defaults and one flag changed at a time:
// the 14 capabilities (a refused sethostname, allowed with --cap-add SYS_ADMIN), no_new_privs, runc's masked and
// read-only /proc paths, Docker's seccomp profile (unshare -U refused though it needs no capability, allowed
// unconfined), --privileged (every capability, no filter: only harmless facts are read), and a user namespace as the
// fix (rootless). Host resources: the containers, journaled by the run before each is made; the user namespace's
// process dies with the harness. Nothing here writes anything of the host's: refused writes target the containers'
// own UTS namespaces, and the one host file touched is opened for writing by a probe that writes nothing.
import { existsSync, statSync } from 'node:fs';
import { allCapabilities, countCapabilities, readLastCap } from '../../src/kernel/capabilities.js';
import { MASKED_PATHS, READONLY_PATHS } from '../../src/kernel/container-plan.js';
import { formatIdMap, isSingleRange, readIdMap } from '../../src/kernel/id-map.js';
import { readMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { dieWithHarness, unshareArgv } from '../../src/kernel/namespaces.js';
import { listPids, nsInode, nspid } from '../../src/kernel/proc.js';
import { errnoOfExit, openForWriteProbeArgv } from '../../src/kernel/syscall-probe.js';
import { asUserArgv, NOBODY, unshareUserArgv } from '../../src/kernel/user-namespace.js';
import { readUtsName, utsNameArgv } from '../../src/kernel/uts.js';
import { enter, nsenter, proc, run, start } from '../../src/lab/build.js';
import type { CheckContext, LabContext, LabSpec } from '../../src/lab/spec.js';
import { bilingual } from '../../src/common/vocabulary.js';
import { DOCKER_MASK, SYS_ADMIN, VARIANTS, execIn, field, findInit, initOf, maskOf, nameOf, shownMask, startContainer, type Variant } from './containers.js';
import { CONTAINER_RUN_REQUIRES } from '../../src/lab/requirements.js';

/** The hostname the containers try to set: refused with Docker's capabilities, set with CAP_SYS_ADMIN. */
const TRY = 'lab-sec-try';

/** The hostname written to /proc/sys/kernel/hostname in the container: refused, /proc/sys is read-only there. */
const TRY_PROC = 'lab-sec-proc';

/** A root-owned host file the rootless root tries to open for writing (nothing is written, even when allowed). */
const HOST_FILE = '/etc/passwd';

/** The namespaces a container of the rootless root has of its own (its user namespace is the rootless one). */
const OWN = ['pid', 'mnt', 'uts', 'ipc', 'net'] as const;

/** A recorded wait status (`exit 1`), or what is missing. */
const recorded = (ctx: LabContext, key: string): string => ctx.get(key);

/** A recorded status that is a failure of the command: `exit N` with N > 0. */
const failed = (status: string): boolean => /^exit [1-9]\d*$/.test(status);

/** The hostname a container's UTS namespace holds, read by entering it. */
async function hostnameOf(ctx: CheckContext, variant: Variant): Promise<string> {
  const result = await ctx.probe(utsNameArgv(initOf(ctx, variant), 'hostname'));
  return result.exitCode === 0 ? result.stdout.trim() : '?';
}

/** The last mount at a path in a container's mount table (paths as the container sees them, after its pivot). */
function mountAt(pid: number, point: string): MountEntry | undefined {
  return (readMountinfo(pid) ?? []).filter((m) => m.mountPoint === point).at(-1);
}

/** A container's PID 1, for an argv word (`/proc/<pid>/uid_map`). */
const initFile = (variant: Variant, file: string) => (ctx: LabContext) => `/proc/${initOf(ctx, variant)}/${file}`;

export default {
  format: 1,
  id: 'security',
  order: 21,
  requires: [...CONTAINER_RUN_REQUIRES, 'unshare', 'nsenter', 'setpriv', 'perl', 'lab-on-path', 'ns-user', 'userns-unprivileged'],
  shell: { target: 'rootless', namespaces: ['user'] },
  steps: [
    {
      id: 'capabilities',
      kind: 'demo',
      actions: [
        startContainer('default'),
        execIn('default', ['grep', '^Cap', '/proc/1/status']),
        run(['lab', 'inspect', nameOf('default')]),
        execIn('default', ['hostname', TRY], { expect: 'fail', record: 'hostname-default' }),
      ],
      checks: [
        {
          id: 'docker-set',
          title: {
            en: "the container's PID 1 holds Docker's 14 capabilities (CapEff = CapPrm = CapBnd = 00000000a80425fb), nothing inheritable or ambient: CAP_SYS_ADMIN is not among them",
            zh: '容器的 1 号进程持有 Docker 的 14 项能力（CapEff = CapPrm = CapBnd = 00000000a80425fb），可继承集和环境集为空：其中没有 CAP_SYS_ADMIN',
          },
          verify: (ctx) => {
            const pid = initOf(ctx, 'default');
            const [eff, prm, bnd, inh, amb] = (['CapEff', 'CapPrm', 'CapBnd', 'CapInh', 'CapAmb'] as const).map((set) => maskOf(pid, set));
            const host = maskOf('self', 'CapBnd');
            return {
              ok: eff === DOCKER_MASK && prm === eff && bnd === eff && inh === 0n && amb === 0n && (eff & SYS_ADMIN) === 0n,
              found: bilingual(
                (say) =>
                  `PID ${pid}${say(': CapEff ', '：CapEff ')}${shownMask(eff!)}${say('; CapPrm ', '；CapPrm ')}${prm!.toString(16).padStart(16, '0')}, CapBnd ${bnd!.toString(16).padStart(16, '0')}, CapInh ${inh!.toString(16).padStart(16, '0')}, CapAmb ${amb!.toString(16).padStart(16, '0')}${say("; the harness's CapBnd: ", '；lab 自己的 CapBnd：')}${host.toString(16).padStart(16, '0')}`,
              ),
            };
          },
        },
        {
          id: 'hostname-refused',
          title: {
            en: `\`hostname ${TRY}\` in the container failed and its UTS namespace kept its hostname: sethostname(2) needs CAP_SYS_ADMIN`,
            zh: `容器里的 \`hostname ${TRY}\` 失败了，它的 UTS 命名空间保留了原来的主机名：sethostname(2) 需要 CAP_SYS_ADMIN`,
          },
          verify: async (ctx) => {
            const status = recorded(ctx, 'hostname-default');
            const inside = await hostnameOf(ctx, 'default');
            return {
              ok: failed(status) && inside !== '?' && inside !== TRY && readUtsName('hostname') !== TRY,
              found: bilingual((say) => `hostname ${TRY}${say(': ', '：')}${status}${say('; hostname in the container: ', '；容器里的主机名：')}${inside}`),
            };
          },
        },
      ],
    },
    {
      id: 'cap-add',
      kind: 'demo',
      actions: [
        startContainer('admin'),
        execIn('admin', ['grep', '^CapEff', '/proc/1/status']),
        execIn('admin', ['hostname', TRY], { record: 'hostname-admin' }),
        execIn('admin', ['hostname']),
        run(['hostname']),
      ],
      checks: [
        {
          id: 'sys-admin-added',
          title: {
            en: "with --cap-add SYS_ADMIN, PID 1's CapEff and CapBnd are Docker's 14 and CAP_SYS_ADMIN (bit 21): 00000000a82425fb",
            zh: '加上 --cap-add SYS_ADMIN 后，1 号进程的 CapEff 和 CapBnd 是 Docker 的 14 项再加 CAP_SYS_ADMIN（第 21 位）：00000000a82425fb',
          },
          verify: (ctx) => {
            const pid = initOf(ctx, 'admin');
            const eff = maskOf(pid, 'CapEff');
            const bnd = maskOf(pid, 'CapBnd');
            return {
              ok: eff === (DOCKER_MASK | SYS_ADMIN) && bnd === eff,
              found: bilingual(
                (say) => `PID ${pid}${say(': CapEff ', '：CapEff ')}${shownMask(eff)}${say('; CapBnd ', '；CapBnd ')}${bnd.toString(16).padStart(16, '0')}`,
              ),
            };
          },
        },
        {
          id: 'hostname-set',
          title: {
            en: `the same \`hostname ${TRY}\` succeeded: the container's UTS namespace holds ${TRY}, the host's hostname is unchanged`,
            zh: `同样的 \`hostname ${TRY}\` 成功了：容器的 UTS 命名空间里主机名是 ${TRY}，宿主机的主机名没变`,
          },
          verify: async (ctx) => {
            const status = recorded(ctx, 'hostname-admin');
            const inside = await hostnameOf(ctx, 'admin');
            const host = readUtsName('hostname');
            return {
              ok: status === 'exit 0' && inside === TRY && host !== TRY,
              found: bilingual(
                (say) =>
                  `hostname ${TRY}${say(': ', '：')}${status}${say('; in the container: ', '；容器里：')}${inside}${say('; on the host: ', '；宿主机上：')}${host ?? '?'}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'no-new-privs',
      kind: 'demo',
      actions: [
        startContainer('nnp'),
        execIn('nnp', ['grep', '-E', '^(NoNewPrivs|Seccomp):', '/proc/1/status']),
        execIn('default', ['grep', '-E', '^(NoNewPrivs|Seccomp):', '/proc/1/status']),
      ],
      checks: [
        {
          id: 'nnp-set',
          title: {
            en: 'with --security-opt no-new-privileges PID 1 has NoNewPrivs 1 (the default container 0), with the same capabilities and seccomp filter',
            zh: '加上 --security-opt no-new-privileges 后，1 号进程的 NoNewPrivs 是 1（默认容器是 0），能力和 seccomp 过滤器都一样',
          },
          verify: (ctx) => {
            const nnp = initOf(ctx, 'nnp');
            const plain = initOf(ctx, 'default');
            return {
              ok:
                field(nnp, 'NoNewPrivs') === '1' &&
                field(plain, 'NoNewPrivs') === '0' &&
                maskOf(nnp, 'CapEff') === DOCKER_MASK &&
                field(nnp, 'Seccomp') === '2' &&
                field(nnp, 'Seccomp_filters') === '1',
              found: bilingual(
                (say) =>
                  `${say('no-new-privileges', 'no-new-privileges')} PID ${nnp}${say(': ', '：')}NoNewPrivs ${field(nnp, 'NoNewPrivs')}, Seccomp ${field(nnp, 'Seccomp')}, Seccomp_filters ${field(nnp, 'Seccomp_filters')}, CapEff ${field(nnp, 'CapEff')}${say('; default PID ', '；默认容器 PID ')}${plain}${say(': ', '：')}NoNewPrivs ${field(plain, 'NoNewPrivs')}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'proc-paths',
      kind: 'demo',
      actions: [
        execIn('default', ['grep', '-E', ' /proc/(kcore|keys|timer_list|sys|sysrq-trigger) ', '/proc/1/mountinfo']),
        execIn('default', ['cat', '/proc/keys']),
        execIn('default', ['umount', '/proc/keys'], { expect: 'fail', record: 'unmask' }),
        execIn('default', ['sh', '-c', `echo ${TRY_PROC} > /proc/sys/kernel/hostname`], { expect: 'fail', record: 'proc-sys-write' }),
      ],
      checks: [
        {
          id: 'masked',
          title: {
            en: "every file runc masks that this kernel has (/proc/kcore, /proc/keys, /proc/timer_list...) is the container's /dev/null bound over it, and `umount /proc/keys` in the container failed: the mask is still there",
            zh: 'runc 要遮住的文件只要这个内核有（/proc/kcore、/proc/keys、/proc/timer_list……），在容器里都被容器自己的 /dev/null 绑定挂载遮住了，容器里的 `umount /proc/keys` 失败了：遮罩还在',
          },
          verify: (ctx) => {
            const status = recorded(ctx, 'unmask');
            const pid = initOf(ctx, 'default');
            const dev = mountAt(pid, '/dev');
            const files = MASKED_PATHS.filter((p) => !p.dir && existsSync(p.path)).map((p) => ({ path: p.path, m: mountAt(pid, p.path) }));
            const masked = files.filter((f) => f.m !== undefined && dev !== undefined && f.m.device === dev.device && f.m.root === '/null');
            const open = files.filter((f) => !masked.includes(f));
            return {
              ok: failed(status) && masked.length > 0 && open.length === 0,
              found: bilingual(
                (say) =>
                  `${say('/dev/null bound over: ', '被 /dev/null 遮住的：')}${masked.map((f) => `${f.path} (${f.m!.device} ${f.m!.root})`).join(', ') || say('none', '无')}${say('; not masked: ', '；没遮住的：')}${open.map((f) => f.path).join(' ') || say('none', '无')}${say('; umount /proc/keys: ', '；umount /proc/keys：')}${status}`,
              ),
            };
          },
        },
        {
          id: 'sys-read-only',
          title: {
            en: `/proc/sys and the other paths runc makes read-only are read-only mounts in the container; writing ${TRY_PROC} to /proc/sys/kernel/hostname failed and the container's hostname is unchanged`,
            zh: `/proc/sys 以及 runc 设为只读的其他路径在容器里都是只读挂载；把 ${TRY_PROC} 写进 /proc/sys/kernel/hostname 失败了，容器的主机名没变`,
          },
          verify: async (ctx) => {
            const status = recorded(ctx, 'proc-sys-write');
            const pid = initOf(ctx, 'default');
            const paths = READONLY_PATHS.filter((p) => existsSync(p)).map((p) => ({ path: p, m: mountAt(pid, p) }));
            const ro = paths.filter((p) => p.m?.options.split(',').includes('ro') === true);
            const inside = await hostnameOf(ctx, 'default');
            return {
              ok: failed(status) && ro.length === paths.length && paths.some((p) => p.path === '/proc/sys') && inside !== '?' && inside !== TRY_PROC,
              found: bilingual(
                (say) =>
                  `${paths.map((p) => `${p.path} ${p.m ? (p.m.options.split(',').includes('ro') ? 'ro' : 'rw') : say('not a mount', '不是挂载点')}`).join(', ')}${say('; the write: ', '；写入：')}${status}${say('; hostname in the container: ', '；容器里的主机名：')}${inside}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'seccomp',
      kind: 'demo',
      actions: [
        execIn('default', ['grep', '^Seccomp', '/proc/1/status']),
        execIn('default', ['unshare', '-U', 'true'], { expect: 'fail', record: 'unshare-default' }),
        startContainer('unconfined'),
        execIn('unconfined', ['grep', '^Seccomp', '/proc/1/status']),
        execIn('unconfined', ['unshare', '-U', 'true'], { record: 'unshare-unconfined' }),
      ],
      checks: [
        {
          id: 'filter-refuses',
          title: {
            en: "the default container's PID 1 runs under one seccomp filter (Seccomp: 2), and `unshare -U true` in it failed, although creating a user namespace needs no capability",
            zh: '默认容器的 1 号进程处在一个 seccomp 过滤器之下（Seccomp: 2），在里面 `unshare -U true` 失败了，尽管创建用户命名空间并不需要任何能力',
          },
          verify: (ctx) => {
            const status = recorded(ctx, 'unshare-default');
            const pid = initOf(ctx, 'default');
            return {
              ok: failed(status) && field(pid, 'Seccomp') === '2' && field(pid, 'Seccomp_filters') === '1',
              found: bilingual(
                (say) =>
                  `PID ${pid}${say(': ', '：')}Seccomp ${field(pid, 'Seccomp')}, Seccomp_filters ${field(pid, 'Seccomp_filters')}${say('; unshare -U true: ', '；unshare -U true：')}${status}`,
              ),
            };
          },
        },
        {
          id: 'unconfined-allows',
          title: {
            en: "with seccomp=unconfined PID 1 has no filter (Seccomp: 0) and the very same capabilities, and `unshare -U true` succeeded: the refusal was the filter's",
            zh: '加上 seccomp=unconfined 后，1 号进程没有过滤器（Seccomp: 0），能力完全相同，`unshare -U true` 成功了：刚才的拒绝来自过滤器',
          },
          verify: (ctx) => {
            const status = recorded(ctx, 'unshare-unconfined');
            const pid = initOf(ctx, 'unconfined');
            const eff = maskOf(pid, 'CapEff');
            return {
              ok: status === 'exit 0' && field(pid, 'Seccomp') === '0' && eff === maskOf(initOf(ctx, 'default'), 'CapEff'),
              found: bilingual(
                (say) =>
                  `PID ${pid}${say(': ', '：')}Seccomp ${field(pid, 'Seccomp')}, CapEff ${shownMask(eff)}${say('; unshare -U true: ', '；unshare -U true：')}${status}`,
              ),
            };
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'why-seccomp',
      answer: { choice: 1 },
    },
    {
      id: 'privileged',
      kind: 'demo',
      actions: [
        startContainer('privileged'),
        execIn('privileged', ['grep', '-E', '^(CapEff|CapBnd|Seccomp|NoNewPrivs):', '/proc/1/status']),
        run(['grep', '-E', '^(CapEff|CapBnd):', '/proc/self/status']),
        run(['cat', initFile('privileged', 'uid_map')]),
        run(['readlink', initFile('privileged', 'ns/user'), '/proc/self/ns/user']),
      ],
      checks: [
        {
          id: 'every-capability',
          title: {
            en: "with --privileged PID 1's CapEff is the harness's whole bounding set (CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO among them), with no seccomp filter",
            zh: '加上 --privileged 后，1 号进程的 CapEff 就是 lab 自己的整个边界集（其中有 CAP_SYS_ADMIN、CAP_SYS_MODULE、CAP_SYS_RAWIO），也没有 seccomp 过滤器',
          },
          verify: (ctx) => {
            const pid = initOf(ctx, 'privileged');
            const eff = maskOf(pid, 'CapEff');
            const host = maskOf('self', 'CapBnd');
            const needed = [21n, 16n, 17n].every((bit) => (eff & (1n << bit)) !== 0n);
            return {
              ok: eff === host && maskOf(pid, 'CapBnd') === host && needed && field(pid, 'Seccomp') === '0',
              found: bilingual(
                (say) =>
                  `PID ${pid}${say(': CapEff ', '：CapEff ')}${eff.toString(16).padStart(16, '0')}${say(' (', '（')}${eff >= 0n ? countCapabilities(eff) : '?'}${say(' capabilities)', ' 项能力）')}, Seccomp ${field(pid, 'Seccomp')}${say("; the harness's CapBnd: ", '；lab 的 CapBnd：')}${host.toString(16).padStart(16, '0')}`,
              ),
            };
          },
        },
        {
          id: 'host-root',
          title: {
            en: "its user namespace is the host's and its uid_map is 0 0 4294967295: its root is the host's root, and those capabilities count against everything the host owns",
            zh: '它的用户命名空间就是宿主机的，uid_map 是 0 0 4294967295：它的 root 就是宿主机的 root，这些能力对宿主机拥有的一切都有效',
          },
          verify: (ctx) => {
            const pid = initOf(ctx, 'privileged');
            const map = readIdMap(pid, 'uid');
            const same = nsInode(pid, 'user') !== undefined && nsInode(pid, 'user') === nsInode('self', 'user');
            return {
              ok: same && isSingleRange(map, 0, 0, 4294967295) && field(pid, 'Uid').split(/\s+/)[1] === '0',
              found: bilingual(
                (say) =>
                  `PID ${pid}${say(': user:[', '：user:[')}${nsInode(pid, 'user') ?? '?'}]${say(', the host: user:[', '，宿主机：user:[')}${nsInode('self', 'user') ?? '?'}]${say('; uid_map ', '；uid_map ')}${map ? formatIdMap(map) : '?'}${say('; Uid ', '；Uid ')}${field(pid, 'Uid')}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'rootless',
      kind: 'demo',
      actions: [
        // setpriv drops to nobody first; only then is the parent-death signal set (the kernel clears it when the
        // effective UID changes), as the user-namespace lab does.
        start('rootless', asUserArgv(NOBODY, NOBODY, dieWithHarness(unshareUserArgv({ map: 'root', fork: true }, ['sleep', 'infinity']))), { pidOf: 'child' }),
        run(['cat', proc('rootless', 'uid_map')]),
        enter(['grep', '-E', '^(Uid|CapEff):', proc('rootless', 'status')]),
        enter(['stat', '-c', '%u:%g %A %n', HOST_FILE]),
        enter(openForWriteProbeArgv(HOST_FILE), { expect: 'fail', record: 'host-file' }),
      ],
      checks: [
        {
          id: 'root-inside',
          title: {
            en: "a process nobody started is uid 0 in a user namespace of its own (uid_map 0 65534 1) with every capability there: a container's root as rootless runtimes make it",
            zh: 'nobody 启动的进程在自己的用户命名空间里是 uid 0（uid_map 0 65534 1），并在那里拥有全部能力：这就是无根（rootless）运行时给容器的 root',
          },
          verify: (ctx) => {
            const pid = ctx.proc('rootless').pid;
            const map = readIdMap(pid, 'uid');
            const last = readLastCap();
            const eff = maskOf(pid, 'CapEff');
            const own = nsInode(pid, 'user') !== undefined && nsInode(pid, 'user') !== nsInode('self', 'user');
            return {
              ok: own && isSingleRange(map, 0, NOBODY) && last !== undefined && eff === allCapabilities(last),
              found: bilingual(
                (say) =>
                  `PID ${pid}${say(': user:[', '：user:[')}${nsInode(pid, 'user') ?? '?'}]${say('; uid_map ', '；uid_map ')}${map ? formatIdMap(map) : '?'}${say('; CapEff ', '；CapEff ')}${field(pid, 'CapEff')}${say(`, all ${last ?? '?'} + 1: `, `，全部 ${last ?? '?'} + 1 项：`)}${last !== undefined && eff === allCapabilities(last) ? say('yes', '是') : say('no', '否')}`,
              ),
            };
          },
        },
        {
          id: 'host-file-refused',
          title: {
            en: `its root, with every capability, could not open the host's ${HOST_FILE} for writing: open(2) returned EACCES, since the file's owner (root, uid 0) is not mapped into its namespace`,
            zh: `它的 root 虽然拥有全部能力，却不能以写方式打开宿主机的 ${HOST_FILE}：open(2) 返回 EACCES，因为文件的属主（root，uid 0）没有映射进它的命名空间`,
          },
          verify: (ctx) => {
            const status = recorded(ctx, 'host-file');
            const owner = statSync(HOST_FILE);
            return {
              ok: errnoOfExit(status) === 'EACCES' && owner.uid === 0,
              found: bilingual(
                (say) =>
                  `open(${HOST_FILE}, O_WRONLY)${say(': ', '：')}${status} (${errnoOfExit(status) ?? say('no errno', '没有 errno')})${say('; owner on the host: ', '；宿主机上的属主：')}${owner.uid}:${owner.gid}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'rootless-container',
      kind: 'task',
      shell: 'lab',
      solution: [
        start('own-container', nsenter(dieWithHarness(unshareArgv({ namespaces: ['pid', 'uts', 'ipc', 'net'], mountProc: true }, ['sleep', '1000']))), {
          pidOf: 'child',
        }),
      ],
      checks: [
        {
          id: 'made-unprivileged',
          settle: 1000,
          title: {
            en: 'a process is PID 1 of new PID, mount, UTS, IPC and network namespaces made inside the rootless user namespace: a container made with no privilege on the host, where it runs as nobody',
            zh: '有一个进程是在无根用户命名空间里创建的新 PID、挂载、UTS、IPC 和网络命名空间的 1 号进程：这是一个在宿主机上不需要任何特权就做出来的容器，在宿主机上它以 nobody 身份运行',
          },
          verify: (ctx) => {
            const rootless = ctx.proc('rootless').pid;
            const userns = nsInode(rootless, 'user');
            const found = listPids().filter(
              (pid) =>
                userns !== undefined &&
                nsInode(pid, 'user') === userns &&
                nspid(pid)?.at(-1) === 1 &&
                OWN.every((type) => nsInode(pid, type) !== undefined && nsInode(pid, type) !== nsInode(rootless, type)),
            );
            const asNobody = found.filter((pid) => field(pid, 'Uid').split(/\s+/)[1] === String(NOBODY));
            return {
              ok: asNobody.length > 0,
              found: bilingual((say) =>
                found.length
                  ? found
                      .map(
                        (pid) =>
                          `PID ${pid} (NSpid ${nspid(pid)?.join(' ') ?? '?'}, Uid ${field(pid, 'Uid')}): ${OWN.map((type) => `${type}:[${nsInode(pid, type) ?? '?'}]`).join(' ')}`,
                      )
                      .join('; ')
                  : say(
                      `no process of user:[${userns ?? '?'}] is PID 1 of namespaces of its own`,
                      `user:[${userns ?? '?'}] 里没有哪个进程是自己那些命名空间的 1 号进程`,
                    ),
              ),
            };
          },
        },
      ],
    },
    {
      id: 'remove',
      kind: 'demo',
      actions: [(ctx) => ({ kind: 'run', argv: ['lab', 'container', 'rm', '-f', ...VARIANTS.map((v) => nameOf(v)(ctx))] })],
      checks: [
        {
          id: 'containers-gone',
          settle: 3000,
          title: {
            en: '`lab container rm -f` removed the five containers: no PID 1 of theirs is left on the host',
            zh: '`lab container rm -f` 删除了这五个容器：宿主机上已经没有它们的 1 号进程',
          },
          verify: (ctx) => {
            const left = VARIANTS.filter((v) => findInit(ctx, v) !== undefined);
            return {
              ok: left.length === 0,
              found: bilingual((say) => `${say('still running: ', '仍在运行：')}${left.map((v) => nameOf(v)(ctx)).join(' ') || say('none', '无')}`),
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
