// The commands the harness runs for the step on screen, exactly as shown, their output as it streams, the checks
// with what each found in the kernel, hints, errors, and at the end the cleanup and the result.
import { formatError } from '../error.js';
import { fill } from '../lang.js';
import { MSG } from '../messages.js';
import { cleanupText, exitNote, labelled } from '../status-text.js';
import { displayWidth, wrapLine } from '../text.js';
import { emphasize } from './explanation.js';
import { clip, hardWrap, softWrap, wrapStyled, type Line, type Style } from './lines.js';
import { answeredChoice, choicesOf, QUIZ_TEXT } from './quiz.js';
import type { LogEntry, TuiState } from './state.js';

/**
 * Wrap text into lines of `width` columns at spaces (a word longer than a line is split), the first with `first`
 * before it and the rest with `rest` (a hanging indent); nothing is cut.
 */
function wrapped(text: string, width: number, first: string, rest: string, style?: Style): Line[] {
  const room = Math.max(width - Math.max(displayWidth(first), displayWidth(rest)), 8);
  const parts = text === '' ? [''] : wrapLine(text.replace(/\t/g, '  '), room).flatMap((part) => hardWrap(part, room));
  return parts.map((part, i) => [{ text: (i === 0 ? first : rest) + part, style }]);
}

/** A command, verbatim (every space kept), broken after a space where it can be, with a hanging indent. */
function commandLines(command: string, width: number, mark: string, style: Style): Line[] {
  return softWrap(command, Math.max(width - 5, 8)).map((part, i): Line => [{ text: (i === 0 ? mark : '     ') + part.trimEnd(), style }]);
}

/** Markdown prose (a hint, a check's title) wrapped like `wrapped`, its `code`, **bold** and *italic* shown as such. */
function wrappedProse(text: string, width: number, first: string, rest: string, style?: Style): Line[] {
  const room = Math.max(width - Math.max(displayWidth(first), displayWidth(rest)), 8);
  const segs = emphasize(text, { code: false, bold: false, italic: false }).map((seg) => ({ text: seg.text, style: seg.style ?? style }));
  return wrapStyled(segs, room).map((l, i): Line => [{ text: i === 0 ? first : rest, style }, ...l]);
}

/** The mark before a command a check ran to read a fact (`?` marks the learner's turn in the step list). */
export const PROBE_MARK = ' › ';

/** Whether a check's probe repeats a command the step's log already shows: it is then not shown again. */
function repeated(entry: LogEntry, log: LogEntry[]): boolean {
  if (entry.kind !== 'command' || entry.role !== 'check') return false;
  const at = log.indexOf(entry);
  return log.slice(0, at).some((e) => e.kind === 'command' && e.command === entry.command);
}

/** The lines of one log entry. */
export function entryLines(entry: LogEntry, state: TuiState, width: number): Line[] {
  const { lang } = state;
  switch (entry.kind) {
    case 'command':
      return commandLines(entry.command, width, entry.role === 'check' ? PROBE_MARK : ' $ ', entry.role === 'check' ? 'dim' : 'bold');
    case 'output': {
      // Output keeps its own spacing (tables): split at the panel's edge, never cut, continued a little further in.
      const style = entry.stream === 'stderr' ? 'dim' : undefined;
      return softWrap(entry.text.replace(/\t/g, '  '), Math.max(width - 5, 8)).map((part, i): Line => [{ text: (i === 0 ? '   ' : '     ') + part, style }]);
    }
    case 'exit': {
      const note = exitNote(entry, lang);
      return note === undefined ? [] : wrapped(note, width, '   ', '    ', entry.ok ? 'dim' : 'red');
    }
    case 'solution':
      return [[{ text: ` ${MSG.solution[lang]}`, style: 'dim' }]];
    case 'task':
      return wrapped(labelled(MSG.taskShell[lang], entry.shell, lang), width, ' ', '   ', 'dim');
    case 'check': {
      const mark: Line = [{ text: ' ' }, { text: entry.ok ? '✓' : '✗', style: entry.ok ? 'green' : 'red' }, { text: ' ' }];
      const title = wrappedProse(entry.title[lang], width - 3, '', '');
      const head = title.map((l, i) => (i === 0 ? [...mark, ...l] : [{ text: '   ' }, ...l]));
      // What a check found is the kernel's text, shown as is; a quiz's answer check found the answer's own words.
      const quiz = state.lab.steps[state.current]!.spec.kind === 'quiz';
      const found = labelled(MSG.found[lang], entry.found[lang], lang);
      return [...head, ...(quiz ? wrappedProse(found, width, '     ', '       ', 'dim') : wrapped(found, width, '     ', '       ', 'dim'))];
    }
    case 'answer': {
      // The choice's number and its words (in the language on screen), or the typed text; then right or not.
      const step = state.lab.steps[state.current]!;
      const choice = step.spec.kind === 'quiz' && 'choice' in step.spec.answer ? answeredChoice(step, entry.given) : undefined;
      const words = choice !== undefined ? `${choice}. ${choicesOf(step, lang)[choice - 1] ?? ''}` : entry.given;
      const mark: Line = [{ text: ' ' }, { text: entry.ok ? '✓' : '✗', style: entry.ok ? 'green' : 'red' }, { text: ' ' }];
      const verdict = entry.ok ? QUIZ_TEXT.right[lang] : QUIZ_TEXT.wrong[lang];
      const text = labelled(QUIZ_TEXT.answer[lang], `${words.trim()} — ${verdict}`, lang);
      return wrappedProse(text, width - 3, '', '').map((l, i) => (i === 0 ? [...mark, ...l] : [{ text: '   ' }, ...l]));
    }
    case 'hint': {
      const hints = state.lab.steps[state.current]!.prose[lang].hints;
      return wrappedProse(labelled(`${MSG.hint[lang]} ${entry.index + 1}/${hints.length}`, hints[entry.index] ?? '', lang), width, ' ', '   ', 'yellow');
    }
    case 'note':
      return wrappedProse(entry.text[lang], width, ' ', ' ', 'yellow');
    case 'error':
      return formatError(entry.error, lang)
        .split('\n')
        .flatMap((l) => wrapped(l, width, ' ', '   ', 'red'));
    case 'cleanup':
      return wrapped(cleanupText(entry, lang), width, ' ', '   ', entry.ok ? 'dim' : 'red');
  }
}

