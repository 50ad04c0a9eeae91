// The live panel's X-ray (x): `lab inspect` of the lab's container in the terminal UI. The view is rendered from the
// X-ray of real processes and compared with what xray() reads of them, in English and Chinese, within 80x24's panel;
// the cost of one refresh (the live facts and the X-ray) is measured; then the real program is driven in tmux: in
// pid-namespace at 80x24 (x, l, x), and in toy-container at 120x35 in Chinese, where the X-ray follows the lab's
// container from its workspace to its PID 1 and from the host's / to the overlay after pivot_root. What the screen
// shows is compared with xray() of the PID the journal names, read by the test: kernel facts, not fixed strings.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/host/cleanup.js';
import { parseJournal, replay } from '../../src/host/journal.js';
import { isAlive } from '../../src/kernel/proc.js';
import { verdictText } from '../../src/kernel/xray-text.js';
import { xray, type Xray } from '../../src/kernel/xray.js';
import { loadLab } from '../../src/lab/load.js';
import type { LabProcess, Lang } from '../../src/lab/spec.js';
import { displayWidth } from '../../src/ui/text.js';
import { renderPanels } from '../../src/ui/tui/app.js';
import { layout } from '../../src/ui/tui/layout.js';
import { toText } from '../../src/ui/tui/lines.js';
import { LiveReader, type LiveSnapshot } from '../../src/ui/tui/live-data.js';
import { initialState } from '../../src/ui/tui/state.js';
import { readXray, xrayTarget } from '../../src/ui/tui/xray-data.js';
import { renderXray } from '../../src/ui/tui/xray-view.js';
import { unmetSkip } from '../labs/contract.js';
import { BIN, hostSnapshot, needsRoot, tempDir, useTempState } from '../helpers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const notRoot = needsRoot();

/** Text without any white space: wrapped lines joined as a reader reads them, in either language. */
const squeeze = (text: string): string => text.replace(/\s+/g, '');

/** A process that lives as long as the test: in new UTS and mount namespaces when root, else a plain child. */
function sleeper(t: { teardown(fn: () => void): void }, namespaces: boolean): number {
  const child = namespaces ? spawn('unshare', ['--uts', '--mount', '--', 'sleep', '60'], { stdio: 'ignore' }) : spawn('sleep', ['60'], { stdio: 'ignore' });
  t.teardown(() => void child.kill());
  return child.pid!;
}

const procs = (entries: [string, number][]): Map<string, LabProcess> => new Map(entries.map(([name, pid]) => [name, { pid, leader: pid, ns: {} }]));

/** The X-ray the test reads itself, as `lab inspect` does. */
function xrayOf(pid: number): Xray {
  const result = xray(pid);
  if (!result.ok) throw new Error(`xray(${pid}): ${result.why} ${result.path}`);
  return result.xray;
}

/** What the panel must say of a process, from the X-ray the test read: the lines a learner compares with `lab inspect`. */
function expected(x: Xray, name: string, lang: Lang): string[] {
  const own = x.namespaces.filter((n) => n.inode !== null && n.own).map((n) => n.type);
  const inside = x.nspid.length > 1 ? x.nspid.at(-1) : undefined;
  const who =
    lang === 'en'
      ? `${name}, PID ${x.pid}${inside === undefined ? '' : ` (PID ${inside} inside)`}`
      : `${name}，PID ${x.pid}${inside === undefined ? '' : `（在其中是 PID ${inside}）`}`;
  const eff = x.capabilities.effective!;
  const known = x.capabilities.lastCap + 1;
  const caps = eff.all ? (lang === 'en' ? `all ${known}` : `全部 ${known} 项`) : lang === 'en' ? `${eff.count} of ${known}` : `${known} 项中有 ${eff.count} 项`;
  return [
    who,
    verdictText(x)[lang],
    ...(own.length ? [`${lang === 'en' ? 'own' : '自有'} ${own.join(' ')}`] : []),
    `CapEff ${caps}`,
    `Seccomp ${x.seccomp.mode}`,
    `NoNewPrivs ${x.noNewPrivs ? 1 : 0}`,
  ];
}

