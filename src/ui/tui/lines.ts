// What the views produce: lines of styled segments, measured in terminal columns (CJK takes two). One renderer
// turns them into blessed markup for the screen (colour only when wanted), another into plain text for tests.
import { displayWidth } from '../text.js';

/** How a piece of text is shown; colours are dropped under NO_COLOR, bold, inverse and underline are kept. */
export type Style = 'bold' | 'dim' | 'inverse' | 'underline' | 'green' | 'red' | 'yellow' | 'cyan';

/** A run of text in one style. */
export interface Seg {
  text: string;
  style?: Style | undefined;
}

/** One screen line. */
export type Line = Seg[];

/** A line of one segment. */
export const line = (text: string, style?: Style): Line => [{ text, style }];

/** The text of a line without its styles. */
export function plain(l: Line): string {
  return l.map((s) => s.text).join('');
}

/** Columns a line takes. */
export function lineWidth(l: Line): number {
  return displayWidth(plain(l));
}

/** Cut a line to at most `width` columns, ending it with … when something was cut (a wide character never split). */
export function clip(l: Line, width: number): Line {
  if (lineWidth(l) <= width) return l;
  const out: Line = [];
  let used = 0;
  const room = Math.max(width - 1, 0);
  for (const seg of l) {
    let text = '';
    for (const char of seg.text) {
      const w = displayWidth(char);
      if (used + w > room) break;
      text += char;
      used += w;
    }
    if (text) out.push({ text, style: seg.style });
    if (used >= room || text.length < seg.text.length) break;
  }
  if (width > 0) out.push({ text: '…' });
  return out;
}

/**
 * Cut a line to `width` columns at a word boundary when one is close enough (within the last third), so that a
 * title reads `Mount propagation…` rather than `Mount propag…` (in Chinese: before a comma or colon); otherwise as
 * clip does.
 */
export function clipWords(l: Line, width: number): Line {
  if (lineWidth(l) <= width) return l;
  const cut = clip(l, width);
  const text = plain(cut).slice(0, -1);
  // Cut where a word ends already (no space left before the …).
  const whole = clip(l, displayWidth(text.trimEnd()) + 1);
  if (/^\s/.test(plain(l).slice(text.length)) || /\s$/.test(text)) return whole;
  // The last space, or the last Chinese punctuation (the cut goes before it: `一开始…`, not `一开始，…`).
  const trimmed = text.trimEnd();
  const space = Math.max(trimmed.lastIndexOf(' '), ...[...trimmed.matchAll(/[，。、；：！？（]/g)].map((m) => m.index));
  if (space <= 0 || displayWidth(text.slice(0, space)) < (width * 2) / 3) return cut;
  return clip(l, displayWidth(text.slice(0, space).trimEnd()) + 1);
}

/** Split text into pieces of at most `width` columns, keeping its spacing (a wide character never split). */
export function hardWrap(text: string, width: number): string[] {
  const room = Math.max(width, 2);
  const out: string[] = [];
  let piece = '';
  let used = 0;
  for (const char of text) {
    const w = displayWidth(char);
    if (used + w > room) {
      out.push(piece);
      piece = '';
      used = 0;
    }
    piece += char;
    used += w;
  }
  out.push(piece);
  return out;
}

/**
 * Split text into pieces of at most `width` columns after a space where one falls in the second half of the
 * piece, elsewhere at the edge; every character is kept (joined, the pieces are the text again).
 */
export function softWrap(text: string, width: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (displayWidth(rest) > width) {
    const [piece] = hardWrap(rest, width);
    const space = piece!.lastIndexOf(' ');
    const cut = space >= piece!.length / 2 ? space + 1 : piece!.length;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  out.push(rest);
  return out;
}

/** Split a styled line into lines of at most `width` columns, keeping each segment's style. */
export function splitLine(l: Line, width: number): Line[] {
  const room = Math.max(width, 2);
  const out: Line[] = [[]];
  let used = 0;
  for (const seg of l) {
    let text = '';
    for (const char of seg.text) {
      const w = displayWidth(char);
      if (used + w > room) {
        if (text) out[out.length - 1]!.push({ text, style: seg.style });
        out.push([]);
        text = '';
        used = 0;
      }
      text += char;
      used += w;
    }
    if (text) out[out.length - 1]!.push({ text, style: seg.style });
  }
  return out;
}

const TOKENS =
  /[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffe6]|[^\s\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffe6]+|\s+/g;

/**
 * Wrap a styled line to `width` columns at spaces or between CJK characters, keeping each piece's style; a word
 * longer than a line is split. Spaces at a break are dropped.
 */
export function wrapStyled(l: Line, width: number): Line[] {
  const room = Math.max(width, 2);
  const out: Line[] = [[]];
  let used = 0;
  const push = (text: string, style: Style | undefined): void => {
    const row = out[out.length - 1]!;
    const last = row[row.length - 1];
    if (last && last.style === style) last.text += text;
    else row.push({ text, style });
    used += displayWidth(text);
  };
  for (const seg of l) {
    for (const token of seg.text.match(TOKENS) ?? []) {
      const w = displayWidth(token);
      const space = /^\s+$/.test(token);
      if (used + w <= room) {
        if (!(space && used === 0 && out.length > 1)) push(token, seg.style);
        continue;
      }
      if (space) {
        // A break: the space goes.
        out.push([]);
        used = 0;
        continue;
      }
      if (used > 0) {
        // A break before the word: spaces left at the end of the line go.
        const row = out[out.length - 1]!;
        const lastSeg = row[row.length - 1];
        if (lastSeg) lastSeg.text = lastSeg.text.trimEnd();
        if (lastSeg && !lastSeg.text) row.pop();
        out.push([]);
        used = 0;
      }
      for (const piece of hardWrap(token, room)) {
        if (used + displayWidth(piece) > room) {
          out.push([]);
          used = 0;
        }
        push(piece, seg.style);
      }
    }
  }
  return out;
}

/** Pad a line with spaces to exactly `width` columns (clipping it first). */
export function pad(l: Line, width: number): Line {
  const cut = clip(l, width);
  const rest = width - lineWidth(cut);
  return rest > 0 ? [...cut, { text: ' '.repeat(rest) }] : cut;
}

/** Pad plain text on the right to `width` columns. */
export function padText(text: string, width: number): string {
  return text + ' '.repeat(Math.max(width - displayWidth(text), 0));
}

const COLOURS: Record<Style, string> = {
  bold: 'bold',
  dim: 'gray-fg',
  inverse: 'inverse',
  underline: 'underline',
  green: 'green-fg',
  red: 'red-fg',
  yellow: 'yellow-fg',
  cyan: 'cyan-fg',
};

/** Blessed's tags are in braces: text must carry its own braces escaped. */
function escapeTags(text: string): string {
  return text.replace(/[{}]/g, (brace) => (brace === '{' ? '{open}' : '{close}'));
}

/** Blessed markup for lines; without colour only bold, inverse and underline survive. */
export function toTags(lines: Line[], color: boolean): string {
  return lines
    .map((l) =>
      l
        .map((seg) => {
          const text = escapeTags(seg.text);
          const style = seg.style;
          if (!style) return text;
          if (!color && style !== 'bold' && style !== 'inverse' && style !== 'underline') return text;
          const tag = COLOURS[style];
          return `{${tag}}${text}{/${tag}}`;
        })
        .join(''),
    )
    .join('\n');
}

/** Plain text of lines, one per row. */
export function toText(lines: Line[]): string {
  return lines.map(plain).join('\n');
}
