// How an expected failure is shown: operation and path, what it means, how to fix it. No stack trace.
import { LabError } from '../common/errors.js';
import type { Lang } from '../lab/spec.js';

/** The lines shown for a LabError in the learner's language. */
export function formatError(error: LabError, lang: Lang): string {
  const label = lang === 'zh' ? { failed: '失败', fix: '解决办法' } : { failed: 'failed', fix: 'fix' };
  // A fix may be a list, one item a line (a lab's unmet requirements): its lines are indented like the meaning's.
  const [first = '', ...more] = error.fix[lang].split('\n');
  return [
    `✗ ${error.operation}: ${error.code} (${label.failed})`,
    ...error.meaning[lang].split('\n').map((line) => `  ${line}`),
    `  ${label.fix}${lang === 'zh' ? '：' : ': '}${first}`.trimEnd(),
    ...more.map((line) => `  ${line}`),
  ].join('\n');
}

/** Print an error for the learner: a LabError explained, anything else with its stack (a bug in lab). */
export function reportError(error: unknown, lang: Lang): void {
  if (error instanceof LabError) {
    process.stderr.write(`${formatError(error, lang)}\n`);
  } else {
    const intro = lang === 'zh' ? 'lab 内部错误（这是 lab 的缺陷，请报告）：' : 'internal error in lab (a bug in lab; please report it):';
    process.stderr.write(`${intro}\n${(error as Error)?.stack ?? String(error)}\n`);
  }
}