/** The result of the run, once it is over, in the plain reporter's words. */
export function resultLines(state: TuiState, width: number): Line[] {
  const o = state.outcome;
  if (!o) return [];
  const { lang } = state;
  const failedAt = state.steps.findIndex((s) => s.state === 'failed' || s.state === 'error');
  const step = failedAt >= 0 ? state.lab.steps[failedAt]!.spec.id : '';
  const failed = failedAt >= 0 ? state.steps[failedAt]!.log.filter((e) => e.kind === 'check' && !e.ok).length : 0;
  if (o.status === 'passed') return wrapped(fill(MSG.resultPassed[lang], { checks: o.checksPassed, steps: o.steps }), width, ' ', ' ', 'green');
  if (o.status === 'quit') return wrapped(fill(MSG.resultQuit[lang], { steps: o.stepsPassed, total: o.steps }), width, ' ', ' ', 'bold');
  if (o.status === 'error') return wrapped(fill(MSG.resultError[lang], { step }), width, ' ', ' ', 'red');
  return wrapped(fill(MSG.resultFailed[lang], { step, failed }), width, ' ', ' ', 'red');
}

/** Every line of the log panel's body for the step on screen (and the end of the run once it is over). */
export function logLines(state: TuiState, width: number): Line[] {
  const entries = state.steps[state.current]!.log;
  const lines = entries.flatMap((e) => (repeated(e, entries) ? [] : entryLines(e, state, width)));
  if (state.phase === 'cleanup' || state.phase === 'done') {
    lines.push(...state.end.flatMap((e) => entryLines(e, state, width)));
    lines.push(...resultLines(state, width));
  }
  return lines;
}

/** The first line shown when the panel follows the newest output. */
export function logBottom(state: TuiState, width: number, height: number): number {
  return Math.max(logLines(state, width).length - Math.max(height - 1, 0), 0);
}

/** Move the commands pane by `by` lines (up when negative) from where it is, or from the newest lines it follows. */
export function scrollLog(state: TuiState, width: number, height: number, by: number): void {
  if (by > 0 && state.logTop === undefined) return;
  state.logTop = Math.max((state.logTop ?? logBottom(state, width, height)) + by, 0);
  if (state.logTop >= logBottom(state, width, height)) state.logTop = undefined;
}

const SCROLL_KEYS = { en: '[ ] scroll', zh: '[ ] 滚动' };

/**
 * The panel: a title, then the lines from `state.logTop` on, or the newest ones while it is undefined (following
 * the output). The title says which lines are shown when they do not all fit. Returns the top actually used, or
 * undefined when the panel follows the newest lines again (scrolled to the bottom).
 */
export function renderLogPanel(state: TuiState, width: number, height: number): { lines: Line[]; top: number | undefined } {
  const lines = logLines(state, width);
  const room = Math.max(height - 1, 0);
  const bottom = Math.max(lines.length - room, 0);
  const top = state.logTop === undefined ? bottom : Math.max(0, Math.min(state.logTop, bottom));
  const title: Line = [{ text: ` ${MSG.tuiLog[state.lang]}`, style: 'bold' }];
  if (bottom > 0) {
    const arrows = `${top > 0 ? '↑' : ''}${top < bottom ? '↓' : ''}`;
    title.push({ text: `  ${arrows} ${top + 1}-${Math.min(top + room, lines.length)}/${lines.length}  ${SCROLL_KEYS[state.lang]}`, style: 'dim' });
  }
  return { lines: [clip(title, width), ...lines.slice(top, top + room)], top: top >= bottom ? undefined : top };
}

/** The panel's lines (see renderLogPanel). */
export function renderLog(state: TuiState, width: number, height: number): Line[] {
  return renderLogPanel(state, width, height).lines;
}
