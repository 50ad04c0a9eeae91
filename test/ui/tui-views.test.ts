// The terminal UI's views fed a fake event stream, rendered as text without a terminal: step states, the
// explanation, commands, output and checks, the live panel, the footer; CJK alignment, 80x24, NO_COLOR.
import t from 'tap';
import type { LabEvent } from '../../src/lab/events.js';
import type { LoadedLab, LoadedStep } from '../../src/lab/load.js';
import { displayWidth } from '../../src/ui/text.js';
import { renderPanels } from '../../src/ui/tui/app.js';
import { layout } from '../../src/ui/tui/layout.js';
import { toTags, toText, type Line } from '../../src/ui/tui/lines.js';
import type { LiveSnapshot } from '../../src/ui/tui/live-data.js';
import { renderLive } from '../../src/ui/tui/live-view.js';
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
        zh: { title: s.zh, body: '`unshare` 创建一个新的 PID 命名空间（namespace），并在其中派生一个子进程；这个子进程在那里是 1 号进程。', hints: ['看看 NSpid。'] },
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
  { type: 'check', step: 'create', check: 'c1', title: { en: 'init is PID 1 inside', zh: 'init 在里面是 1 号进程' }, ok: true, found: { en: 'NSpid: 42 1', zh: 'NSpid：42 1' } },
  { type: 'step-done', step: 'create', status: 'passed' },
];

const snapshot: LiveSnapshot = {
  host: { pid: 4026531836, mnt: 4026531841, uts: 4026531838, ipc: 4026531839, net: 4026531840, user: 4026531837, cgroup: 4026531835, time: 4026531834 },
  self: { pid: 4026531836, mnt: 4026531841, uts: 4026531838, ipc: 4026531839, net: 4026531840, user: 4026531837, cgroup: 4026531835, time: 4026531834 },
  processes: [{ name: 'init', pid: 4242, alive: true, ns: { pid: 4026532301, mnt: 4026532300, uts: 4026531838, ipc: 4026531839, net: 4026531840, user: 4026531837, cgroup: 4026531835, time: 4026531834 } }],
  cgroup: { mode: 'unified', root: '/sys/fs/cgroup', path: '/lab-fake', memory: { current: 8 * 1024 * 1024, max: 64 * 1024 * 1024 }, cpu: true, cpuPercent: 12.5, pids: { current: 3, max: 'max' } },
};

function screen(state: TuiState, cols = 80, rows = 24, live: LiveSnapshot | undefined = snapshot): string[] {
  const task = state.phase === 'task';
  const box = layout(cols, rows, { stepCount: 2, task, fullscreen: false });
  const panels = renderPanels(state, box, live, task ? [[{ text: '[lab:fake] / # ' }]] : []);
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
  put(box.divider, Array.from({ length: box.divider.height }, (): Line => [{ text: '│' }]));
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
  t.match(text, /pid\s+4026531836 4026532301/, 'the live table: the host inode, then init\'s own');
  t.match(text, /uts\s+4026531838 = host/, 'a shared namespace is marked');
  t.match(text, 'Step passed. n: next step');
  t.match(rows[23], ' n next  r re-run  c check  h hint  s shell  l 中文  ? help  q quit');
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
  t.ok(divider.every((c) => c === 30), 'the divider is in column 30 on every body row, after CJK step titles too');
  const text = rows.join('\n');
  t.match(text, '✓ 1. 创建命名空间（namespace…', 'a long CJK title is cut on a character boundary');
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
  applyEvent(state, { type: 'check', step: 'task', check: 'c2', title: { en: 'a sleep runs inside', zh: '里面有 sleep' }, ok: false, found: { en: 'no sleep in pid:[4026532301]', zh: '没有' } });
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
  for (const [cols, rows] of [[132, 40], [200, 60], [60, 16]] as const) {
    const out = screen(state, cols, rows);
    t.equal(out.length, rows);
    t.ok(out.every((row) => displayWidth(row) <= cols), `${cols}x${rows} fits`);
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
  const line: Line[] = [[{ text: 'ok', style: 'green' }, { text: ' awk {print $1}', style: 'bold' }, { text: ' x', style: 'inverse' }]];
  t.equal(toTags(line, false), 'ok{bold} awk {open}print $1{close}{/bold}{inverse} x{/inverse}');
  t.equal(toTags(line, true), '{green-fg}ok{/green-fg}{bold} awk {open}print $1{close}{/bold}{inverse} x{/inverse}');
});