t.test('view: the X-ray of a real process, as xray() reads it, in both languages and within the panel at 80x24', async (t) => {
  const box = sleeper(t, !notRoot);
  const plain = sleeper(t, false);
  const reader = new LiveReader();
  const snap = reader.read(
    procs([
      ['plain', plain],
      ['box', box],
    ]),
    0,
    { step: 0 },
  );
  t.equal(xrayTarget(snap)?.name, notRoot ? 'plain' : 'box', 'the process with a namespace of its own is the one X-rayed');
  const panel = readXray(snap)!;
  t.ok(panel.result.ok, 'read');
  const x = xrayOf(panel.pid);
  // The box in its own UTS and mount namespaces, when the test can make them.
  if (!notRoot) t.same(x.verdict.ownNamespaces, ['mnt', 'uts'], 'own mnt and uts, as unshare made them');
  for (const lang of ['en', 'zh'] as const) {
    for (const [width, height] of [
      [30, 17],
      [46, 28],
    ] as const) {
      const lines = renderXray(panel, lang, width, height);
      const text = toText(lines);
      t.ok(lines.length <= height, `${lang} ${width}x${height}: within the panel's rows`);
      t.ok(
        text.split('\n').every((l) => displayWidth(l) <= width),
        `${lang} ${width}x${height}: no line wider than the panel`,
      );
      for (const fact of expected(x, panel.name, lang)) t.ok(squeeze(text).includes(squeeze(fact)), `${lang} ${width}: ${fact}`);
    }
  }
  // Fewer rows: the head, the verdict and the namespaces stay; the root's row and the cgroup's limits go first.
  const short = toText(renderXray(panel, 'en', 30, 9));
  t.ok(squeeze(short).includes(squeeze(verdictText(x).en)), 'the verdict stays');
  t.notMatch(short, /^ (root|memory|pids) /m, "the root's row and the limits went first");
  t.match(short, /^ own /m, 'the namespaces stayed');
  // The limits as a cgroup v2 host has them (the test VM's): each file's value, io.max's limited devices.
  const limited: Xray = {
    ...x,
    cgroup: {
      ...x.cgroup,
      dir: '/sys/fs/cgroup/lab-x',
      limits: {
        'memory.max': 67108864,
        'memory.current': 1048576,
        'cpu.max': { quota: 50000, period: 100000 },
        'pids.max': 32,
        'pids.current': 2,
        'io.max': [{ device: '8:0', rbps: 'max', wbps: 1048576, riops: 'max', wiops: 'max' }],
      },
    },
  };
  const limits = toText(renderXray({ ...panel, result: { ok: true, xray: limited } }, 'en', 30, 40));
  for (const fact of ['memory 1.0 MiB / 64.0 MiB', 'cpu 50000 100000: 0.5 CPU', 'pids 2 / 32', 'io 8:0 wbps=1048576'])
    t.ok(squeeze(limits).includes(squeeze(fact)), `a limit: ${fact}`);
  const unlimited = toText(
    renderXray(
      {
        ...panel,
        result: {
          ok: true,
          xray: {
            ...limited,
            cgroup: {
              ...limited.cgroup,
              limits: { ...limited.cgroup.limits, 'pids.max': 'max', 'cpu.max': { quota: 'max', period: 100000 }, 'memory.max': null },
            },
          },
        },
      },
      'zh',
      30,
      40,
    ),
  );
  for (const fact of ['pids 2 / max', 'CPU max（无限制）', '内存 未启用']) t.ok(squeeze(unlimited).includes(squeeze(fact)), `no limit, no controller: ${fact}`);

  // No process yet, and a process that is gone.
  t.match(toText(renderXray(undefined, 'en', 30, 17)), 'No lab process yet.');
  const gone = toText(renderXray({ name: 'box', pid: 999999999, result: xray(999999999) }, 'zh', 30, 17));
  t.match(squeeze(gone), '这个进程已经不在了');
});

