// The cgroup-basics lab: a cgroup is a directory in the cgroup v2 hierarchy; cgroup.controllers says what a cgroup
// may use and cgroup.subtree_control what it passes on to its children; a process is moved by writing its PID to
// cgroup.procs, /proc/<pid>/cgroup says where it is, and its children are born there; and the kernel's refusal of
// `+memory` in a cgroup that holds processes shows the no-internal-process rule, which leaf cgroups then satisfy.
// Everything is made under the run's own cgroup (declared, removed at the end), which on a systemd host sits in a
// scope systemd delegates to the run; the root is only read.
import { existsSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readCgroupFile } from '../../src/kernel/cgroup-files.js';
import { parseControllers } from '../../src/kernel/cgroup.js';
import { fromSystemd, KEEPER, labParent, SCOPE_PROCESS, v2Root } from '../../src/lab/cgroup-lab.js';
import { pid, proc, run } from '../../src/lab/build.js';
import { cgroupFile, cgroupPreamble, enable, labPath, set, startIn } from '../../src/lab/build-cgroup.js';
import { hostProcess } from '../../src/lab/build-process.js';
import { leader, word } from '../../src/lab/build-words.js';
import { readCgroupProcs, readProcCgroup, v2PathOf } from '../../src/kernel/cgroup-path.js';
import { readInitSystem } from '../../src/kernel/init-system.js';
import { DELEGATE_SLICE } from '../../src/kernel/systemd.js';
import { childrenOf, cmdline, ppid } from '../../src/kernel/proc.js';
import type { CheckContext, LabContext, LabSpec } from '../../src/lab/spec.js';
import { bilingual, inChinese, inEnglish, type Say } from '../../src/common/vocabulary.js';

/** statfs(2) f_type of a cgroup v2 filesystem. */
const CGROUP2_SUPER_MAGIC = 0x63677270;

/** The run's cgroup and its leaf. */
const top = labPath();
const leaf = labPath('leaf');

/** A cgroup's path as /proc/<pid>/cgroup names it (relative to the v2 root, starting with /). */
const relative = (dir: string): string => dir.slice(v2Root().length) || '/';

/** The v2 path of a process as the host sees it, or a note when it has none (gone). */
const pathOf = (pid: number): string => v2PathOf(readProcCgroup(pid)) ?? '(no such process)';

const list = (pids: number[] | undefined, say: Say): string =>
  pids === undefined ? say('(no cgroup)', '（没有这个 cgroup）') : pids.length ? pids.join(' ') : say('(empty)', '（空）');

/** A controller list from a cgroup file, sorted; empty when the file is missing. */
function controllers(dir: string, file: 'cgroup.controllers' | 'cgroup.subtree_control'): string[] {
  try {
    return parseControllers(readCgroupFile(join(dir, file))).sort();
  } catch {
    return [];
  }
}

const show = (names: string[], say: Say): string => (names.length ? names.join(' ') : say('(none)', '（无）'));

/** The processes the `family` shell forked (its children), as the host sees them. */
const family = (ctx: LabContext): number[] => childrenOf(ctx.proc('family').leader);

/** The learner's `sleep 1000` processes whose parent is in the leaf with them. */
function learnersSleeps(ctx: CheckContext): { pid: number; parent: number }[] {
  const inLeaf = new Set(readCgroupProcs(leaf(ctx)) ?? []);
  return [...inLeaf]
    .filter((pid) => cmdline(pid)?.join(' ') === 'sleep 1000')
    .map((pid) => ({ pid, parent: ppid(pid) ?? 0 }))
    .filter(({ parent }) => inLeaf.has(parent));
}

