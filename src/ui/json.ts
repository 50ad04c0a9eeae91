// The JSON-lines reporter: one event per line, with the lab's prose reduced to the chosen language.
import type { LabEvent, Listener } from '../lab/events.js';
import type { Lang } from '../lab/spec.js';

/** The serialisable form of an event. */
export function eventToJson(event: LabEvent, lang: Lang): Record<string, unknown> {
  switch (event.type) {
    case 'lab-start':
      return { type: event.type, lab: event.lab.spec.id, title: event.lab.title[lang], lang: event.lang, mode: event.mode, runId: event.runId };
    case 'step-start':
      return {
        type: event.type,
        step: event.step.spec.id,
        kind: event.step.spec.kind,
        title: event.step.prose[lang].title,
        index: event.index,
        total: event.total,
      };
    case 'task-wait':
      return { type: event.type, step: event.step.spec.id, shell: event.shell };
    case 'check':
      return { type: event.type, step: event.step, check: event.check, title: event.title[lang], ok: event.ok, found: event.found[lang] };
    case 'quiz-answer':
      return { type: event.type, step: event.step, given: event.given, ok: event.ok };
    case 'cleanup':
      return { type: event.type, what: event.what, ok: event.ok, ...(event.label ? { label: event.label[lang] } : {}) };
    case 'error':
      return {
        type: event.type,
        step: event.step,
        operation: event.error.operation,
        code: event.error.code,
        meaning: event.error.meaning[lang],
        fix: event.error.fix[lang],
      };
    default:
      return { ...event };
  }
}

/** A listener that writes each event as one JSON line. */
export function jsonReporter(lang: Lang, write: (text: string) => void = (t) => void process.stdout.write(t)): Listener {
  return (event) => write(`${JSON.stringify(eventToJson(event, lang))}\n`);
}
