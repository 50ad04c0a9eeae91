// The TAP 14 reporter: each lab is a subtest, each check a test point, each failure with the facts found.
import type { LabEvent, Listener } from '../lab/events.js';
import type { Lang } from '../lab/spec.js';

const yamlString = (text: string): string => JSON.stringify(text);
const escape = (text: string): string => text.replace(/#/g, '\\#').replace(/\n/g, ' ');

/** The test point of a check read before its step (`lab verify --prove-checks`). */
const PRECHECK_TITLE: Record<Lang, string> = {
  en: "fails before its step, as it must (read before the step's commands)",
  zh: '在它的步骤之前失败，理应如此（在该步骤的命令之前读取）',
};

/** How many lines of a failed command's output the diagnostic of its error carries. */
export const OUTPUT_TAIL_LINES = 20;
/** How much of a command's output is kept while it runs: enough for the tail, bounded whatever the command prints. */
const OUTPUT_KEPT_CHARS = 16_384;

/** The last `lines` lines of `text`, without its final newline. */
export function tailLines(text: string, lines: number): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  let at = body.length;
  for (let i = 0; i < lines; i++) {
    at = body.lastIndexOf('\n', at - 1);
    if (at < 0) return body;
  }
  return body.slice(at + 1);
}

/** Writes a TAP 14 document: begin, one subtest per lab (or a skip), end. */
export class TapWriter {
  private labs = 0;
  private failed = false;
  constructor(
    private readonly lang: Lang,
    private readonly write: (text: string) => void = (t) => void process.stdout.write(t),
  ) {}

  begin(): void {
    this.write('TAP version 14\n');
  }

  /** A listener for one lab's events, written as a subtest. */
  lab(): Listener {
    let point = 0;
    let id = '';
    let ok = true;
    // The output of the command that ran last (stdout and stderr as they came): TAP has no place for output as it
    // streams, so an error after a command carries its tail in its diagnostic.
    let output = '';
    const out = (text: string): void => this.write(`    ${text}\n`);
    return (event: LabEvent) => {
      switch (event.type) {
        case 'lab-start':
          id = event.lab.spec.id;
          this.write(`# Subtest: ${id}\n`);
          break;
        case 'step-start':
          output = '';
          out(`# ${event.step.spec.id}: ${escape(event.step.prose[this.lang].title)}`);
          break;
        case 'command':
          output = '';
          out(`# ${event.role === 'check' ? '?' : '$'} ${escape(event.command)}`);
          break;
        case 'output':
          output = (output + event.text).slice(-OUTPUT_KEPT_CHARS);
          break;
        case 'precheck':
          // Read before the step's actions: the check must fail here, or it proves nothing.
          point++;
          ok &&= !event.ok;
          out(`${event.ok ? 'not ok' : 'ok'} ${point} - ${event.step}/${event.check}: ${escape(PRECHECK_TITLE[this.lang])}`);
          out('  ---');
          out(`  found: ${yamlString(event.found[this.lang])}`);
          out('  ...');
          break;
        case 'quiz-answer':
          // An attempt is no test point: the quiz's one point is its `answer` check, once the step ends.
          out(`# ${event.ok ? 'right' : 'wrong'} answer: ${escape(event.given)}`);
          break;
        case 'check':
          point++;
          ok &&= event.ok;
          out(`${event.ok ? 'ok' : 'not ok'} ${point} - ${event.step}: ${escape(event.title[this.lang])}`);
          out('  ---');
          out(`  found: ${yamlString(event.found[this.lang])}`);
          out('  ...');
          break;
        case 'error':
          point++;
          ok = false;
          out(`not ok ${point} - ${event.step ?? id}: ${escape(`${event.error.operation}: ${event.error.code}`)}`);
          out('  ---');
          out(`  message: ${yamlString(event.error.meaning[this.lang])}`);
          if (output.trim()) out(`  output: ${yamlString(tailLines(output, OUTPUT_TAIL_LINES))}`);
          out(`  fix: ${yamlString(event.error.fix[this.lang])}`);
          out('  ...');
          break;
        case 'lab-done':
          if (event.outcome.status !== 'passed') ok = false;
          out(`1..${point}`);
          this.labs++;
          this.failed ||= !ok;
          this.write(`${ok ? 'ok' : 'not ok'} ${this.labs} - ${id}\n`);
          break;
        default:
          break;
      }
    };
  }

  /**
   * A lab that could not run on this host: a test point with a SKIP directive and the reason, then, when given,
   * what is missing and how to get it as its diagnostic.
   */
  skip(id: string, reason: string, details?: { message: string; fix: string }): void {
    this.labs++;
    this.write(`ok ${this.labs} - ${id} # SKIP ${escape(reason)}\n`);
    if (!details) return;
    this.write(`  ---\n  message: ${yamlString(details.message)}\n  fix: ${yamlString(details.fix)}\n  ...\n`);
  }

  end(): void {
    this.write(`1..${this.labs}\n`);
  }
}
