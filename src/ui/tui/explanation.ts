// The explanation of the step on screen: its title, whether it is the learner's turn, and its prose reflowed to
// the panel's width (CJK-aware), markdown emphasis shown as styles, scrolled by the learner.
import type { Text } from '../../lab/spec.js';
import { MSG } from '../messages.js';
import { reflow } from '../text.js';
import { clipWords, splitLine, wrapStyled, type Line, type Seg, type Style } from './lines.js';
import { answeredRight, choiceMark, choicesOf, currentQuiz, QUIZ_TEXT } from './quiz.js';
import type { TuiState } from './state.js';

/** Where an emphasis scan is: inside `code`, **bold**, *italic*; carried from line to line within a paragraph. */
interface Emphasis {
  code: boolean;
  bold: boolean;
  italic: boolean;
}

/** A character a star can sit inside of without being emphasis (`/proc/*\/ns`, `a*b`); CJK text is not. */
const WORD = /[A-Za-z0-9_/]/;

/** The style of text under these emphases: code shows as code whatever surrounds it. */
function styleOf(e: Emphasis): Style | undefined {
  return e.code ? 'cyan' : e.bold ? 'bold' : e.italic ? 'underline' : undefined;
}

/**
 * One line of markdown prose as styled segments, the markers dropped: `` `code` ``, `**bold**`, `*italic*`. A star
 * inside a word or before a space (`/proc/*\/ns`, `a * b`) is text.
 */
export function emphasize(text: string, e: Emphasis): Line {
  const out: Line = [];
  let run = '';
  const flush = (): void => {
    if (run) out.push({ text: run, style: styleOf(e) });
    run = '';
  };
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    const prev = chars[i - 1] ?? ' ';
    const next = chars[i + 1] ?? ' ';
    if (char === '`') {
      flush();
      e.code = !e.code;
    } else if (e.code) {
      run += char;
    } else if (char === '*' && next === '*' && (e.bold ? prev !== ' ' : chars[i + 2] !== undefined && chars[i + 2] !== ' ')) {
      flush();
      e.bold = !e.bold;
      i++;
    } else if (char === '*' && (e.italic ? prev !== ' ' && !WORD.test(next) : !WORD.test(prev) && next !== ' ' && next !== '*')) {
      flush();
      e.italic = !e.italic;
    } else run += char;
  }
  flush();
  return out;
}

/** Other words titles use for "your turn". */
const ALSO_YOUR_TURN = ['轮到你'];

const MORE: Text = { en: '↓ more below (↑ ↓ scroll, z bigger)', zh: '↓ 下面还有（↑ ↓ 滚动，z 放大）' };

/** The title, on at most two lines: number, title (its markdown shown), and "Your turn" unless the title says it. */
function titleLines(state: TuiState, width: number): Line[] {
  const step = state.lab.steps[state.current]!;
  const title = step.prose[state.lang].title;
  const says = [MSG.yourTurn.en, MSG.yourTurn.zh, ...ALSO_YOUR_TURN].some((turn) => title.toLowerCase().includes(turn.toLowerCase()));
  const quiz = step.spec.kind === 'quiz' && !title.toLowerCase().includes(QUIZ_TEXT.quiz[state.lang].toLowerCase());
  const turn = step.spec.kind === 'task' && !says ? ` — ${MSG.yourTurn[state.lang]}` : quiz ? ` — ${QUIZ_TEXT.quiz[state.lang]}` : '';
  const number = ` ${step.index + 1}. `;
  const segs: Line = emphasize(title, { code: false, bold: false, italic: false }).map((s): Seg => ({ text: s.text, style: s.style ?? 'bold' }));
  if (turn) segs.push({ text: turn, style: 'yellow' });
  // Continued under the title's first word.
  const lines = wrapStyled(segs, Math.max(width - number.length, 8)).map((l, i): Line => [
    { text: i === 0 ? number : ' '.repeat(number.length), style: 'bold' },
    ...l,
  ]);
  if (lines.length <= 2) return lines;
  return [lines[0]!, clipWords(lines.slice(1).flat(), width)];
}

