// Quiz steps: the runner asks them through a driver (or gives the right answer itself), checks each answer, and
// reports one `answer` check; the validator holds their spec and prose to the format (src/lab/quiz.ts, spec.ts).
import t from 'tap';
import type { LabEvent } from '../../src/lab/events.js';
import type { LoadedLab, LoadedStep } from '../../src/lab/load.js';
import { parseProse } from '../../src/lab/prose.js';
import { proseDifferences } from '../../src/lab/prose-parity.js';
import { checkCount, checkIds, choiceOf, isRightAnswer, normaliseAnswer, rightAnswer, wrongAnswer } from '../../src/lab/quiz.js';
import { runLab, type Driver, type RunOptions } from '../../src/lab/runner.js';
import type { QuizStep } from '../../src/lab/spec.js';
import { validateLab } from '../../src/lab/validate.js';
import { useTempState } from '../helpers.js';

useTempState();

const CHOICE: QuizStep = { kind: 'quiz', id: 'pick', answer: { choice: 2 } };
const TYPED: QuizStep = { kind: 'quiz', id: 'type', answer: { typed: ['CLONE_NEWTIME', 'clone newtime'] } };

const EN = `# Quiz lab

A lab of quizzes.

## pick: Pick one

Which clock does a time namespace leave alone?

### Choices
- CLOCK_BOOTTIME
- CLOCK_REALTIME
- CLOCK_MONOTONIC

### Why
The wall clock is one for the whole machine.

### Hints
- Think of \`date\`.

## type: Type it

Which flag of unshare(2) makes a time namespace?

### Why
\`CLONE_NEWTIME\`, since Linux 5.6.

### Hints
- It starts with CLONE_NEW.
`;

const ZH = `# 测验实验

一个只有测验的实验。

## pick: 选一个

时间命名空间不管哪个时钟？

### 选项
- CLOCK_BOOTTIME
- CLOCK_REALTIME
- CLOCK_MONOTONIC

### 解释
整台机器只有一个墙上时钟。

### 提示
- 想想 \`date\`。

## type: 输入答案

unshare(2) 的哪个标志创建时间命名空间？

### 解释
\`CLONE_NEWTIME\`，自 Linux 5.6 起。

### 提示
- 它以 CLONE_NEW 开头。
`;

const spec = (steps: QuizStep[]) => ({ format: 1, id: 'quizzes', order: 1, requires: [], shell: { target: 'x', namespaces: [] }, steps });

/** A loaded lab of these quiz steps, with the prose above. */
function labOf(steps: QuizStep[] = [CHOICE, TYPED]): LoadedLab {
  const en = parseProse(EN);
  const zh = parseProse(ZH);
  const loaded: LoadedStep[] = steps.map((step, index) => ({ spec: step, index, prose: { en: en.steps.get(step.id)!, zh: zh.steps.get(step.id)! } }));
  return { spec: spec(steps), dir: '/nowhere', title: { en: en.title, zh: zh.title }, summary: { en: en.summary, zh: zh.summary }, steps: loaded };
}

/** A driver that answers each quiz with the given attempts in turn, then quits (or says passed after a right one). */
function answering(attempts: Record<string, string[]>): Driver {
  return {
    async quiz(step, answer) {
      for (const given of attempts[step.spec.id] ?? []) if (answer(given)) return 'passed';
      return 'quit';
    },
  };
}

async function run(options: Partial<RunOptions>, lab = labOf()): Promise<{ events: LabEvent[]; outcome: Awaited<ReturnType<typeof runLab>> }> {
  const events: LabEvent[] = [];
  const outcome = await runLab(lab, { mode: 'run', lang: 'en', ...options }, (e) => events.push(e));
  return { events, outcome };
}

const of = <T extends LabEvent['type']>(events: LabEvent[], type: T): Extract<LabEvent, { type: T }>[] =>
  events.filter((e): e is Extract<LabEvent, { type: T }> => e.type === type);

