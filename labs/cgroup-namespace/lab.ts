// The cgroup-namespace lab: a process in a cgroup of the lab's own, whose /proc/<pid>/cgroup says `/` inside and
// the real path on the host; a process that joins the namespace with setns(2) and stays in its cgroup, shown as
// `/..` from inside; a cgroup2 mount made inside that shows only the lab's subtree, as a container's
// /sys/fs/cgroup does; a child cgroup made from inside; and why a cgroup with processes cannot be removed.
// The lab writes under the cgroup v2 hierarchy only inside its own cgroup (declared, removed at the end); it
// unmounts the inherited /sys/fs/cgroup and mounts its cgroup2 there only in its own private mount namespace, so
// the host's cgroup mounts are never touched.
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { v2Root } from '../../src/lab/cgroup-lab.js';
import { enter, nsenter, pid, proc, run, start } from '../../src/lab/build.js';
import { cgroupPreamble, initIn, labPath } from '../../src/lab/build-cgroup.js';
import { runCreating } from '../../src/lab/build-host.js';
import { word } from '../../src/lab/build-words.js';
import { parseProcCgroup, readCgroupProcs, readProcCgroup, v2PathOf } from '../../src/kernel/cgroup-path.js';
import { propagationOf, readMountinfo } from '../../src/kernel/mountinfo.js';
import { nsInode } from '../../src/kernel/proc.js';
import { LabError } from '../../src/common/errors.js';
import type { Action, CheckContext, LabContext, LabSpec } from '../../src/lab/spec.js';
import { bilingual, inChinese, inEnglish, type Say } from '../../src/common/vocabulary.js';
import { ownNamespace } from '../../src/lab/checks.js';

/** Where the lab mounts cgroup2 inside its mount namespace, as container runtimes do. */
const INSIDE_MOUNT = '/sys/fs/cgroup';

/** The child cgroup made from inside in the task (named lab-… so that the runner may remove it). */
const CHILD = 'lab-child';

/**
 * The lab's cgroup on the host (`<v2 root>/lab-cgns-<pid>-<time>`, or inside the run's delegated scope on a systemd
 * host), and as the host's cgroup namespace names it (its path below the v2 root).
 */
const labDir = labPath();
const hostPath = (ctx: LabContext): string => labDir(ctx).slice(v2Root().length);
const childDir = labPath(CHILD);

/** The v2 line of init's /proc/<pid>/cgroup as read from inside the lab's cgroup namespace. */
async function pathInside(ctx: CheckContext): Promise<string> {
  const result = await ctx.probe(nsenter(['cat', proc('init', 'cgroup')], { ns: ['cgroup'] })(ctx));
  return (result.exitCode === 0 && v2PathOf(parseProcCgroup(result.stdout))) || `(${result.stderr.trim() || 'no 0:: line'})`;
}

/** init's mounts at /sys/fs/cgroup or below it, as the host reads them. */
const cgroupMounts = (ctx: LabContext) =>
  (readMountinfo(ctx.proc('init').pid) ?? []).filter((m) => m.mountPoint === INSIDE_MOUNT || m.mountPoint.startsWith(`${INSIDE_MOUNT}/`));

/**
 * Unmount the view of the cgroup hierarchies that init's mount namespace copied from the host: the cgroup2 mount at
 * /sys/fs/cgroup on a v2 host, the tmpfs there with the v1 and v2 mounts under it on a hybrid one (`--recursive`).
 * The namespace's own mount replaces it, and mount(2) refuses to put cgroup2 on top of cgroup2 at the same place
 * (EBUSY, "already mounted"; util-linux from 2.39 on mounts through fsmount(2) and move_mount(2), which allow it).
 * Nothing to unmount when nothing is mounted at /sys/fs/cgroup itself. Refused unless init has a mount namespace
 * of its own whose mounts there are all private: from a shared or slave mount the unmount would reach the host.
 */
function unmountInherited(ctx: LabContext): Action[] {
  const pid = ctx.proc('init').pid;
  const mounts = cgroupMounts(ctx);
  if (!mounts.some((m) => m.mountPoint === INSIDE_MOUNT)) return [];
  const own = nsInode(pid, 'mnt') !== undefined && nsInode(pid, 'mnt') !== nsInode('self', 'mnt');
  const shared = mounts.filter((m) => propagationOf(m) !== 'private').map((m) => `${m.mountPoint} (${propagationOf(m)})`);
  if (!own || shared.length > 0) {
    throw new LabError({
      operation: `read \`/proc/${pid}/mountinfo\``,
      code: 'not-private',
      meaning: {
        en: `The lab's mounts at ${INSIDE_MOUNT} are not private to its own mount namespace (${own ? shared.join(', ') : "it shares the host's"}): unmounting them would unmount the host's too.`,
        zh: `实验在 ${INSIDE_MOUNT} 的挂载不是它自己挂载命名空间里的私有挂载（${own ? shared.join('、') : '它和宿主机共用一个挂载命名空间'}）：卸载它们也会卸载宿主机的。`,
      },
      fix: { en: 'Nothing was unmounted. Run `lab clean`, then `lab doctor`.', zh: '什么都没有卸载。运行 `lab clean`，然后运行 `lab doctor`。' },
    });
  }
  return [{ kind: 'run', argv: nsenter(['umount', '--recursive', INSIDE_MOUNT])(ctx) }];
}

