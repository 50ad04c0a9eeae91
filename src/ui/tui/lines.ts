// What the views produce: lines of styled segments, measured in terminal columns (CJK takes two). One renderer
// turns them into blessed markup for the screen (colour only when wanted), another into plain text for tests.
import { displayWidth } from '../text.js';

/** How a piece of text is shown; colours are dropped under NO_COLOR, bold and inverse are kept. */
export type Style = 'bold' | 'dim' | 'inverse' | 'green' | 'red' | 'yellow' | 'cyan';

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
  green: 'green-fg',
  red: 'red-fg',
  yellow: 'yellow-fg',
  cyan: 'cyan-fg',
};

/** Blessed's tags are in braces: text must carry its own braces escaped. */
function escapeTags(text: string): string {
  return text.replace(/[{}]/g, (brace) => (brace === '{' ? '{open}' : '{close}'));
}

/** Blessed markup for lines; without colour only bold and inverse survive. */
export function toTags(lines: Line[], color: boolean): string {
  return lines
    .map((l) =>
      l
        .map((seg) => {
          const text = escapeTags(seg.text);
          const style = seg.style;
          if (!style) return text;
          if (!color && style !== 'bold' && style !== 'inverse') return text;
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
