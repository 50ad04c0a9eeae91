// The terminal UI's views fed a fake event stream, rendered as text without a terminal: step states, the
// explanation, commands, output and checks, the live panel, the footer; CJK alignment, 80x24, NO_COLOR; the
// commands pane scrolled back to a step's first command, long lines wrapped whole (mountinfo, commands, hints,
// checks, code in prose), markdown emphasis, the layout at 80x24 (z) and 120x35, in both languages.
import t from 'tap';
import type { LabEvent } from '../../src/lab/events.js';
import { loadAllLabs, type LoadedLab, type LoadedStep } from '../../src/lab/load.js';
import { displayWidth } from '../../src/ui/text.js';
import { layoutOf, renderPanels } from '../../src/ui/tui/app.js';
import { renderFooter } from '../../src/ui/tui/footer.js';
import { layout } from '../../src/ui/tui/layout.js';
import { plain, toTags, toText, type Line } from '../../src/ui/tui/lines.js';
import type { LiveSnapshot } from '../../src/ui/tui/live-data.js';
import { renderLive } from '../../src/ui/tui/live-view.js';
import { emphasize, explanationLines, renderExplanation } from '../../src/ui/tui/explanation.js';
import { scrollLog } from '../../src/ui/tui/log-view.js';
import { applyEvent, initialState, nextHint, type TuiState } from '../../src/ui/tui/state.js';

const steps = [
  { id: 'create', kind: 'demo', en: 'Make a namespace', zh: '创建命名空间（namespace）' },
  { id: 'task', kind: 'task', en: 'Your own namespace', zh: '你自己的命名空间' },
].map(
  (s, index): LoadedStep =>
    ({
      spec: { id: s.id, kind: s.kind, actions: [], solution: [], checks: [], shell: 'lab' },
      index,
      prose: {
        en: { title: s.en, body: 'unshare creates a new PID namespace and forks a child into it; the child is PID 1 there.', hints: ['Look at NSpid.'] },
        zh: {
          title: s.zh,
          body: '`unshare` 创建一个新的 PID 命名空间（namespace），并在其中派生一个子进程；这个子进程在那里是 1 号进程。',
          hints: ['看看 NSpid。'],
        },
      },
    }) as unknown as LoadedStep,
);
const lab = {
  spec: { format: 1, id: 'fake', order: 1, requires: [], shell: { target: 'init', namespaces: ['pid'] }, steps: steps.map((s) => s.spec) },
  dir: '/nowhere',
  title: { en: 'Fake lab', zh: '假实验' },
  summary: { en: 'A fake.', zh: '一个假的。' },
  steps,
} as unknown as LoadedLab;

const firstStep: LabEvent[] = [
  { type: 'lab-start', lab, lang: 'en', mode: 'run', runId: 'lab-fake-1-x' },
  { type: 'step-start', step: steps[0]!, index: 0, total: 2 },
  { type: 'command', step: 'create', role: 'action', command: 'unshare --pid --fork sleep infinity &', background: true },
  { type: 'output', step: 'create', stream: 'stdout', text: 'NSpid:\t42' },
  { type: 'output', step: 'create', stream: 'stdout', text: '\t1\n' },
  {
    type: 'check',
    step: 'create',
    check: 'c1',
    title: { en: 'init is PID 1 inside', zh: 'init 在里面是 1 号进程' },
    ok: true,
    found: { en: 'NSpid: 42 1', zh: 'NSpid：42 1' },
  },
  { type: 'step-done', step: 'create', status: 'passed' },
];

