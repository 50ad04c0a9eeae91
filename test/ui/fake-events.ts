// A fake lab and the events of runs of it, for the tests of the reporters (plain, TAP, JSON): each listens to the
// runner's events and must render them faithfully.
import { LabError } from '../../src/common/errors.js';
import type { LabEvent } from '../../src/lab/events.js';
import type { LoadedLab } from '../../src/lab/load.js';

/** The lab's only step, a demo. */
const step = {
  spec: { id: 'one', kind: 'demo' as const, actions: [], checks: [] },
  index: 0,
  prose: {
    en: { title: 'Step one', body: 'Body of\nstep one.', hints: ['h'], choices: [], why: '' },
    zh: { title: '第一步', body: '第一步的\n说明。', hints: ['提示'], choices: [], why: '' },
  },
};
/** A lab of one step, loaded from nowhere. */
const lab = {
  spec: { format: 1, id: 'fake', order: 1, requires: [], shell: { target: 'x', namespaces: [] }, steps: [step.spec] },
  dir: '/nowhere',
  title: { en: 'Fake lab', zh: '假实验' },
  summary: { en: 'A fake.', zh: '一个假的。' },
  steps: [step],
} as unknown as LoadedLab;

/** A run: a command in the background and its output, a check passed and one failed (a # in its title), cleanup. */
export const stream: LabEvent[] = [
  { type: 'lab-start', lab, lang: 'en', mode: 'run', runId: 'lab-fake-1-x' },
  { type: 'step-start', step: step as LoadedLab['steps'][number], index: 0, total: 1 },
  { type: 'command', step: 'one', role: 'action', command: 'unshare --pid sleep 1 &', background: true },
  { type: 'output', step: 'one', stream: 'stdout', text: 'NSpid:\t42\t1\n' },
  { type: 'command-end', step: 'one', exitCode: 1, expected: 'fail', ok: true },
  { type: 'check', step: 'one', check: 'c1', title: { en: 'PID 1 inside', zh: '里面是 1 号进程' }, ok: true, found: { en: 'NSpid: 42 1', zh: 'NSpid: 42 1' } },
  { type: 'check', step: 'one', check: 'c2', title: { en: 'a # in a title', zh: '标题' }, ok: false, found: { en: 'nothing', zh: '什么也没有' } },
  { type: 'step-done', step: 'one', status: 'failed' },
  { type: 'cleanup', what: 'process init (42)', ok: true },
  { type: 'lab-done', lab: 'fake', outcome: { status: 'failed', checksPassed: 1, checksFailed: 1, stepsPassed: 0, steps: 1 } },
];

/** What the failing command prints on stdout: 25 lines (then `sh: boom: not found` on stderr). */
export const lines = Array.from({ length: 25 }, (_, i) => `line ${i + 1}`);

/** The error after the failing command. */
export const error = new LabError({
  operation: 'run `sh -c boom`',
  code: 'command-failed',
  meaning: { en: 'The command failed; its output says why.', zh: '命令执行失败，原因见它的输出。' },
  fix: { en: 'Run `lab doctor`.', zh: '运行 `lab doctor`。' },
});

/** A verify run: an earlier command and its output, then a command that fails after printing `lines`, and the error. */
export const failing: LabEvent[] = [
  { type: 'lab-start', lab, lang: 'en', mode: 'verify', runId: 'lab-fake-2-x' },
  { type: 'step-start', step: step as LoadedLab['steps'][number], index: 0, total: 1 },
  { type: 'command', step: 'one', role: 'action', command: 'echo earlier', background: false },
  { type: 'output', step: 'one', stream: 'stdout', text: 'output of an earlier command\n' },
  { type: 'command-end', step: 'one', exitCode: 0, expected: 'ok', ok: true },
  { type: 'command', step: 'one', role: 'action', command: 'sh -c boom', background: false },
  // In chunks that split lines, stdout and stderr as they came.
  { type: 'output', step: 'one', stream: 'stdout', text: `${lines.slice(0, 12).join('\n')}\nline ` },
  { type: 'output', step: 'one', stream: 'stdout', text: `13\n${lines.slice(13).join('\n')}\n` },
  { type: 'output', step: 'one', stream: 'stderr', text: 'sh: boom: not found\n' },
  { type: 'command-end', step: 'one', exitCode: 127, expected: 'ok', ok: false },
  { type: 'error', step: 'one', error },
  { type: 'step-done', step: 'one', status: 'error' },
  { type: 'cleanup', what: 'process init (42)', ok: true },
  { type: 'lab-done', lab: 'fake', outcome: { status: 'error', checksPassed: 0, checksFailed: 0, stepsPassed: 0, steps: 1 } },
];

/** A quiz step: a question, three choices (the second right), why, one hint. */
export const quizStep = {
  spec: { id: 'why-clock', kind: 'quiz' as const, answer: { choice: 2 } },
  index: 1,
  prose: {
    en: {
      title: 'One wall clock',
      body: 'Why is the wall clock not namespaced?',
      hints: ['Think of `date`.'],
      choices: ['The RTC', 'Complex and costly, for little use', 'Root only'],
      why: 'Every machine must agree on it.',
    },
    zh: {
      title: '一个墙上时钟',
      body: '为什么墙上时钟不属于命名空间？',
      hints: ['想想 `date`。'],
      choices: ['RTC', '复杂、代价高，用处小', '只有 root'],
      why: '所有机器都必须在这一点上一致。',
    },
  },
};

/** A run of the quiz: a wrong answer, then the right one by its letter, the answer check, done. */
export const quizStream: LabEvent[] = [
  { type: 'step-start', step: quizStep as unknown as LoadedLab['steps'][number], index: 1, total: 2 },
  { type: 'quiz-answer', step: 'why-clock', given: '1', ok: false },
  { type: 'quiz-answer', step: 'why-clock', given: 'b', ok: true },
  {
    type: 'check',
    step: 'why-clock',
    check: 'answer',
    title: { en: 'The answer is right', zh: '回答正确' },
    ok: true,
    found: { en: '2. Complex and costly, for little use', zh: '2. 复杂、代价高，用处小' },
  },
  { type: 'step-done', step: 'why-clock', status: 'passed' },
];

/** The same quiz answered by the harness (`lab verify`, `--yes`): a solution, then the right answer. */
export const quizByHarness: LabEvent[] = [
  quizStream[0]!,
  { type: 'solution', step: 'why-clock' },
  { type: 'quiz-answer', step: 'why-clock', given: '2', ok: true },
  quizStream[3]!,
  quizStream[4]!,
];
