// Text layout for terminals: display width (CJK characters take two columns) and reflowing markdown paragraphs.

/** Whether a code point is displayed two columns wide (CJK, full-width forms, most emoji). */
function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Columns a string takes in a terminal. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += isWide(char.codePointAt(0)!) ? 2 : 1;
  return width;
}

/** Punctuation that must not start a line, and brackets that must not end one (Chinese line-breaking rules). */
const NO_LINE_START = /^[，。、；：！？）》」』】”’,.;:!?)\]]/;
const NO_LINE_END = /[（《「『【“‘(\[]$/;

/** Join tokens so that a break never falls before closing punctuation or after an opening bracket. */
function glue(tokens: string[]): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const last = out.at(-1);
    const joinable = last !== undefined && !/^\s+$/.test(last) && !/^\s+$/.test(token);
    if (joinable && (NO_LINE_START.test(token) || NO_LINE_END.test(last))) out[out.length - 1] = last + token;
    else out.push(token);
  }
  return out;
}

/** Break one paragraph into lines of at most `width` columns: at spaces, or between any two CJK characters. */
export function wrapLine(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  let lineWidth = 0;
  // Tokens: a run of non-space non-CJK characters, a single CJK character, or spaces.
  const raw = text.match(/[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffe6]|[^\s\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffe6]+|\s+/g) ?? [];
  for (const token of glue(raw)) {
    const space = /^\s+$/.test(token);
    const w = space ? 1 : displayWidth(token);
    if (lineWidth + w > width && line.trim() !== '') {
      lines.push(line.trimEnd());
      line = '';
      lineWidth = 0;
      if (space) continue;
    }
    line += space ? ' ' : token;
    lineWidth += w;
  }
  if (line.trim() !== '') lines.push(line.trimEnd());
  return lines;
}

const CJK_EDGE = /[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffe6\u3000-\u303f]/;

/** Join two source lines of one paragraph: no space where either side is Chinese (a soft line break in CJK text). */
function joinLines(left: string, right: string): string {
  if (!left) return right;
  return CJK_EDGE.test(left.slice(-1)) || CJK_EDGE.test(right.charAt(0)) ? left + right : `${left} ${right}`;
}

/**
 * Reflow markdown prose to a width: lines of a paragraph are joined and wrapped; a list item (`- `) is wrapped
 * with a hanging indent and takes its indented continuation lines; code blocks (indented four spaces) are kept.
 */
export function reflow(markdown: string, width: number): string {
  const out: string[] = [];
  let paragraph = '';
  let bullet: { marker: string; text: string } | undefined;
  const flush = (): void => {
    if (bullet) {
      const pad = ' '.repeat(bullet.marker.length);
      wrapLine(bullet.text, Math.max(width - pad.length, 10)).forEach((line, i) => out.push((i === 0 ? bullet!.marker : pad) + line));
      bullet = undefined;
    }
    if (paragraph) out.push(...wrapLine(paragraph, width));
    paragraph = '';
  };
  for (const line of markdown.split('\n')) {
    const item = /^(\s*[-*] )(.*)$/.exec(line);
    if (line.trim() === '') {
      flush();
      out.push('');
    } else if (item) {
      flush();
      bullet = { marker: item[1]!, text: item[2]!.trim() };
    } else if (line.startsWith('    ') && !bullet) {
      flush();
      out.push(line);
    } else if (bullet) {
      bullet.text = joinLines(bullet.text, line.trim());
    } else {
      paragraph = joinLines(paragraph, line.trim());
    }
  }
  flush();
  return out.join('\n');
}