const snapshot: LiveSnapshot = {
  host: { pid: 4026531836, mnt: 4026531841, uts: 4026531838, ipc: 4026531839, net: 4026531840, user: 4026531837, cgroup: 4026531835, time: 4026531834 },
  self: { pid: 4026531836, mnt: 4026531841, uts: 4026531838, ipc: 4026531839, net: 4026531840, user: 4026531837, cgroup: 4026531835, time: 4026531834 },
  processes: [
    {
      name: 'init',
      pid: 4242,
      alive: true,
      ns: { pid: 4026532301, mnt: 4026532300, uts: 4026531838, ipc: 4026531839, net: 4026531840, user: 4026531837, cgroup: 4026531835, time: 4026531834 },
    },
  ],
  cgroup: {
    mode: 'unified',
    root: '/sys/fs/cgroup',
    path: '/lab-fake',
    memory: { current: 8 * 1024 * 1024, max: 64 * 1024 * 1024 },
    cpu: true,
    cpuPercent: 12.5,
    pids: { current: 3, max: 'max' },
  },
};

function screen(state: TuiState, cols = 80, rows = 24, live: LiveSnapshot | undefined = snapshot): string[] {
  const box = layoutOf(state, cols, rows);
  const panels = renderPanels(state, box, live, box.shell ? [[{ text: '[lab:fake] / # ' }]] : []);
  // Compose the panels onto a character grid, as the screen would (wide characters take two cells).
  const grid = Array.from({ length: rows }, () => Array<string>(cols).fill(' '));
  const put = (rect: { left: number; top: number; width: number; height: number }, lines: Line[]): void => {
    lines.slice(0, rect.height).forEach((l, y) => {
      let x = rect.left;
      for (const char of toText([l])) {
        const w = displayWidth(char);
        if (x + w > rect.left + rect.width) break;
        grid[rect.top + y]![x] = char;
        if (w === 2) grid[rect.top + y]![x + 1] = '';
        x += w;
      }
    });
  };
  put(
    box.divider,
    Array.from({ length: box.divider.height }, (): Line => [{ text: '│' }]),
  );
  for (const name of ['header', 'steps', 'live', 'explanation', 'log', 'shell', 'status', 'footer'] as const) {
    const rect = box[name];
    if (rect) put(rect, panels[name] ?? []);
  }
  return grid.map((row) => row.join('').trimEnd());
}

t.test('the first step at 80x24: header, steps, explanation, commands with output, checks, live panel, keys', async (t) => {
  const state = initialState(lab, 'en', false);
  firstStep.forEach((e) => applyEvent(state, e));
  const rows = screen(state);
  const text = rows.join('\n');
  t.equal(rows.length, 24);
  for (const row of rows) t.ok(displayWidth(row) <= 80, `fits 80 columns: ${row}`);
  t.match(rows[0], /^ Fake lab \(fake\)\s+Step 1\/2 · 1\/2 passed$/);
  t.match(text, ' ✓ 1. Make a namespace');
  t.match(text, ' · 2. Your own namespace');
  t.match(text, 'unshare creates a new PID');
  t.match(text, ' $ unshare --pid --fork sleep infinity &');
  t.match(text, '   NSpid:  42  1', 'output split across chunks is joined into one line');
  t.match(text, ' ✓ init is PID 1 inside');
  t.match(text, 'found: NSpid: 42 1');
  t.match(text, /pid\s+4026531836 4026532301/, "the live table: the host inode, then init's own");
  t.match(text, /uts\s+4026531838 = host/, 'a shared namespace is marked');
  t.match(text, 'Step passed. n: next step');
  t.match(rows[23], ' n next  r re-run  c check  h hint  s shell  [ ] log  l 中文  ? help  q quit');
});

t.test('Chinese: CJK text stays aligned in its columns', async (t) => {
  const state = initialState(lab, 'zh', false);
  firstStep.forEach((e) => applyEvent(state, e));
  const rows = screen(state);
  for (const row of rows) t.ok(displayWidth(row) <= 80, `fits 80 columns: ${row}`);
  const divider = rows.slice(1, 22).map((row) => {
    let col = 0;
    for (const char of row) {
      if (char === '│') return col;
      col += displayWidth(char);
    }
    return -1;
  });
  t.ok(
    divider.every((c) => c === 30),
    'the divider is in column 30 on every body row, after CJK step titles too',
  );
  const text = rows.join('\n');
  t.match(text, /✓ 1\. 创建命名空间\s+│[^\n]*\n\s+（namespace）\s+│/, 'a long CJK step name wraps under itself, whole, where the list has the room');
  t.match(text, '内核实况');
  t.match(text, /uts\s+4026531838 = 宿主机/);
  t.match(text, '已通过 1/2');
  t.match(text, 'n 下一步');
});