t.test('answers are compared trimmed, lower-cased, white space collapsed; a choice by number or letter', async (t) => {
  t.equal(normaliseAnswer('  Clone\t NEWTIME \n'), 'clone newtime');
  t.equal(choiceOf('2', 3), 2);
  t.equal(choiceOf('b', 3), 2);
  t.equal(choiceOf(' B ', 3), 2);
  t.equal(choiceOf('b)', 3), 2);
  t.equal(choiceOf('4', 3), undefined, 'beyond the list');
  t.equal(choiceOf('d', 3), undefined);
  t.equal(choiceOf('0', 3), undefined);
  t.equal(choiceOf('two', 3), undefined);
  t.ok(isRightAnswer(CHOICE, 'B', 3));
  t.notOk(isRightAnswer(CHOICE, 'a', 3));
  t.ok(isRightAnswer(TYPED, ' clone_newtime', 0));
  t.ok(isRightAnswer(TYPED, 'CLONE   NEWTIME', 0));
  t.notOk(isRightAnswer(TYPED, 'CLONE_NEWNS', 0));
  t.equal(rightAnswer(CHOICE), '2');
  t.equal(rightAnswer(TYPED), 'CLONE_NEWTIME');
  t.notOk(isRightAnswer(CHOICE, wrongAnswer(CHOICE), 3), 'the wrong answer is wrong');
  t.notOk(isRightAnswer({ ...CHOICE, answer: { choice: 1 } }, wrongAnswer({ ...CHOICE, answer: { choice: 1 } }), 3));
  t.notOk(isRightAnswer(TYPED, wrongAnswer(TYPED), 0));
  const tricky: QuizStep = { kind: 'quiz', id: 'x', answer: { typed: ['no answer', 'No answer!'] } };
  t.notOk(isRightAnswer(tricky, wrongAnswer(tricky), 0), 'even when "no answer" is accepted');
  t.equal(checkCount(CHOICE), 1, 'a quiz counts one check');
  t.same(checkIds(CHOICE), ['answer']);
});

t.test('a right answer after a wrong one passes; each attempt is an event; one answer check per quiz', async (t) => {
  const { events, outcome } = await run({ driver: answering({ pick: ['1', 'b'], type: ['clone_newns', ' Clone_NewTime '] }) });
  t.equal(outcome.status, 'passed');
  t.same(outcome, { status: 'passed', checksPassed: 2, checksFailed: 0, stepsPassed: 2, steps: 2 });
  t.same(
    of(events, 'quiz-answer').map((e) => [e.step, e.given, e.ok]),
    [
      ['pick', '1', false],
      ['pick', 'b', true],
      ['type', 'clone_newns', false],
      ['type', ' Clone_NewTime ', true],
    ],
  );
  const checks = of(events, 'check');
  t.same(
    checks.map((e) => [e.step, e.check, e.ok]),
    [
      ['pick', 'answer', true],
      ['type', 'answer', true],
    ],
  );
  t.same(checks[0]!.title, { en: 'The answer is right', zh: '回答正确' });
  t.same(checks[0]!.found, { en: '2. CLOCK_REALTIME', zh: '2. CLOCK_REALTIME' }, 'a choice is found with its words');
  t.same(checks[1]!.found, { en: 'clone_newtime', zh: 'clone_newtime' });
  t.same(of(events, 'solution'), [], 'the learner answered: no solution');
  t.same(
    of(events, 'step-done').map((e) => e.status),
    ['passed', 'passed'],
  );
});

t.test('quitting a quiz quits the run, without a check', async (t) => {
  const { events, outcome } = await run({ driver: answering({ pick: ['3'] }) });
  t.equal(outcome.status, 'quit');
  t.equal(outcome.stepsPassed, 0);
  t.same(of(events, 'check'), []);
  t.same(
    of(events, 'step-done').map((e) => e.status),
    ['quit'],
  );
});

t.test('a driver that says passed without a right answer does not pass the quiz', async (t) => {
  const { events, outcome } = await run({ driver: { quiz: async (_step, answer) => (answer('a'), 'passed') } });
  t.equal(outcome.status, 'failed');
  t.same(
    of(events, 'check').map((e) => [e.ok, e.found.en]),
    [[false, 'no answer given']],
  );
});

