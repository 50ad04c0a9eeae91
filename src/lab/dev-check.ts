// `lab dev check`, the library: what a lab author must get right, found before a learner finds it. Static: ids and
// orders unique across labs, every lab valid (validate.ts), both languages complete and parallel (prose-parity.ts), no
// English sentence left in zh.md outside code and quotes, every step checked, every quiz answered. Dynamic: one run
// in verify mode with prechecks, where every check must fail before its step and pass after it, and the host
// snapshot (src/host/snapshot.ts) must be the same before and after. The tests over every lab use the same functions.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LabError } from '../common/errors.js';
import { hostSnapshot, snapshotDifferences } from '../host/snapshot.js';
import { stateDirPath } from '../host/state-dir.js';
import type { LabOutcome } from './events.js';
import { loadLab, type LoadedLab } from './load.js';
import { labsDir, listLabIds, projectRoot } from './paths.js';
import { parseProse } from './prose.js';
import { proseDifferences } from './prose-parity.js';
import { checkIds } from './quiz.js';
import { unmet } from './requirements.js';
import { runLab } from './runner.js';
import type { Lang, Text } from './spec.js';
import { thrownMessage, validateLab } from './validate.js';

/** One problem of one lab, in both languages; printed as `labs/<lab>: <text>`. */
export interface DevProblem {
  lab: string;
  text: Text;
}

/** The same words in both languages: what the validator and the parity check say is already precise English. */
const same = (text: string): Text => ({ en: text, zh: text });

/** A problem as a line: `labs/<id>: <problem>`. */
export function problemLine(problem: DevProblem, lang: Lang): string {
  return `labs/${problem.lab}: ${problem.text[lang]}`;
}

/** A lab as the static check found it: its spec as imported, its prose, and the loaded lab when it is valid. */
export interface InspectedLab {
  id: string;
  spec: Record<string, unknown> | undefined;
  lab: LoadedLab | undefined;
}

