// Quiz steps (QuizStep in spec.ts): what the rest of the harness needs to know about them, in one place. A quiz has no
// checks of its own; its answer is checked instead, reported as ONE check (`answer`) so that counts, TAP points, JSON
// and progress treat it like any checked step.
import type { StepProse } from './prose.js';
import type { Check, Lang, QuizStep, Step, Text } from './spec.js';

/** The id of the one check a quiz step reports. */
export const ANSWER_CHECK = 'answer';

/** The title of that check. */
export const ANSWER_TITLE: Text = { en: 'The answer is right', zh: '回答正确' };

/** The checks a step runs: none for a quiz (its answer is checked instead). */
export function stepChecks(step: Step): Check[] {
  return step.kind === 'quiz' ? [] : step.checks;
}

/** How many checks a step reports in a run: a quiz reports one, its answer. */
export function checkCount(step: Step): number {
  return step.kind === 'quiz' ? 1 : step.checks.length;
}

/** An answer as it is compared: trimmed, lower-cased, white space collapsed. */
export function normaliseAnswer(given: string): string {
  return given.trim().toLowerCase().replace(/\s+/g, ' ');
}

/**
 * The 1-based choice an answer names: its number (`2`) or its letter (`b`, `B`); undefined when it names none
 * (a number or letter beyond `count` names none).
 */
export function choiceOf(given: string, count: number): number | undefined {
  const answer = normaliseAnswer(given).replace(/[.)]$/, '');
  let n: number | undefined;
  if (/^\d+$/.test(answer)) n = Number(answer);
  else if (/^[a-z]$/.test(answer)) n = answer.charCodeAt(0) - 'a'.charCodeAt(0) + 1;
  return n !== undefined && n >= 1 && n <= count ? n : undefined;
}

/** The letter of a 1-based choice: 1 is `a`. */
export function choiceLetter(n: number): string {
  return String.fromCharCode('a'.charCodeAt(0) + n - 1);
}

/** Whether `given` is a right answer to the quiz; `choices` is the number of items of its `### Choices` list. */
export function isRightAnswer(step: QuizStep, given: string, choices: number): boolean {
  if ('choice' in step.answer) return choiceOf(given, Math.max(choices, step.answer.choice)) === step.answer.choice;
  const answer = normaliseAnswer(given);
  return step.answer.typed.some((accepted) => normaliseAnswer(accepted) === answer);
}

/** The right answer as the harness gives it (in `lab verify`, or when no one is asked): the number, or the first accepted string. */
export function rightAnswer(step: QuizStep): string {
  return 'choice' in step.answer ? String(step.answer.choice) : (step.answer.typed[0] ?? '');
}

/** A wrong answer (another choice, or a string no accepted answer equals): `precheck` tries it to prove the quiz can fail. */
export function wrongAnswer(step: QuizStep): string {
  if ('choice' in step.answer) return String(step.answer.choice === 1 ? 2 : 1);
  let wrong = 'no answer';
  while (step.answer.typed.some((accepted) => normaliseAnswer(accepted) === normaliseAnswer(wrong))) wrong += '!';
  return wrong;
}

/** The ids of the checks a step reports (in `check` and `precheck` events): a quiz reports `answer`. */
export function checkIds(step: Step): string[] {
  return step.kind === 'quiz' ? [ANSWER_CHECK] : step.checks.map((check) => check.id);
}

/**
 * The answer as the `answer` check reports what it found: a choice with its words in each language (`2. ...`), a
 * typed answer normalised, or that none was given.
 */
export function answerFound(prose: Record<Lang, StepProse>, step: QuizStep, given: string | undefined): Text {
  if (given === undefined) return { en: 'no answer given', zh: '没有作答' };
  const n = 'choice' in step.answer ? choiceOf(given, prose.en.choices.length) : undefined;
  if (n === undefined) return { en: normaliseAnswer(given), zh: normaliseAnswer(given) };
  return { en: `${n}. ${prose.en.choices[n - 1] ?? ''}`.trim(), zh: `${n}. ${prose.zh.choices[n - 1] ?? ''}`.trim() };
}
