// A quiz step in the terminal UI: its words in both languages, the answers given so far (from the step's log), the
// choices and the `### Why` as lines of the explanation, and the status and keys lines while the runner waits for
// an answer. The keys themselves are read in app.ts.
import { choiceOf } from '../../lab/quiz.js';
import type { Lang, QuizStep, Text } from '../../lab/spec.js';
import type { LoadedStep } from '../../lab/load.js';
import { fill } from '../lang.js';
import type { LogEntry, StepView, TuiState } from './state.js';

/** The TUI's words for quizzes (the reporters' shared words are in ../messages.ts). */
export const QUIZ_TEXT = {
  quiz: { en: 'Quiz', zh: '测验' },
  why: { en: 'Why', zh: '解释' },
  answer: { en: 'Answer', zh: '回答' },
  right: { en: 'right', zh: '正确' },
  wrong: { en: 'not right', zh: '不对' },
  pressChoice: { en: 'Your answer: press {range}. h: a hint', zh: '你的回答：按 {range}。h：提示' },
  pressType: { en: 'Press Enter (or a) to type your answer. h: a hint', zh: '按 Enter（或 a）输入你的回答。h：提示' },
  typing: { en: 'Your answer: ', zh: '你的回答：' },
  wrongChoice: { en: 'Choice {given} is not right. Try another; h: a hint', zh: '第 {given} 项不对，再选一个；h：提示' },
  wrongTyped: { en: '“{given}” is not right. Enter: try again; h: a hint', zh: '“{given}”不对。按 Enter 再试一次；h：提示' },
  noChoice: { en: 'There is no choice {given}: press {range}.', zh: '没有第 {given} 项：请按 {range}。' },
  answerFirst: { en: 'Answer the question first: {how}', zh: '请先回答问题：{how}' },
  passed: { en: 'Right: the explanation below says why. n: next step', zh: '回答正确：下面的解释说明了原因。n：下一步' },
  lastPassed: { en: 'Right: the explanation below says why. n: finish and clean up', zh: '回答正确：下面的解释说明了原因。n：结束并清理' },
  keysChoice: {
    en: '{range} answer  h hint  ↑ ↓ scroll  z bigger  l 中文  ? help  q quit',
    zh: '{range} 回答  h 提示  ↑ ↓ 滚动  z 放大  l English  ? 帮助  q 退出',
  },
  keysTyped: {
    en: 'Enter type the answer  h hint  ↑ ↓ scroll  z bigger  l 中文  ? help  q quit',
    zh: 'Enter 输入回答  h 提示  ↑ ↓ 滚动  z 放大  l English  ? 帮助  q 退出',
  },
  keysTyping: { en: 'Enter submit  Esc cancel  Backspace delete', zh: 'Enter 提交  Esc 取消  Backspace 删除' },
  help: {
    en: ['  1-9    answer a quiz: the number of your choice', "  Enter  type a quiz's answer (a too); Enter submits it, Esc cancels"],
    zh: ['  1-9    回答测验：按你所选选项的编号', '  Enter  输入测验的回答（a 也可以）；Enter 提交，Esc 取消'],
  },
} satisfies Record<string, Text | Record<Lang, string[]>>;

/** The quiz of a step, or undefined for a demo or a task. */
export function quizOf(step: LoadedStep | undefined): QuizStep | undefined {
  return step?.spec.kind === 'quiz' ? step.spec : undefined;
}

/** The current step's quiz, or undefined when it is not one. */
export function currentQuiz(state: TuiState): QuizStep | undefined {
  return quizOf(state.lab.steps[state.current]);
}

/** The choices of a step in a language (none for a typed quiz or another kind of step). */
export function choicesOf(step: LoadedStep, lang: Lang): string[] {
  return step.prose[lang].choices ?? [];
}

/** How many choices a digit key can name: the `### Choices` items (both languages have as many), at most 9. */
export function choiceCount(step: LoadedStep): number {
  return Math.min(Math.max(choicesOf(step, 'en').length, choicesOf(step, 'zh').length), 9);
}