t.test('a task: the shell pane, hints, a failed check says what it found; lab-done marks the rest skipped', async (t) => {
  const state = initialState(lab, 'en', false);
  firstStep.forEach((e) => applyEvent(state, e));
  applyEvent(state, { type: 'step-start', step: steps[1]!, index: 1, total: 2 });
  applyEvent(state, { type: 'task-wait', step: steps[1]!, shell: 'nsenter --target 42 --pid -- bash' });
  t.ok(nextHint(state));
  t.notOk(nextHint(state), 'one hint only');
  applyEvent(state, {
    type: 'check',
    step: 'task',
    check: 'c2',
    title: { en: 'a sleep runs inside', zh: '里面有 sleep' },
    ok: false,
    found: { en: 'no sleep in pid:[4026532301]', zh: '没有' },
  });
  let text = screen(state).join('\n');
  t.match(text, ' ? 2. Your own namespace');
  t.match(text, 'Hint 1/1: Look at NSpid.');
  t.match(text, ' ✗ a sleep runs inside');
  t.match(text, 'found: no sleep in pid:[4026532301]');
  t.match(text, '[lab:fake] / #', 'the shell pane');
  applyEvent(state, { type: 'step-done', step: 'task', status: 'quit' });
  applyEvent(state, { type: 'cleanup', what: 'process init (42)', ok: true });
  applyEvent(state, { type: 'lab-done', lab: 'fake', outcome: { status: 'quit', checksPassed: 1, checksFailed: 1, stepsPassed: 1, steps: 2 } });
  text = screen(state).join('\n');
  t.match(text, ' - 2. Your own namespace', 'an unfinished step is skipped');
  t.match(text, 'Cleanup: removed process init (42)');
  t.match(text, 'Lab stopped after 1 of 2 steps');
  t.match(text, 'The lab is over. q closes this screen.');
});

t.test('larger terminals use the room; tiny ones still fit', async (t) => {
  const state = initialState(lab, 'en', false);
  firstStep.forEach((e) => applyEvent(state, e));
  for (const [cols, rows] of [
    [132, 40],
    [200, 60],
    [60, 16],
  ] as const) {
    const out = screen(state, cols, rows);
    t.equal(out.length, rows);
    t.ok(
      out.every((row) => displayWidth(row) <= cols),
      `${cols}x${rows} fits`,
    );
  }
});

t.test('the live panel: no process yet; no cgroup v2; a hybrid host without the controllers', async (t) => {
  const empty = toText(renderLive({ ...snapshot, processes: [], cgroup: { mode: 'unified', root: '/sys/fs/cgroup', cpu: false } }, 'en', 40));
  t.match(empty, 'No lab process yet.');
  const legacy = toText(renderLive({ ...snapshot, cgroup: { mode: 'legacy', cpu: false } }, 'zh', 40));
  t.match(legacy, '没有挂载 cgroup v2 层级');
  const hybrid = toText(renderLive({ ...snapshot, cgroup: { mode: 'hybrid', root: '/sys/fs/cgroup/unified', path: '/user.slice', cpu: true } }, 'en', 60));
  t.match(hybrid, /memory\s+no memory controller/);
  t.match(hybrid, /pids\s+no pids controller/);
  t.match(hybrid.replace(/\s+/g, ' '), 'does not offer the memory, pids controller here (cgroup mode: hybrid)');
  const gauges = toText(renderLive(snapshot, 'en', 60));
  t.match(gauges, /memory\s+8\.0 MiB \/ 64\.0 MiB ██/, 'memory against its limit, as a gauge');
  t.match(gauges, '12.5% of one CPU');
  t.match(gauges, /pids\s+3 \(no limit\)/);
});

