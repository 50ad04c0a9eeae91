// The live panel's X-ray (x): `lab inspect` of the lab's container in a narrow panel. The process and its PIDs, the
// verdict line as `lab inspect` prints it, the namespaces it has of its own and those it shares with the host, its
// cgroup with the limits in that cgroup's files, the filesystem at its `/`, its capabilities against the host's
// PID 1's, seccomp and no_new_privs. When the rows run out, the root filesystem's row goes first (the verdict says
// it too), then the cgroup's limits (the other view shows them), then the capabilities; whatever still fits stays.
import { verdictText } from '../../kernel/xray-text.js';
import type { CgroupLimitsRead, Xray } from '../../kernel/xray.js';
import type { Lang, Text } from '../../lab/spec.js';
import { fill } from '../lang.js';
import { MSG } from '../messages.js';
import { displayWidth } from '../text.js';
import { clip, padText, type Line, type Style } from './lines.js';
import { formatBytes, wrapAll } from './live-view.js';
import type { XrayPanel } from './xray-data.js';

const LABEL_WIDTH = 8;

/** A labelled row: the label, then the value wrapped under the label's indent. */
function row(label: string, value: string, width: number, style?: Style): Line[] {
  // A label longer than the column (NoNewPrivs) takes what it needs, and a space.
  const labelWidth = Math.max(LABEL_WIDTH, displayWidth(label) + 1);
  const parts = wrapAll(value, Math.max(width - 1 - labelWidth, 6));
  return parts.map((part, i): Line => clip([{ text: i === 0 ? ` ${padText(label, labelWidth)}` : ' '.repeat(1 + labelWidth) }, { text: part, style }], width));
}

/** Text wrapped at one column in. */
function para(text: string, width: number, style?: Style): Line[] {
  return wrapAll(text, Math.max(width - 1, 8)).map((l): Line => [{ text: ` ${l}`, style }]);
}

/** `max` in a limit file, said: no limit. */
const noLimit = (lang: Lang): string => (lang === 'zh' ? `max（${MSG.tuiNoLimit.zh}）` : `max (${MSG.tuiNoLimit.en})`);

/** A value against its limit: `1.2 MiB / 64.0 MiB`, `3 / max`; or that the controller's files are absent. */
function gauge(current: number | null, max: CgroupLimitsRead['memory.max'], format: (n: number) => string, lang: Lang): string {
  if (max === null) return XRAY.notEnabled[lang];
  if (current !== null) return `${format(current)} / ${max === 'max' ? 'max' : format(max)}`;
  return max === 'max' ? noLimit(lang) : format(max);
}

/** The limits in the cgroup's files (its path is in the verdict line), or its v1 path where it has no v2 one. */
function cgroupLines(x: Xray, lang: Lang, width: number): Line[] {
  const c = x.cgroup;
  const path = c.v2Path ?? c.v1[0]?.path;
  const out =
    x.verdict.cgroup === null
      ? row(MSG.tuiCgroup[lang], '—', width, 'dim')
      : x.verdict.cgroup === c.v2Path
        ? []
        : row(MSG.tuiCgroup[lang], `${path} (v1)`, width);
  if (c.dir === null) return out;
  const l = c.limits;
  const cpu = l['cpu.max'];
  const cpuText =
    cpu === null ? XRAY.notEnabled[lang] : cpu.quota === 'max' ? noLimit(lang) : `${cpu.quota} ${cpu.period}: ${+(cpu.quota / cpu.period).toFixed(2)} CPU`;
  out.push(...row(MSG.tuiMemory[lang], gauge(l['memory.current'], l['memory.max'], formatBytes, lang), width));
  out.push(...row(MSG.tuiCpu[lang], cpuText, width));
  out.push(...row(MSG.tuiPids[lang], gauge(l['pids.current'], l['pids.max'], String, lang), width));
  // io.max lists only the devices limited, each with the limits that are not max.
  for (const d of l['io.max'] ?? []) {
    const set = (['rbps', 'wbps', 'riops', 'wiops'] as const).filter((k) => d[k] !== 'max').map((k) => `${k}=${d[k]}`);
    out.push(...row('io', [d.device, ...set].join(' '), width));
  }
  return out;
}

function rootText(x: Xray, lang: Lang): string {
  const v = x.verdict.root;
  if (v.kind === 'host') return XRAY.rootHost[lang];
  if (v.kind === 'overlay') return fill(XRAY.rootOverlay[lang], { layers: v.layers ?? '?', s: v.layers === 1 ? '' : 's' });
  if (v.kind === 'other') return `${v.fsType} ${v.path}`;
  return '?';
}

function capsText(x: Xray, lang: Lang): string {
  const c = x.capabilities;
  const eff = c.effective;
  if (eff === null) return '?';
  const known = c.lastCap + 1;
  const has = eff.all ? fill(XRAY.capsAll[lang], { known }) : fill(XRAY.capsSome[lang], { count: eff.count, known });
  // Against PID 1's only where PID 1's can be read: otherwise `lacking` counts against every capability, as `has` does.
  if (c.lacking.length === 0 || x.reference.why !== 'pid-1') return has;
  return `${has}${lang === 'zh' ? '，' : ', '}${fill(XRAY.capsLacks[lang], { count: c.lacking.length })}`;
}