t.test("the target: the step's container first, the one with the most namespaces of its own, the newest on a tie", async (t) => {
  const inode = (n: number) => ({ mnt: n, uts: n });
  const snap = (focus: string[]): LiveSnapshot => ({
    host: inode(1),
    self: inode(1),
    processes: [
      { name: 'host-side', pid: 10, alive: true, ns: inode(1), focus: focus.includes('host-side') },
      { name: 'c1', pid: 11, alive: true, ns: { mnt: 2, uts: 1 }, focus: focus.includes('c1') },
      { name: 'c2', pid: 12, alive: true, ns: { mnt: 3, uts: 3 }, focus: focus.includes('c2') },
      { name: 'dead', pid: 13, alive: false, ns: {}, focus: focus.includes('dead') },
    ],
    cgroup: { mode: 'unified', cpu: false },
  });
  t.equal(xrayTarget(snap([]))?.name, 'c2', 'the container with the most namespaces of its own');
  t.equal(xrayTarget(snap(['c1', 'host-side']))?.name, 'c1', "the step's container");
  t.equal(xrayTarget(snap(['c1', 'c2']))?.name, 'c2', "of the step's, the one with the most namespaces of its own");
  const twins = snap([]).processes.map((p) => (p.name === 'c1' ? { ...p, ns: { mnt: 4, uts: 4 } } : p));
  t.equal(xrayTarget({ ...snap([]), processes: twins })?.name, 'c2', 'the newest on a tie');
  t.equal(xrayTarget(snap(['dead']))?.name, 'c2', 'never a process that is gone');
  t.equal(xrayTarget({ ...snap([]), processes: snap(['host-side']).processes.slice(0, 1) })?.name, 'host-side', 'no container: the live process');
  t.equal(xrayTarget({ ...snap([]), processes: [] }), undefined);
});

t.test('the layout at 80x24: the step list gives the X-ray its rows; x shows it, and it is gone once the lab is over', async (t) => {
  const lab = await loadLab('toy-container');
  const state = initialState(lab, 'en', false);
  const normal = layout(80, 24, { stepCount: lab.steps.length, task: false, fullscreen: false });
  const wide = layout(80, 24, { stepCount: lab.steps.length, task: false, fullscreen: false, xray: true });
  t.equal(wide.steps.height, 3, 'the step list: its title and the current step');
  t.equal(wide.live.height, normal.live.height + normal.steps.height - 3, 'the live panel gets the rest');
  const pid = sleeper(t, false);
  const live = new LiveReader().read(procs([['box', pid]]));
  const panels = (xrayOn: boolean, phase: typeof state.phase = 'after-step') =>
    renderPanels({ ...state, xray: xrayOn, phase }, xrayOn && phase !== 'done' ? wide : normal, live, [], readXray(live));
  t.match(toText(panels(false).live!), /Kernel, live +x: X-ray/, 'the title says which key shows the X-ray');
  t.match(toText(panels(true).live!), /X-ray +x: back/, 'x: the X-ray');
  t.match(toText(panels(true).steps!), 'Steps');
  t.match(toText(panels(true, 'done').live!), 'lab over', 'once the lab is over, nothing is shown as live');
});

t.test('the cost of one refresh: the live facts, then the X-ray', async (t) => {
  const pid = sleeper(t, !notRoot);
  const reader = new LiveReader();
  const processes = procs([['box', pid]]);
  const time = (fn: () => void, runs: number): number => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      fn();
      samples.push(performance.now() - start);
    }
    return samples.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
  };
  for (let i = 0; i < 20; i++) readXray(reader.read(processes));
  const liveOnly = time(() => reader.read(processes), 200);
  const withXray = time(() => readXray(reader.read(processes)), 200);
  const full = time(() => xray(pid), 50);
  const count = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
  t.comment(
    `one refresh: ${liveOnly.toFixed(2)} ms without the X-ray, ${withXray.toFixed(2)} ms with it; ` +
      `xray() with the sharers scan (${count} processes), as lab inspect reads it: ${full.toFixed(2)} ms (medians)`,
  );
  t.ok(withXray < 20, `a refresh with the X-ray under 20 ms (${withXray.toFixed(2)} ms), every 400 ms`);
  t.ok(withXray - liveOnly < full, 'the X-ray in the panel skips the costly scan');
});

