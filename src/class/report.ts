// The listener `lab run` adds while this machine is in a class: it reduces each runner event to the JSON
// reporter's lab/step/check fields (src/ui/json.ts), without `found` and never a command or its output, queues it
// on disk and sends the queue in the background. It never throws and never waits: a lab run is the same with or
// without a class, and with or without a reachable server.
import type { LabEvent, Listener } from '../lab/events.js';
import type { Lang } from '../common/vocabulary.js';
import { boundQueue, enqueue, flushQueue, MAX_QUEUE, nextSeq, readMembership } from './member.js';
import type { ClassEvent } from './protocol.js';

/** The class form of a runner event (without seq and at), or undefined for events the class does not get. */
export function toClassEvent(event: LabEvent, lang: Lang): Omit<ClassEvent, 'seq' | 'at'> | undefined {
  switch (event.type) {
    case 'lab-start':
      return { type: event.type, lab: event.lab.spec.id, order: event.lab.spec.order, title: event.lab.title[lang], mode: event.mode, runId: event.runId };
    case 'step-start':
      return { type: event.type, step: event.step.spec.id, title: event.step.prose[lang].title, index: event.index, total: event.total };
    case 'check':
      return { type: event.type, step: event.step, check: event.check, title: event.title[lang], ok: event.ok };
    case 'step-done':
      return { type: event.type, step: event.step, status: event.status };
    case 'lab-done':
      return { type: event.type, lab: event.lab, ...event.outcome };
    case 'error':
      return { type: event.type, ...(event.step ? { step: event.step } : {}), code: event.error.code };
    default:
      return undefined;
  }
}

/** The reporter: a listener, and `idle()`, which resolves once no send is in flight (for tests). */
export type ClassReporter = Listener & { idle(): Promise<void> };

/** A listener that reports to the class this machine joined; a no-op when it joined none. */
export function classReporter(lang: Lang): ClassReporter {
  const none = Object.assign(() => {}, { idle: async () => {} });
  const m = readMembership();
  if (!m) return none;
  let seq = 0;
  let queued = 0;
  let sending: Promise<unknown> | undefined;
  let again = false;
  const send = () => {
    if (sending) {
      again = true;
      return;
    }
    sending = flushQueue(2000)
      .catch(() => undefined)
      .finally(() => {
        sending = undefined;
        if (again) {
          again = false;
          send();
        }
      });
  };
  try {
    seq = nextSeq(m);
  } catch {
    return none;
  }
  // What an earlier run could not send goes first.
  send();
  const listener: Listener = (event) => {
    try {
      const e = toClassEvent(event, lang);
      if (!e) return;
      enqueue([{ ...e, seq: seq++, at: Date.now() } as ClassEvent]);
      if (++queued % 500 === 0 && queued >= MAX_QUEUE / 10) boundQueue();
      send();
    } catch {
      // A full disk or a removed state directory must not stop the lab.
    }
  };
  const idle = async () => {
    while (sending) await sending;
  };
  return Object.assign(listener, { idle });
}
