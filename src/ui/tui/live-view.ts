// The live panel: "container = namespaces + cgroups" at a glance. A table of namespace inodes in the manner of
// lsns (one row per namespace type; the host's column, then one per lab process, where `= host` marks a namespace
// shared with the host), then the lab's cgroup: memory against its limit as a gauge, CPU use, pids against its limit.
import { fill } from '../lang.js';
import { MSG } from '../messages.js';
import { clip, padText, type Line } from './lines.js';
import { NS_TYPES, type Gauge, type LiveSnapshot, type NsInodes } from './live-data.js';
import type { Lang } from '../../lab/spec.js';
import { wrapLine } from '../text.js';

const NAME_WIDTH = 7;
const CELL_WIDTH = 11;

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

function gaugeLine(label: string, gauge: Gauge, width: number, lang: Lang, format: (n: number) => string): Line {
  const head = padText(label, NAME_WIDTH);
  if (gauge.max === 'max') return clip([{ text: ` ${head}` }, { text: `${format(gauge.current)} (${MSG.tuiNoLimit[lang]})` }], width);
  const text = `${format(gauge.current)} / ${format(gauge.max)} `;
  const room = width - 1 - NAME_WIDTH - text.length;
  const full = gauge.current >= gauge.max * 0.9;
  return clip([{ text: ` ${head}${text}` }, { text: room >= 4 ? bar(gauge.current, gauge.max as number, Math.min(room, 20)) : '', style: full ? 'red' : 'green' }], width);
}

/** The panel's lines at this width (the panel cuts what does not fit in its height). */
export function renderLive(snapshot: LiveSnapshot | undefined, lang: Lang, width: number): Line[] {
  const out: Line[] = [[{ text: ` ${MSG.tuiLive[lang]}`, style: 'bold' }]];
  if (!snapshot) return out;
  const alive = snapshot.processes.filter((p) => p.alive);
  const gone = snapshot.processes.filter((p) => !p.alive);
  const columns: { name: string; ns: NsInodes }[] = [];
  // The harness's own namespaces get a column only when they are not the host's (a test's private mount namespace).
  if (NS_TYPES.some((t) => snapshot.self[t] !== snapshot.host[t])) columns.push({ name: MSG.tuiSelf[lang], ns: snapshot.self });
  columns.push(...alive.map((p) => ({ name: p.name, ns: p.ns })));
  const fit = Math.max(Math.floor((width - 1 - NAME_WIDTH - CELL_WIDTH) / CELL_WIDTH), 0);
  const shown = columns.slice(0, fit);
  const shared = `= ${MSG.tuiHost[lang]}`;
  const cell = (text: string): string => padText(clip([{ text }], CELL_WIDTH - 1).map((s) => s.text).join(''), CELL_WIDTH);
  out.push(clip([{ text: ` ${padText('ns', NAME_WIDTH)}${cell(MSG.tuiHost[lang])}${shown.map((c) => cell(c.name)).join('')}`, style: 'bold' }], width));
  for (const type of NS_TYPES) {
    const host = snapshot.host[type];
    const row: Line = [{ text: ` ${padText(type, NAME_WIDTH)}${cell(host === undefined ? '—' : String(host))}` }];
    for (const c of shown) {
      const inode = c.ns[type];
      if (inode === undefined) row.push({ text: cell('—'), style: 'dim' });
      else if (inode === host) row.push({ text: cell(shared), style: 'dim' });
      else row.push({ text: cell(String(inode)), style: 'yellow' });
    }
    out.push(clip(row, width));
  }
  if (columns.length === 0) out.push([{ text: ` ${MSG.tuiNoProcess[lang]}`, style: 'dim' }]);
  if (columns.length > shown.length) out.push(clip([{ text: ` ${fill(MSG.tuiMore[lang], { count: columns.length - shown.length })}: ${columns.slice(shown.length).map((c) => c.name).join(', ')}`, style: 'dim' }], width));
  out.push(...cgroupLines(snapshot, lang, width));
  if (gone.length > 0) out.push(clip([{ text: ` ${MSG.tuiExited[lang]}: ${gone.map((p) => p.name).join(', ')}`, style: 'dim' }], width));
  return out;
}

function cgroupLines(snapshot: LiveSnapshot, lang: Lang, width: number): Line[] {
  const cg = snapshot.cgroup;
  const out: Line[] = [];
  const wrapped = (text: string): Line[] => wrapLine(text, Math.max(width - 2, 10)).map((l): Line => [{ text: ` ${l}`, style: 'dim' }]);
  if (cg.root === undefined) return wrapped(fill(MSG.tuiNoV2[lang], { mode: cg.mode }));
  if (cg.path === undefined) return [];
  out.push(clip([{ text: ` ${padText(MSG.tuiCgroup[lang], NAME_WIDTH)}`, style: 'bold' }, { text: cg.path }], width));
  const missing: string[] = [];
  const absent = (label: string, controller: string): Line => {
    missing.push(controller);
    return clip([{ text: ` ${padText(label, NAME_WIDTH)}` }, { text: fill(MSG.tuiNoController[lang], { controller }), style: 'dim' }], width);
  };
  out.push(cg.memory ? gaugeLine(MSG.tuiMemory[lang], cg.memory, width, lang, formatBytes) : absent(MSG.tuiMemory[lang], 'memory'));
  if (!cg.cpu) out.push(absent(MSG.tuiCpu[lang], 'cpu'));
  else out.push(clip([{ text: ` ${padText(MSG.tuiCpu[lang], NAME_WIDTH)}` }, { text: cg.cpuPercent === undefined ? '…' : fill(MSG.tuiCpuUse[lang], { pct: cg.cpuPercent.toFixed(1) }) }], width));
  out.push(cg.pids ? gaugeLine(MSG.tuiPids[lang], cg.pids, width, lang, String) : absent(MSG.tuiPids[lang], 'pids'));
  if (missing.length > 0) out.push(...wrapped(fill(MSG.tuiNoControllers[lang], { root: cg.root, controllers: missing.join(', '), mode: cg.mode })));
  return out;
}
