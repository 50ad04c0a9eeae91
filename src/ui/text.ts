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

/**
 * Join tokens so that a break never falls before closing punctuation or after an opening bracket, nor inside a
 * word of inline code (`/sys/fs/cgroup/lab-memory-<pid>-<时间>.scope` breaks at its spaces only, if it has any).
 */
function glue(tokens: string[]): string[] {
  const out: string[] = [];
  let inCode = false;
  for (const token of tokens) {
    const last = out.at(-1);
    const joinable = last !== undefined && !/^\s+$/.test(last) && !/^\s+$/.test(token);
    if (joinable && (inCode || NO_LINE_START.test(token) || NO_LINE_END.test(last))) out[out.length - 1] = last + token;
    else out.push(token);
    if ((token.match(/`/g)?.length ?? 0) % 2 === 1) inCode = !inCode;
  }
  return out;
}

/** Break one paragraph into lines of at most `width` columns: at spaces, or between any two CJK characters. */
export function wrapLine(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  let lineWidth = 0;
  // Tokens: a run of non-space non-CJK characters, a single CJK character, or spaces.
  const raw =
    text.match(
      /[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffe6]|[^\s\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffe6]+|\s+/g,
    ) ?? [];
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

/** A break after one of these reads as a phrase ending in Chinese. */
const PHRASE_END = /[，。、；：！？）》」』】”]$/;
/** Words a step name must not be broken inside (the glossary's terms and the words the labs use most). */
const WORDS = [
  ...['命名空间', '宿主机', '容器', '内核', '控制组', '挂载', '进程', '文件', '任务', '限制', '上限', '对象', '队列', '用户'],
  ...['主机名', '接口', '网络', '内存', '设备', '控制器', '普通', '回环', '网桥', '炸弹', '时钟', '东西', '里面', '外面'],
];

/**
 * Break a short title (a step's name) into as few lines of `width` columns as wrapLine would, but choosing where:
 * after Chinese punctuation first, never inside a known word, and with lines of even length, so that no line is
 * left with one or two characters (`什` / `么也不会移动`).
 */
export function wrapTitle(text: string, width: number): string[] {
  const greedy = wrapLine(text, width);
  if (greedy.length <= 1) return greedy;
  const tokens = glue(
    text.match(
      /[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffe6]|[^\s\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffe6]+|\s+/g,
    ) ?? [],
  );
  const n = tokens.length;
  const offsets = tokens.reduce<number[]>((acc, t) => [...acc, acc.at(-1)! + t.length], [0]);
  const insideWord = (at: number): boolean =>
    WORDS.some((w) => {
      for (let i = text.indexOf(w); i >= 0; i = text.indexOf(w, i + 1)) if (i < at && at < i + w.length) return true;
      return false;
    });
  const lineOf = (from: number, to: number): string => tokens.slice(from, to).join('').replace(/\s+/g, ' ').trim();
  // A break before token i: free after a phrase ending, dear inside a word; a space between Chinese and a Latin
  // word is no better a place than between two characters.
  const breakCost = (i: number): number => {
    if (i >= n) return 0;
    if (PHRASE_END.test(tokens[i - 1]!)) return 0;
    return insideWord(offsets[i]!) ? 3000 : 300;
  };
  // best[i]: the cheapest setting of tokens[0..i) as lines; every line costs more than any choice of breaks, a
  // short line costs the square of its slack, and a last line of two columns or fewer costs dear.
  const best: { cost: number; from: number }[] = [{ cost: 0, from: -1 }];
  for (let i = 1; i <= n; i++) {
    best[i] = { cost: Infinity, from: -1 };
    for (let j = i - 1; j >= 0; j--) {
      const line = lineOf(j, i);
      const w = displayWidth(line);
      if (w > width && i - j > 1) break;
      if (best[j]!.cost === Infinity || line === '') continue;
      const slack = Math.max(width - w, 0);
      const shape = i < n ? slack * slack : w <= 4 ? 5000 : 0;
      const cost = best[j]!.cost + 100000 + breakCost(i) + shape;
      if (cost < best[i]!.cost) best[i] = { cost, from: j };
    }
  }
  const lines: string[] = [];
  for (let i = n; i > 0; i = best[i]!.from) {
    if (best[i]!.from < 0) return greedy;
    lines.unshift(lineOf(best[i]!.from, i));
  }
  return lines.length <= greedy.length ? lines : greedy;
}

const CJK_EDGE = /[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffe6\u3000-\u303f]/;

/** Chinese punctuation and full-width forms: nothing is put beside them. */
const CJK_PUNCTUATION = /[\u3000-\u303f\uff00-\uffe6]/;

/**
 * Join two source lines of one paragraph. A soft line break between two Chinese characters, or beside Chinese
 * punctuation, is no space; between Chinese and a Latin word or number it is one, as the prose writes them
 * (`PID 命名空间`); between two Latin words, one.
 */
function joinLines(left: string, right: string): string {
  if (!left) return right;
  const [a, b] = [left.slice(-1), right.charAt(0)];
  if (CJK_PUNCTUATION.test(a) || CJK_PUNCTUATION.test(b)) return left + right;
  if (CJK_EDGE.test(a) && CJK_EDGE.test(b)) return left + right;
  return `${left} ${right}`;
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
