// The header (lab, step n/N, progress) and the step list with each step's state.
import { fill } from '../lang.js';
import { MSG } from '../messages.js';
import { wrapLine } from '../text.js';
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

/** The top line: the lab's title and id, the step on screen, the progress. */
export function renderHeader(state: TuiState, width: number): Line[] {
  const { lab, lang } = state;
  const right = ` ${MSG.step[lang]} ${state.current + 1}/${lab.steps.length} · ${fill(MSG.tuiProgress[lang], { passed: passedCount(state), total: lab.steps.length })} `;
  const left = ` ${lab.title[lang]} (${lab.spec.id})`;
  const leftLine = clip([{ text: left, style: 'bold' }], Math.max(width - lineWidth([{ text: right }]) - 1, 10));
  const gap = Math.max(width - lineWidth(leftLine) - lineWidth([{ text: right }]), 1);
  return [[...leftLine, { text: ' '.repeat(gap) }, { text: right }]];
}

/** Each step's name on lines of `width` columns: the first after its mark and number, the rest under the name. */
function wrappedSteps(state: TuiState, width: number): Line[][] {
  const { lab, lang } = state;
  return lab.steps.map((step) => {
    const view = state.steps[step.index]!;
    const { mark, style } = STATE_MARK[view.state];
    const here = step.index === state.current;
    const number = `${step.index + 1}. `;
    const indent = ' '.repeat(3 + number.length);
    // Wrapped, or on one line (cut later) when `width` is 0.
    const title = plain(emphasize(step.prose[lang].title, { code: false, bold: false, italic: false }));
    const parts = width > 0 ? wrapLine(title, Math.max(width - indent.length, 8)) : [title];
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
 * The steps: mark, number, name; the one on screen in inverse. Names wrap when every step fits so, and are
 * otherwise cut, at a word where one is close.
 */
export function renderSteps(state: TuiState, width: number, height: number): Line[] {
  const { lab } = state;
  const out: Line[] = [[{ text: ` ${MSG.tuiSteps[state.lang]}`, style: 'bold' }]];
  const room = Math.max(height - 1, 0);
  const wrapped = wrappedSteps(state, width);
  if (wrapped.reduce((sum, lines) => sum + lines.length, 0) <= room) return [...out, ...wrapped.flat()];
  // Keep the current step in sight when the list is longer than the panel.
  const first = Math.max(0, Math.min(state.current - Math.floor(room / 2), lab.steps.length - room));
  for (const [line] of wrappedSteps(state, 0).slice(first, first + room)) out.push(clipWords(line!, width));
  return out;
}
