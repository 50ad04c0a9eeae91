// The interactive side of `lab run` without the TUI: pauses between steps, for tasks a prompt that opens a shell,
// checks the learner's work, and gives hints one at a time, and for quizzes a prompt that takes answers until the
// right one (the reporter shows the question, the choices and, after the right answer, why).
import { createInterface } from 'node:readline';
import { runInteractive } from '../host/exec.js';
import { renderCommand } from '../kernel/shell.js';
import type { Driver } from '../lab/runner.js';
import type { LoadedStep } from '../lab/load.js';
import { choiceLetter, choiceOf } from '../lab/quiz.js';
import type { Lang } from '../lab/spec.js';
import { fill } from './lang.js';
import { MSG } from './messages.js';
import { labelled } from './status-text.js';

/**
 * The lines of a stdin that is not a terminal (a pipe, a file), read by one reader for the whole run: a pipe delivers
 * many lines at once, and a reader per question would drop those after the first. Between questions the reader is
 * paused. At the end of the input every question is answered 'q'.
 */
class PipedLines {
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  private ended = false;
  private readonly rl = createInterface({ input: process.stdin, terminal: false });

  constructor() {
    this.rl.on('line', (line) => {
      if (this.waiting) this.take(line);
      else this.lines.push(line);
    });
    this.rl.on('close', () => {
      this.ended = true;
      this.take('q');
    });
    this.rl.pause();
  }

  private take(line: string): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    this.rl.pause();
    waiting?.(line);
  }

  next(signal?: AbortSignal): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined || this.ended || signal?.aborted) return Promise.resolve(line ?? 'q');
    return new Promise((resolve) => {
      const onAbort = (): void => this.take('q');
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting = (answer) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(answer);
      };
      this.rl.resume();
    });
  }
}

let piped: PipedLines | undefined;

/**
 * Ask one line on the terminal; Ctrl-C, Ctrl-D, an abort, or a terminal that went away (SIGHUP, EIO) answer 'q',
 * so that the run always reaches its cleanup. From a pipe, the next line of it.
 */
function ask(prompt: string, signal?: AbortSignal): Promise<string> {
  if (!process.stdin.isTTY) {
    process.stdout.write(prompt);
    return (piped ??= new PipedLines()).next(signal).then((answer) => {
      // Nothing echoes a piped answer: written after its prompt, the transcript reads as a dialogue.
      process.stdout.write(`${answer}\n`);
      return answer.trim().toLowerCase();
    });
  }
  return new Promise((resolve) => {
    let done = false;
    let rl: ReturnType<typeof createInterface> | undefined;
    const onError = (): void => finish('q');
    const finish = (answer: string): void => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      try {
        rl?.close();
      } catch {
        // The terminal is gone (EIO on setRawMode): nothing left to restore.
      }
      process.stdin.off('error', onError);
      resolve(answer.trim().toLowerCase());
    };
    const onAbort = (): void => finish('q');
    if (signal?.aborted) return finish('q');
    signal?.addEventListener('abort', onAbort);
    process.stdin.on('error', onError);
    try {
      // terminal: false leaves the TTY in its normal line mode (no raw mode to restore on a terminal that may
      // vanish); Ctrl-C then reaches the process as SIGINT, which aborts the run and answers 'q'.
      rl = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
      rl.on('error', onError);
      rl.on('close', () => finish('q'));
      process.stdout.write(prompt);
      rl.once('line', finish);
    } catch {
      finish('q');
    }
  });
}

/** Where the plain driver reads answers and writes its prompts (a terminal by default; tests give a pipe). */
export interface PromptIo {
  ask(prompt: string): Promise<string>;
  write(text: string): void;
}

/** The next hint of a step, `Hint k/n: ...`, or what to do when none is left. */
function hintLine(step: LoadedStep, shown: number, lang: Lang, labId: string): string {
  const hints = step.prose[lang].hints;
  if (shown < hints.length) return `  ${labelled(`${MSG.hint[lang]} ${shown + 1}/${hints.length}`, hints[shown] ?? '', lang)}`;
  return `  ${fill(step.spec.kind === 'quiz' ? MSG.quizNoMoreHints[lang] : MSG.noMoreHints[lang], { id: labId })}`;
}

/**
 * Ask a quiz until the right answer: `h` shows the next hint, `q` quits; for a choice quiz, an answer that names no
 * choice is explained rather than counted as wrong.
 */
export async function askQuiz(step: LoadedStep, answer: (given: string) => boolean, lang: Lang, labId: string, io: PromptIo): Promise<'passed' | 'quit'> {
  const count = step.prose.en.choices.length;
  const choice = step.spec.kind === 'quiz' && 'choice' in step.spec.answer;
  const keys = choice ? fill(MSG.quizChoiceKeys[lang], { count, last: choiceLetter(count) }) : MSG.quizTypedKeys[lang];
  let shown = 0;
  for (;;) {
    const given = (await io.ask(`\n${keys} `)).trim();
    if (given.toLowerCase() === 'q') return 'quit';
    if (given.toLowerCase() === 'h') {
      io.write(hintLine(step, shown, lang, labId));
      shown = Math.min(shown + 1, step.prose[lang].hints.length);
    } else if (!given) {
      continue;
    } else if (choice && choiceOf(given, count) === undefined) {
      io.write(`  ${MSG.quizNoChoice[lang]}`);
    } else if (answer(given)) {
      return 'passed';
    }
  }
}

/** A driver that talks with the learner on stdin/stdout. */
export function plainDriver(lang: Lang, labId: string, signal?: AbortSignal): Driver {
  const write = (text: string): void => void process.stdout.write(`${text}\n`);
  return {
    quiz: (step, answer) => askQuiz(step, answer, lang, labId, { ask: (prompt) => ask(prompt, signal), write }),
    async beforeStep() {
      const answer = await ask(`\n${MSG.nextKeys[lang]} `, signal);
      return answer === 'q' ? 'quit' : 'go';
    },
    async task(step, session) {
      let shown = 0;
      write(
        step.spec.kind === 'task' && step.spec.shell === 'lab'
          ? `  ${MSG.taskAnotherTerminal[lang]} sudo lab shell ${labId}`
          : `  ${MSG.taskHostTerminal[lang]}`,
      );
      for (;;) {
        const answer = await ask(`\n${MSG.taskKeys[lang]} `, signal);
        if (answer === 'q') return 'quit';
        if (answer === 'h') {
          write(hintLine(step, shown, lang, labId));
          shown = Math.min(shown + 1, step.prose[lang].hints.length);
        } else if (answer === 'c') {
          if (await session.check()) return 'passed';
          write(`  ${MSG.notYet[lang]}`);
        } else {
          const argv = session.shellArgv();
          write(`  $ ${renderCommand(argv)}`);
          await runInteractive(argv, { runId: session.runId });
        }
      }
    },
  };
}
