// The live panel: "container = namespaces + cgroups" at a glance. First every lab process by the name the lab gave
// it, with its host PID and the namespaces it does not share with the host (the ones the current step is about
// marked ▸, and never hidden); then the cgroup the step is about, when it is the lab's own: memory against its
// limit as a gauge, CPU use, pids against its limit, or what the v2 tree really lacks; then a table of namespace
// inodes in the manner of lsns (one row per type; the host's column, then the step's processes first, where
// `= host` marks a namespace shared with the host). Once the lab is over it says so and lists nothing as live. Its
// title names the key (x) that turns it into the X-ray of the lab's container (xray-view.ts).
import { NAMESPACE_TYPES } from '../../common/vocabulary.js';
import { fill } from '../lang.js';
import { MSG } from '../messages.js';
import { clip, padText, type Line } from './lines.js';
import { type Gauge, type LiveCgroup, type LiveProcess, type LiveSnapshot, type NsInodes } from './live-data.js';
import type { Lang, Text } from '../../lab/spec.js';
import { displayWidth, wrapLine } from '../text.js';

const NAME_WIDTH = 7;
const CELL_WIDTH = 11;

/** What the panel is drawn for besides the snapshot. */
export interface LiveViewOptions {
  /** Rows the panel has: when everything does not fit, the table goes first, then the processes the step is not about. */
  height?: number;
  /** The lab is over (its cleanup ran): the panel says so instead of showing the last snapshot as live. */
  ended?: boolean;
}