/** Seccomp and no_new_privs, as /proc/<pid>/status names them, a line each. */
function securityLines(x: Xray, lang: Lang, width: number): Line[] {
  const mode = x.seccomp.mode;
  const seccomp = mode === null ? '?' : `${mode} ${XRAY.seccomp[mode]?.[lang] ?? ''}`.trim();
  return [...row('Seccomp', seccomp, width), ...row('NoNewPrivs', x.noNewPrivs === null ? '?' : x.noNewPrivs ? '1' : '0', width)];
}

/** The process line: its name, host PID and, in a PID namespace of its own, its PID inside. */
function whoLine(panel: XrayPanel, lang: Lang, width: number): Line[] {
  const inside = panel.result.ok && panel.result.xray.nspid.length > 1 ? panel.result.xray.nspid.at(-1) : undefined;
  const text =
    inside === undefined
      ? fill(XRAY.who[lang], { name: panel.name, pid: panel.pid })
      : fill(XRAY.whoInside[lang], { name: panel.name, pid: panel.pid, inside });
  return para(text, width, 'bold');
}

/** The X-ray panel's lines at this width, within `height` rows when given. */
export function renderXray(panel: XrayPanel | undefined, lang: Lang, width: number, height = Infinity): Line[] {
  const title: Line = clip(
    [
      { text: ` ${XRAY.title[lang]}`, style: 'bold' },
      { text: `  ${XRAY.back[lang]}`, style: 'dim' },
    ],
    width,
  );
  if (!panel) return [title, [{ text: ` ${MSG.tuiNoProcess[lang]}`, style: 'dim' }]];
  const head = [title, ...whoLine(panel, lang, width)];
  if (!panel.result.ok) {
    const why = panel.result.why === 'no-such-process' ? XRAY.gone[lang] : XRAY.notPermitted[lang];
    return [...head, ...para(`${why} (${panel.result.code}: ${panel.result.path})`, width, 'dim')];
  }
  const x = panel.result.xray;
  const present = x.namespaces.filter((n) => n.inode !== null);
  const own = present.filter((n) => n.own).map((n) => n.type);
  const shared = present.filter((n) => !n.own).map((n) => n.type);
  // Blocks in the order shown, each with its rank: when the rows run out, the highest ranks are left out first.
  const blocks: { rank: number; lines: Line[] }[] = [
    { rank: 0, lines: head },
    { rank: 0, lines: para(verdictText(x)[lang], width, x.verdict.container ? 'yellow' : 'dim') },
    {
      rank: 1,
      lines: [
        ...(own.length ? row(XRAY.own[lang], own.join(' '), width, 'yellow') : []),
        ...(shared.length ? row(MSG.tuiHost[lang], shared.join(' '), width, 'dim') : []),
      ],
    },
    { rank: 4, lines: cgroupLines(x, lang, width) },
    // The verdict line says what the root is: this row, which says it again in a word, goes first.
    { rank: 5, lines: row(XRAY.root[lang], rootText(x, lang), width) },
    { rank: 3, lines: row('CapEff', capsText(x, lang), width) },
    { rank: 2, lines: securityLines(x, lang, width) },
  ];
  // Blocks are taken by rank while they fit (a lower one may fit where a higher one did not); shown in their order.
  const kept = new Set<(typeof blocks)[number]>();
  let used = 0;
  for (const b of [...blocks].sort((a, b) => a.rank - b.rank))
    if (b.rank === 0 || used + b.lines.length <= height) {
      kept.add(b);
      used += b.lines.length;
    }
  return blocks.flatMap((b) => (kept.has(b) ? b.lines : [])).slice(0, height);
}

// The panel's own words, in both languages (terms as ../shared/GLOSSARY.md gives them).
const XRAY = {
  title: { en: 'X-ray', zh: 'X 光片' },
  back: { en: 'x: back', zh: 'x：返回' },
  who: { en: '{name}, PID {pid}', zh: '{name}，PID {pid}' },
  whoInside: { en: '{name}, PID {pid} (PID {inside} inside)', zh: '{name}，PID {pid}（在其中是 PID {inside}）' },
  gone: { en: 'The process is gone.', zh: '这个进程已经不在了。' },
  notPermitted: { en: 'Its namespaces cannot be read.', zh: '读不了它的命名空间（namespace）。' },
  own: { en: 'own', zh: '自有' },
  root: { en: 'root', zh: '根目录' },
  rootHost: { en: "the host's /", zh: '宿主机的 /' },
  rootOverlay: { en: 'overlay of {layers} layer{s}', zh: '{layers} 层的叠加文件系统' },
  capsAll: { en: 'all {known}', zh: '全部 {known} 项' },
  capsSome: { en: '{count} of {known}', zh: '{known} 项中有 {count} 项' },
  capsLacks: { en: "lacks {count} of PID 1's", zh: '缺 PID 1 的 {count} 项' },
  notEnabled: { en: 'not enabled', zh: '未启用' },
  seccomp: {
    0: { en: 'disabled', zh: '未启用' },
    1: { en: 'strict', zh: '严格模式' },
    2: { en: 'filter', zh: '过滤模式' },
  } as Record<number, Text>,
} satisfies Record<string, Text | Record<number, Text>>;
