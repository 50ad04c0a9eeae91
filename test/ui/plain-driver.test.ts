// The plain prompt's quiz: answers until the right one, `h` for the next hint, `q` to quit, in both languages; and,
// through a real pipe, the compiled driver reading one answer per line.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import type { LoadedStep } from '../../src/lab/load.js';
import { isRightAnswer } from '../../src/lab/quiz.js';
import type { QuizStep } from '../../src/lab/spec.js';
import { askQuiz, type PromptIo } from '../../src/ui/plain-driver.js';
import { ROOT } from '../helpers.js';

const CHOICE: QuizStep = { kind: 'quiz', id: 'q', answer: { choice: 2 } };
const TYPED: QuizStep = { kind: 'quiz', id: 't', answer: { typed: ['CLONE_NEWTIME'] } };
const prose = (choices: string[]) => ({
  en: { title: 'Q', body: 'Which?', hints: ['first hint', 'second hint'], choices, why: 'Because.' },
  zh: { title: '问', body: '哪个？', hints: ['第一条', '第二条'], choices, why: '因为。' },
});
const stepOf = (spec: QuizStep, choices: string[]): LoadedStep => ({ spec, index: 0, prose: prose(choices) });

/** A prompt that answers from a list (then 'q'), keeping what was written and the prompts asked. */
function scripted(answers: string[]): PromptIo & { out: string[]; prompts: string[] } {
  const out: string[] = [];
  const prompts: string[] = [];
  return { out, prompts, ask: async (prompt) => (prompts.push(prompt), answers.shift() ?? 'q'), write: (text) => void out.push(text) };
}

t.test('a choice quiz: a wrong answer, hints one at a time, a non-choice explained, the right letter', async (t) => {
  const step = stepOf(CHOICE, ['one', 'two', 'three']);
  const given: string[] = [];
  const io = scripted(['1', 'h', '', 'h', 'h', 'x', '7', 'B']);
  const result = await askQuiz(step, (g) => (given.push(g), isRightAnswer(CHOICE, g, 3)), 'en', 'lab-x', io);
  t.equal(result, 'passed');
  t.same(given, ['1', 'B'], 'only answers that name a choice are attempts');
  t.same(io.out, [
    '  Hint 1/2: first hint',
    '  Hint 2/2: second hint',
    '  No more hints; `lab verify lab-x` shows the answer.',
    '  Answer with the number or the letter of a choice.',
    '  Answer with the number or the letter of a choice.',
  ]);
  t.match(io.prompts[0], '[1-3 or a-c] your answer  [h] hint  [q] quit');
});

t.test('a typed quiz in Chinese; q quits', async (t) => {
  const step = stepOf(TYPED, []);
  const io = scripted(['clone_newns', 'h', 'q', 'CLONE_NEWTIME']);
  const given: string[] = [];
  const result = await askQuiz(step, (g) => (given.push(g), isRightAnswer(TYPED, g, 0)), 'zh', 'lab-x', io);
  t.equal(result, 'quit');
  t.same(given, ['clone_newns'], 'a typed answer is any text');
  t.same(io.out, ['  提示 1/2：第一条']);
  t.match(io.prompts[0], '输入你的回答  [h] 提示  [q] 退出');
});

t.test('through a pipe: the compiled driver reads one answer per line, and q at the end of the input', async (t) => {
  const driver = pathToFileURL(join(ROOT, 'dist', 'src', 'ui', 'plain-driver.js')).href;
  const quiz = pathToFileURL(join(ROOT, 'dist', 'src', 'lab', 'quiz.js')).href;
  const script = `
    const { plainDriver } = await import(${JSON.stringify(driver)});
    const { isRightAnswer } = await import(${JSON.stringify(quiz)});
    const spec = ${JSON.stringify(CHOICE)};
    const step = { spec, index: 0, prose: ${JSON.stringify(prose(['one', 'two', 'three']))} };
    for (let i = 0; i < 2; i++) {
      const result = await plainDriver('en', 'lab-x').quiz(step, (given) => {
        const ok = isRightAnswer(spec, given, 3);
        process.stdout.write('[answer ' + given + ' ' + ok + ']\\n');
        return ok;
      });
      process.stdout.write('[result ' + result + ']\\n');
    }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input: '1\nh\nb\n', encoding: 'utf8', timeout: 20_000 });
  t.equal(child.status, 0, child.stderr);
  t.match(child.stdout, /\(then Enter\) 1\n\[answer 1 false\]/, 'each answer after its prompt');
  t.match(child.stdout, /\(then Enter\) h\n {2}Hint 1\/2: first hint\n/);
  t.match(child.stdout, /\[answer b true\]\n\[result passed\]\n/);
  t.match(child.stdout, /\[result passed\]\n[\s\S]*\[result quit\]\n$/, 'the end of the input quits the next quiz');
});
