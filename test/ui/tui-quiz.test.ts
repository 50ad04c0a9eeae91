// Quiz steps in the terminal UI, driven as a learner would in a real terminal (tmux, 80x24), on a fixture lab (a
// demo, a `choice` quiz, a `typed` quiz; test/fixtures/quiz-labs/fixture-quiz). In English: the quizzes marked in
// the step list, a hint, a wrong choice then the right one, the language switched mid-quiz, the `### Why` shown only
// after the right answer, a typed answer cancelled, a wrong one and a right one, the lab passed and recorded in the
// progress file, the host as before. In Chinese from the start: typed Chinese in the input line, then q quits.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/host/cleanup.js';
import { displayWidth } from '../../src/ui/text.js';
import { BIN, hostSnapshot, needsRoot, ROOT, useTempState } from '../helpers.js';

const LABS = join(ROOT, 'test', 'fixtures', 'quiz-labs');
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skip = needsRoot() || (!hasTmux && 'needs tmux');

/** A private tmux server (its own socket) running one command; only this server is ever killed. */
function terminal(t: { teardown(fn: () => void): void }, command: string, cols = 80, rows = 24) {
  const socket = `lab-tui-quiz-${process.pid}`;
  const tmux = (...args: string[]): string => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' }).stdout ?? '';
  t.teardown(() => void tmux('kill-server'));
  tmux('new-session', '-d', '-s', 'lab', '-x', String(cols), '-y', String(rows), command);
  const screen = (): string => tmux('capture-pane', '-p', '-t', 'lab');
  /** The right-hand column (explanation, commands) with white space removed: wrapped prose reads as one string. */
  const right = (): string =>
    screen()
      .split('\n')
      .map((l) => l.split('│').slice(1).join('│'))
      .join('')
      .replace(/\s+/g, '');
  return {
    screen,
    right,
    keys: (...keys: string[]) => void tmux('send-keys', '-t', 'lab', ...keys),
    /** Type text literally (send-keys -l: no key names). */
    type: (text: string) => void tmux('send-keys', '-t', 'lab', '-l', text),
    waitText: (text: string, ms = 10_000) => waitFor(() => screen().includes(text), ms, 50),
    waitRight: (text: string, ms = 10_000) => waitFor(() => right().includes(text.replace(/\s+/g, '')), ms, 50),
  };
}

/** What the progress file says of the fixture lab: the steps passed, and how each run ended. */
function progressOf(state: string): { passed: string[]; runs: string[] } {
  const progress = JSON.parse(readFileSync(join(state, 'progress.json'), 'utf8')) as {
    labs: Record<string, { passed?: string[]; runs?: { status: string }[] }>;
  };
  const lab = progress.labs['fixture-quiz'];
  return { passed: lab?.passed ?? [], runs: (lab?.runs ?? []).map((r) => r.status) };
}

