// The prose of a lab: labs/<id>/en.md and zh.md. Structure (checked by the validator):
//
//   # <lab title>
//   <summary paragraph; its first line is the one-line summary in `lab list`>
//   ## <step-id>: <step title>
//   <explanation, markdown; for a quiz step, the question>
//   ### Choices              (zh: ### 选项; a `choice` quiz only: its items, in the same order in both languages)
//   - <choice>
//   ### Why                  (zh: ### 解释; a quiz only: shown once the right answer is given)
//   <explanation, markdown>
//   ### Hints                (zh: ### 提示)
//   - <hint>
//   - <hint>

/** The prose of one step. */
export interface StepProse {
  title: string;
  body: string;
  hints: string[];
  /** A `choice` quiz's `### Choices` items, in order (empty otherwise). */
  choices: string[];
  /** A quiz's `### Why` section: the explanation shown once the right answer is given (empty otherwise). */
  why: string;
}

/** The prose of one lab in one language. */
export interface LabProse {
  title: string;
  summary: string;
  steps: Map<string, StepProse>;
  /** Problems found while parsing, reported by the validator with the file name. */
  problems: string[];
}

/** The part of a step section a line belongs to. */
type Part = 'body' | 'hints' | 'choices' | 'why';

/** The part a `###` heading starts, in either language, or undefined for any other line. */
function partOf(line: string): Part | undefined {
  const m = /^###\s+(.+?)\s*$/.exec(line);
  switch (m?.[1]) {
    case 'Hints':
    case '提示':
      return 'hints';
    case 'Choices':
    case '选项':
      return 'choices';
    case 'Why':
    case '解释':
      return 'why';
    default:
      return undefined;
  }
}

/** Chinese text or full-width punctuation: lines of Chinese join without a space. */
const WIDE = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;

/** Add a `- item` line to a list, or continue its last item with an indented line. */
function listItem(items: string[], line: string): void {
  const next = line.trim();
  if (line.startsWith('- ')) {
    items.push(line.slice(2).trim());
    lastLine.set(items, items[items.length - 1]!);
  } else if (next && items.length > 0) {
    // The join looks at the line added last, never at the whole item: reading the end of a long item each time
    // made a hint of many lines (a 1 MB file) take minutes.
    const last = items[items.length - 1]!;
    items[items.length - 1] = WIDE.test((lastLine.get(items) ?? last).slice(-1)) && WIDE.test(next[0]!) ? last + next : `${last} ${next}`;
    lastLine.set(items, next);
  }
}

/** The line added last to each list's last item. */
const lastLine = new WeakMap<string[], string>();

/** Parse a lab's markdown prose (pure). */
export function parseProse(text: string): LabProse {
  const prose: LabProse = { title: '', summary: '', steps: new Map(), problems: [] };
  let current: { id: string; step: StepProse; part: Part; body: string[]; why: string[] } | undefined;
  const summary: string[] = [];
  const flush = (): void => {
    if (!current) return;
    current.step.body = current.body.join('\n').trim();
    current.step.why = current.why.join('\n').trim();
    if (prose.steps.has(current.id)) prose.problems.push(`section "## ${current.id}" appears twice`);
    prose.steps.set(current.id, current.step);
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('# ') && !prose.title && !current) {
      prose.title = line.slice(2).trim();
    } else if (line.startsWith('## ')) {
      flush();
      const m = /^##\s+([a-z0-9-]+)\s*:\s*(.+)$/.exec(line);
      if (!m) {
        prose.problems.push(`heading "${line}" is not "## <step-id>: <title>"`);
        current = undefined;
        continue;
      }
      current = { id: m[1]!, step: { title: m[2]!.trim(), body: '', hints: [], choices: [], why: '' }, part: 'body', body: [], why: [] };
    } else if (current && partOf(line)) {
      current.part = partOf(line)!;
    } else if (current?.part === 'hints') {
      listItem(current.step.hints, line);
    } else if (current?.part === 'choices') {
      listItem(current.step.choices, line);
    } else if (current?.part === 'why') {
      current.why.push(line);
    } else if (current) {
      current.body.push(line);
    } else {
      summary.push(line);
    }
  }
  flush();
  prose.summary = summary.join('\n').trim();
  return prose;
}

/** The first line of the summary: what `lab list` shows. */
export function oneLine(summary: string): string {
  return summary.split('\n')[0]?.trim() ?? '';
}
