// The prose of a lab: labs/<id>/en.md and zh.md. Structure (checked by the validator):
//
//   # <lab title>
//   <summary paragraph; its first line is the one-line summary in `lab list`>
//   ## <step-id>: <step title>
//   <explanation, markdown>
//   ### Hints
//   - <hint>
//   - <hint>

/** The prose of one step. */
export interface StepProse {
  title: string;
  body: string;
  hints: string[];
}

/** The prose of one lab in one language. */
export interface LabProse {
  title: string;
  summary: string;
  steps: Map<string, StepProse>;
  /** Problems found while parsing, reported by the validator with the file name. */
  problems: string[];
}

/** Parse a lab's markdown prose (pure). */
export function parseProse(text: string): LabProse {
  const prose: LabProse = { title: '', summary: '', steps: new Map(), problems: [] };
  let current: { id: string; step: StepProse; inHints: boolean; body: string[] } | undefined;
  const summary: string[] = [];
  const flush = (): void => {
    if (!current) return;
    current.step.body = current.body.join('\n').trim();
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
      current = { id: m[1]!, step: { title: m[2]!.trim(), body: '', hints: [] }, inHints: false, body: [] };
    } else if (current && /^###\s+(Hints|提示)\s*$/.test(line)) {
      current.inHints = true;
    } else if (current?.inHints) {
      if (line.startsWith('- ')) current.step.hints.push(line.slice(2).trim());
      else if (line.trim() && current.step.hints.length > 0) {
        const last = current.step.hints.length - 1;
        current.step.hints[last] = `${current.step.hints[last]} ${line.trim()}`;
      }
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
