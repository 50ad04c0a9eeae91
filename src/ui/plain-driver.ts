// The interactive side of `lab run` without the TUI: pauses between steps, and for tasks a prompt that opens a
// shell, checks the learner's work, and gives hints one at a time.
import { createInterface } from 'node:readline';
import { runInteractive } from '../host/exec.js';
import { renderCommand } from '../kernel/shell.js';
import type { Driver } from '../lab/runner.js';
import type { Lang } from '../lab/spec.js';
import { fill } from './lang.js';
import { MSG } from './messages.js';
import { labelled } from './status-text.js';

/**
 * Ask one line on the terminal; Ctrl-C, Ctrl-D, an abort, or a terminal that went away (SIGHUP, EIO) answer 'q',
 * so that the run always reaches its cleanup.
 */
function ask(prompt: string, signal?: AbortSignal): Promise<string> {
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

/** A driver that talks with the learner on stdin/stdout. */
export function plainDriver(lang: Lang, labId: string, signal?: AbortSignal): Driver {
  const write = (text: string): void => void process.stdout.write(`${text}\n`);
  return {
    async beforeStep() {
      const answer = await ask(`\n${MSG.nextKeys[lang]} `, signal);
      return answer === 'q' ? 'quit' : 'go';
    },
    async task(step, session) {
      const hints = step.prose[lang].hints;
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
          write(
            shown < hints.length
              ? `  ${labelled(`${MSG.hint[lang]} ${shown + 1}/${hints.length}`, hints[shown++] ?? '', lang)}`
              : `  ${fill(MSG.noMoreHints[lang], { id: labId })}`,
          );
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