t.test('a learner answers the quizzes of a lab in the terminal UI, in English and in Chinese', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const term = terminal(t, `env LAB_LABS_DIR=${LABS} LAB_STATE_DIR=${state} LANG=C.UTF-8 ${process.execPath} ${BIN} run fixture-quiz; sleep 60`);
  const fits = (): void => {
    for (const line of term.screen().split('\n')) t.ok(displayWidth(line) <= 80, `no line is wider than the terminal: ${line}`);
  };

  t.ok(await term.waitText('Step passed. n: next step'), 'the demo step ran and waits for n');
  let screen = term.screen();
  t.match(screen, '? 2. Which clocks does', 'the step list marks the choice quiz as a question ahead');
  t.match(screen, '? 3. Where are the', 'and the typed one');

  // The choice quiz: its question and numbered choices, no answer yet, no why.
  term.keys('n');
  t.ok(await term.waitText('Your answer: press 1-3'), 'the quiz asks for a digit');
  screen = term.screen();
  t.match(screen, 'Step 2/3 · 1/3 passed', 'the header');
  t.match(screen, '? 2. Which clocks does', "the quiz is marked as the learner's turn");
  t.match(screen, '? 3. Where are the', 'the next quiz is still marked as one');
  t.match(screen, /— *\n?.*Quiz/, 'the title says it is a quiz');
  t.match(screen, '1. CLOCK_REALTIME, the wall clock', 'the first choice, numbered, its code shown without backticks');
  t.match(screen, '2. CLOCK_MONOTONIC and CLOCK_BOOTTIME');
  t.match(screen, '3. Every clock of the machine');
  t.match(screen, '1-3 answer  h hint', 'the footer lists the keys');
  t.notOk(term.right().includes('wallclockforthewholemachine'), 'the why is not shown before the right answer');
  fits();

  term.keys('h');
  t.ok(await term.waitText('Hint 1/1'), 'h shows the hint');
  term.keys('n');
  t.ok(await term.waitText('Answer the question first: Your answer: press 1-3'), 'n does not skip the quiz');
  term.keys('7');
  t.ok(await term.waitText('There is no choice 7: press 1-3.'), 'a digit beyond the choices is refused');

  // A wrong choice: marked, said, logged; nothing passed.
  term.keys('1');
  t.ok(await term.waitText('Choice 1 is not right. Try another'), 'a wrong answer is said so');
  screen = term.screen();
  t.match(screen, '✗ 1. CLOCK_REALTIME', 'the wrong choice is marked');
  t.match(screen, '✗ Answer: 1. CLOCK_REALTIME', 'the commands pane records the answer');
  t.match(screen, '1/3 passed', 'the quiz has not passed');
  t.notOk(term.right().includes('wallclockforthewholemachine'), 'still no why');

  // In Chinese, live: the same quiz, the same marks.
  term.keys('l');
  t.ok(await term.waitText('你的回答：按 1-3'), 'l switches to Chinese');
  screen = term.screen();
  t.match(screen, '? 2. 时间命名空间', 'the step list in Chinese');
  t.ok(term.right().includes('3.机器上的所有时钟'), 'the choices in Chinese');
  t.match(screen, '✗ 1. CLOCK_REALTIME，即墙上时钟', 'the wrong choice still marked');
  t.match(screen, '✗ 回答：1. CLOCK_REALTIME', 'the answer given, in Chinese');
  t.match(screen, '1-3 回答  h 提示', 'the footer in Chinese');
  fits();

  // The right choice: marked, passed, and the why shown, in Chinese and then in English.
  term.keys('2');
  t.ok(await term.waitText('已通过 2/3'), 'the quiz passed');
  t.ok(await term.waitText('回答正确：下面的解释说明了原因。n：下一步'), 'the right answer is said so');
  screen = term.screen();
  t.match(screen, '✓ 2. CLOCK_MONOTONIC 和 CLOCK_BOOTTIME', 'the right choice is marked');
  t.match(screen, '✓ 2. 时间命名空间', 'the quiz is marked passed in the list');
  t.match(screen, / 解释\s*$/m, 'the why heading');
  t.ok(term.right().includes('整台机器只有一个墙上时钟'), 'the why, in Chinese');
  fits();
  term.keys('l');
  t.ok(await term.waitText('2/3 passed'), 'back to English');
  t.ok(await term.waitRight('one wall clock for the whole machine.'), 'the why, in English');
  t.match(term.screen(), '✓ Answer: 2. CLOCK_MONOTONIC', 'the commands pane records the right answer');
  t.match(term.screen(), '✓ The answer is right', 'and the answer check');

  // The typed quiz: Enter opens the input line, Esc closes it, a wrong answer, then a right one.
  term.keys('n');
  t.ok(await term.waitText('Press Enter (or a) to type your answer.'), 'the typed quiz asks for an answer');
  t.match(term.screen(), 'Enter type the answer', 'the footer says how');
  term.keys('Enter');
  t.ok(await term.waitText('Your answer: ▏'), 'Enter opens the input line');
  term.type('nope q');
  t.ok(await term.waitText('Your answer: nope q▏'), 'every key goes to the input line, q too');
  t.match(term.screen(), 'Enter submit  Esc cancel', 'the footer says how to submit and cancel');
  term.keys('Escape');
  t.ok(await term.waitText('Press Enter (or a) to type your answer.'), 'Esc cancels');
  t.notMatch(term.screen(), 'nope', 'nothing was answered');
  term.keys('a');
  t.ok(await term.waitText('Your answer: ▏'), 'a opens the input line too');
  term.type('uptimex');
  term.keys('BSpace', 'Enter');
  t.ok(await term.waitText('“uptime” is not right. Enter: try again'), 'a wrong typed answer is said so');
  t.match(term.screen(), '✗ Answer: uptime — not right', 'and recorded');
  t.notOk(term.right().includes('canbewrittenonly'), 'no why yet');
  term.keys('Enter');
  term.type('  /proc/self/TIMENS_offsets ');
  term.keys('Enter');
  t.ok(await term.waitText('3/3 passed'), 'the right answer, given in another case with spaces around it, passed');
  t.ok(await term.waitText('Right: the explanation below says why. n: finish and clean up'), 'said so');
  t.ok(await term.waitRight('/proc/<pid>/timens_offsets lists monotonic and boottime'), 'the why is shown');
  fits();

  // The lab is over: the progress file has both quizzes as passed; the host is as before.
  term.keys('n');
  t.ok(await term.waitText('The lab is over. q closes this screen.', 15_000), 'the lab is over');
  term.keys('q');
  t.ok(await term.waitText('Lab passed: 3 checks in 3 steps', 15_000), 'the result stays on the normal screen');
  t.same(progressOf(state), { passed: ['start', 'which-clocks', 'offsets-file'], runs: ['passed'] }, 'the progress file records the quizzes as passed');
  t.same(hostSnapshot(state), before, 'the host is as before');
});