t.test('NO_COLOR: no colour tags, bold and inverse only; braces are escaped', async (t) => {
  const line: Line[] = [
    [
      { text: 'ok', style: 'green' },
      { text: ' awk {print $1}', style: 'bold' },
      { text: ' x', style: 'inverse' },
    ],
  ];
  t.equal(toTags(line, false), 'ok{bold} awk {open}print $1{close}{/bold}{inverse} x{/inverse}');
  t.equal(toTags(line, true), '{green-fg}ok{/green-fg}{bold} awk {open}print $1{close}{/bold}{inverse} x{/inverse}');
});

/** A lab of the given steps (kind, titles, prose, hints in both languages), for the tests of wrapping and scrolling. */
function labOf(
  defs: { id: string; kind: 'demo' | 'task'; en: { title: string; body: string; hints?: string[] }; zh: { title: string; body: string; hints?: string[] } }[],
): LoadedLab {
  const loaded = defs.map(
    (d, index) =>
      ({
        spec: { id: d.id, kind: d.kind, actions: [], solution: [], checks: [], shell: 'lab' },
        index,
        prose: { en: { hints: [], ...d.en }, zh: { hints: [], ...d.zh } },
      }) as unknown as LoadedStep,
  );
  return { ...lab, spec: { ...lab.spec, steps: loaded.map((s) => s.spec) }, steps: loaded } as unknown as LoadedLab;
}

/** The text of one panel's lines on the screen (as the grid shows it), and whether each fits its width. */
function panel(state: TuiState, name: 'log' | 'explanation' | 'steps', cols = 80, rows = 24): { lines: string[]; width: number } {
  const box = layoutOf(state, cols, rows);
  const panels = renderPanels(state, box, snapshot, []);
  return { lines: (panels[name] ?? []).slice(0, box[name].height).map((l) => toText([l])), width: box[name].width };
}

const MOUNTINFO = '243 235 0:58 / /tmp/lab-mount-1/b rw,relatime shared:168 master:167 - tmpfs lab-b rw,size=1024k,inode64';
const LONG_COMMAND = 'unshare --mount --propagation private --fork -- nsenter --target 4242 --mount -- sleep infinity';
const longLab = labOf([
  {
    id: 'bind',
    kind: 'demo',
    en: {
      title: 'Mount propagation between two namespaces',
      body: 'A mount made in **A** shows in *B* when `shared:N` matches.\n\n    cat /proc/self/mountinfo | grep --color=never -E "lab-mount-1/(a|b) " | sort -k5 | uniq',
    },
    zh: {
      title: '两个命名空间之间的挂载传播',
      body: '在 **A** 里做的挂载，当 `shared:N` 相同时会出现在 *B* 里。\n\n    cat /proc/self/mountinfo | grep --color=never -E "lab-mount-1/(a|b) " | sort -k5 | uniq',
    },
  },
  {
    id: 'turn',
    kind: 'task',
    en: {
      title: 'Your turn: `--memory=20m`',
      body: 'Start a process.',
      hints: ['Run unshare --mount --propagation private sleep infinity & in the shell, then read its `mountinfo`.'],
    },
    zh: {
      title: '动手任务：`--memory=20m`',
      body: '启动一个进程。',
      hints: ['在 shell 里运行 unshare --mount --propagation private sleep infinity &，然后读它的 `mountinfo`。'],
    },
  },
]);

