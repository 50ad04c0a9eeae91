// The user-namespace lab: an ordinary user (nobody, 65534) becomes root inside a user namespace; the ID maps say
// who that root is on the host; the files it makes belong to nobody; it cannot touch what the host's root owns,
// yet holds every capability over namespaces of its own; a mount namespace it owns receives the mounts of a more
// privileged one as slaves, locked, and may mount a tmpfs of its own; and a mapping that is not root, as runAsUser
// picks. Nothing is made on the host but two paths under /run, both declared and removed at the end; the mounts live
// in the lab's own mount namespaces, the first of them private from the host.
import { readFileSync, statSync, type Stats } from 'node:fs';
import { allCapabilities, countCapabilities, readCapabilities, readLastCap } from '../../src/kernel/capabilities.js';
import { formatIdMap, isSingleRange, readIdMap } from '../../src/kernel/id-map.js';
import { readMountinfo, type MountEntry } from '../../src/kernel/mountinfo.js';
import { describeMount, mountAt, mountsFrom, peerGroupOf, propagationLink } from '../../src/kernel/mount-propagation.js';
import { dieWithHarness, unshareArgv } from '../../src/kernel/namespaces.js';
import { comm, listPids, nsInode, readStatus } from '../../src/kernel/proc.js';
import { errnoOfExit, openForWriteProbeArgv, umountProbeArgv } from '../../src/kernel/syscall-probe.js';
import { asUserArgv, NOBODY, unshareUserArgv } from '../../src/kernel/user-namespace.js';
import { enter, init, nsenter, pid, proc, run, start, type Into } from '../../src/lab/build.js';
import { runCreating } from '../../src/lab/build-host.js';
import { word } from '../../src/lab/build-words.js';
import type { CheckContext, LabContext, LabSpec } from '../../src/lab/spec.js';
import { ownNamespace } from '../../src/lab/checks.js';

/** The end of the run's id (`<pid>-<time>`): makes the lab's paths unique on this host. */
const suffix = (ctx: LabContext): string => ctx.runId.split('-').slice(-2).join('-');

/** A directory owned by nobody, where the root inside makes a file. /run is root's and not world-writable. */
const sharedDir = (ctx: LabContext): string => `/run/lab-userns-${suffix(ctx)}`;
const madeInside = (ctx: LabContext): string => `${sharedDir(ctx)}/made-inside`;

/** A file the host's root owns, which the root inside tries to overwrite. */
const hostFile = (ctx: LabContext): string => `/run/lab-userns-${suffix(ctx)}.conf`;
const HOST_FILE_TEXT = 'written by the host root';

/** The hostname the root inside tries to set: refused for the host's UTS namespace, accepted in its own. */
const HOSTNAME = 'lab-userns';

/** The IDs the learner maps in the task, as `runAsUser: 1000` / `runAsGroup: 1000` would pick. */
const TASK_ID = 1000;

/** The mounts step: a tmpfs the parent mount namespace shares at /mnt, and the child's own tmpfs under it. */
const SHARED_SOURCE = 'lab-userns-mnt';
const SHARED_AT = '/mnt';
const OWN_SOURCE = 'lab-userns-own';
const OWN_AT = '/mnt/own';

/** The parent mount namespace (owned by the host's user namespace), entered as the host's root. */
const PARENT: Into = { into: 'mnt-parent', ns: ['mnt'] };

/** Root of the child's user namespace, in the mount namespace that user namespace owns. */
const CHILD_ROOT: Into = { into: 'mnt-child', ns: ['user', 'mnt'] };

/** The UTS namespace the root inside made, entered as that root (who may set its hostname). */
const OWN_UTS_ROOT: Into = { into: 'own-uts', ns: ['user', 'uts'] };

/** The same UTS namespace alone, entered as the host's root (to read its hostname). */
const OWN_UTS: Into = { into: 'own-uts', ns: ['uts'] };

/** The mount table of a lab process's mount namespace, as the kernel lists it. */
function tableOf(ctx: LabContext, name: 'mnt-parent' | 'mnt-child'): MountEntry[] {
  const pid = ctx.proc(name).pid;
  const table = readMountinfo(pid);
  if (!table) throw new Error(`/proc/${pid}/mountinfo cannot be read: the lab's process ${name} is gone`);
  return table;
}

const shownMount = (entry: MountEntry | undefined, none: string): string => (entry ? `${entry.source} ${describeMount(entry)}` : none);