/** The keys that answer a choice quiz: `1-4`, or `1` when it has one choice. */
export function choiceRange(step: LoadedStep): string {
  const count = Math.max(choiceCount(step), 1);
  return count === 1 ? '1' : `1-${count}`;
}

/** The answers given so far to a step, oldest first, as its log records them. */
export function answersOf(view: StepView): Extract<LogEntry, { kind: 'answer' }>[] {
  return view.log.filter((e): e is Extract<LogEntry, { kind: 'answer' }> => e.kind === 'answer');
}

/** Whether the right answer to the step was given (its `### Why` is shown from then on). */
export function answeredRight(view: StepView): boolean {
  return answersOf(view).some((a) => a.ok);
}

/** The choice (1-based) an answer names in a choice quiz, or undefined. */
export function answeredChoice(step: LoadedStep, given: string): number | undefined {
  return choiceOf(given, Math.max(choicesOf(step, 'en').length, choicesOf(step, 'zh').length));
}

/** A choice's mark in the explanation: ✓ the right answer once given, ✗ a wrong one tried, else nothing. */
export function choiceMark(step: LoadedStep, view: StepView, n: number): '✓' | '✗' | undefined {
  let mark: '✓' | '✗' | undefined;
  for (const a of answersOf(view)) if (answeredChoice(step, a.given) === n) mark = a.ok ? '✓' : '✗';
  return mark;
}

/** What the quiz waits for, said on the status line: the keys to press, or the input line while one is typed. */
export function quizStatus(state: TuiState): string {
  const step = state.lab.steps[state.current]!;
  const quiz = quizOf(step);
  if (!quiz) return '';
  if (state.quiz?.typing) return `${QUIZ_TEXT.typing[state.lang]}${state.quiz.text}▏`;
  if ('choice' in quiz.answer) return fill(QUIZ_TEXT.pressChoice[state.lang], { range: choiceRange(step) });
  return QUIZ_TEXT.pressType[state.lang];
}

/** The keys line while a quiz waits for its answer. */
export function quizKeys(state: TuiState): string {
  const step = state.lab.steps[state.current]!;
  const quiz = quizOf(step);
  if (state.quiz?.typing) return QUIZ_TEXT.keysTyping[state.lang];
  if (quiz && 'choice' in quiz.answer) return fill(QUIZ_TEXT.keysChoice[state.lang], { range: choiceRange(step) });
  return QUIZ_TEXT.keysTyped[state.lang];
}

/** What a wrong answer is told, in both languages (a language switch redraws it). */
export function wrongText(step: LoadedStep, given: string): Text {
  const quiz = quizOf(step);
  const choice = quiz && 'choice' in quiz.answer ? answeredChoice(step, given) : undefined;
  const text = choice !== undefined ? QUIZ_TEXT.wrongChoice : QUIZ_TEXT.wrongTyped;
  const value = { given: choice !== undefined ? String(choice) : given.trim() };
  return { en: fill(text.en, value), zh: fill(text.zh, value) };
}

/** What a key that does not apply during a quiz is told: how to answer. */
export function answerFirstText(step: LoadedStep): Text {
  const quiz = quizOf(step);
  const choice = quiz !== undefined && 'choice' in quiz.answer;
  const how = (lang: Lang): string => (choice ? fill(QUIZ_TEXT.pressChoice[lang], { range: choiceRange(step) }) : QUIZ_TEXT.pressType[lang]);
  return { en: fill(QUIZ_TEXT.answerFirst.en, { how: how('en') }), zh: fill(QUIZ_TEXT.answerFirst.zh, { how: how('zh') }) };
}

/** What a digit beyond the choices is told. */
export function noChoiceText(step: LoadedStep, given: string): Text {
  const value = { given, range: choiceRange(step) };
  return { en: fill(QUIZ_TEXT.noChoice.en, value), zh: fill(QUIZ_TEXT.noChoice.zh, value) };
}