export default {
  format: 1,
  id: 'cgroup-basics',
  order: 9,
  requires: ['linux', 'root', 'setpriv', 'procps', 'cgroup2', 'cgroup2-memory'],
  shell: { target: 'box', namespaces: [], cgroup: true },
  cgroup: 'basics',
  steps: [
    {
      id: 'hierarchy',
      kind: 'demo',
      actions: [
        run(['cat', join(v2Root(), 'cgroup.controllers')]),
        run(['cat', join(v2Root(), 'cgroup.subtree_control')]),
        ...cgroupPreamble({ controllers: ['cpu', 'memory', 'pids'] }),
        run(['ls', top]),
        run(['cat', cgroupFile(top, 'cgroup.controllers')]),
      ],
      checks: [
        {
          id: 'is-a-cgroup',
          title: {
            en: 'the new directory is a cgroup: it lives on cgroup2 and the kernel filled it with cgroup.procs and friends',
            zh: '新目录就是一个 cgroup：它位于 cgroup2 文件系统上，内核已经在里面放好了 cgroup.procs 等接口文件',
          },
          verify: (ctx) => {
            let type = 0;
            try {
              type = statfsSync(top(ctx)).type;
            } catch {
              // not there
            }
            const procs = readCgroupProcs(top(ctx));
            return {
              ok: type === CGROUP2_SUPER_MAGIC && procs !== undefined,
              found: bilingual((say) => `${top(ctx)}: f_type 0x${type.toString(16)}, cgroup.procs: ${list(procs, say)}`),
            };
          },
        },
        {
          id: 'inherits-subtree-control',
          title: {
            en: 'its cgroup.controllers is exactly what its parent enables in cgroup.subtree_control; its own subtree_control is empty',
            zh: '它的 cgroup.controllers 正好等于父 cgroup 在 cgroup.subtree_control 里启用的控制器；它自己的 subtree_control 是空的',
          },
          verify: (ctx) => {
            const mine = controllers(top(ctx), 'cgroup.controllers');
            const given = controllers(dirname(top(ctx)), 'cgroup.subtree_control');
            const passing = controllers(top(ctx), 'cgroup.subtree_control');
            return {
              ok: mine.length > 0 && mine.join() === given.join() && passing.length === 0,
              found: bilingual(
                (say) =>
                  `${dirname(top(ctx))} subtree_control: ${show(given, say)}${say('; lab cgroup: cgroup.controllers ', '；实验的 cgroup：cgroup.controllers ')}${show(mine, say)}, subtree_control ${show(passing, say)}`,
              ),
            };
          },
        },
        {
          id: 'handed-over',
          title: {
            en: "the lab's cgroup is in a subtree handed to it: a systemd scope with Delegate=yes in system.slice, the keeper in its own leaf and cpu memory pids enabled below the scope (or, with no systemd, right under the root)",
            zh: '实验的 cgroup 位于交给它管理的子树中：system.slice 里一个 Delegate=yes 的 systemd scope，维持进程在自己的叶子 cgroup 里，scope 以下启用了 cpu memory pids（没有 systemd 时则直接在根下）',
          },
          verify: (ctx) => {
            const here = dirname(top(ctx));
            if (!existsSync(top(ctx))) return { ok: false, found: { en: `${top(ctx)}: no such cgroup`, zh: `没有 cgroup ${top(ctx)}` } };
            if (!fromSystemd()) {
              const pid1 = readInitSystem().pid1 ?? '?';
              return {
                ok: here === v2Root(),
                found: {
                  en: `PID 1 is ${pid1}, no systemd: ${top(ctx)} is a child of ${here}`,
                  zh: `PID 1 是 ${pid1}，没有 systemd：${top(ctx)} 的父 cgroup 是 ${here}`,
                },
              };
            }
            const scope = labParent(ctx);
            let keeper: number | undefined;
            try {
              keeper = ctx.proc(SCOPE_PROCESS).pid;
            } catch {
              // the scope was never asked for
            }
            const keeperAt = keeper === undefined ? undefined : pathOf(keeper);
            const passing = controllers(scope, 'cgroup.subtree_control');
            const given = controllers(scope, 'cgroup.controllers');
            return {
              ok:
                here === scope &&
                dirname(scope) === join(v2Root(), DELEGATE_SLICE) &&
                keeperAt === relative(join(scope, KEEPER)) &&
                ['cpu', 'memory', 'pids'].every((c) => passing.includes(c)),
              found: bilingual(
                (say) =>
                  `${relative(scope)}: cgroup.controllers ${show(given, say)}, subtree_control ${show(passing, say)}${say('; keeper ', '；维持进程 ')}` +
                  (keeper === undefined ? say('(none)', '（无）') : `${keeper} 0::${keeperAt}`) +
                  `${say('; lab cgroup ', '；实验的 cgroup ')}${relative(top(ctx))}`,
              ),
            };
          },
        },
      ],
    },
    {
      id: 'move',
      kind: 'demo',
      actions: [
        hostProcess('box', ['sleep', 'infinity']),
        run(['cat', proc('box', 'cgroup')]),
        set(top, 'cgroup.procs', pid('box')),
        run(['cat', proc('box', 'cgroup')]),
        run(['cat', cgroupFile(top, 'cgroup.procs')]),
      ],
      checks: [
        {
          id: 'box-moved',
          title: {
            en: "box is in the lab's cgroup: its cgroup.procs lists box, and /proc/<box>/cgroup names the cgroup",
            zh: 'box 在实验的 cgroup 里：cgroup.procs 列出了 box，/proc/<box>/cgroup 里写的也是这个 cgroup',
          },
          verify: (ctx) => {
            const pid = ctx.proc('box').pid;
            const procs = readCgroupProcs(top(ctx));
            const path = pathOf(pid);
            return {
              ok: procs !== undefined && procs.includes(pid) && path === relative(top(ctx)),
              found: bilingual((say) => `${top(ctx)}/cgroup.procs: ${list(procs, say)}; /proc/${pid}/cgroup: 0::${path}`),
            };
          },
        },
      ],
    },
    {
      id: 'fork',
      kind: 'demo',
      actions: [
        // The shell moves itself in, then forks two sleeps nobody moves: they start where their parent is. The name
        // stands for the first sleep (pidOf child): the next command runs once the shell has forked.
        startIn('family', top, ['sh', '-c', 'sleep infinity & sleep infinity & wait'], { pidOf: 'child' }),
        run(['cat', cgroupFile(top, 'cgroup.procs')]),
        run(['ps', '-o', 'pid,ppid,cgroup:60,args', '--ppid', leader('family')]),
      ],
      checks: [
        {
          id: 'children-inherit',
          title: {
            en: "the two sleeps the shell forked are in the lab's cgroup, though no one wrote their PIDs anywhere",
            zh: 'shell fork 出来的两个 sleep 都在实验的 cgroup 里，尽管没有人把它们的 PID 写到任何地方',
          },
          settle: 5000,
          verify: (ctx) => {
            const kids = family(ctx);
            const paths = kids.map((pid) => `${pid} 0::${pathOf(pid)}`);
            return {
              ok: kids.length === 2 && kids.every((pid) => pathOf(pid) === relative(top(ctx))),
              found: paths.length
                ? { en: `children of ${ctx.proc('family').leader}: ${paths.join(', ')}`, zh: `${ctx.proc('family').leader} 的子进程：${paths.join('，')}` }
                : { en: `no children of ${ctx.proc('family').leader}`, zh: `${ctx.proc('family').leader} 没有子进程` },
            };
          },
        },
      ],
    },
    {
      id: 'no-internal-processes',
      kind: 'demo',
      actions: [
        enable(top, ['memory'], { expect: 'fail', record: 'refused' }),
        run(['mkdir', leaf]),
        // One PID per write(2): cgroup.procs takes a single PID each time.
        run(['sh', '-c', word`for pid in $(cat ${top}/cgroup.procs); do echo $pid > ${leaf}/cgroup.procs; done`]),
        enable(top, ['memory']),
        run(['cat', cgroupFile(leaf, 'cgroup.controllers'), cgroupFile(leaf, 'memory.max'), cgroupFile(leaf, 'memory.current')]),
      ],
      checks: [
        {
          id: 'kernel-refused',
          title: {
            en: 'while the cgroup held processes, the kernel refused `+memory` in its cgroup.subtree_control with EBUSY',
            zh: '当这个 cgroup 里还有进程时，内核以 EBUSY 拒绝了往它的 cgroup.subtree_control 写入 `+memory`',
          },
          verify: (ctx) => {
            const answer = ctx.get('refused');
            return {
              ok: answer === 'EBUSY',
              found: {
                en: `write(2) of "+memory" to ${top(ctx)}/cgroup.subtree_control: ${answer}`,
                zh: `向 ${top(ctx)}/cgroup.subtree_control write(2) "+memory"：${answer}`,
              },
            };
          },
        },
        {
          id: 'processes-in-leaf',
          title: {
            en: "now the processes live only in the leaf, and the lab's cgroup passes memory on to it",
            zh: '现在进程只在叶子 cgroup 里，实验的 cgroup 把 memory 控制器传给了它',
          },
          verify: (ctx) => {
            const inner = readCgroupProcs(top(ctx));
            const inLeaf = readCgroupProcs(leaf(ctx));
            const passing = controllers(top(ctx), 'cgroup.subtree_control');
            const box = ctx.proc('box').pid;
            return {
              ok: inner !== undefined && inner.length === 0 && inLeaf !== undefined && inLeaf.includes(box) && passing.includes('memory'),
              found: bilingual(
                (say) =>
                  `${top(ctx)}: cgroup.procs ${list(inner, say)}, subtree_control ${show(passing, say)}${say('; leaf: ', '；叶子 cgroup：')}cgroup.procs ${list(inLeaf, say)}`,
              ),
            };
          },
        },
        {
          id: 'leaf-has-memory-files',
          title: {
            en: 'the leaf has the memory controller and its files: memory.max reads `max`, no limit yet',
            zh: '叶子 cgroup 有了 memory 控制器和它的文件：memory.max 读出来是 `max`，还没有限制',
          },
          verify: (ctx) => {
            const read = (file: string): string | undefined => {
              try {
                return readCgroupFile(join(leaf(ctx), file)).trim();
              } catch {
                return undefined;
              }
            };
            const given = controllers(leaf(ctx), 'cgroup.controllers');
            return {
              ok: given.includes('memory') && read('memory.max') === 'max',
              found: bilingual((say) => {
                const value = (file: string): string => read(file) ?? say('(missing)', '（没有这个文件）');
                return `${leaf(ctx)}: cgroup.controllers ${show(given, say)}; memory.max ${value('memory.max')}; memory.current ${value('memory.current')}`;
              }),
            };
          },
        },
      ],
    },
    {
      kind: 'quiz',
      id: 'why-leaves',
      answer: { choice: 3 },
    },
    {
      id: 'your-shell',
      kind: 'task',
      shell: 'host',
      solution: [startIn('learner', leaf, ['sh', '-c', 'sleep 1000 & wait'])],
      checks: [
        {
          id: 'sleep-born-in-leaf',
          title: {
            en: 'a `sleep 1000` is in the leaf, and so is the shell that started it',
            zh: '叶子 cgroup 里有一个 `sleep 1000`，启动它的 shell 也在里面',
          },
          settle: 5000,
          verify: (ctx) => {
            const found = learnersSleeps(ctx);
            return {
              ok: found.length > 0,
              found: found.length
                ? bilingual((say) =>
                    found
                      .map(
                        ({ pid, parent }) =>
                          `sleep 1000 = ${pid}${say(', its parent ', '，它的父进程 ')}${parent}${say(': both ', '：都在 ')}0::${relative(leaf(ctx))}`,
                      )
                      .join(say('; ', '；')),
                  )
                : {
                    en: `no \`sleep 1000\` with its parent in ${leaf(ctx)}; cgroup.procs: ${list(readCgroupProcs(leaf(ctx)), inEnglish)}`,
                    zh: `${leaf(ctx)} 里没有父进程也在其中的 \`sleep 1000\`；cgroup.procs：${list(readCgroupProcs(leaf(ctx)), inChinese)}`,
                  },
            };
          },
        },
      ],
    },
  ],
} satisfies LabSpec;