/** Bytes in KiB, MiB or GiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/** A bar of `width` cells filled to current/max. */
function bar(current: number, max: number, width: number): string {
  const filled = Math.min(width, Math.round((current / Math.max(max, 1)) * width));
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** Split a string that has no room to wrap at spaces (a cgroup path) into pieces of `width` columns, after a `/` when it can. */
function breakLong(text: string, width: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (displayWidth(rest) > width) {
    let cut = 0;
    let used = 0;
    for (const char of rest) {
      const w = displayWidth(char);
      if (used + w > width) break;
      used += w;
      cut += char.length;
    }
    const slash = rest.lastIndexOf('/', cut - 1);
    if (slash > 0) cut = slash + 1;
    out.push(rest.slice(0, Math.max(cut, 1)));
    rest = rest.slice(Math.max(cut, 1));
  }
  if (rest) out.push(rest);
  return out;
}

/** Wrap text to `width` columns: at spaces and between CJK characters, and inside words longer than a line. */
export function wrapAll(text: string, width: number): string[] {
  return wrapLine(text, width).flatMap((l) => breakLong(l, width));
}

/** Text wrapped under an indent of `indent` columns, dim. */
function wrapped(text: string, width: number, indent = 1, style: Line[number]['style'] = 'dim'): Line[] {
  return wrapAll(text, Math.max(width - indent, 8)).map((l): Line => [{ text: `${' '.repeat(indent)}${l}`, style }]);
}

function gaugeLine(label: string, gauge: Gauge, width: number, lang: Lang, format: (n: number) => string): Line {
  const head = padText(label, NAME_WIDTH);
  if (gauge.max === 'max') return clip([{ text: ` ${head}` }, { text: `${format(gauge.current)} (${MSG.tuiNoLimit[lang]})` }], width);
  const text = `${format(gauge.current)} / ${format(gauge.max)} `;
  const room = width - 1 - NAME_WIDTH - text.length;
  const full = gauge.current >= gauge.max * 0.9;
  return clip(
    [{ text: ` ${head}${text}` }, { text: room >= 4 ? bar(gauge.current, gauge.max as number, Math.min(room, 20)) : '', style: full ? 'red' : 'green' }],
    width,
  );
}

/** The namespace types a process does not share with the host. */
function ownTypes(p: LiveProcess, host: NsInodes): string[] {
  return NAMESPACE_TYPES.filter((t) => p.ns[t] !== undefined && p.ns[t] !== host[t]);
}

/** One process per row (continued under its namespaces when they do not fit): marker, name, host PID, own namespaces. */
function processRows(snapshot: LiveSnapshot, lang: Lang, width: number): { header: Line; rows: { focus: boolean; name: string; lines: Line[] }[] } {
  const names = [displayWidth(LIVE.process[lang]), ...snapshot.processes.map((p) => displayWidth(p.name))];
  const pidWidth = Math.max(3, ...snapshot.processes.map((p) => String(p.pid).length)) + 1;
  // Names whole when they can be (up to 16 columns), leaving room for a few namespace types.
  const nameWidth = Math.max(Math.min(Math.max(4, ...names), 16, width - 2 - pidWidth - 8), 4) + 1;
  const indent = 1 + nameWidth + pidWidth;
  const header = clip([{ text: ` ${padText(LIVE.process[lang], nameWidth)}${padText('PID', pidWidth)}${LIVE.ownNs[lang]}`, style: 'bold' }], width);
  const rows = snapshot.processes.map((p) => {
    const focus = p.focus === true;
    const name = clip([{ text: p.name }], nameWidth - 1)
      .map((s) => s.text)
      .join('');
    const own = ownTypes(p, snapshot.host);
    let summary: string;
    let style: Line[number]['style'];
    if (!p.alive) [summary, style] = [MSG.tuiExited[lang], 'dim'];
    else if (NAMESPACE_TYPES.every((t) => p.ns[t] === undefined)) [summary, style] = ['—', 'dim'];
    else if (own.length === 0) [summary, style] = [`= ${MSG.tuiHost[lang]}`, 'dim'];
    else [summary, style] = [own.join(' '), 'yellow'];
    const parts = wrapAll(summary, Math.max(width - indent, 6));
    const lines: Line[] = parts.map((part, i): Line => {
      const lead =
        i === 0
          ? [
              { text: focus ? '▸' : ' ', style: focus ? ('bold' as const) : undefined },
              { text: padText(name, nameWidth), style: focus ? ('bold' as const) : undefined },
              { text: padText(String(p.pid), pidWidth) },
            ]
          : [{ text: ' '.repeat(indent) }];
      return clip([...lead, { text: part, style }], width);
    });
    return { focus, name: p.name, lines };
  });
  return { header, rows };
}

/**
 * The table within `rows` rows: whole when it fits; else its heading, the types a process does not share with the
 * host, and as many shared types as fit, in lsns's order; nothing when fewer than three rows are left.
 */
function fitTable(table: Line[], differs: Set<number>, rows: number): Line[] {
  if (table.length <= rows) return table;
  if (rows < 3) return [];
  let spare = rows - 1 - differs.size;
  return table.filter((_, i) => i === 0 || differs.has(i) || spare-- > 0).slice(0, rows);
}

/** The namespace table (`differs` gets the indexes of its rows where a process has a namespace of its own): the host's column, then (when not the host's) the harness's, then the step's processes, then the rest. */
function nsTable(snapshot: LiveSnapshot, lang: Lang, width: number, differs = new Set<number>()): Line[] {
  const alive = snapshot.processes.filter((p) => p.alive);
  const columns: { name: string; ns: NsInodes }[] = [];
  // The harness's own namespaces get a column only when they are not the host's (a test's private mount namespace).
  if (NAMESPACE_TYPES.some((t) => snapshot.self[t] !== snapshot.host[t])) columns.push({ name: MSG.tuiSelf[lang], ns: snapshot.self });
  columns.push(...[...alive.filter((p) => p.focus), ...alive.filter((p) => !p.focus)].map((p) => ({ name: p.name, ns: p.ns })));
  const fit = Math.max(Math.floor((width - 1 - NAME_WIDTH - CELL_WIDTH) / CELL_WIDTH), 0);
  if (fit === 0 && columns.length > 0) return [];
  const shown = columns.slice(0, fit);
  const shared = `= ${MSG.tuiHost[lang]}`;
  const cell = (text: string): string =>
    padText(
      clip([{ text }], CELL_WIDTH - 1)
        .map((s) => s.text)
        .join(''),
      CELL_WIDTH,
    );
  const out: Line[] = [
    clip([{ text: ` ${padText('ns', NAME_WIDTH)}${cell(MSG.tuiHost[lang])}${shown.map((c) => cell(c.name)).join('')}`, style: 'bold' }], width),
  ];
  for (const type of NAMESPACE_TYPES) {
    const host = snapshot.host[type];
    const row: Line = [{ text: ` ${padText(type, NAME_WIDTH)}${cell(host === undefined ? '—' : String(host))}` }];
    for (const c of shown) {
      const inode = c.ns[type];
      if (inode === undefined) row.push({ text: cell('—'), style: 'dim' });
      else if (inode === host) row.push({ text: cell(shared), style: 'dim' });
      else row.push({ text: cell(String(inode)), style: 'yellow' });
    }
    out.push(clip(row, width));
    if (shown.some((c) => c.ns[type] !== undefined && c.ns[type] !== host)) differs.add(out.length - 1);
  }
  return out;
}

/** The panel's lines at this width (within `options.height` rows when given). */
export function renderLive(snapshot: LiveSnapshot | undefined, lang: Lang, width: number, options: LiveViewOptions = {}): Line[] {
  const title: Line[] = [
    clip(
      [
        { text: ` ${MSG.tuiLive[lang]}`, style: 'bold' },
        { text: options.ended ? ` · ${LIVE.over[lang]}` : `  ${LIVE.xray[lang]}`, style: 'dim' },
      ],
      width,
    ),
  ];
  if (options.ended) return [...title, ...wrapped(fill(LIVE.ended[lang], { log: MSG.tuiLog[lang] }), width)];
  if (!snapshot) return title;
  const cgroup = cgroupLines(snapshot.cgroup, lang, width);
  const differs = new Set<number>();
  const table = nsTable(snapshot, lang, width, differs);
  const height = options.height ?? Infinity;
  if (snapshot.processes.length === 0) return [...title, [{ text: ` ${MSG.tuiNoProcess[lang]}`, style: 'dim' }], ...cgroup, ...table];
  const { header, rows } = processRows(snapshot, lang, width);
  const all = rows.flatMap((r) => r.lines);
  const used = title.length + 1 + cgroup.length;
  // The lab's own cgroup comes before the table; the one line that says the lab made none comes after it, and is
  // the first thing left out, then the table's rows where every process shares the host's namespace.
  const own = snapshot.cgroup.own !== false;
  if (used + all.length + table.length <= height)
    return own ? [...title, header, ...all, ...cgroup, ...table] : [...title, header, ...all, ...table, ...cgroup];
  if (own && used + all.length <= height) return [...title, header, ...all, ...cgroup, ...fitTable(table, differs, height - used - all.length)];
  if (!own && title.length + 1 + all.length <= height) {
    const fitted = fitTable(table, differs, height - title.length - 1 - all.length);
    return [...title, header, ...all, ...fitted, ...(fitted.length > 0 ? [] : cgroup).slice(0, Math.max(height - title.length - 1 - all.length, 0))];
  }
  // Not enough rows: the processes the step is about stay, the others are named on one line.
  const others = rows.filter((r) => !r.focus);
  const kept = rows.flatMap((r) => (r.focus ? r.lines : []));
  const more = wrapped(
    `${fill(MSG.tuiMore[lang], { count: others.length })}${lang === 'zh' ? '：' : ': '}${others.map((r) => r.name).join(lang === 'zh' ? '、' : ', ')}`,
    width,
  );
  const room = Math.max(height - used - kept.length, 1);
  const named = more.length <= room ? more : [...more.slice(0, room - 1), clip([...more[room - 1]!, { text: ' '.repeat(width) }], width)];
  return [...title, header, ...kept, ...(others.length > 0 ? named : []), ...cgroup];
}

type Controller = 'memory' | 'cpu' | 'pids';

/** Why a controller has no line of figures: not in the v2 tree at all, or there but not enabled for this cgroup. */
function lack(cg: LiveCgroup, controller: Controller): 'tree' | 'off' | 'unread' {
  if (cg.treeControllers && !cg.treeControllers.includes(controller)) return 'tree';
  if (cg.controllers && !cg.controllers.includes(controller)) return 'off';
  // A snapshot without the controller lists: the missing file is all there is to go by.
  if (!cg.treeControllers && !cg.controllers) return 'tree';
  return 'unread';
}

function cgroupLines(cg: LiveCgroup, lang: Lang, width: number): Line[] {
  if (cg.root === undefined) return wrapped(fill(MSG.tuiNoV2[lang], { mode: cg.mode }), width);
  if (cg.path === undefined) return [];
  const indent = 1 + NAME_WIDTH;
  const path = breakLong(cg.path, Math.max(width - indent, 8));
  // A cgroup the lab did not make (a login session's, the root) is not the lab's to show: one line says so.
  if (cg.own === false)
    return [
      clip(
        [
          { text: ` ${padText(MSG.tuiCgroup[lang], NAME_WIDTH)}`, style: 'bold' },
          { text: LIVE.notOwn[lang], style: 'dim' },
        ],
        width,
      ),
    ];
  const out: Line[] = path.map((part, i): Line =>
    clip([{ text: i === 0 ? ` ${padText(MSG.tuiCgroup[lang], NAME_WIDTH)}` : ' '.repeat(indent), style: 'bold' }, { text: part }], width),
  );
  const notInTree: Controller[] = [];
  const notEnabled: Controller[] = [];
  const absent = (label: string, controller: Controller): Line => {
    const why = lack(cg, controller);
    if (why === 'tree') notInTree.push(controller);
    if (why === 'off') notEnabled.push(controller);
    const text = why === 'tree' ? fill(MSG.tuiNoController[lang], { controller }) : why === 'off' ? LIVE.notEnabled[lang] : '—';
    return clip([{ text: ` ${padText(label, NAME_WIDTH)}` }, { text, style: 'dim' }], width);
  };
  out.push(cg.memory ? gaugeLine(MSG.tuiMemory[lang], cg.memory, width, lang, formatBytes) : absent(MSG.tuiMemory[lang], 'memory'));
  if (!cg.cpu) out.push(absent(MSG.tuiCpu[lang], 'cpu'));
  else
    out.push(
      clip(
        [
          { text: ` ${padText(MSG.tuiCpu[lang], NAME_WIDTH)}` },
          { text: cg.cpuPercent === undefined ? '…' : fill(MSG.tuiCpuUse[lang], { pct: cg.cpuPercent.toFixed(1) }) },
        ],
        width,
      ),
    );
  out.push(cg.pids ? gaugeLine(MSG.tuiPids[lang], cg.pids, width, lang, String) : absent(MSG.tuiPids[lang], 'pids'));
  if (notInTree.length > 0) out.push(...wrapped(fill(LIVE.notInTree[lang], { root: cg.root, controllers: notInTree.join(', '), mode: cg.mode }), width));
  if (notEnabled.length > 0) out.push(...wrapped(fill(LIVE.notEnabledWhy[lang], { controllers: notEnabled.join(', '), first: notEnabled[0]! }), width));
  return out;
}

// The panel's own sentences, in both languages.
const LIVE = {
  process: { en: 'process', zh: '进程' },
  ownNs: { en: 'own ns', zh: '自有 ns' },
  over: { en: 'lab over', zh: '实验已结束' },
  xray: { en: 'x: X-ray', zh: 'x：X 光片' },
  ended: {
    en: 'The lab is over: cleanup stopped its processes and removed what it made (listed under {log}). Nothing here is read from the kernel any more.',
    zh: '实验已结束：清理已停止它的进程，并删除了它创建的东西（列在「{log}」中）。这里不再从内核读取任何内容。',
  },
  notOwn: { en: "none of the lab's own", zh: '实验没有自己的' },
  notEnabled: { en: 'not enabled here', zh: '此处未启用' },
  notInTree: {
    en: 'The cgroup v2 hierarchy at {root} does not offer the {controllers} controller here (cgroup mode: {mode}). `lab doctor` says more.',
    zh: '{root} 处的 cgroup v2 层级在这里不提供 {controllers} 控制器（cgroup 模式：{mode}）。`lab doctor` 有详细说明。',
  },
  notEnabledWhy: {
    en: "{controllers}: in the v2 tree, but not enabled for this cgroup (its parent's cgroup.subtree_control has no +{first}).",
    zh: '{controllers}：v2 层级里有，但没有为这个 cgroup 启用（它的父 cgroup 的 cgroup.subtree_control 里没有 +{first}）。',
  },
} satisfies Record<string, Text>;
