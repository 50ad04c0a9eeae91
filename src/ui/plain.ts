// The plain-text reporter: what a learner reads in a terminal without the TUI, or in a pipe.
import type { LabEvent, Listener } from '../lab/events.js';
import type { Lang } from '../lab/spec.js';
import { formatError } from './error.js';
import { fill } from './lang.js';
import { MSG } from './messages.js';
import { cleanupText, exitNote, labelled } from './status-text.js';
import { reflow } from './text.js';
import type { LoadedStep } from '../lab/load.js';

export interface PlainOptions {
  lang: Lang;
  /** Show each step's explanation (lab run) or only titles, commands and checks (lab verify). */
  explain: boolean;
  /** ANSI colours (a TTY without NO_COLOR). */
  color: boolean;
  write?: (text: string) => void;
  /** Columns to wrap prose at (default: the terminal's, at most 100; 100 when not a terminal). */
  width?: number;
}

/** Whether to colour output written to this stream. */
export function wantsColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env);
}

const indent = (text: string, by = '  '): string =>
  text
    .split('\n')
    .map((line) => (line ? by + line : line))
    .join('\n');

/** A listener that writes the run as readable text. */
export function plainReporter(options: PlainOptions): Listener {
  const { lang } = options;
  const width = options.width ?? Math.min(process.stdout.columns || 100, 100);
  const prose = (text: string, by = '  '): string => indent(reflow(text, width - by.length), by);
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const paint = (code: string, text: string): string => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const green = (t: string): string => paint('32', t);
  const red = (t: string): string => paint('31', t);
  const dim = (t: string): string => paint('2', t);
  const bold = (t: string): string => paint('1', t);
  let atLineStart = true;
  // Output arrives in chunks that may end mid-line: keep each stream's unfinished line until it is complete.
  const partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const emitOutput = (stream: 'stdout' | 'stderr', text: string): void => {
    if (!text) return;
    const body = indent(text, '    ');
    write(`${atLineStart ? '' : '\n'}${stream === 'stderr' ? dim(body) : body}\n`);
    atLineStart = true;
  };
  const flushOutput = (): void => {
    for (const stream of ['stdout', 'stderr'] as const) {
      emitOutput(stream, partial[stream]);
      partial[stream] = '';
    }
  };
  let failedStep = '';
  let failedChecks = 0;
  let currentStep = '';
  // The quiz being asked (its prose shows the why after the right answer), and whether the harness answers it.
  let quiz: LoadedStep | undefined;
  let byHarness = false;
  const line = (text = ''): void => {
    write(`${atLineStart ? '' : '\n'}${text}\n`);
    atLineStart = true;
  };

  return (event: LabEvent) => {
    if (event.type !== 'output') flushOutput();
    switch (event.type) {
      case 'lab-start': {
        line(bold(`━━ ${event.lab.title[lang]} (${event.lab.spec.id}) ━━`));
        if (options.explain) line(prose(event.lab.summary[lang], ''));
        break;
      }
      case 'step-start': {
        const text = event.step.prose[lang];
        const kind = event.step.spec.kind === 'task' ? ` — ${MSG.yourTurn[lang]}` : event.step.spec.kind === 'quiz' ? ` — ${MSG.quiz[lang]}` : '';
        currentStep = event.step.spec.id;
        quiz = event.step.spec.kind === 'quiz' ? event.step : undefined;
        byHarness = false;
        line();
        line(bold(`[${event.index + 1}/${event.total}] ${text.title}${kind}`) + dim(`  (${event.step.spec.id})`));
        if (options.explain) line(prose(text.body));
        // A quiz's choices, numbered as the learner answers them (a letter works too).
        if (options.explain && text.choices.length > 0) {
          const number = (i: number): string => `  ${i + 1}. `.padEnd(6);
          line(text.choices.map((choice, i) => number(i) + indent(reflow(choice, width - 6), ' '.repeat(6)).trimStart()).join('\n'));
        }
        break;
      }
      case 'solution':
        // For a quiz, the harness gives the right answer: said with the answer itself.
        if (quiz?.spec.id === event.step) byHarness = true;
        else line(dim(`  ${MSG.solution[lang]}`));
        break;
      case 'quiz-answer': {
        const mark = event.ok ? green('✓') : red('✗');
        const who = !byHarness ? '' : dim(lang === 'zh' ? `（${MSG.quizByHarness[lang]}）` : `  (${MSG.quizByHarness[lang]})`);
        line(`  ${mark} ${labelled(MSG.quizAnswer[lang], bold(event.given), lang)}${who}`);
        if (!byHarness && options.explain) line(event.ok ? green(`  ${MSG.quizRight[lang]}`) : red(`  ${MSG.quizWrong[lang]}`));
        const why = quiz?.spec.id === event.step ? quiz.prose[lang].why : '';
        if (event.ok && options.explain && why) {
          line(bold(`  ${MSG.quizWhy[lang]}`));
          line(prose(why));
        }
        break;
      }
      case 'command':
        line(`  ${event.role === 'check' ? dim('? ') : '$ '}${event.role === 'check' ? dim(event.command) : bold(event.command)}`);
        break;
      case 'output': {
        const text = partial[event.stream] + event.text;
        const end = text.lastIndexOf('\n');
        partial[event.stream] = text.slice(end + 1);
        if (end >= 0) emitOutput(event.stream, text.slice(0, end));
        break;
      }
      case 'command-end':
        {
          const note = exitNote(event, lang);
          if (note !== undefined) line(event.ok ? dim(`    ${note}`) : red(`    ${note}`));
        }
        break;
      case 'task-wait':
        line(`  ${labelled(MSG.taskShell[lang], bold(event.shell), lang)}`);
        break;
      case 'precheck': {
        // Before the step's actions the check must fail; one that passes already proves nothing.
        const mark = event.ok ? red('✗') : green('✓');
        line(dim(`  ${mark} ${labelled(MSG.precheck[lang], event.check, lang)}`));
        if (event.ok) {
          line(dim(`      ${labelled(MSG.found[lang], event.found[lang], lang)}`));
          failedStep = currentStep;
          failedChecks++;
        }
        break;
      }
      case 'check': {
        const mark = event.ok ? green('✓') : red('✗');
        line(`  ${mark} ${event.title[lang]}`);
        line(dim(`      ${labelled(MSG.found[lang], event.found[lang], lang)}`));
        if (!event.ok) {
          failedStep = currentStep;
          failedChecks++;
        }
        break;
      }
      case 'error':
        line(red(indent(formatError(event.error, lang))));
        failedStep = event.step ?? failedStep;
        break;
      case 'cleanup':
        line(event.ok ? dim(`  ${cleanupText(event, lang)}`) : red(`  ${cleanupText(event, lang)}`));
        break;
      case 'step-done':
        break;
      case 'lab-done': {
        const o = event.outcome;
        line();
        if (o.status === 'passed') line(green(fill(MSG.resultPassed[lang], { checks: o.checksPassed, steps: o.steps })));
        else if (o.status === 'quit') line(fill(MSG.resultQuit[lang], { steps: o.stepsPassed, total: o.steps }));
        else if (o.status === 'error') line(red(fill(MSG.resultError[lang], { step: failedStep })));
        else line(red(fill(MSG.resultFailed[lang], { step: failedStep, failed: failedChecks })));
        break;
      }
    }
  };
}
