// The TAP 14 reporter: each lab is a subtest, each check a test point, each failure with the facts found.
import type { LabEvent, Listener } from '../lab/events.js';
import type { Lang } from '../lab/spec.js';

const yamlString = (text: string): string => JSON.stringify(text);
const escape = (text: string): string => text.replace(/#/g, '\\#').replace(/\n/g, ' ');

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
    const out = (text: string): void => this.write(`    ${text}\n`);
    return (event: LabEvent) => {
      switch (event.type) {
        case 'lab-start':
          id = event.lab.spec.id;
          this.write(`# Subtest: ${id}\n`);
          break;
        case 'step-start':
          out(`# ${event.step.spec.id}: ${escape(event.step.prose[this.lang].title)}`);
          break;
        case 'command':
          out(`# ${event.role === 'check' ? '?' : '$'} ${escape(event.command)}`);
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

  /** A lab that could not run on this host, with the reason. */
  skip(id: string, reason: string): void {
    this.labs++;
    this.write(`ok ${this.labs} - ${id} # SKIP ${escape(reason)}\n`);
  }

  end(): void {
    this.write(`1..${this.labs}\n`);
  }
}