t.test('without a driver (verify) the harness gives the right answer, said as a solution', async (t) => {
  const { events, outcome } = await run({ mode: 'verify' });
  t.same(outcome, { status: 'passed', checksPassed: 2, checksFailed: 0, stepsPassed: 2, steps: 2 });
  t.same(
    of(events, 'solution').map((e) => e.step),
    ['pick', 'type'],
  );
  t.same(
    of(events, 'quiz-answer').map((e) => [e.given, e.ok]),
    [
      ['2', true],
      ['CLONE_NEWTIME', true],
    ],
  );
  const { outcome: noQuiz } = await run({ driver: { beforeStep: async () => 'go' } });
  t.equal(noQuiz.status, 'passed', 'a driver without quiz() is answered for too');
});

t.test('precheck tries a wrong answer, which must fail, and counts nothing', async (t) => {
  const { events, outcome } = await run({ mode: 'verify', precheck: true });
  t.same(outcome, { status: 'passed', checksPassed: 2, checksFailed: 0, stepsPassed: 2, steps: 2 });
  t.same(
    of(events, 'precheck').map((e) => [e.step, e.check, e.ok, e.found.en]),
    [
      ['pick', 'answer', false, '1'],
      ['type', 'answer', false, 'no answer'],
    ],
  );
  t.same(of(events, 'quiz-answer').length, 2, 'the precheck is no attempt');
  // A quiz whose every answer is right proves nothing: its precheck passes, which fails the step.
  const lax: QuizStep = { kind: 'quiz', id: 'type', answer: { typed: ['no answer'] } };
  const r = await run({ mode: 'verify', precheck: true }, labOf([lax]));
  t.equal(r.outcome.status, 'passed', 'a typed quiz always has a wrong answer: the runner finds one');
});

t.test('skipActionsOf a quiz: no answer is given, and the step fails', async (t) => {
  const { events, outcome } = await run({ mode: 'verify', skipActionsOf: 'pick' });
  t.equal(outcome.status, 'failed');
  t.same(outcome.checksFailed, 1);
  t.same(of(events, 'quiz-answer'), []);
  t.same(
    of(events, 'check').map((e) => [e.step, e.ok, e.found]),
    [['pick', false, { en: 'no answer given', zh: '没有作答' }]],
  );
});

t.test('afterStep again on a quiz re-reads nothing and asks again', async (t) => {
  let asked = 0;
  const { outcome } = await run({
    mode: 'verify',
    driver: { afterStep: async () => (asked++ === 0 ? 'again' : 'next') },
  });
  t.equal(outcome.status, 'passed');
  t.equal(asked, 3, 'again once, then next for each step');
});

// ---- the validator ----

const problemsOf = (steps: unknown[], en = EN, zh = ZH): string[] =>
  validateLab('quizzes', spec(steps as QuizStep[]), { en: parseProse(en), zh: parseProse(zh) });