/** Step 1 of longLab: many commands, the first one long, then more output than the pane holds, then a check. */
function longStep(lang: 'en' | 'zh'): TuiState {
  const state = initialState(longLab, lang, false);
  const events: LabEvent[] = [
    { type: 'lab-start', lab: longLab, lang, mode: 'run', runId: 'lab-fake-1-x' },
    { type: 'step-start', step: longLab.steps[0]!, index: 0, total: 2 },
    { type: 'command', step: 'bind', role: 'action', command: LONG_COMMAND, background: true },
    { type: 'command', step: 'bind', role: 'action', command: 'cat /proc/4242/mountinfo', background: false },
    { type: 'output', step: 'bind', stream: 'stdout', text: `${MOUNTINFO}\n` },
    { type: 'command-end', step: 'bind', exitCode: 0, expected: 'ok', ok: true },
  ];
  for (let i = 0; i < 12; i++)
    events.push({ type: 'command', step: 'bind', role: 'action', command: `ip link add veth${i} type veth peer name peer${i}`, background: false });
  events.push({ type: 'command', step: 'bind', role: 'check', command: 'cat /proc/4242/mountinfo', background: false });
  events.push({ type: 'command', step: 'bind', role: 'check', command: 'readlink /proc/4242/ns/mnt', background: false });
  events.push({
    type: 'check',
    step: 'bind',
    check: 'c1',
    title: {
      en: "B receives A's mounts: both carry the same shared peer group (Docker's bridge mode); the mount shows in B",
      zh: 'B 收到 A 的挂载：两者属于同一个共享对等组（peer group）；挂载出现在 B 里，与 Docker 的桥接模式相同',
    },
    ok: true,
    found: { en: `shared:168 in both: ${MOUNTINFO}`, zh: `两边都是 shared:168：${MOUNTINFO}` },
  });
  events.push({ type: 'step-done', step: 'bind', status: 'passed' });
  events.forEach((e) => applyEvent(state, e));
  return state;
}

/** Lines joined back: each wrapped piece without the indent it was given. */
const joined = (lines: string[]): string => lines.map((l) => l.replace(/^ {3,7}/, '')).join('');
/** Text without its spaces: wrapping may drop a space at a break, never a character. */
const squash = (text: string): string => text.replace(/\s+/g, '');

