// The header (lab, step n/N, progress) and the step list with each step's state.
import { fill } from '../lang.js';
import { MSG } from '../messages.js';
import { wrapTitle } from '../text.js';
import { emphasize } from './explanation.js';
import { clip, clipWords, lineWidth, plain, type Line, type Style } from './lines.js';
import { passedCount, type StepState, type TuiState } from './state.js';

/** The mark before a step in the list; each is one column wide. */
export const STATE_MARK: Record<StepState, { mark: string; style?: Style }> = {
  pending: { mark: '·', style: 'dim' },
  running: { mark: '▸', style: 'yellow' },
  waiting: { mark: '?', style: 'yellow' },
  passed: { mark: '✓', style: 'green' },
  failed: { mark: '✗', style: 'red' },
  error: { mark: '!', style: 'red' },
  skipped: { mark: '-', style: 'dim' },
};

/** The mark of a quiz not asked yet: a question ahead (once asked, it is the learner's turn: `?` as a task's). */
export const QUIZ_MARK: { mark: string; style?: Style } = { mark: '?', style: 'dim' };

/** The top line: the lab's title and id, the step on screen, the progress. */
export function renderHeader(state: TuiState, width: number): Line[] {
  const { lab, lang } = state;
  const right = ` ${MSG.step[lang]} ${state.current + 1}/${lab.steps.length} · ${fill(MSG.tuiProgress[lang], { passed: passedCount(state), total: lab.steps.length })} `;
  const left = ` ${lab.title[lang]} (${lab.spec.id})`;
  const leftLine = clip([{ text: left, style: 'bold' }], Math.max(width - lineWidth([{ text: right }]) - 1, 10));
  const gap = Math.max(width - lineWidth(leftLine) - lineWidth([{ text: right }]), 1);
  return [[...leftLine, { text: ' '.repeat(gap) }, { text: right }]];
}

/** Step names wrapped, by width and name: a lab has a few names and the panel a few widths, and every redraw asks. */
const wrappedTitles = new Map<string, string[]>();
function titleLines(title: string, width: number): string[] {
  const key = `${width}\u0000${title}`;
  let lines = wrappedTitles.get(key);
  if (!lines) {
    if (wrappedTitles.size > 500) wrappedTitles.clear();
    lines = wrapTitle(title, width);
    wrappedTitles.set(key, lines);
  }
  return lines;
}

/**
 * Each step's name on lines of `width` columns: the first after its mark and number, the rest under the name; or,
 * with `width` 0, on one line each (to be cut).
 */
function wrappedSteps(state: TuiState, width: number): Line[][] {
  const { lab, lang } = state;
  return lab.steps.map((step) => {
    const view = state.steps[step.index]!;
    const { mark, style } = step.spec.kind === 'quiz' && view.state === 'pending' ? QUIZ_MARK : STATE_MARK[view.state];
    const here = step.index === state.current;
    const number = `${step.index + 1}. `;
    const indent = ' '.repeat(3 + number.length);
    const title = plain(emphasize(step.prose[lang].title, { code: false, bold: false, italic: false }));
    const parts = width > 0 ? titleLines(title, Math.max(width - indent.length, 8)) : [title];
    return parts.map((part, i): Line => {
      const name: Line = [{ text: i === 0 ? number + part : part, style: here ? 'inverse' : undefined }];
      const l: Line = i === 0 ? [{ text: ' ' }, { text: mark, style }, { text: ' ' }, ...name] : [{ text: indent }, ...name];
      return width > 0 ? clip(l, width) : l;
    });
  });
}

/** The rows the step list would take with every name whole (its title, then the names wrapped). */
export function stepRows(state: TuiState, width: number): number {
  return 1 + wrappedSteps(state, width).reduce((sum, lines) => sum + lines.length, 0);
}

/**
 * The steps: mark, number, name; the one on screen in inverse. Every name is whole when the panel has the rows;
 * otherwise the current step's name is whole and as many of its neighbours' as fit, the others cut to one line
 * at a word or phrase.
 */
export function renderSteps(state: TuiState, width: number, height: number): Line[] {
  const { lab } = state;
  const out: Line[] = [[{ text: ` ${MSG.tuiSteps[state.lang]}`, style: 'bold' }]];
  const room = Math.max(height - 1, 0);
  const wrapped = wrappedSteps(state, width);
  if (wrapped.reduce((sum, lines) => sum + lines.length, 0) <= room) return [...out, ...wrapped.flat()];
  // One row per step, the current one whole; then, nearest first, whole names while rows are left.
  const count = lab.steps.length;
  const own = wrapped[state.current]!.length;
  const shown = Math.max(Math.min(count, room - own + 1), 1);
  const first = Math.max(0, Math.min(state.current - Math.floor(shown / 2), count - shown));
  const rowsOf = wrapped.map(() => 1);
  rowsOf[state.current] = own;
  let left = room - shown - own + 1;
  const byDistance = Array.from({ length: shown }, (_, k) => first + k).sort((a, b) => Math.abs(a - state.current) - Math.abs(b - state.current));
  for (const i of byDistance.filter((i) => i !== state.current)) {
    const extra = wrapped[i]!.length - 1;
    if (extra > 0 && extra <= left) {
      rowsOf[i] = wrapped[i]!.length;
      left -= extra;
    }
  }
  const single = wrappedSteps(state, 0);
  const lines: Line[] = [];
  for (let i = first; i < first + shown; i++) lines.push(...(rowsOf[i]! > 1 ? wrapped[i]! : [clipWords(single[i]![0]!, width)]));
  // A current step whose name needs more rows than the panel has leaves the panel's last rows to it.
  if (lines.length > room) {
    const at = lines.indexOf(wrapped[state.current]!.at(-1)!);
    const end = Math.max(room, at + 1);
    return [...out, ...lines.slice(end - room, end)];
  }
  return [...out, ...lines];
}