t.test('valid quizzes: choice and typed, with hints or without', async (t) => {
  t.same(problemsOf([CHOICE, TYPED]), []);
  const noHints = (md: string): string => md.replace(/### (Hints|提示)\n- .*\n/g, '');
  t.same(problemsOf([CHOICE, TYPED], noHints(EN), noHints(ZH)), [], 'hints are optional in a quiz');
  t.same(proseDifferences(EN, ZH), []);
});

t.test('a quiz answer must be valid, and in the list of choices of both languages', async (t) => {
  const text = (steps: unknown[], en = EN, zh = ZH): string => problemsOf(steps, en, zh).join('\n');
  t.match(text([{ ...CHOICE, answer: { choice: 4 } }, TYPED]), 'en.md: quiz "pick": "answer.choice" is 4, but "### Choices" has only 3 items');
  t.match(text([{ ...CHOICE, answer: { choice: 4 } }, TYPED]), 'zh.md: quiz "pick": "answer.choice" is 4, but "### 选项" has only 3 items');
  t.match(text([{ ...CHOICE, answer: { choice: 0 } }, TYPED]), 'step "pick": field "answer.choice" must be the 1-based number');
  t.match(text([{ ...CHOICE, answer: { choice: 1.5 } }, TYPED]), 'field "answer.choice" must be the 1-based number');
  t.match(text([{ ...CHOICE, answer: {} }, TYPED]), 'step "pick": field "answer" must be { choice: <number> } or { typed: [<accepted answers>] }');
  t.match(text([{ ...CHOICE, answer: { choice: 1, typed: ['x'] } }, TYPED]), 'field "answer" must be');
  t.match(text([CHOICE, { ...TYPED, answer: { typed: [] } }]), 'step "type": field "answer.typed" must list at least one accepted answer');
  t.match(text([CHOICE, { ...TYPED, answer: { typed: ['x', ' '] } }]), 'field "answer.typed" must list at least one accepted answer, none of them empty');
  t.match(text([{ ...CHOICE, checks: [] }, TYPED]), 'step "pick": a quiz has no field "checks"');
  const shortZh = ZH.replace('- CLOCK_MONOTONIC\n', '');
  t.match(text([CHOICE, TYPED], EN, shortZh), 'quiz "pick": 3 choices in en.md, 2 in zh.md');
  t.match(proseDifferences(EN, shortZh).join('\n'), 'step "pick": 3 choices in en.md, 2 in zh.md');
  const oneChoice = EN.replace('- CLOCK_REALTIME\n- CLOCK_MONOTONIC\n', '');
  t.match(text([{ ...CHOICE, answer: { choice: 1 } }, TYPED], oneChoice), 'en.md: quiz "pick": "### Choices" needs at least two "- " items');
});

t.test('a quiz needs its why in both languages; a typed quiz has no choices; other steps neither', async (t) => {
  const text = (steps: unknown[], en = EN, zh = ZH): string => problemsOf(steps, en, zh).join('\n');
  const noWhyZh = ZH.replace('### 解释\n整台机器只有一个墙上时钟。\n', '');
  t.match(text([CHOICE, TYPED], EN, noWhyZh), 'zh.md: quiz "pick": "### 解释" (the explanation shown after the right answer) is missing or empty');
  t.match(proseDifferences(EN, noWhyZh).join('\n'), 'step "pick": "### Why" in en.md only');
  const typedChoices = EN.replace('Which flag of unshare(2) makes a time namespace?\n', 'Which flag?\n\n### Choices\n- a\n- b\n');
  t.match(text([CHOICE, TYPED], typedChoices), 'en.md: quiz "type": a typed answer has no "### Choices"');
  const demo = {
    id: 'pick',
    kind: 'demo',
    actions: [{ kind: 'run', argv: ['true'] }],
    checks: [{ id: 'c', title: { en: 'c', zh: '检查' }, verify: () => ({ ok: true, found: '' }) }],
  };
  const demoText = text([demo, TYPED]);
  t.match(demoText, 'en.md: step "pick": only a quiz step has "### Choices"');
  t.match(demoText, 'zh.md: step "pick": only a quiz step has "### 解释"');
  t.match(text([{ ...CHOICE, kind: 'poll' }]), 'field "kind" must be "demo", "task" or "quiz", found "poll"');
  const noQuestion = EN.replace('Which clock does a time namespace leave alone?\n', '');
  t.match(text([CHOICE, TYPED], noQuestion), 'en.md: step "pick": the question is empty');
});

t.test('prose: choices and why are parsed in both languages; Chinese lines join without a space', async (t) => {
  const en = parseProse(EN).steps.get('pick')!;
  t.same(en.choices, ['CLOCK_BOOTTIME', 'CLOCK_REALTIME', 'CLOCK_MONOTONIC']);
  t.equal(en.why, 'The wall clock is one for the whole machine.');
  t.same(en.hints, ['Think of `date`.']);
  t.equal(en.body, 'Which clock does a time namespace leave alone?');
  const zh = parseProse('# 标\n\n简\n\n## a: 一\n\n问？\n\n### 选项\n- 第一行\n  第二行\n- 用 `date`\n  看看\n').steps.get('a')!;
  t.same(zh.choices, ['第一行第二行', '用 `date` 看看']);
  t.same(parseProse(EN).steps.get('type')!.choices, []);
});
