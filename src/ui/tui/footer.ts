// The two bottom lines (a status line saying what the lab waits for, and the keys) and the help screen.
import { MSG } from '../messages.js';
import { clip, pad, type Line } from './lines.js';
import { currentQuiz, QUIZ_TEXT, quizKeys, quizStatus } from './quiz.js';
import type { TuiState } from './state.js';

/** What the lab is doing or waiting for, in a word or a sentence. */
export function statusText(state: TuiState): string {
  const { lang } = state;
  if (state.status) return state.status[lang];
  switch (state.phase) {
    case 'starting':
    case 'running':
      return MSG.tuiRunning[lang];
    case 'task':
      return state.shellFocus ? MSG.tuiTaskTurn[lang] : MSG.tuiTaskFirst[lang];
    case 'quiz':
      return quizStatus(state);
    case 'checking':
      return MSG.tuiChecking[lang];
    case 'after-step':
      if (currentQuiz(state)) return (state.current === state.lab.steps.length - 1 ? QUIZ_TEXT.lastPassed : QUIZ_TEXT.passed)[lang];
      return state.current === state.lab.steps.length - 1 ? MSG.tuiLastPassed[lang] : MSG.tuiStepPassed[lang];
    case 'cleanup':
      return MSG.tuiCleaning[lang];
    case 'done':
      return MSG.tuiDone[lang];
  }
}

/** The status line. */
export function renderStatus(state: TuiState, width: number): Line[] {
  return [clip([{ text: ` ${statusText(state)}`, style: 'yellow' }], width)];
}

/** The keys line: the lab's keys, how to leave the shell while it has them, or, once the lab is over, the keys that still do something. */
export function renderFooter(state: TuiState, width: number): Line[] {
  const keys = state.phase === 'done' ? MSG.tuiKeysDone : state.shellFocus ? MSG.tuiShellKeys : MSG.tuiKeys;
  const text = state.phase === 'quiz' ? quizKeys(state) : keys[state.lang];
  return [pad([{ text: ` ${text}`, style: 'inverse' }], width)];
}

/** The help screen's lines. */
export function renderHelp(state: TuiState): Line[] {
  const lines = MSG.tuiHelp[state.lang].split('\n');
  // A quiz's keys after the hint's.
  const hint = lines.findIndex((l) => l.startsWith('  h '));
  lines.splice(hint >= 0 ? hint + 1 : lines.length, 0, ...QUIZ_TEXT.help[state.lang]);
  return lines.map((text, i): Line => [{ text: ` ${text} `, style: i === 0 ? 'bold' : undefined }]);
}