/** The v2 path of init's cgroup as the host sees it. */
const pathOnHost = (ctx: LabContext): string => v2PathOf(readProcCgroup(ctx.proc('init').pid)) ?? '(no 0:: line)';

/** The v2 path of a process's cgroup as the host sees it; undefined when it is gone. */
const hostPathOf = (pid: number): string | undefined => v2PathOf(readProcCgroup(pid));

/**
 * How a reader in the lab's cgroup namespace names a host cgroup path: relative to the namespace's root (the lab's
 * cgroup), with one `..` per level above it (cgroup_namespaces(7)): `/` for the root itself, `/..` for its parent.
 */
const relativeToLab = (ctx: LabContext, path: string): string => `/${posix.relative(hostPath(ctx), path)}`;

const list = (pids: number[] | undefined, say: Say): string =>
  pids === undefined ? say('(unreadable)', '（读不到）') : pids.length ? pids.join(' ') : say('(empty)', '（空）');

export default {
  format: 1,
  id: 'cgroup-namespace',
  order: 7,
  requires: ['linux', 'root', 'unshare', 'nsenter', 'setpriv', 'procps', 'cgroup2', 'ns-cgroup', 'ns-mnt'],
  shell: { target: 'init', namespaces: ['cgroup', 'mnt'] },
  cgroup: 'cgns',
  steps: [
    {
      id: 'create',
      kind: 'demo',
      actions: [
        ...cgroupPreamble({ controllers: [] }),
        // The shell moves itself into the lab's cgroup first, then becomes unshare: the namespace's root is the
        // cgroup its creator is in at that moment, so the order matters.
        initIn('init', labDir, { namespaces: ['cgroup', 'mnt'], fork: true }),
        run(['cat', proc('init', 'cgroup')]),
        enter(['cat', proc('init', 'cgroup')], { ns: ['cgroup'] }),
      ],
      checks: [
        {
          id: 'in-lab-cgroup',
          title: {
            en: "init is in the lab's cgroup: its cgroup.procs lists it, and the host reads its real path for it, 0::/…lab-cgns…",
            zh: 'init 在实验的 cgroup 里：该 cgroup 的 cgroup.procs 列出了它，宿主机读到的是它的真实路径 0::/…lab-cgns…',
          },
          verify: (ctx) => {
            const pid = ctx.proc('init').pid;
            const procs = readCgroupProcs(labDir(ctx));
            const path = pathOnHost(ctx);
            return {
              ok: procs !== undefined && procs.includes(pid) && path === hostPath(ctx),
              found: bilingual((say) => `${labDir(ctx)}/cgroup.procs: ${list(procs, say)}; /proc/${pid}/cgroup: 0::${path}`),
            };
          },
        },
        ownNamespace('cgroup', 'init', {
          en: "init lives in a cgroup namespace other than the host's",
          zh: 'init 进程所在的 cgroup 命名空间与宿主机的不同',
        }),
        {
          id: 'root-inside',
          title: {
            en: 'read from inside the cgroup namespace, the same process is in 0::/',
            zh: '从 cgroup 命名空间内部读取，同一个进程在 0::/',
          },
          verify: async (ctx) => {
            const path = await pathInside(ctx);
            return {
              ok: path === '/',
              found: { en: `inside: 0::${path}; on the host: 0::${pathOnHost(ctx)}`, zh: `内部：0::${path}；宿主机上：0::${pathOnHost(ctx)}` },
            };
          },
        },
      ],
    },
    {
      id: 'join',
      kind: 'demo',
      actions: [
        // nsenter --cgroup calls setns(2) and executes sleep itself (only a PID namespace needs a fork); `execs`
        // waits for that exec, which comes after the setns(2).
        start('joined', nsenter(['sleep', 'infinity'], { ns: ['cgroup'] }), { execs: 'sleep' }),
        run(['grep', '^0::', proc('joined', 'cgroup')]),
        enter(['grep', '^0::', proc('joined', 'cgroup')], { ns: ['cgroup'] }),
        // The cgroup.procs of the cgroup it is in, as the host names that cgroup.
        run(['grep', '-x', pid('joined'), (ctx) => join(v2Root(), hostPathOf(ctx.proc('joined').pid) ?? '/', 'cgroup.procs')]),
      ],
      checks: [
        {
          id: 'joined-namespace',
          title: {
            en: "the process that called setns(2) is in the lab's cgroup namespace",
            zh: '调用 setns(2) 的进程在实验的 cgroup 命名空间里',
          },
          verify: (ctx) => {
            const pid = ctx.proc('joined').pid;
            const ns = nsInode(pid, 'cgroup');
            const lab = ctx.proc('init').ns.cgroup;
            return { ok: ns !== undefined && ns === lab, found: `/proc/${pid}/ns/cgroup: cgroup:[${ns ?? '?'}]; init: cgroup:[${lab ?? '?'}]` };
          },
        },
        {
          id: 'not-moved',
          title: {
            en: "it did not move: it is still in the cgroup it was started in, whose cgroup.procs lists it, not in the lab's",
            zh: '它没有被移动：它仍在启动时所在的 cgroup 里，那里的 cgroup.procs 列出了它，而不在实验的 cgroup 里',
          },
          verify: (ctx) => {
            const pid = ctx.proc('joined').pid;
            const path = hostPathOf(pid);
            const harness = hostPathOf(process.pid);
            const procs = path === undefined ? undefined : readCgroupProcs(join(v2Root(), path));
            const inLab = readCgroupProcs(labDir(ctx))?.includes(pid) ?? false;
            return {
              ok: path !== undefined && path === harness && path !== hostPath(ctx) && procs?.includes(pid) === true && !inLab,
              found: {
                en: `0::${path ?? '?'} (lab itself: 0::${harness ?? '?'}); listed in that cgroup.procs: ${procs?.includes(pid) ? 'yes' : 'no'}; in the lab cgroup's: ${inLab ? 'yes' : 'no'}`,
                zh: `0::${path ?? '?'}（\`lab\` 自己：0::${harness ?? '?'}）；那个 cgroup.procs 列出了它：${procs?.includes(pid) ? '是' : '否'}；实验 cgroup 的 cgroup.procs 列出了它：${inLab ? '是' : '否'}`,
              },
            };
          },
        },
        {
          id: 'outside-root',
          title: {
            en: "read from inside the namespace, its path is relative to the lab's cgroup and starts with /..",
            zh: '从命名空间内部读取，它的路径相对于实验的 cgroup，以 /.. 开头',
          },
          verify: async (ctx) => {
            const pid = ctx.proc('joined').pid;
            const result = await ctx.probe(nsenter(['cat', proc('joined', 'cgroup')], { ns: ['cgroup'] })(ctx));
            const inner = result.exitCode === 0 ? v2PathOf(parseProcCgroup(result.stdout)) : undefined;
            const outer = hostPathOf(pid);
            const expected = outer === undefined ? undefined : relativeToLab(ctx, outer);
            return {
              ok: inner !== undefined && inner === expected && inner.startsWith('/..'),
              found: { en: `inside: 0::${inner ?? '?'}; on the host: 0::${outer ?? '?'}`, zh: `内部：0::${inner ?? '?'}；宿主机上：0::${outer ?? '?'}` },
            };
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'view-only',
      answer: { choice: 1 },
    },
    {
      id: 'cgroupfs',
      kind: 'demo',
      actions: [
        // The inherited view goes first: the namespace's own mount takes its place (see unmountInherited).
        unmountInherited,
        enter(['mount', '-t', 'cgroup2', 'cgroup2', INSIDE_MOUNT]),
        enter(['ls', INSIDE_MOUNT]),
        enter(['cat', `${INSIDE_MOUNT}/cgroup.procs`]),
        run(['grep', 'cgroup2', proc('init', 'mountinfo')]),
      ],
      checks: [
        {
          id: 'mounted-at-namespace-root',
          title: {
            en: "the lab's mount table has one mount at /sys/fs/cgroup and below, a cgroup2 whose root is the lab's cgroup: the view copied from the host is gone",
            zh: '实验的挂载表在 /sys/fs/cgroup 及其下面只有一个挂载：一个根是实验 cgroup 的 cgroup2；从宿主机复制来的视图已经不在了',
          },
          verify: (ctx) => {
            const here = cgroupMounts(ctx);
            const [mount] = here;
            const listed = here.map((m) => `${m.mountPoint} ${m.fsType} root ${m.root}`).join('; ');
            return {
              ok: here.length === 1 && mount?.fsType === 'cgroup2' && mount.mountPoint === INSIDE_MOUNT && mount.root === hostPath(ctx),
              found: here.length
                ? { en: `mounts at ${INSIDE_MOUNT} and below: ${listed}`, zh: `${INSIDE_MOUNT} 及其下面的挂载：${listed}` }
                : { en: `nothing mounted at ${INSIDE_MOUNT}`, zh: `${INSIDE_MOUNT} 上没有任何挂载` },
            };
          },
        },
        {
          id: 'sees-own-subtree',
          title: {
            en: "inside, /sys/fs/cgroup/cgroup.procs lists exactly the processes of the lab's cgroup",
            zh: '在内部，/sys/fs/cgroup/cgroup.procs 列出的正好是实验 cgroup 里的进程',
          },
          verify: (ctx) => {
            const pid = ctx.proc('init').pid;
            // /proc/<pid>/root resolves the path in init's mount namespace, where the new mount is.
            const seen = readCgroupProcs(`/proc/${pid}/root${INSIDE_MOUNT}`)?.sort((a, b) => a - b);
            const actual = readCgroupProcs(labDir(ctx))?.sort((a, b) => a - b);
            const same = seen !== undefined && actual !== undefined && seen.join() === actual.join();
            return {
              ok: same && seen.includes(pid),
              found: {
                en: `inside ${INSIDE_MOUNT}/cgroup.procs: ${list(seen, inEnglish)}; ${labDir(ctx)}/cgroup.procs: ${list(actual, inEnglish)}`,
                zh: `内部的 ${INSIDE_MOUNT}/cgroup.procs：${list(seen, inChinese)}；${labDir(ctx)}/cgroup.procs：${list(actual, inChinese)}`,
              },
            };
          },
        },
      ],
    },
    {
      id: 'child',
      kind: 'task',
      shell: 'lab',
      solution: [
        // Made from inside, it is a cgroup on the host under the lab's: declared, so that the run removes it.
        runCreating((ctx) => ({ kind: 'cgroup', path: childDir(ctx) }), nsenter(['mkdir', `${INSIDE_MOUNT}/${CHILD}`])),
        enter(['sh', '-c', word`echo ${pid('init')} > ${INSIDE_MOUNT}/${CHILD}/cgroup.procs`]),
        enter(['cat', proc('init', 'cgroup')]),
      ],
      checks: [
        {
          id: 'child-under-lab',
          title: {
            en: `${INSIDE_MOUNT}/${CHILD}, made inside, is a cgroup under the lab's cgroup on the host`,
            zh: `在内部创建的 ${INSIDE_MOUNT}/${CHILD}，在宿主机上是实验 cgroup 下的一个子 cgroup`,
          },
          verify: (ctx) => {
            const dir = childDir(ctx);
            const procs = readCgroupProcs(dir);
            return {
              ok: procs !== undefined,
              found:
                procs !== undefined ? bilingual((say) => `${dir}/cgroup.procs: ${list(procs, say)}`) : { en: `no cgroup ${dir}`, zh: `没有 cgroup ${dir}` },
            };
          },
        },
        {
          id: 'moved-both-views',
          title: {
            en: `init is in the child: 0::/${CHILD} inside, 0::/…lab-cgns…/${CHILD} on the host`,
            zh: `init 在子 cgroup 里：内部看是 0::/${CHILD}，宿主机上看是 0::/…lab-cgns…/${CHILD}`,
          },
          verify: async (ctx) => {
            const inner = await pathInside(ctx);
            const outer = pathOnHost(ctx);
            return {
              ok: inner === `/${CHILD}` && outer === `${hostPath(ctx)}/${CHILD}`,
              found: { en: `inside: 0::${inner}; on the host: 0::${outer}`, zh: `内部：0::${inner}；宿主机上：0::${outer}` },
            };
          },
        },
      ],
    },
    {
      id: 'remove',
      kind: 'demo',
      actions: [
        run(['rmdir', childDir], { expect: 'fail' }),
        run(['sh', '-c', word`cd ${labDir} && for pid in $(cat ${CHILD}/cgroup.procs); do echo $pid > cgroup.procs; done`]),
        run(['rmdir', childDir]),
        run(['cat', proc('init', 'cgroup')]),
      ],
      checks: [
        {
          id: 'child-removed',
          title: {
            en: `the child cgroup is gone and init is back in the lab's cgroup (0::/ inside)`,
            zh: `子 cgroup 已被删除，init 回到了实验的 cgroup（内部看是 0::/）`,
          },
          verify: async (ctx) => {
            const gone = !existsSync(childDir(ctx));
            const inner = await pathInside(ctx);
            const outer = pathOnHost(ctx);
            return {
              ok: gone && inner === '/' && outer === hostPath(ctx),
              found: {
                en: `${childDir(ctx)}: ${gone ? 'gone' : 'still there'}; inside: 0::${inner}; on the host: 0::${outer}`,
                zh: `${childDir(ctx)}：${gone ? '已删除' : '仍然存在'}；内部：0::${inner}；宿主机上：0::${outer}`,
              },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