/** Markdown paragraphs (a step's body, a quiz's `### Why`) as lines of `inner` columns; nothing is cut, long lines wrap. */
function markdownLines(markdown: string, inner: number): Line[] {
  const e: Emphasis = { code: false, bold: false, italic: false };
  return reflow(markdown, inner)
    .split('\n')
    .flatMap((text): Line[] => {
      if (text.trim() === '') {
        // A paragraph ends: an emphasis left open does not run into the next one.
        Object.assign(e, { code: false, bold: false, italic: false });
        return [[{ text: '' }]];
      }
      if (text.startsWith('    ')) {
        // A code block: as written, continued further in when longer than the panel.
        return splitLine([{ text: text.slice(4), style: 'cyan' }], Math.max(inner - 6, 8)).map((l, i) => [{ text: i === 0 ? '     ' : '       ' }, ...l]);
      }
      // A list item's marker, or a continued item's indent, stays in front; the words after it wrap under them.
      const indent = /^\s*(?:[-*] )?/.exec(text)![0].length;
      const parts = wrapStyled(emphasize(text.slice(indent), e), Math.max(inner - indent, 8));
      return parts.map((l, i) => [{ text: i === 0 ? ` ${text.slice(0, indent)}` : ' '.repeat(indent + 1) }, ...l]);
    });
}

/**
 * A quiz's choices, numbered, the words wrapped under their start; a wrong one tried is marked ✗, the right one ✓
 * once given. Then, once the right answer is given, its `### Why`.
 */
function quizLines(state: TuiState, inner: number): Line[] {
  const step = state.lab.steps[state.current]!;
  const view = state.steps[state.current]!;
  const out: Line[] = [];
  choicesOf(step, state.lang).forEach((choice, i) => {
    const mark = choiceMark(step, view, i + 1);
    const number = `${i + 1}. `;
    const parts = wrapStyled(emphasize(choice, { code: false, bold: false, italic: false }), Math.max(inner - number.length - 3, 8));
    out.push(
      ...parts.map((l, k): Line => [
        { text: ' ' },
        k === 0 && mark ? { text: mark, style: mark === '✓' ? 'green' : 'red' } : { text: ' ' },
        { text: ' ' },
        { text: k === 0 ? number : ' '.repeat(number.length), style: k === 0 ? 'bold' : undefined },
        ...l,
      ]),
    );
  });
  if (answeredRight(view)) {
    if (out.length > 0) out.push([{ text: '' }]);
    out.push([{ text: ` ${QUIZ_TEXT.why[state.lang]}`, style: 'bold' }], ...markdownLines(step.prose[state.lang].why ?? '', inner));
  }
  return out;
}

/** Every line of the current step's prose at this width (before scrolling); nothing is cut, long lines wrap. */
export function bodyLines(state: TuiState, width: number): Line[] {
  const prose = state.lab.steps[state.current]!.prose[state.lang];
  const inner = Math.max(width - 2, 10);
  const body = markdownLines(prose.body, inner);
  if (!currentQuiz(state)) return body;
  const quiz = quizLines(state, inner);
  return quiz.length > 0 ? [...body, [{ text: '' }], ...quiz] : body;
}

/** The line of the current quiz's `### Why` heading among bodyLines at this width, or undefined before the right answer. */
export function whyLine(state: TuiState, width: number): number | undefined {
  if (!currentQuiz(state) || !answeredRight(state.steps[state.current]!)) return undefined;
  const heading = ` ${QUIZ_TEXT.why[state.lang]}`;
  const lines = bodyLines(state, width);
  for (let at = lines.length - 1; at >= 0; at--) if (lines[at]!.length === 1 && lines[at]![0]!.text === heading && lines[at]![0]!.style === 'bold') return at;
  return undefined;
}

/** Every line of the current step's explanation at this width (before scrolling): the title, then the prose. */
export function explanationLines(state: TuiState, width: number): Line[] {
  return [...titleLines(state, width), ...bodyLines(state, width)];
}

/**
 * The panel's visible lines; the title stays while the prose scrolls, and a last line says when there is more
 * below (it takes a line of its own: it never covers text). Returns the scroll actually used.
 */
export function renderExplanation(state: TuiState, width: number, height: number): { lines: Line[]; scroll: number; more: boolean } {
  const title = titleLines(state, width).slice(0, Math.max(height - 2, 1));
  const body = bodyLines(state, width);
  const room = Math.max(height - title.length, 0);
  if (body.length <= room) return { lines: [...title, ...body], scroll: 0, more: false };
  const scroll = Math.max(0, Math.min(state.scroll, body.length - room));
  const more = scroll < body.length - room;
  const shown = body.slice(scroll, scroll + (more ? room - 1 : room));
  if (more) shown.push(clipWords([{ text: ` ${MORE[state.lang]}`, style: 'dim' }], width));
  return { lines: [...title, ...shown], scroll, more };
}