/** The four IDs of a `Uid:` or `Gid:` status line (real, effective, saved, filesystem). */
const ids = (line: string | undefined): string[] => (line ?? '').split(/\s+/).filter(Boolean);
const allAre = (line: string | undefined, id: number): boolean => ids(line).length === 4 && ids(line).every((v) => v === String(id));

/** The ID the kernel shows for an ID that a user namespace's map does not cover (overflowuid, usually 65534). */
function overflowId(kind: 'uid' | 'gid'): number {
  try {
    return Number(readFileSync(`/proc/sys/kernel/overflow${kind}`, 'utf8').trim());
  } catch {
    return 65534;
  }
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function textOf(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `uid:gid` of a file as a process inside the lab's user namespace sees it (through `stat`, run inside). */
async function ownerInside(ctx: CheckContext, path: string): Promise<string> {
  const result = await ctx.probe(nsenter(['stat', '-c', '%u:%g', path])(ctx));
  return result.exitCode === 0 ? result.stdout.trim() : `stat failed: ${result.stderr.trim()}`;
}

/** Host PIDs of the processes whose user namespace maps TASK_ID to nobody, for both users and groups. */
function mappedProcesses(): number[] {
  return listPids().filter((pid) => isSingleRange(readIdMap(pid, 'uid'), TASK_ID, NOBODY) && isSingleRange(readIdMap(pid, 'gid'), TASK_ID, NOBODY));
}

export default {
  format: 1,
  id: 'user-namespace',
  order: 6,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'perl', 'ns-user', 'ns-uts', 'ns-mnt', 'userns-unprivileged'],
  shell: { target: 'init', namespaces: ['user'] },
  steps: [
    {
      id: 'create',
      kind: 'demo',
      actions: [
        // setpriv drops to nobody first; only then is the parent-death signal set: the kernel clears it when the
        // effective UID changes, so set before the switch it would be lost.
        start('init', asUserArgv(NOBODY, NOBODY, dieWithHarness(unshareUserArgv({ map: 'root', fork: true }, ['sleep', 'infinity']))), { pidOf: 'child' }),
        run(['grep', '-E', '^(Uid|Gid|CapEff):', proc('init', 'status')]),
        enter(['grep', '-E', '^(Uid|Gid|CapEff):', proc('init', 'status')]),
        run(['head', proc('init', 'uid_map'), proc('init', 'gid_map')]),
      ],
      checks: [
        ownNamespace('user', 'init', {
          en: "init lives in a user namespace other than the host's",
          zh: 'init 进程所在的用户命名空间与宿主机的不同',
        }),
        {
          id: 'maps',
          title: {
            en: 'uid_map and gid_map map exactly one ID: 0 inside is 65534 (nobody) outside',
            zh: 'uid_map 和 gid_map 都只映射了一个 ID：内部的 0 就是外部的 65534（nobody）',
          },
          verify: (ctx) => {
            const pid = ctx.proc('init').pid;
            const uid = readIdMap(pid, 'uid');
            const gid = readIdMap(pid, 'gid');
            return {
              ok: isSingleRange(uid, 0, NOBODY) && isSingleRange(gid, 0, NOBODY),
              found: `uid_map: ${uid ? formatIdMap(uid) : '?'}; gid_map: ${gid ? formatIdMap(gid) : '?'}`,
            };
          },
        },
        {
          id: 'nobody-on-host',
          title: {
            en: "read from the host, init's Uid and Gid lines are 65534: it is nobody",
            zh: '从宿主机读取，init 的 Uid 和 Gid 行都是 65534：它是 nobody',
          },
          verify: (ctx) => {
            const status = readStatus(ctx.proc('init').pid);
            const uid = status?.get('Uid');
            const gid = status?.get('Gid');
            return { ok: allAre(uid, NOBODY) && allAre(gid, NOBODY), found: `Uid: ${ids(uid).join(' ')}; Gid: ${ids(gid).join(' ')}` };
          },
        },
        {
          id: 'root-inside',
          title: {
            en: 'read from inside the user namespace, the same lines say 0: it is root',
            zh: '从用户命名空间内部读取，同样的两行都是 0：它是 root',
          },
          verify: async (ctx) => {
            const pid = ctx.proc('init').pid;
            const result = await ctx.probe(nsenter(['grep', '-E', '^(Uid|Gid):', `/proc/${pid}/status`])(ctx));
            const seen = new Map(
              result.stdout
                .split('\n')
                .filter(Boolean)
                .map((line) => [line.split(':')[0], line.split(':')[1]?.trim()] as const),
            );
            return {
              ok: result.exitCode === 0 && allAre(seen.get('Uid'), 0) && allAre(seen.get('Gid'), 0),
              found: result.exitCode === 0 ? `Uid: ${ids(seen.get('Uid')).join(' ')}; Gid: ${ids(seen.get('Gid')).join(' ')}` : result.stderr.trim(),
            };
          },
        },
        {
          id: 'all-capabilities',
          title: {
            en: "init's effective capability set (CapEff) holds every capability the kernel knows",
            zh: 'init 的有效能力集（CapEff）包含内核已知的全部能力',
          },
          verify: (ctx) => {
            const caps = readCapabilities(ctx.proc('init').pid, 'CapEff');
            const last = readLastCap();
            const ok = caps !== undefined && last !== undefined && caps.mask === allCapabilities(last);
            return {
              ok,
              found: caps
                ? {
                    en: `CapEff: ${caps.text} (${countCapabilities(caps.mask)} of ${(last ?? -1) + 1} capabilities)`,
                    zh: `CapEff: ${caps.text}（共 ${(last ?? -1) + 1} 项能力，拥有 ${countCapabilities(caps.mask)} 项）`,
                  }
                : { en: 'no CapEff line', zh: '读不到 CapEff 行' },
            };
          },
        },
      ],
    },
    {
      id: 'files',
      kind: 'demo',
      actions: [
        runCreating((ctx) => ({ kind: 'path', path: sharedDir(ctx) }), ['install', '-d', '-o', NOBODY, '-g', NOBODY, '-m', '0700', sharedDir]),
        enter(['touch', madeInside]),
        enter(['ls', '-ln', sharedDir]),
        run(['stat', '-c', '%u:%g %U:%G %n', madeInside]),
      ],
      checks: [
        {
          id: 'nobody-owns-it',
          title: {
            en: 'on the host, the file the root inside made belongs to 65534:65534',
            zh: '在宿主机上看，内部的 root 创建的文件属于 65534:65534',
          },
          verify: (ctx) => {
            const st = statOf(madeInside(ctx));
            return {
              ok: st !== undefined && st.uid === NOBODY && st.gid === NOBODY,
              found: st ? `${madeInside(ctx)}: ${st.uid}:${st.gid}` : { en: `no ${madeInside(ctx)}`, zh: `没有 ${madeInside(ctx)}` },
            };
          },
        },
        {
          id: 'root-owns-it-inside',
          title: {
            en: 'inside, stat shows the same file owned by 0:0',
            zh: '在内部，stat 显示同一个文件属于 0:0',
          },
          verify: async (ctx) => {
            const owner = await ownerInside(ctx, madeInside(ctx));
            return { ok: owner === '0:0', found: `${madeInside(ctx)}: ${owner}` };
          },
        },
      ],
    },
    {
      id: 'host-file',
      kind: 'demo',
      actions: [
        runCreating((ctx) => ({ kind: 'path', path: hostFile(ctx) }), ['sh', '-c', word`echo "${HOST_FILE_TEXT}" > ${hostFile}`]),
        run(['ls', '-ln', hostFile]),
        enter(['ls', '-ln', hostFile]),
        enter(['sh', '-c', word`echo changed > ${hostFile}`], { expect: 'fail' }),
        enter((ctx) => openForWriteProbeArgv(hostFile(ctx)), { expect: 'fail', record: 'host-write' }),
        enter(['chown', '0:0', hostFile], { expect: 'fail' }),
        run(['cat', hostFile]),
      ],
      checks: [
        {
          id: 'unmapped-shows-as-overflow',
          title: {
            en: "inside, the host root's file shows the overflow owner 65534:65534: host ID 0 is not in the map",
            zh: '在内部，宿主机 root 的文件显示为溢出 ID 65534:65534：宿主机的 ID 0 不在映射里',
          },
          verify: async (ctx) => {
            const st = statOf(hostFile(ctx));
            const inside = await ownerInside(ctx, hostFile(ctx));
            const expected = `${overflowId('uid')}:${overflowId('gid')}`;
            return {
              ok: st !== undefined && st.uid === 0 && st.gid === 0 && inside === expected,
              found: {
                en: `on the host: ${st ? `${st.uid}:${st.gid}` : 'no file'}; inside: ${inside}`,
                zh: `宿主机上：${st ? `${st.uid}:${st.gid}` : '没有这个文件'}；内部：${inside}`,
              },
            };
          },
        },
        {
          id: 'host-file-intact',
          title: {
            en: "the root inside cannot write the host root's file: opening it for writing failed with EACCES (the probe's exit status is the errno), and the file is unchanged",
            zh: '内部的 root 写不了宿主机 root 的文件：以写方式打开它失败，错误是 EACCES（探针的退出状态就是 errno），文件原样未变',
          },
          verify: (ctx) => {
            const path = hostFile(ctx);
            const status = ctx.get('host-write');
            const errno = errnoOfExit(status);
            const text = textOf(path);
            const st = statOf(path);
            const intact = text === `${HOST_FILE_TEXT}\n` && st?.uid === 0 && st.gid === 0;
            const shown = text === undefined ? '(none)' : JSON.stringify(text.trimEnd());
            return {
              ok: errno === 'EACCES' && intact,
              found: {
                en: `open for writing from inside: ${status} (${errno ?? 'no errno'}); file: ${shown}, owner ${st ? `${st.uid}:${st.gid}` : '?'}`,
                zh: `从内部以写方式打开：${status}（${errno ?? '没有 errno'}）；文件内容：${shown}，属主 ${st ? `${st.uid}:${st.gid}` : '?'}`,
              },
            };
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'why-not-host-root',
      answer: { choice: 2 },
    },
    {
      id: 'own-namespaces',
      kind: 'demo',
      actions: [
        enter(['hostname', HOSTNAME], { expect: 'fail' }),
        // Made by the root inside, so the new UTS namespace belongs to the lab's user namespace.
        start('own-uts', nsenter(dieWithHarness(unshareArgv({ namespaces: ['uts'], fork: true }, ['sleep', 'infinity']))), { pidOf: 'child' }),
        enter(['hostname', HOSTNAME], OWN_UTS_ROOT),
        enter(['hostname'], OWN_UTS),
        run(['hostname']),
        run(['lsns', '--task', pid('own-uts'), '--type', 'user', '--type', 'uts', '--output', 'NS,TYPE,ONS,PID,COMMAND']),
      ],
      checks: [
        {
          id: 'own-hostname-only',
          title: {
            en: "the root inside is refused the host's hostname but has set the hostname of its own UTS namespace",
            zh: '内部的 root 改不了宿主机的主机名，却改好了它自己的 UTS 命名空间的主机名',
          },
          verify: async (ctx) => {
            const readOwn = nsenter(['hostname'], OWN_UTS)(ctx); // before any probe: throws while own-uts is not started
            const refused = await ctx.probe(nsenter(['hostname', HOSTNAME])(ctx));
            const host = textOf('/proc/sys/kernel/hostname')?.trim();
            const inOwn = await ctx.probe(readOwn);
            const ownName = inOwn.stdout.trim();
            return {
              ok: refused.exitCode !== 0 && host !== HOSTNAME && ownName === HOSTNAME,
              found: {
                en: `hostname ${HOSTNAME} for the host: exit status ${refused.exitCode}; host's hostname: ${host}; its own UTS namespace's: ${ownName || '?'}`,
                zh: `为宿主机设置 hostname ${HOSTNAME}：退出状态 ${refused.exitCode}；宿主机的主机名：${host}；它自己的 UTS 命名空间的主机名：${ownName || '?'}`,
              },
            };
          },
        },
        {
          id: 'owned-by-lab',
          title: {
            en: "that UTS namespace is not the host's, and its owner is the lab's user namespace",
            zh: '那个 UTS 命名空间不是宿主机的，它的所有者是实验的用户命名空间',
          },
          verify: async (ctx) => {
            const own = ctx.proc('own-uts').pid;
            const uts = nsInode(own, 'uts');
            const hostUts = nsInode('self', 'uts');
            const labUser = nsInode(ctx.proc('init').pid, 'user');
            const result = await ctx.probe(['lsns', '--task', String(own), '--type', 'uts', '--noheadings', '--output', 'ONS']);
            const owner = Number(result.stdout.trim());
            return {
              ok: uts !== undefined && uts !== hostUts && labUser !== undefined && owner === labUser,
              found: {
                en: `uts:[${uts}] (host uts:[${hostUts}]) is owned by user:[${owner || '?'}]; the lab's user namespace is user:[${labUser}]`,
                zh: `uts:[${uts}]（宿主机 uts:[${hostUts}]）的所有者是 user:[${owner || '?'}]；实验的用户命名空间是 user:[${labUser}]`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'mounts',
      kind: 'demo',
      actions: [
        init('mnt-parent', { namespaces: ['mnt'], fork: true }),
        // Shared inside the parent only (it is private from the host): what systemd does to the host's / at boot.
        enter(['mount', '--make-rshared', '/'], PARENT),
        enter(['mount', '-t', 'tmpfs', SHARED_SOURCE, SHARED_AT], PARENT),
        enter(['mkdir', OWN_AT], PARENT),
        // As in the first step, the parent-death signal is set after the switch to nobody, which would clear it.
        start(
          'mnt-child',
          nsenter(
            asUserArgv(
              NOBODY,
              NOBODY,
              dieWithHarness(['unshare', '--user', '--map-root-user', '--mount', '--propagation', 'unchanged', '--fork', '--kill-child', 'sleep', 'infinity']),
            ),
            PARENT,
          ),
          { pidOf: 'child' },
        ),
        run(['grep', SHARED_SOURCE, proc('mnt-parent', 'mountinfo'), proc('mnt-child', 'mountinfo')]),
        enter(['umount', SHARED_AT], { ...CHILD_ROOT, expect: 'fail' }),
        enter(umountProbeArgv(SHARED_AT), { ...CHILD_ROOT, expect: 'fail', record: 'umount-locked' }),
        enter(['mount', '-t', 'tmpfs', OWN_SOURCE, OWN_AT], CHILD_ROOT),
        run(['grep', 'lab-userns-', proc('mnt-parent', 'mountinfo'), proc('mnt-child', 'mountinfo')]),
      ],
      checks: [
        {
          id: 'shared-became-slave',
          title: {
            en: `the child mount namespace belongs to nobody's user namespace, and its copy of the shared ${SHARED_AT} is a slave: master:N where the parent says shared:N`,
            zh: `子挂载命名空间属于 nobody 的用户命名空间，它复制来的共享 ${SHARED_AT} 成了从属：父命名空间写 shared:N 的地方，它写 master:N`,
          },
          verify: (ctx) => {
            const parentPid = ctx.proc('mnt-parent').pid;
            const childPid = ctx.proc('mnt-child').pid;
            const parent = mountsFrom(tableOf(ctx, 'mnt-parent'), SHARED_SOURCE)[0];
            const child = mountsFrom(tableOf(ctx, 'mnt-child'), SHARED_SOURCE)[0];
            const hostUser = nsInode('self', 'user');
            const parentUser = nsInode(parentPid, 'user');
            const childUser = nsInode(childPid, 'user');
            const lessPrivileged =
              parentUser === hostUser && childUser !== undefined && childUser !== hostUser && nsInode(childPid, 'mnt') !== nsInode(parentPid, 'mnt');
            const slave = parent !== undefined && child !== undefined && propagationLink(parent, child) === 'slave' && peerGroupOf(child) === undefined;
            return {
              ok: lessPrivileged && slave,
              found: {
                en: `parent: user:[${parentUser}] (host user:[${hostUser}]), ${shownMount(parent, `no ${SHARED_SOURCE}`)}; child: user:[${childUser}], ${shownMount(child, `no ${SHARED_SOURCE}`)}`,
                zh: `父：user:[${parentUser}]（宿主机 user:[${hostUser}]），${shownMount(parent, `没有 ${SHARED_SOURCE}`)}；子：user:[${childUser}]，${shownMount(child, `没有 ${SHARED_SOURCE}`)}`,
              },
            };
          },
        },
        {
          id: 'inherited-locked',
          title: {
            en: `root of the child's user namespace cannot unmount the inherited ${SHARED_AT}: umount2(2) failed with EINVAL (the probe's exit status is the errno), and the mount is still there`,
            zh: `子用户命名空间的 root 卸载不了继承来的 ${SHARED_AT}：umount2(2) 以 EINVAL 失败（探针的退出状态就是 errno），挂载仍在原处`,
          },
          verify: (ctx) => {
            const status = ctx.get('umount-locked');
            const errno = errnoOfExit(status);
            const still = mountAt(tableOf(ctx, 'mnt-child'), SHARED_AT);
            return {
              ok: errno === 'EINVAL' && still?.source === SHARED_SOURCE,
              found: {
                en: `umount2 ${SHARED_AT} in the child: ${status} (${errno ?? 'no errno'}); the child's ${SHARED_AT}: ${shownMount(still, 'no mount')}`,
                zh: `在子命名空间里 umount2 ${SHARED_AT}：${status}（${errno ?? '没有 errno'}）；子命名空间的 ${SHARED_AT}：${shownMount(still, '没有挂载')}`,
              },
            };
          },
        },
        {
          id: 'own-tmpfs',
          title: {
            en: `root of the child's user namespace mounted a tmpfs of its own at ${OWN_AT}, which stays in the child: neither the parent nor the host lists it`,
            zh: `子用户命名空间的 root 在 ${OWN_AT} 挂上了自己的 tmpfs，它只留在子命名空间里：父命名空间和宿主机都没有它`,
          },
          verify: (ctx) => {
            const own = mountAt(tableOf(ctx, 'mnt-child'), OWN_AT);
            const parentCount = mountsFrom(tableOf(ctx, 'mnt-parent'), OWN_SOURCE).length;
            const onHost = mountsFrom(readMountinfo('self') ?? [], OWN_SOURCE).length;
            return {
              ok: own?.source === OWN_SOURCE && own.fsType === 'tmpfs' && parentCount === 0 && onHost === 0,
              found: {
                en: `child ${OWN_AT}: ${own ? `${own.fsType} ${own.source}` : 'no mount'}; mounts of ${OWN_SOURCE} in the parent: ${parentCount}, on the host: ${onHost}`,
                zh: `子命名空间的 ${OWN_AT}：${own ? `${own.fsType} ${own.source}` : '没有挂载'}；${OWN_SOURCE} 在父命名空间里的挂载：${parentCount} 个，在宿主机上：${onHost} 个`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'map-user',
      kind: 'task',
      shell: 'host',
      solution: [start('mapped', asUserArgv(NOBODY, NOBODY, dieWithHarness(unshareUserArgv({ map: { uid: TASK_ID, gid: TASK_ID } }, ['sleep', '1000']))))],
      checks: [
        {
          id: 'mapped-as-1000',
          title: {
            en: 'a process runs as nobody on the host in a user namespace that maps 1000 inside to 65534 outside, for users and groups',
            zh: '有一个进程在宿主机上以 nobody 身份运行，它所在的用户命名空间把内部的 1000 映射到外部的 65534（用户和组都是）',
          },
          settle: 1000,
          verify: () => {
            const found = mappedProcesses().filter((pid) => {
              const status = readStatus(pid);
              return allAre(status?.get('Uid'), NOBODY) && allAre(status?.get('Gid'), NOBODY);
            });
            const shown = found.map((pid) => `${pid} (${comm(pid) ?? '?'})`).join(', ');
            return {
              ok: found.length > 0,
              found: found.length
                ? { en: `uid_map and gid_map "${TASK_ID} ${NOBODY} 1": ${shown}`, zh: `uid_map 和 gid_map 为 "${TASK_ID} ${NOBODY} 1" 的进程：${shown}` }
                : { en: `no process has uid_map and gid_map "${TASK_ID} ${NOBODY} 1"`, zh: `没有哪个进程的 uid_map 和 gid_map 是 "${TASK_ID} ${NOBODY} 1"` },
            };
          },
        },
        {
          id: 'no-capabilities',
          title: {
            en: 'not being root inside, that process has no capabilities at all (CapEff is 0), even in its own namespace',
            zh: '它在内部不是 root，所以一项能力也没有（CapEff 为 0），即使在它自己的命名空间里也是如此',
          },
          settle: 1000,
          verify: () => {
            const found = mappedProcesses().map((pid) => ({ pid, caps: readCapabilities(pid, 'CapEff') }));
            const shown = found.map(({ pid, caps }) => `${pid} (${comm(pid) ?? '?'}) CapEff: ${caps?.text ?? '?'}`).join(', ');
            return {
              ok: found.length > 0 && found.every(({ caps }) => caps?.mask === 0n),
              found: found.length ? shown : { en: 'no such process', zh: '没有这样的进程' },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
