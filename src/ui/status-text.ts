// Small texts every reporter words the same way (plain, TUI): a command's exit status, a labelled fact, a cleanup
// line. Chinese takes full-width colons and parentheses.
import type { Lang, Text } from '../lab/spec.js';
import { MSG } from './messages.js';

/** `label: value`, with the colon of the language (`实际读到：…`). */
export function labelled(label: string, value: string, lang: Lang): string {
  return lang === 'zh' ? `${label}：${value}` : `${label}: ${value}`;
}

/** How a command ended, as the learner's shell would say it: `exit status 137, killed by SIGKILL`. */
export function exitStatus(exitCode: number, signal: string | undefined, lang: Lang): string {
  if (!signal) return `${MSG.exitStatus[lang]} ${exitCode}`;
  return lang === 'zh' ? `${MSG.exitStatus[lang]} ${exitCode}，被 ${signal} 杀死` : `${MSG.exitStatus[lang]} ${exitCode}, killed by ${signal}`;
}

/**
 * The note under a command that did not end as a demo expects, or failed as it should (`(exit status 1: failed,
 * as expected)`); undefined when there is nothing to say (it succeeded, as expected).
 */
export function exitNote(end: { exitCode: number; signal?: string; expected: 'ok' | 'fail'; ok: boolean }, lang: Lang): string | undefined {
  const status = exitStatus(end.exitCode, end.signal, lang);
  const text = end.expected === 'fail' && end.ok ? labelled(status, MSG.expectedFail[lang], lang) : !end.ok ? status : undefined;
  if (text === undefined) return undefined;
  return lang === 'zh' ? `（${text}）` : `(${text})`;
}

/** A cleanup line: what was removed (its command, or its words when it has them), or what could not be. */
export function cleanupText(entry: { what: string; ok: boolean; label?: Text }, lang: Lang): string {
  const done = entry.ok && entry.label ? entry.label[lang] : `${entry.ok ? MSG.removed[lang] : MSG.notRemoved[lang]} ${entry.what}`;
  return labelled(MSG.cleanup[lang], done, lang);
}