/** The compiled module of a lab, found as load.ts finds it: under dist/ when built, else lab.js beside the prose. */
function moduleFile(dir: string, id: string): string {
  const root = projectRoot();
  const compiled = join(root, 'dist', relative(root, dir), id, 'lab.js');
  return existsSync(compiled) ? compiled : join(dir, id, 'lab.js');
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * English left in Chinese prose: a run of four or more English words outside code blocks, inline code, links,
 * parentheses (the glossary's 容器（container）) and quotes (“address already in use” quotes a program's message).
 */
export function untranslated(zhMarkdown: string): string[] {
  const prose = zhMarkdown
    .split('\n')
    .filter((line) => !/^ {4}/.test(line))
    .join('\n')
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/`[^`]*`/g, ' ')
    .replace(/\]\([^)]*\)/g, ']')
    .replace(/（[^）]*）/g, ' ')
    .replace(/\([^)]*\)/g, ' ')
    .replace(/“[^”]*”/g, ' ');
  return [...prose.matchAll(/[A-Za-z][A-Za-z'’-]*(?:[ ,;:]+[A-Za-z][A-Za-z'’-]*){3,}/g)].map((m) => m[0].replace(/\s+/g, ' '));
}

/** Every problem of one lab on its own, and the lab itself when it loads. */
async function inspect(dir: string, id: string): Promise<{ lab: InspectedLab; problems: Text[] }> {
  const problems: Text[] = [];
  let spec: unknown;
  const file = moduleFile(dir, id);
  try {
    spec = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (cause) {
    problems.push({
      en: `cannot load ${relative(process.cwd(), file) || file}: ${thrownMessage(cause)}`,
      zh: `无法加载 ${relative(process.cwd(), file) || file}：${thrownMessage(cause)}`,
    });
    return { lab: { id, spec: undefined, lab: undefined }, problems };
  }
  const enText = readText(join(dir, id, 'en.md'));
  const zhText = readText(join(dir, id, 'zh.md'));
  const prose = { en: enText === undefined ? undefined : parseProse(enText), zh: zhText === undefined ? undefined : parseProse(zhText) };
  problems.push(...validateLab(id, spec, prose).map(same));
  const object = typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>) : undefined;
  if (enText !== undefined && zhText !== undefined) {
    problems.push(...proseDifferences(enText, zhText).map(same));
    for (const words of untranslated(zhText)) problems.push({ en: `zh.md: English left untranslated: "${words}"`, zh: `zh.md：有英文没有翻译："${words}"` });
  }
  // The validator and the parity check can name one fault twice (a missing section); say it once.
  const unique = [...new Map(problems.map((p) => [p.en, p])).values()];
  let lab: LoadedLab | undefined;
  if (unique.length === 0) {
    try {
      lab = await loadLab(id, dir);
    } catch (error) {
      unique.push(same(error instanceof LabError ? error.meaning.en : thrownMessage(error)));
    }
  }
  return { lab: { id, spec: object, lab }, problems: unique };
}

/** What the static check found: every lab it looked at (those named, or all) and every problem. */
export interface StaticReport {
  labs: InspectedLab[];
  problems: DevProblem[];
}

/**
 * The static check of the labs in `dir` (all, or those named): each lab on its own, then across labs, ids and
 * orders used once. Labs not named still count for uniqueness, but only problems of the labs named are reported.
 */
export async function staticCheck(ids?: readonly string[], dir = labsDir()): Promise<StaticReport> {
  const all = listLabIds(dir);
  const wanted = ids && ids.length > 0 ? [...ids] : all;
  const inspected = await Promise.all(all.map((id) => inspect(dir, id)));
  const problems: DevProblem[] = [];
  for (const id of wanted) {
    const found = inspected.find((i) => i.lab.id === id);
    if (!found) {
      problems.push({ lab: id, text: { en: `no such lab in ${dir}`, zh: `${dir} 中没有这个实验` } });
      continue;
    }
    problems.push(...found.problems.map((text) => ({ lab: id, text })));
  }
  const byValue = (field: 'id' | 'order'): Map<string, string[]> => {
    const seen = new Map<string, string[]>();
    for (const { lab } of inspected) {
      const value = lab.spec?.[field];
      // An id or order of another type (an object, a Symbol) is the validator's finding, and cannot be compared.
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      const key = String(value);
      seen.set(key, [...(seen.get(key) ?? []), lab.id]);
    }
    return seen;
  };
  for (const field of ['id', 'order'] as const) {
    for (const [value, dirs] of byValue(field)) {
      if (dirs.length < 2) continue;
      for (const id of dirs.filter((d) => wanted.includes(d))) {
        const others = dirs.filter((d) => d !== id).join(', ');
        const text: Text =
          field === 'id'
            ? { en: `id "${value}" is also the id of ${others}`, zh: `id "${value}" 也是 ${others} 的 id` }
            : { en: `order ${value} is also the order of ${others}`, zh: `顺序号（order）${value} 也是 ${others} 的顺序号` };
        problems.push({ lab: id, text });
      }
    }
  }
  // Each lab's problems together, in the order the labs were asked for.
  problems.sort((a, b) => wanted.indexOf(a.lab) - wanted.indexOf(b.lab));
  return { labs: inspected.filter((i) => wanted.includes(i.lab.id)).map((i) => i.lab), problems };
}

/** What one run of a lab with prechecks found. */
export interface DynamicReport {
  outcome: LabOutcome;
  problems: Text[];
}

/** Why a lab cannot run on this host (its unmet requirements, in words), or undefined when it can. */
export function skipReason(lab: LoadedLab, lang: Lang): string | undefined {
  const missing = unmet(lab.spec.requires);
  return missing.length ? missing.map((r) => r.what[lang]).join(lang === 'zh' ? '、' : ', ') : undefined;
}

/**
 * The dynamic check of one lab: one run in verify mode with prechecks, where every check (a quiz: its answer) must
 * fail before its step and pass after it, and the host must be as it was before (its snapshot, with the run
 * journals of `stateDir`). Needs what the lab requires; the caller skips a lab this host cannot run.
 */
export async function dynamicCheck(lab: LoadedLab, options: { signal?: AbortSignal; stateDir?: string } = {}): Promise<DynamicReport> {
  const stateDir = options.stateDir ?? stateDirPath();
  const before = hostSnapshot(stateDir);
  const prechecks = new Map<string, { ok: boolean; found: Text }>();
  const checks = new Map<string, { ok: boolean; found: Text }>();
  const reached = new Set<string>();
  const problems: Text[] = [];
  const outcome = await runLab(lab, { mode: 'verify', lang: 'en', precheck: true, ...(options.signal ? { signal: options.signal } : {}) }, (event) => {
    if (event.type === 'precheck') prechecks.set(`${event.step}/${event.check}`, event);
    else if (event.type === 'check') checks.set(`${event.step}/${event.check}`, event);
    else if (event.type === 'step-start') reached.add(event.step.spec.id);
    else if (event.type === 'error') {
      const where = event.step ? `step "${event.step}": ` : '';
      problems.push({ en: `${where}${event.error.operation}: ${event.error.meaning.en}`, zh: `${where}${event.error.operation}：${event.error.meaning.zh}` });
    }
  });
  if (outcome.status !== 'passed') {
    problems.push({
      en: `the run ended ${outcome.status}, after ${outcome.stepsPassed} of ${outcome.steps} steps`,
      zh: `运行以 ${outcome.status} 结束，${outcome.steps} 步中通过了 ${outcome.stepsPassed} 步`,
    });
  }
  for (const step of lab.steps) {
    const id = step.spec.id;
    if (!reached.has(id)) {
      problems.push({ en: `step "${id}" was not reached`, zh: `没有运行到步骤 "${id}"` });
      continue;
    }
    for (const check of checkIds(step.spec)) {
      const key = `${id}/${check}`;
      const pre = prechecks.get(key);
      const post = checks.get(key);
      if (!pre) problems.push({ en: `check ${key} was not read before its step`, zh: `检查 ${key} 没有在它的步骤之前读取` });
      else if (pre.ok)
        problems.push({
          en: `check ${key} passes before its step (found: ${pre.found.en}): it proves nothing`,
          zh: `检查 ${key} 在它的步骤之前就通过了（读到：${pre.found.zh}）：它什么也证明不了`,
        });
      if (post && !post.ok)
        problems.push({ en: `check ${key} fails after its step (found: ${post.found.en})`, zh: `检查 ${key} 在它的步骤之后失败（读到：${post.found.zh}）` });
      else if (!post && outcome.status === 'passed') problems.push({ en: `check ${key} was not run after its step`, zh: `检查 ${key} 没有在它的步骤之后运行` });
    }
  }
  for (const difference of snapshotDifferences(before, hostSnapshot(stateDir))) {
    problems.push({ en: `the host is not as before: ${difference.en}`, zh: `宿主机与运行之前不同：${difference.zh}` });
  }
  return { outcome, problems };
}
