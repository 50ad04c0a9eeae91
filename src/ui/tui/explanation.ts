// The explanation of the step on screen: its title, whether it is the learner's turn, and its prose reflowed to
// the panel's width (CJK-aware), scrolled by the learner.
import { MSG } from '../messages.js';
import { reflow } from '../text.js';
import { clip, type Line } from './lines.js';
import type { TuiState } from './state.js';

/** Every line of the current step's explanation at this width (before scrolling). */
export function explanationLines(state: TuiState, width: number): Line[] {
  const step = state.lab.steps[state.current]!;
  const prose = step.prose[state.lang];
  const turn = step.spec.kind === 'task' ? ` — ${MSG.yourTurn[state.lang]}` : '';
  const inner = Math.max(width - 2, 10);
  const title: Line = [{ text: ` ${step.index + 1}. ${prose.title}`, style: 'bold' }, { text: turn, style: 'yellow' }];
  const body = reflow(prose.body, inner)
    .split('\n')
    .map((text): Line => [{ text: ` ${text}`, style: text.startsWith('    ') ? 'cyan' : undefined }]);
  return [clip(title, width), ...body.map((l) => clip(l, width))];
}

/** The panel's visible lines; the title stays while the prose scrolls. Returns the scroll actually used. */
export function renderExplanation(state: TuiState, width: number, height: number): { lines: Line[]; scroll: number; more: boolean } {
  const all = explanationLines(state, width);
  const [title, ...body] = all;
  const room = Math.max(height - 1, 0);
  const scroll = Math.max(0, Math.min(state.scroll, body.length - room));
  const shown = body.slice(scroll, scroll + room);
  const more = scroll + room < body.length;
  if (more && shown.length > 0) shown[shown.length - 1] = clip([...shown[shown.length - 1]!, { text: '' }], width - 2).concat({ text: ' ↓', style: 'dim' });
  return { lines: [title!, ...shown], scroll, more };
}
