// The commands the harness runs for the step on screen, exactly as shown, their output as it streams, the checks
// with what each found in the kernel, hints, errors, and at the end the cleanup and the result.
import { formatError } from '../error.js';
import { fill } from '../lang.js';
import { MSG } from '../messages.js';
import { wrapLine } from '../text.js';
import { clip, type Line, type Style } from './lines.js';
import type { LogEntry, TuiState } from './state.js';

/** Wrap text into lines of `width` columns, the first with `first` before it and the rest with `rest`. */
function wrapped(text: string, width: number, first: string, rest: string, style?: Style): Line[] {
  const room = Math.max(width - first.length, 8);
  const parts = text === '' ? [''] : wrapLine(text.replace(/\t/g, '  '), room);
  return parts.map((part, i) => clip([{ text: (i === 0 ? first : rest) + part, style }], width));
}

/** The lines of one log entry. */
export function entryLines(entry: LogEntry, state: TuiState, width: number): Line[] {
  const { lang } = state;
  switch (entry.kind) {
    case 'command':
      return entry.role === 'check' ? wrapped(entry.command, width, ' ? ', '     ', 'dim') : wrapped(entry.command, width, ' $ ', '     ', 'bold');
    case 'output': {
      // Output keeps its own spacing (tables): cut, not wrapped.
      return [clip([{ text: `   ${entry.text.replace(/\t/g, '  ')}`, style: entry.stream === 'stderr' ? 'dim' : undefined }], width)];
    }
    case 'exit':
      if (entry.expected === 'fail' && entry.ok) return [[{ text: `   (${MSG.exitStatus[lang]} ${entry.exitCode}: ${MSG.expectedFail[lang]})`, style: 'dim' }]];
      if (!entry.ok) return [[{ text: `   (${MSG.exitStatus[lang]} ${entry.exitCode})`, style: 'red' }]];
      return [];
    case 'solution':
      return [[{ text: ` ${MSG.solution[lang]}`, style: 'dim' }]];
    case 'task':
      return wrapped(`${MSG.taskShell[lang]} ${entry.shell}`, width, ' ', '   ', 'dim');
    case 'check': {
      const mark: Line = [{ text: ' ' }, { text: entry.ok ? '✓' : '✗', style: entry.ok ? 'green' : 'red' }, { text: ' ' }];
      const title = wrapped(entry.title[lang], width - 3, '', '   ');
      const head = title.map((l, i) => (i === 0 ? [...mark, ...l] : [{ text: '   ' }, ...l]));
      return [...head, ...wrapped(`${MSG.found[lang]}: ${entry.found[lang]}`, width, '     ', '       ', 'dim')];
    }
    case 'hint': {
      const hints = state.lab.steps[state.current]!.prose[lang].hints;
      return wrapped(`${MSG.hint[lang]} ${entry.index + 1}/${hints.length}: ${hints[entry.index] ?? ''}`, width, ' ', '   ', 'yellow');
    }
    case 'note':
      return wrapped(entry.text[lang], width, ' ', ' ', 'yellow');
    case 'error':
      return formatError(entry.error, lang)
        .split('\n')
        .flatMap((l) => wrapped(l, width, ' ', '   ', 'red'));
    case 'cleanup':
      return wrapped(`${MSG.cleanup[lang]}: ${entry.ok ? MSG.removed[lang] : MSG.notRemoved[lang]} ${entry.what}`, width, ' ', '   ', entry.ok ? 'dim' : 'red');
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

/** The panel: a title, then the newest lines of the current step's log (and the end of the run once it is over). */
export function renderLog(state: TuiState, width: number, height: number): Line[] {
  const entries = state.steps[state.current]!.log;
  const lines = entries.flatMap((e) => entryLines(e, state, width));
  if (state.phase === 'cleanup' || state.phase === 'done') {
    lines.push(...state.end.flatMap((e) => entryLines(e, state, width)));
    lines.push(...resultLines(state, width));
  }
  const title: Line = [{ text: ` ${MSG.tuiLog[state.lang]}`, style: 'bold' }];
  const room = Math.max(height - 1, 0);
  return [title, ...lines.slice(Math.max(lines.length - room, 0))];
}