t.test('in Chinese from the start: a typed answer in Chinese, then q quits during a quiz', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const term = terminal(t, `env LAB_LABS_DIR=${LABS} LAB_STATE_DIR=${state} LANG=C.UTF-8 ${process.execPath} ${BIN} run fixture-quiz --lang zh; sleep 60`);
  t.ok(await term.waitText('本步骤通过'), 'the demo step passed');
  term.keys('n');
  t.ok(await term.waitText('你的回答：按 1-3'), 'the choice quiz, in Chinese');
  term.keys('3');
  t.ok(await term.waitText('第 3 项不对，再选一个'), 'a wrong choice is said so');
  term.keys('2');
  t.ok(await term.waitText('已通过 2/3'), 'the right one passed');
  t.ok(term.right().includes('整台机器只有一个墙上时钟'), 'the why');
  term.keys('n');
  t.ok(await term.waitText('按 Enter（或 a）输入你的回答。'), 'the typed quiz, in Chinese');
  term.keys('Enter');
  term.type('时间偏移');
  t.ok(await term.waitText('你的回答：时间偏移▏'), 'Chinese typed into the input line');
  term.keys('Enter');
  t.ok(await term.waitText('“时间偏移”不对。按 Enter 再试一次'), 'a wrong answer in Chinese is said so');
  t.match(term.screen(), '✗ 回答：时间偏移 — 不对', 'and recorded');
  for (const line of term.screen().split('\n')) t.ok(displayWidth(line) <= 80, `no line is wider than the terminal: ${line}`);
  term.keys('q');
  t.ok(await term.waitText('实验在完成 3 步中的 2 步后停止', 15_000), 'q quits while the quiz waits');
  t.same(progressOf(state), { passed: ['start', 'which-clocks'], runs: ['quit'] }, 'the progress file: the quiz answered passed, the one quit not');
  t.same(hostSnapshot(state), before, 'the host is as before');
});