/** A private tmux server (its own socket) running one command; only this server is ever killed. */
function terminal(t: { teardown(fn: () => void): void }, command: string, cols: number, rows: number) {
  const socket = `lab-tui-xray-${process.pid}-${cols}`;
  const tmux = (...args: string[]): string => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' }).stdout ?? '';
  t.teardown(() => void tmux('kill-server'));
  tmux('new-session', '-d', '-s', 'lab', '-x', String(cols), '-y', String(rows), command);
  const screen = (): string => tmux('capture-pane', '-p', '-t', 'lab');
  return {
    screen,
    keys: (...keys: string[]) => void tmux('send-keys', '-t', 'lab', ...keys),
    waitText: (text: string, ms = 15_000) => waitFor(() => screen().includes(text), ms, 50),
  };
}

/** The live panel: the left column's rows from its title down (the rows with the divider). */
function panelText(screen: string, title: string): string {
  const rows = screen.split('\n').filter((l) => l.includes('│'));
  const left = rows.map((l) => l.split('│')[0]!);
  const from = left.findIndex((l) => l.startsWith(` ${title}`));
  return from < 0 ? '' : left.slice(from).join('\n');
}

/** The live run, from its journal. */
function runOf(state: string): ReturnType<typeof replay> {
  const [file] = readdirSync(join(state, 'runs'));
  return file === undefined ? undefined : replay(parseJournal(readFileSync(join(state, 'runs', file), 'utf8')));
}

/** The host PID of the live run's process of this name, from its journal. */
function pidOf(state: string, name: string): number {
  const found = runOf(state)?.live.find((l) => l.resource.kind === 'process' && l.resource.name === name)?.resource;
  return found?.kind === 'process' ? (found.target ?? found.pid ?? 0) : 0;
}

/** Wait until the panel shows every fact the test read of the process (the X-ray refreshes every 400 ms). */
async function shows(term: ReturnType<typeof terminal>, title: string, facts: () => string[]): Promise<string[]> {
  let missing: string[] = [];
  await waitFor(
    () => {
      const text = squeeze(panelText(term.screen(), title));
      missing = facts().filter((f) => !text.includes(squeeze(f)));
      return missing.length === 0;
    },
    10_000,
    100,
  );
  return missing;
}

t.test('pid-namespace at 80x24: x shows the X-ray of init, in English and Chinese', { skip: notRoot || (!hasTmux && 'needs tmux') }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const term = terminal(t, `env LAB_STATE_DIR=${state} LANG=C.UTF-8 ${process.execPath} ${BIN} run pid-namespace; sleep 60`, 80, 24);
  t.ok(await term.waitText('Step passed. n: next step'), 'the first step ran');
  const init = pidOf(state, 'init');
  const owner = runOf(state)!.owner;
  t.ok(init > 0, `init is PID ${init} on the host`);
  t.match(term.screen(), /Kernel, live +x: X-ray/, 'the live panel says x shows the X-ray');
  term.keys('x');
  t.ok(await term.waitText(' X-ray  x: back'), 'x: the X-ray');
  const x = xrayOf(init);
  t.ok(x.verdict.ownNamespaces.includes('pid'), 'init has a PID namespace of its own');
  t.same(await shows(term, 'X-ray', () => expected(xrayOf(init), 'init', 'en')), [], "the panel shows xray() of init's PID");
  for (const line of term.screen().split('\n')) t.ok(displayWidth(line) <= 80, 'no line is wider than the terminal');
  term.keys('l');
  t.ok(await term.waitText('X 光片'), 'l: in Chinese');
  t.same(await shows(term, 'X 光片', () => expected(xrayOf(init), 'init', 'zh')), [], 'the same facts in Chinese');
  for (const line of term.screen().split('\n')) t.ok(displayWidth(line) <= 80, 'no line is wider than the terminal');
  term.keys('x');
  t.ok(await term.waitText('内核实况'), 'x again: the live panel as before');
  term.keys('l');
  term.keys('q');
  t.ok(await term.waitText('Lab stopped after 1 of'), 'q: the lab stopped');
  t.ok(await waitFor(() => !isAlive(owner), 15_000, 50), 'the harness exited');
  t.notOk(isAlive(init), 'init is gone');
  t.same(hostSnapshot(state), before, 'the host is as before');
});

// toy-container runs `lab container ...` as a learner types it: `lab` must be on the PATH (as test/labs does).
if (spawnSync('sh', ['-c', 'command -v lab']).status !== 0) {
  const bin = tempDir('lab-test-bin-');
  symlinkSync(BIN, join(bin, 'lab'));
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
}
const toy = await loadLab('toy-container');