for (const lang of ['en', 'zh'] as const) {
  t.test(`the commands pane scrolls back to a step's first command at 80x24 (${lang})`, async (t) => {
    const state = longStep(lang);
    let log = panel(state, 'log');
    t.notOk(
      log.lines.some((l) => l.includes('unshare --mount')),
      'the pane follows the newest lines: the first command is out of sight',
    );
    t.match(log.lines[0], /↑ \d+-\d+\/\d+\s+\[ \]/, 'the title says where the pane is and how to scroll it');
    const box = layout(80, 24, { stepCount: 2, task: false, fullscreen: false });
    for (let i = 0; i < 20; i++) scrollLog(state, box.log.width, box.log.height, -5);
    log = panel(state, 'log');
    t.equal(log.lines[1], ` $ ${LONG_COMMAND.slice(0, log.lines[1]!.length - 3)}`, 'after [ the first command is the first line');
    t.ok(log.lines[2]!.startsWith('     '), 'a long command continues with a hanging indent');
    t.equal(squash(log.lines.slice(1, 4).join('').slice(3)), squash(LONG_COMMAND), 'the whole command is there, on three lines');
    // New output does not move a pane the learner scrolled.
    applyEvent(state, { type: 'output', step: 'bind', stream: 'stdout', text: 'more\n' });
    t.equal(panel(state, 'log').lines[1], log.lines[1], 'the scrolled pane stays where it is');
    for (let i = 0; i < 20; i++) scrollLog(state, box.log.width, box.log.height, 5);
    t.equal(state.logTop, undefined, '] down to the bottom follows the newest lines again');
    t.match(panel(state, 'log').lines.join('\n'), 'more');
  });

  t.test(`long lines wrap instead of ending in … (${lang})`, async (t) => {
    const state = longStep(lang);
    const box = layout(80, 24, { stepCount: 2, task: false, fullscreen: false });
    const all: string[] = [];
    state.logTop = 0;
    for (;;) {
      const { lines } = panel(state, 'log');
      all.push(...lines.slice(1));
      if (state.logTop === undefined) break;
      scrollLog(state, box.log.width, box.log.height, box.log.height - 1);
    }
    for (const l of all) t.ok(displayWidth(l) <= box.log.width, `fits the pane: ${l}`);
    t.notOk(
      all.some((l) => l.endsWith('…')),
      'no line is cut',
    );
    const output = all.findIndex((l) => l.startsWith('   243 235'));
    t.equal(joined(all.slice(output, output + 3)).slice(0, MOUNTINFO.length), MOUNTINFO, 'the mountinfo line is visible whole, shared:N and all');
    t.match(all.join('\n'), 'shared:168 master:167', 'shared:N is not cut');
    t.ok(
      all.some((l) => l.startsWith(' › readlink')),
      'a check probe has its own mark, not the ? of the step list',
    );
    t.notOk(
      all.some((l) => l.startsWith(' ?')),
      'no ? before a probe',
    );
    t.equal(all.filter((l) => /cat \/proc\/4242\/mountinfo/.test(l)).length, 1, 'a probe that repeats a command shown before is not shown twice');
    const check = all.findIndex((l) => l.startsWith(' ✓'));
    const title =
      lang === 'en'
        ? "B receives A's mounts: both carry the same shared peer group (Docker's bridge mode); the mount shows in B"
        : 'B 收到 A 的挂载：两者属于同一个共享对等组（peer group）；挂载出现在 B 里，与 Docker 的桥接模式相同';
    t.equal(squash(all.slice(check, check + 6).join('')).slice(1, squash(title).length + 1), squash(title), 'the check text wraps, whole');
  });

  t.test(`the explanation: markdown emphasis, long code lines wrap, the ↓ marker has its own line (${lang})`, async (t) => {
    const state = longStep(lang);
    const all = toText(explanationLines(state, 49)).split('\n');
    t.notMatch(all.join('\n'), /\*\*|`|\*B\*/, 'no markdown markers shown');
    const tags = toTags(explanationLines(state, 49), true);
    t.match(tags, '{bold}A{/bold}', '**A** is bold');
    t.match(tags, '{underline}B{/underline}', '*B* is italic (underlined: terminals do not all have italics)');
    t.match(tags, '{cyan-fg}shared:N{/cyan-fg}', '`shared:N` is code');
    const code = all.findIndex((l) => l.includes('cat /proc/self/mountinfo'));
    t.ok(code > 0 && all[code + 1]!.startsWith('       '), 'a code line longer than the panel continues, further in');
    t.match(
      squash(all.slice(code, code + 3).join('')),
      squash('cat /proc/self/mountinfo | grep --color=never -E "lab-mount-1/(a|b) " | sort -k5 | uniq'),
      'the code line is whole',
    );
    for (const l of all) t.ok(displayWidth(l) <= 49, `fits: ${l}`);
    const small = renderExplanation(state, 49, 4);
    t.ok(small.more);
    t.match(toText(small.lines.slice(-1)), '↓', 'the marker is on its own last line');
    t.equal(toText(small.lines.slice(1, -1)), toText(explanationLines(state, 49).slice(1, small.lines.length - 1)), 'the lines above it are whole');
  });

  t.test(`a task whose title says "Your turn" does not say it twice; hints wrap (${lang})`, async (t) => {
    const state = longStep(lang);
    applyEvent(state, { type: 'step-start', step: longLab.steps[1]!, index: 1, total: 2 });
    applyEvent(state, { type: 'task-wait', step: longLab.steps[1]!, shell: 'bash' });
    nextHint(state);
    const title = toText(explanationLines(state, 49).slice(0, 1));
    const turn = lang === 'en' ? 'Your turn' : '动手任务';
    t.equal(title.split(turn).length - 1, 1, `"${turn}" once: ${title}`);
    t.match(title, '--memory=20m', 'code in the title, without its backticks');
    const log = panel(state, 'log', 80, 24).lines.join('\n');
    t.notMatch(log, '`', "the hint's markdown is rendered, not shown");
    t.match(
      log.replace(/\n\s+/g, lang === 'en' ? ' ' : ''),
      lang === 'en' ? 'sleep infinity & in the shell, then read its mountinfo.' : 'sleep infinity &，然后读它的 mountinfo。',
      'the hint wraps, whole',
    );
  });
}

const eight = labOf(
  [
    'A process that is PID 1 in its own namespace',
    'A /proc that shows only the namespace',
    'Mount propagation between two namespaces',
    'Your turn: `docker exec` by hand',
    'Two containers on one bridge network',
    'Signals across PID namespaces',
    'The cgroup that holds every process',
    'What is left after the lab ends',
  ].map((title, i) => ({
    id: `s${i}`,
    kind: title.startsWith('Your turn') ? 'task' : 'demo',
    en: { title, body: Array.from({ length: 30 }, (_, n) => `Line ${n + 1} of the prose.`).join('\n\n') },
    zh: { title: `第 ${i + 1} 步：命名空间里的进程与挂载`, body: Array.from({ length: 30 }, (_, n) => `第 ${n + 1} 行讲解。`).join('\n\n') },
  })),
);

/** eight at its task step (the fourth), the shell open. */
function atTask(lang: 'en' | 'zh'): TuiState {
  const state = initialState(eight, lang, false);
  applyEvent(state, { type: 'lab-start', lab: eight, lang, mode: 'run', runId: 'lab-fake-1-x' });
  for (let i = 0; i < 3; i++) {
    applyEvent(state, { type: 'step-start', step: eight.steps[i]!, index: i, total: 8 });
    applyEvent(state, { type: 'step-done', step: `s${i}`, status: 'passed' });
  }
  applyEvent(state, { type: 'step-start', step: eight.steps[3]!, index: 3, total: 8 });
  applyEvent(state, { type: 'task-wait', step: eight.steps[3]!, shell: 'bash' });
  return state;
}

/** Lines of prose the explanation shows (not its title, not the ↓ line). */
const proseShown = (lines: string[]): number => lines.filter((l) => /Line \d+ of|第 \d+ 行/.test(l)).length;

for (const lang of ['en', 'zh'] as const) {
  t.test(`80x24: the explanation of a task gets more than 7 lines, z gives it more, then the commands (${lang})`, async (t) => {
    const state = atTask(lang);
    const rows = screen(state);
    for (const row of rows) t.ok(displayWidth(row) <= 80, `fits 80 columns: ${row}`);
    t.match(rows.join('\n'), '[lab:fake] / #', 'the shell is on screen');
    const normal = proseShown(panel(state, 'explanation').lines);
    t.ok(normal >= 4, `the task's explanation shows ${normal} lines of prose (with blank lines between: 8 rows)`);
    t.ok(panel(state, 'explanation').lines.length > 7, 'more than 7 lines');
    state.zoom = 'explanation';
    const zoomed = panel(state, 'explanation').lines;
    t.ok(zoomed.length >= 11 && proseShown(zoomed) > normal, `z: the explanation grows to ${zoomed.length} rows`);
    t.equal(panel(state, 'log').lines.length, 2, 'the commands collapse to their title and newest line');
    state.zoom = 'log';
    t.ok(layoutOf(state, 80, 24).log.height >= 10, 'z again: the commands get the room');
    t.match(screen(state).join('\n'), '[lab:fake] / #', 'the shell stays');
    state.zoom = undefined;
    // A demo step: the explanation gets its title and 9 more rows.
    const demo = initialState(eight, lang, false);
    applyEvent(demo, { type: 'step-start', step: eight.steps[0]!, index: 0, total: 8 });
    t.equal(panel(demo, 'explanation').lines.length, 10, 'a demo step: 10 rows of explanation at 80x24');
  });

  t.test(`step names: cut at a word at 80x24, whole at 120x35, which uses its room (${lang})`, async (t) => {
    const state = atTask(lang);
    const small = panel(state, 'steps').lines;
    if (lang === 'en') {
      t.ok(small.includes(' ✓ 3. Mount propagation…'), `cut at a word: ${small.join(' | ')}`);
      t.notOk(
        small.some((l) => /\w…$/.test(l) && !/ \S+…$/.test(l)),
        'no name is cut mid-word',
      );
    }
    const rows = screen(state, 120, 35);
    t.equal(rows.length, 35);
    for (const row of rows) t.ok(displayWidth(row) <= 120, `fits 120 columns: ${row}`);
    const big = panel(state, 'steps', 120, 35).lines;
    t.notOk(
      big.some((l) => l.endsWith('…')),
      `every name whole at 120x35: ${big.join(' | ')}`,
    );
    t.ok(panel(state, 'explanation', 120, 35).lines.length >= 12, 'the explanation gets 12 rows or more next to the shell');
    const shellRows = layoutOf(state, 120, 35).shell!.height;
    t.ok(shellRows >= 12, `the shell ${shellRows} rows`);
  });
}

t.test('every lab at 80x24, in both languages: the name of the step on screen is always whole', async (t) => {
  for (const real of await loadAllLabs()) {
    for (const lang of ['en', 'zh'] as const) {
      const state = initialState(real, lang, false);
      for (const step of real.steps) {
        state.current = step.index;
        const { lines, width } = panel(state, 'steps');
        const name = plain(emphasize(step.prose[lang].title, { code: false, bold: false, italic: false }));
        const number = `${step.index + 1}. `;
        const at = lines.findIndex((l) => l.slice(3).startsWith(number));
        const rest = lines.slice(at + 1);
        const end = rest.findIndex((l) => !l.startsWith(' '.repeat(3 + number.length)));
        const whole = [lines[at]!, ...(end < 0 ? rest : rest.slice(0, end))].map((l, i) => (i === 0 ? l.slice(3 + number.length) : l.trim())).join('');
        t.equal(whole.replace(/ /g, ''), name.replace(/ /g, ''), `${real.spec.id} ${lang} step ${step.index + 1}: ${whole}`);
        t.ok(
          lines.every((l) => displayWidth(l) <= width),
          'fits its panel',
        );
      }
    }
  }
});

t.test('a list item in the explanation wraps once, at the panel width: no word is left alone on a line', async (t) => {
  const memory = (await loadAllLabs()).find((l) => l.spec.id === 'cgroup-memory')!;
  for (const [cols, rows] of [
    [80, 24],
    [120, 35],
  ] as const) {
    const state = initialState(memory, 'zh', false);
    const { lines, width } = panel(state, 'explanation', cols, rows);
    const body = explanationLines(state, width).map((l) => toText([l]));
    t.notOk(
      body.some((l) => l.trim() === 'Docker'),
      `${cols}x${rows}: 'Docker' is not alone on a line: ${body.join(' | ')}`,
    );
    t.ok(
      body.every((l) => displayWidth(l) <= width),
      'every line fits',
    );
    t.ok(lines.length > 0);
  }
});

t.test('once the lab is over, the footer offers only the keys that still do something', async (t) => {
  for (const lang of ['en', 'zh'] as const) {
    const state = initialState(lab, lang, false);
    for (const event of firstStep) applyEvent(state, event);
    const running = toText(renderFooter(state, 80));
    t.match(running, lang === 'en' ? 'n next' : 'n 下一步', `${lang}: during the lab, n is offered`);
    state.phase = 'done';
    const over = toText(renderFooter(state, 80));
    t.notMatch(over, /\bn |\bc |\bh |\bs /, `${lang}: after it, n, c, h and s are not`);
    t.match(over, lang === 'en' ? 'q close' : 'q 关闭', `${lang}: q closes the screen`);
    t.ok(displayWidth(over) <= 80, `${lang}: the footer fits 80 columns`);
  }
});
