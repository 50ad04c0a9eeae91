// The header (lab, step n/N, progress) and the step list with each step's state.
import { fill } from '../lang.js';
import { MSG } from '../messages.js';
import { clip, lineWidth, type Line, type Style } from './lines.js';
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

/** The steps, one a line: mark, number, title; the one on screen in inverse. */
export function renderSteps(state: TuiState, width: number, height: number): Line[] {
  const { lab, lang } = state;
  const out: Line[] = [[{ text: ` ${MSG.tuiSteps[lang]}`, style: 'bold' }]];
  const room = Math.max(height - 1, 0);
  // Keep the current step in sight when the list is longer than the panel.
  const first = Math.max(0, Math.min(state.current - Math.floor(room / 2), lab.steps.length - room));
  for (const step of lab.steps.slice(first, first + room)) {
    const view = state.steps[step.index]!;
    const { mark, style } = STATE_MARK[view.state];
    const here = step.index === state.current;
    const title = `${step.index + 1}. ${step.prose[lang].title}`;
    const text: Line = [{ text: ' ' }, { text: mark, style }, { text: ' ' }, { text: title, style: here ? 'inverse' : undefined }];
    out.push(clip(text, width));
  }
  return out;
}