t.test(
  'toy-container at 120x35 in Chinese: the X-ray follows the container, to PID 1 in six namespaces and to the overlay after pivot_root',
  { skip: notRoot || unmetSkip(toy) || (!hasTmux && 'needs tmux') },
  async (t) => {
    const state = useTempState();
    const before = hostSnapshot(state);
    const term = terminal(
      t,
      `env LAB_STATE_DIR=${state} LANG=C.UTF-8 PATH=${process.env.PATH} ${process.execPath} ${BIN} run toy-container --lang zh; sleep 60`,
      120,
      35,
    );
    const steps = toy.steps.length;
    const passed = async (n: number): Promise<boolean> => {
      const ok = await waitFor(() => term.screen().includes(`步骤 ${n}/${steps}`) && term.screen().includes('本步骤通过'), 30_000, 100);
      if (!ok) t.comment(term.screen());
      return ok;
    };
    if (!t.ok(await passed(1), 'the first step passed')) return;
    const owner = runOf(state)!.owner;
    term.keys('x');
    t.ok(await term.waitText('X 光片  x：返回'), 'x: the X-ray');
    const workspace = pidOf(state, 'workspace');
    t.same(
      await shows(term, 'X 光片', () => expected(xrayOf(workspace), 'workspace', 'zh')),
      [],
      'the workspace, the only process so far, in its own mount namespace',
    );

    // The task: the image's layer, typed into the lab's shell.
    term.keys('n');
    t.ok(await term.waitText('按键发给 shell', 20_000), 'the task gave the shell the keys');
    const layer = '/mnt/layers/busybox';
    term.keys(
      `mkdir -p ${['bin', 'dev', 'etc', 'proc', 'root', 'sys', 'tmp'].map((d) => `${layer}/${d}`).join(' ')} && cp /bin/busybox ${layer}/bin/busybox && chroot ${layer} /bin/busybox --install -s /bin`,
      'Enter',
    );
    await new Promise((done) => setTimeout(done, 1000));
    term.keys('C-]');
    term.keys('c');
    if (!t.ok(await passed(2), 'the task passed')) return;

    // On to the namespaces: the X-ray moves to the container's PID 1, the step's process.
    for (const n of [3, 4]) {
      term.keys('n');
      if (!t.ok(await passed(n), `step ${n} passed`)) return;
    }
    const init = pidOf(state, 'init');
    t.ok(init > 0, `the container's PID 1 is PID ${init} on the host`);
    const atStart = xrayOf(init);
    t.ok(atStart.verdict.ownNamespaces.length >= 5, `own ${atStart.verdict.ownNamespaces.join(' ')}`);
    t.same(await shows(term, 'X 光片', () => expected(xrayOf(init), 'init', 'zh')), [], "init's X-ray, as xray() reads it");
    t.equal(atStart.verdict.root.kind, 'host', "before the pivot, its / is the host's");

    // Through the rootfs and the pivot: the X-ray is read again as the lab goes, and now says overlay.
    for (const n of [5, 6]) {
      term.keys('n');
      if (!t.ok(await passed(n), `step ${n} passed`)) return;
    }
    const after = xrayOf(init);
    t.equal(after.verdict.root.kind, 'overlay', 'after pivot_root, its / is the overlay');
    t.same(
      await shows(term, 'X 光片', () => [...expected(xrayOf(init), 'init', 'zh'), `根目录 ${after.verdict.root.layers} 层的叠加文件系统`]),
      [],
      'the panel says so',
    );
    for (const line of term.screen().split('\n')) t.ok(displayWidth(line) <= 120, 'no line is wider than the terminal');

    term.keys('q');
    t.ok(await waitFor(() => !isAlive(init), 20_000, 50), 'q: the container is gone');
    t.ok(await waitFor(() => !term.screen().includes('X 光片'), 20_000, 50), 'the full-screen view is gone');
    t.ok(await waitFor(() => !isAlive(owner), 15_000, 50), 'the harness exited');
    t.same(hostSnapshot(state), before, 'the host is as before');
  },
);
