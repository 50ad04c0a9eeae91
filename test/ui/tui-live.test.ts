// The live panel, data and view. The data layer reads a fake cgroup v2 tree in a temp dir (a unified host where
// every controller is enabled, as in the test VM, and a hybrid host whose v2 tree has none) for real processes
// (this one and children it starts), and follows the cgroup and the processes the current step is about. The view
// is rendered alone and inside the whole screen at 80x24 and 120x35, in English and Chinese.
import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CgroupLayout } from '../../src/kernel/cgroup-mode.js';
import type { LabEvent } from '../../src/lab/events.js';
import type { LoadedLab, LoadedStep } from '../../src/lab/load.js';
import type { LabProcess, Lang } from '../../src/lab/spec.js';
import { displayWidth } from '../../src/ui/text.js';
import { renderPanels } from '../../src/ui/tui/app.js';
import { layout } from '../../src/ui/tui/layout.js';
import { toText, type Line } from '../../src/ui/tui/lines.js';
import { cgroupsNamed, focusOf, isLabCgroup, LiveReader, type LiveSnapshot } from '../../src/ui/tui/live-data.js';
import { renderLive } from '../../src/ui/tui/live-view.js';
import { applyEvent, initialState, type TuiState } from '../../src/ui/tui/state.js';

/** A fake cgroup v2 hierarchy: directories with the files given, under a temp dir. */
function tree(t: Test, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'lab-live-test-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const SCOPE = 'system.slice/lab-memory-4242-1700000000.scope/lab-memory';
const ALL = 'cpuset cpu io memory hugetlb pids rdma misc\n';

/** A leaf cgroup's controller files. */
function leaf(dir: string, controllers: string, files: { memory?: [string, string]; pids?: [string, string]; usec?: number }): Record<string, string> {
  return {
    [`${dir}/cgroup.controllers`]: controllers,
    [`${dir}/cpu.stat`]: `usage_usec ${files.usec ?? 0}\nuser_usec 0\nsystem_usec 0\n`,
    ...(files.memory && { [`${dir}/memory.current`]: `${files.memory[0]}\n`, [`${dir}/memory.max`]: `${files.memory[1]}\n` }),
    ...(files.pids && { [`${dir}/pids.current`]: `${files.pids[0]}\n`, [`${dir}/pids.max`]: `${files.pids[1]}\n` }),
  };
}

/** Processes that live as long as the test: lab processes with real PIDs and namespaces. */
function sleepers(t: Test, count: number): ChildProcess[] {
  const children = Array.from({ length: count }, () => spawn('sleep', ['30'], { stdio: 'ignore' }));
  t.teardown(() => children.forEach((c) => c.kill()));
  return children;
}

const procs = (entries: [string, number][]): Map<string, LabProcess> => new Map(entries.map(([name, pid]) => [name, { pid, leader: pid, ns: {} }]));
const unified = (root: string): CgroupLayout => ({ mode: 'unified', v2Path: root, v1Controllers: [], v1Named: [] });
const flat = (lines: Line[]): string => toText(lines).replace(/\s+/g, ' ');
/** Screen text with its wrapped lines joined as a reader reads them: with a space in English, without one in Chinese. */
const read = (text: string, lang: Lang): string =>
  lang === 'en'
    ? text.replace(/\s+/g, ' ')
    : text
        .split('\n')
        .map((l) => l.trim())
        .join('');

t.test("data: the cgroup the step wrote to is followed, not the lab's first one; CPU from its own cpu.stat", async (t) => {
  const root = tree(t, {
    'cgroup.controllers': ALL,
    ...leaf(`${SCOPE}/hard`, 'cpu memory pids\n', { memory: ['8388608', '52428800'], pids: ['2', 'max'], usec: 500_000 }),
    ...leaf(`${SCOPE}/soft`, 'cpu memory pids\n', { memory: ['41943040', 'max'], pids: ['1', '20'], usec: 1_000_000 }),
  });
  const [box, slow] = sleepers(t, 2).map((c) => c.pid!);
  const where = new Map([
    [box!, `/${SCOPE}/hard`],
    [slow!, `/${SCOPE}/soft`],
  ]);
  const reader = new LiveReader({ layout: unified(root), cgroupOf: (pid) => where.get(pid) });
  // Step 0 started box in `hard`; step 3 writes memory.high of `soft` and starts slow there.
  let snap = reader.read(procs([['box', box!]]), 1000, { step: 0, commands: ['sleep infinity &'] });
  t.equal(snap.cgroup.path, `/${SCOPE}/hard`, "before: box's cgroup");
  t.ok(snap.processes[0]!.focus, "a process the step started is the step's");
  const commands = [
    `echo 50M > ${join(root, SCOPE, 'soft', 'memory.high')}`,
    `sh -c 'echo $$ > ${join(root, SCOPE, 'soft', 'cgroup.procs')} && exec perl hog 60' &`,
  ];
  snap = reader.read(
    procs([
      ['box', box!],
      ['slow', slow!],
    ]),
    2000,
    { step: 3, commands, prose: ['Throttled, not killed.'] },
  );
  t.equal(snap.cgroup.path, `/${SCOPE}/soft`, "the step's cgroup, not the lab's first (hard)");
  t.equal(snap.cgroup.own, true);
  t.same(snap.cgroup.memory, { current: 41943040, max: 'max' });
  t.same(snap.cgroup.pids, { current: 1, max: 20 });
  t.same(snap.cgroup.controllers, ['cpu', 'memory', 'pids']);
  t.same(
    snap.processes.map((p) => [p.name, p.pid, p.alive, p.focus]),
    [
      ['box', box, true, false],
      ['slow', slow, true, true],
    ],
    "host PIDs; only the step's process is focused",
  );
  t.equal(snap.cgroup.cpuPercent, undefined, 'no rate from one sample');
  writeFileSync(join(root, SCOPE, 'soft', 'cpu.stat'), 'usage_usec 1250000\n');
  snap = reader.read(
    procs([
      ['box', box!],
      ['slow', slow!],
    ]),
    3000,
    { step: 3, commands },
  );
  t.equal(snap.cgroup.cpuPercent, 25, "250 ms of CPU in 1 s of the soft cgroup's own cpu.stat");
  t.same(cgroupsNamed(commands, root), [`/${SCOPE}/soft`, `/${SCOPE}/soft`], 'a file names the cgroup that holds it');
  t.ok(isLabCgroup(`/${SCOPE}/soft`));
  t.notOk(isLabCgroup('/user.slice/user-1000.slice/session-2.scope'));
});

t.test("data: processes named in the step (by name or PID) are the step's; c1 does not match c10", async (t) => {
  const root = tree(t, { 'cgroup.controllers': ALL });
  const pids = sleepers(t, 4).map((c) => c.pid!);
  const reader = new LiveReader({ layout: unified(root), cgroupOf: () => '/user.slice/user-0.slice/session-1.scope' });
  const all = procs([
    ['c1', pids[0]!],
    ['c10', pids[1]!],
    ['c2', pids[2]!],
    ['switch', pids[3]!],
  ]);
  reader.read(all, 0, { step: 1 });
  const snap = reader.read(all, 1, { step: 7, commands: [`nsenter --target ${pids[3]} --net ip -br link`], prose: ['Compare c1 with c2.', '比较 c1 和 c2。'] });
  t.same(
    snap.processes.filter((p) => p.focus).map((p) => p.name),
    ['c1', 'c2', 'switch'],
  );
});

t.test('data: no CPU or gauges for a cgroup the lab did not make (the root /, a login session)', async (t) => {
  const root = tree(t, { 'cgroup.controllers': ALL, 'cpu.stat': 'usage_usec 99999999\n', 'memory.stat': 'anon 1\n' });
  const [pid] = sleepers(t, 1).map((c) => c.pid!);
  const reader = new LiveReader({ layout: unified(root), cgroupOf: () => '/' });
  reader.read(procs([['box', pid!]]), 0, { step: 0 });
  const snap = reader.read(procs([['box', pid!]]), 1000, { step: 0 });
  t.equal(snap.cgroup.path, '/');
  t.equal(snap.cgroup.own, false);
  t.equal(snap.cgroup.cpu, false);
  t.equal(snap.cgroup.cpuPercent, undefined, "never the whole host's CPU");
  const text = flat(renderLive(snap, 'en', 46));
  t.notMatch(text, /% of one CPU/);
  t.match(text, "cgroup none of the lab's own");
  t.notMatch(text, /memory|pids/, 'no gauges');
  t.notMatch(text, 'Missing files');
});

t.test('data and view: a hybrid host (v2 tree without controllers) and a unified one (the test VM: pids enabled)', async (t) => {
  const hybridRoot = tree(t, { 'cgroup.controllers': '\n', ...leaf('lab-fake-1-2', '\n', { usec: 7 }) });
  const [pid] = sleepers(t, 1).map((c) => c.pid!);
  const hybrid = new LiveReader({
    layout: { mode: 'hybrid', v2Path: hybridRoot, v1Controllers: ['cpu', 'cpuacct', 'memory', 'pids'], v1Named: [] },
    cgroupOf: () => '/lab-fake-1-2',
  });
  hybrid.read(procs([['box', pid!]]), 0, { step: 0 });
  const hs = hybrid.read(procs([['box', pid!]]), 1000, { step: 0 });
  t.equal(hs.cgroup.cpu, false, 'cpu.stat is there, but the cpu controller is not in the v2 tree');
  t.same(hs.cgroup.treeControllers, []);
  for (const [lang, width] of [
    ['en', 30],
    ['zh', 30],
    ['en', 46],
    ['zh', 46],
  ] as const) {
    const lines = renderLive(hs, lang, width);
    const text = flat(lines);
    t.ok(
      toText(lines)
        .split('\n')
        .every((l) => displayWidth(l) <= width),
      `${lang} at ${width} columns fits`,
    );
    t.notMatch(text, /%/, 'no CPU percentage');
    t.notMatch(text, /Missing files|缺少文件/);
    if (lang === 'en') {
      t.match(text, /cpu no cpu controller/);
      t.match(text, `does not offer the memory, cpu, pids controller here (cgroup mode: hybrid)`);
    } else {
      t.match(text, /CPU 没有 cpu 控制器/);
      t.match(text.replace(/ /g, ''), '不提供memory,cpu,pids控制器（cgroup模式：hybrid）');
    }
  }
  // The test VM: cgroup v2 with every controller; the lab's cgroup has memory and pids enabled.
  const vmRoot = tree(t, { 'cgroup.controllers': ALL, ...leaf('lab-pids-1-2', 'memory pids\n', { memory: ['1048576', 'max'], pids: ['3', '10'] }) });
  const vm = new LiveReader({ layout: unified(vmRoot), cgroupOf: () => '/lab-pids-1-2' });
  const vs = vm.read(procs([['box', pid!]]), 0, { step: 0 });
  for (const lang of ['en', 'zh'] as const) {
    const text = flat(renderLive(vs, lang, 46));
    t.notMatch(text, /no pids controller|没有 pids 控制器/, 'pids is enabled: never said to be missing');
    t.match(text, /pids 3 \/ 10 /);
    t.match(text, lang === 'en' ? /cpu not enabled here/ : /CPU 此处未启用/, 'cpu is in the tree but not enabled for this cgroup');
    t.match(
      text,
      lang === 'en'
        ? "cpu: in the v2 tree, but not enabled for this cgroup (its parent's cgroup.subtree_control has no +cpu)."
        : 'cpu：v2 层级里有，但没有为这个 cgroup 启用',
    );
  }
});

// ---- the view in the whole screen ----

const stepNames = ['Bridge', 'Veth pairs', 'Addresses', 'Routes', 'NAT', 'Join', 'Compare', 'Clean'];
const steps = stepNames.map(
  (title, index): LoadedStep =>
    ({
      spec: { id: `s${index}`, kind: 'demo', actions: [], solution: [], checks: [], shell: 'lab' },
      index,
      prose: {
        en: { title, body: 'Compare c2 and c3: do they share a network namespace?', hints: [] },
        zh: { title: `步骤${index}`, body: '比较 c2 和 c3：它们共享网络命名空间吗？', hints: [] },
      },
    }) as unknown as LoadedStep,
);
const lab = {
  spec: { format: 1, id: 'net', order: 1, requires: [], shell: { target: 'c1', namespaces: ['net'] }, steps: steps.map((s) => s.spec) },
  dir: '/nowhere',
  title: { en: 'Network', zh: '网络' },
  summary: { en: 'A fake.', zh: '一个假的。' },
  steps,
} as unknown as LoadedLab;

const HOST = { pid: 4026531836, mnt: 4026531841, uts: 4026531838, ipc: 4026531839, net: 4026531840, user: 4026531837, cgroup: 4026531835, time: 4026531834 };
const names = ['host-server', 'switch', 'c1', 'c2', 'c3', 'joined', 'box', 'init'];
const network: LiveSnapshot = {
  host: HOST,
  self: HOST,
  processes: names.map((name, i) => ({
    name,
    pid: 3700 + i * 11,
    alive: true,
    ns: { ...HOST, net: 4026532400 + i, uts: 4026532500 + i },
    focus: name === 'c2' || name === 'c3',
  })),
  cgroup: {
    mode: 'unified',
    root: '/sys/fs/cgroup',
    path: '/user.slice/user-0.slice/session-1.scope',
    own: false,
    cpu: false,
    treeControllers: ['cpu', 'memory', 'pids'],
  },
};

function screen(state: TuiState, cols: number, rows: number, live: LiveSnapshot | undefined): string[] {
  const box = layout(cols, rows, { stepCount: steps.length, task: false, fullscreen: false });
  const panels = renderPanels(state, box, live, []);
  const grid = Array.from({ length: rows }, () => Array<string>(cols).fill(' '));
  const rect = box.live;
  (panels.live ?? []).slice(0, rect.height).forEach((l, y) => {
    let x = rect.left;
    for (const char of toText([l])) {
      const w = displayWidth(char);
      if (x + w > rect.left + rect.width) break;
      grid[rect.top + y]![x] = char;
      if (w === 2) grid[rect.top + y]![x + 1] = '';
      x += w;
    }
  });
  return grid.map((row) => row.join('').trimEnd());
}

function stateAt(lang: Lang, step: number): TuiState {
  const state = initialState(lab, lang, false);
  const events: LabEvent[] = [
    { type: 'lab-start', lab, lang, mode: 'run', runId: 'lab-net-1-x' },
    { type: 'step-start', step: steps[step]!, index: step, total: steps.length },
  ];
  events.forEach((e) => applyEvent(state, e));
  return state;
}

for (const lang of ['en', 'zh'] as const) {
  t.test(`the whole screen, ${lang}: PIDs and roles; the step's processes never hidden at 80x24, all of them at 120x35`, async (t) => {
    const state = stateAt(lang, 6);
    t.same(focusOf(state).step, 6);
    t.match(focusOf(state).prose?.join(' ') ?? '', 'c2 and c3');
    for (const [cols, rows] of [
      [80, 24],
      [120, 35],
    ] as const) {
      const out = screen(state, cols, rows, network);
      const text = out.join('\n');
      t.ok(
        out.every((row) => displayWidth(row) <= cols),
        `${cols}x${rows} fits`,
      );
      t.match(text, lang === 'en' ? 'Kernel, live' : '内核实况');
      t.match(text, lang === 'en' ? /process\s+PID\s+own ns/ : /进程\s+PID\s+自有 ns/);
      t.match(text, /▸c2\s+3733\s+uts net/, `${cols}x${rows}: c2 with its host PID, marked as the step's`);
      t.match(text, /▸c3\s+3744\s+uts net/, `${cols}x${rows}: c3 with its host PID`);
      for (const [i, name] of names.entries()) t.match(text, new RegExp(`[ ▸]${name}\\s+${3700 + i * 11}\\s`), `${cols}x${rows}: ${name} and its PID`);
      t.match(text, lang === 'en' ? "cgroup none of the lab's own" : 'cgroup 实验没有自己的', 'no figures from a cgroup the lab did not make');
      t.notMatch(text, /more:|另有/, 'all of them fit');
      // Twice as many processes: at 80x24 the others are named on one line, the step's keep their rows.
      const crowd = {
        ...network,
        processes: [...network.processes, ...network.processes.map((p) => ({ ...p, name: `${p.name}-b`, pid: p.pid + 1, focus: false }))],
      };
      const crowded = screen(state, cols, rows, crowd).join('\n');
      t.match(crowded, /▸c2\s+3733\s+uts net/, `${cols}x${rows}, crowded: c2 stays`);
      t.match(crowded, /▸c3\s+3744\s+uts net/, `${cols}x${rows}, crowded: c3 stays`);
      if (cols === 80) {
        const names14 = crowd.processes.filter((p) => !p.focus).map((p) => p.name);
        t.match(read(crowded, lang), lang === 'en' ? `+14 more: ${names14.join(', ')}` : `另有 14 个：${names14.join('、')}`, 'the others named, every one');
      } else for (const p of crowd.processes) t.match(crowded, new RegExp(`[ ▸]${p.name}\\s+${p.pid}\\s`), `120x35: ${p.name} and its PID`);
    }
  });

  t.test(`the whole screen, ${lang}: after the lab ends the panel says so and lists nothing as live`, async (t) => {
    const state = stateAt(lang, 7);
    applyEvent(state, { type: 'step-done', step: 's7', status: 'passed' });
    applyEvent(state, { type: 'cleanup', what: 'kill -KILL 3700 (host-server)', ok: true });
    applyEvent(state, { type: 'lab-done', lab: 'net', outcome: { status: 'passed', checksPassed: 8, checksFailed: 0, stepsPassed: 8, steps: 8 } });
    for (const [cols, rows] of [
      [80, 24],
      [120, 35],
    ] as const) {
      const text = screen(state, cols, rows, network).join('\n');
      t.match(
        read(text, lang),
        lang === 'en'
          ? 'Kernel, live · lab over The lab is over: cleanup stopped its processes'
          : '内核实况 · 实验已结束实验已结束：清理已停止它的进程，并删除了它创建的东西',
      );
      t.notMatch(text, /3733|4026532403|c2/, 'no stale process or namespace');
    }
  });
}

t.test("the view alone: a table of inodes puts the step's processes first; exited processes say so", async (t) => {
  const snap: LiveSnapshot = {
    ...network,
    processes: [
      { name: 'box', pid: 100, alive: true, ns: { ...HOST, uts: 4026532600 } },
      { name: 'gone', pid: 101, alive: false, ns: {} },
      { name: 'c3', pid: 102, alive: true, ns: { ...HOST, net: 4026532601 }, focus: true },
    ],
  };
  const text = toText(renderLive(snap, 'en', 46, { height: 40 }));
  t.match(text, /ns\s+host\s+c3\s+box/, "the step's process gets the first column");
  t.match(text, /net\s+4026531840 4026532601 = host/);
  t.match(text, /gone\s+101\s+exited/);
  t.match(text, /box\s+100\s+uts/);
  const zh = toText(renderLive(snap, 'zh', 30, { height: 40 }));
  t.ok(zh.split('\n').every((l) => displayWidth(l) <= 30));
  t.match(zh, /gone\s+101\s+已退出/);
  t.match(zh, /box\s+100\s+= 宿主机|box\s+100\s+uts/);
});

t.test('the view alone: when rows run short the table keeps the namespaces a process has of its own', async (t) => {
  const snap: LiveSnapshot = {
    ...network,
    processes: [{ name: 'init', pid: 9222, alive: true, ns: { ...HOST, pid: 4026532175, time: 4026532176 }, focus: true }],
  };
  for (const lang of ['en', 'zh'] as const) {
    const lines = toText(renderLive(snap, lang, 30, { height: 11 })).split('\n');
    t.equal(lines.length, 11);
    t.match(lines[2], /▸init\s+9222\s+pid time/);
    t.match(lines.join('\n'), /pid\s+4026531836 4026532175/);
    t.match(lines.join('\n'), /time\s+4026531834 4026532176/, 'a namespace of its own is never left out');
    t.match(lines.join('\n'), /uts\s+4026531838 = /, 'shared ones while they fit');
    t.notMatch(lines.join('\n'), /cgroup\s+4026531835/, 'the last shared one gives way');
    t.notMatch(lines.join('\n'), /none of the lab's own|实验没有自己的/, 'the note goes first');
  }
});
