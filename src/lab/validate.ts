// Validation of a lab: the spec's fields and the prose in both languages. Each problem names the step and field.
import { NAMESPACE_TYPES } from '../common/vocabulary.js';
import type { LabProse } from './prose.js';
import { DECLARABLE_KINDS, foreignNames } from '../host/resource-kinds.js';
import type { ResourceKind } from '../host/resource.js';
import { LAB_FORMAT, type Lang } from './spec.js';
import { isRequirementId } from './requirements.js';

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CJK = /[\u3400-\u9fff]/;
const LANGS: Lang[] = ['en', 'zh'];

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkText(value: unknown, where: string, problems: string[]): void {
  if (!isObj(value)) {
    problems.push(`${where} must be { en, zh }`);
    return;
  }
  for (const lang of LANGS) {
    const text = value[lang];
    if (typeof text !== 'string' || !text.trim()) problems.push(`${where}.${lang} is empty`);
    else if (lang === 'zh' && !CJK.test(text)) problems.push(`${where}.zh has no Chinese text`);
  }
}

/** A host resource an action declares it creates: a known kind, each of its names with the lab- prefix. */
function checkCreates(value: unknown, where: string, problems: string[]): void {
  if (!isObj(value) || !DECLARABLE_KINDS.includes(value.kind as ResourceKind)) {
    problems.push(`${where}: "kind" must be one of ${DECLARABLE_KINDS.join(', ')}`);
    return;
  }
  const foreign = foreignNames(value.kind as ResourceKind, value);
  if (foreign.length > 0) problems.push(`${where}: the name must start with "lab-" (${foreign.join(', ')})`);
}

/** A list of actions: each an action object or a function of the context. */
function checkActions(value: unknown, where: string, problems: string[]): void {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`${where} must list at least one action`);
    return;
  }
  value.forEach((action: unknown, i: number) => {
    if (typeof action === 'function') return;
    if (!isObj(action) || (action.kind !== 'run' && action.kind !== 'start' && action.kind !== 'write')) {
      problems.push(`${where}[${i}]: "kind" must be "run", "start" or "write"`);
      return;
    }
    if (action.kind === 'write') {
      if (typeof action.path !== 'string' || !action.path.startsWith('/')) problems.push(`${where}[${i}]: "path" must be an absolute path`);
      if (typeof action.value !== 'string') problems.push(`${where}[${i}]: "value" must be a string`);
      return;
    }
    if (!Array.isArray(action.argv) || action.argv.length === 0 || !action.argv.every((a) => typeof a === 'string')) {
      problems.push(`${where}[${i}]: "argv" must be a non-empty list of strings`);
    }
    if (action.kind === 'start' && (typeof action.name !== 'string' || !action.name)) problems.push(`${where}[${i}]: "name" is required`);
    if (action.creates !== undefined) checkCreates(action.creates, `${where}[${i}].creates`, problems);
  });
}

/** A quiz's answer: `{ choice: N }` (1-based) or `{ typed: [...] }` (non-empty strings); a quiz has no checks. */
function checkQuiz(step: Obj, name: string, problems: string[]): void {
  const answer = step.answer;
  if (step.checks !== undefined) problems.push(`${name}: a quiz has no field "checks" (its answer is what is checked)`);
  if (!isObj(answer) || 'choice' in answer === 'typed' in answer) {
    problems.push(`${name}: field "answer" must be { choice: <number> } or { typed: [<accepted answers>] }`);
  } else if ('choice' in answer) {
    if (typeof answer.choice !== 'number' || !Number.isInteger(answer.choice) || answer.choice < 1) {
      problems.push(`${name}: field "answer.choice" must be the 1-based number of the right item of "### Choices"`);
    }
  } else if (!Array.isArray(answer.typed) || answer.typed.length === 0 || !answer.typed.every((a) => typeof a === 'string' && a.trim())) {
    problems.push(`${name}: field "answer.typed" must list at least one accepted answer, none of them empty`);
  }
}

/** The quiz's answer, when the spec has a valid one. */
function quizAnswer(step: Obj): { choice?: number; typed?: boolean } {
  const answer = isObj(step.answer) ? step.answer : {};
  return typeof answer.choice === 'number' ? { choice: answer.choice } : { typed: Array.isArray(answer.typed) };
}

/** Every problem with a lab's spec (as imported) and prose; empty when the lab is valid. */
export function validateLab(dirName: string, spec: unknown, prose: Record<Lang, LabProse | undefined>): string[] {
  // A spec is code: a field may throw when read (a getter, a Proxy) or hold what a template cannot print (a Symbol,
  // a BigInt in JSON). That is a malformed lab, named as such, never a crash of the validator.
  try {
    return validateSpec(dirName, spec, prose);
  } catch (error) {
    return [`reading the spec failed: ${thrownMessage(error)} (a field that throws when read, or a value of a type no field takes)`];
  }
}

/** What was thrown, as one line: an Error's message, anything else (`throw null`, `throw 42`) shown as it is. */
export function thrownMessage(thrown: unknown): string {
  try {
    if (thrown instanceof Error) return String(thrown.message);
    if (typeof thrown === 'string') return thrown;
    return `${JSON.stringify(thrown) ?? String(thrown)} was thrown`;
  } catch {
    return `${Object.prototype.toString.call(thrown)} was thrown`;
  }
}

function validateSpec(dirName: string, spec: unknown, prose: Record<Lang, LabProse | undefined>): string[] {
  const problems: string[] = [];
  if (!isObj(spec)) return ['lab.ts must `export default` a lab spec object'];
  if (spec.format !== LAB_FORMAT) problems.push(`field "format" must be ${LAB_FORMAT}, found ${String(spec.format)}`);
  if (spec.id !== dirName) problems.push(`field "id" must equal the directory name "${dirName}", found ${JSON.stringify(spec.id)}`);
  if (typeof spec.order !== 'number') problems.push('field "order" must be a number');
  if (!Array.isArray(spec.requires)) problems.push('field "requires" must be a list');
  else for (const r of spec.requires) if (!isRequirementId(r)) problems.push(`field "requires": unknown requirement ${JSON.stringify(r)}`);
  if (!isObj(spec.shell) || typeof spec.shell.target !== 'string' || !Array.isArray(spec.shell.namespaces)) {
    problems.push('field "shell" must be { target, namespaces }');
  } else {
    for (const ns of spec.shell.namespaces)
      if (!(NAMESPACE_TYPES as readonly string[]).includes(ns as string)) problems.push(`field "shell.namespaces": unknown namespace ${JSON.stringify(ns)}`);
    if (spec.shell.cgroup !== undefined && typeof spec.shell.cgroup !== 'boolean') problems.push('field "shell.cgroup" must be true or false');
  }
  if (spec.cgroup !== undefined && (typeof spec.cgroup !== 'string' || !KEBAB.test(spec.cgroup))) problems.push('field "cgroup" must be a kebab-case name');
  const stepIds = new Set<string>();
  const quizzes = new Map<string, Obj>();
  if (!Array.isArray(spec.steps) || spec.steps.length === 0) {
    problems.push('field "steps" must list at least one step');
  } else {
    spec.steps.forEach((step: unknown, i: number) => {
      const at = `steps[${i}]`;
      if (!isObj(step)) return problems.push(`${at} must be an object`);
      const name = typeof step.id === 'string' ? `step "${step.id}"` : at;
      if (typeof step.id !== 'string' || !KEBAB.test(step.id)) problems.push(`${at}: field "id" must be kebab-case`);
      else if (stepIds.has(step.id)) problems.push(`${name}: field "id" is used twice`);
      else stepIds.add(step.id);
      if (step.kind === 'demo') {
        checkActions(step.actions, `${name}: field "actions"`, problems);
      } else if (step.kind === 'task') {
        checkActions(step.solution, `${name}: field "solution"`, problems);
        if (step.shell !== 'lab' && step.shell !== 'host') problems.push(`${name}: field "shell" must be "lab" or "host"`);
      } else if (step.kind === 'quiz') {
        checkQuiz(step, name, problems);
        if (typeof step.id === 'string') quizzes.set(step.id, step);
        return;
      } else {
        problems.push(`${name}: field "kind" must be "demo", "task" or "quiz", found ${JSON.stringify(step.kind)}`);
      }
      if (!Array.isArray(step.checks) || step.checks.length === 0) {
        problems.push(`${name}: field "checks" must list at least one check`);
        return;
      }
      const checkIds = new Set<string>();
      step.checks.forEach((check: unknown, j: number) => {
        const cat = `${name}: checks[${j}]`;
        if (!isObj(check)) return problems.push(`${cat} must be an object`);
        if (typeof check.id !== 'string' || !KEBAB.test(check.id)) problems.push(`${cat}: field "id" must be kebab-case`);
        else if (checkIds.has(check.id)) problems.push(`${cat}: field "id" is used twice`);
        else checkIds.add(check.id);
        checkText(check.title, `${cat}.title`, problems);
        if (typeof check.verify !== 'function') problems.push(`${cat}: field "verify" must be a function`);
        if (check.settle !== undefined && typeof check.settle !== 'number') problems.push(`${cat}: field "settle" must be a number of ms`);
      });
    });
  }
  for (const lang of LANGS) {
    const p = prose[lang];
    const file = `${lang}.md`;
    if (!p) {
      problems.push(`${file} is missing`);
      continue;
    }
    for (const problem of p.problems) problems.push(`${file}: ${problem}`);
    if (!p.title) problems.push(`${file}: the "# <title>" line is missing`);
    if (!p.summary) problems.push(`${file}: the summary paragraph after the title is missing`);
    if (lang === 'zh' && !CJK.test(p.title + p.summary)) problems.push(`${file}: title and summary have no Chinese text`);
    for (const id of stepIds) {
      const step = p.steps.get(id);
      if (!step) {
        problems.push(`${file}: step "${id}" has no "## ${id}: <title>" section`);
        continue;
      }
      const quiz = quizzes.get(id);
      const [choicesHeading, whyHeading, hintsHeading] = lang === 'zh' ? ['### 选项', '### 解释', '### 提示'] : ['### Choices', '### Why', '### Hints'];
      if (!step.body) problems.push(`${file}: step "${id}": the ${quiz ? 'question' : 'explanation'} is empty`);
      if (!quiz && step.hints.length === 0) problems.push(`${file}: step "${id}": "${hintsHeading}" needs at least one "- " item`);
      if (!quiz && step.choices.length > 0) problems.push(`${file}: step "${id}": only a quiz step has "${choicesHeading}"`);
      if (!quiz && step.why) problems.push(`${file}: step "${id}": only a quiz step has "${whyHeading}"`);
      if (quiz) {
        const answer = quizAnswer(quiz);
        if (!step.why) problems.push(`${file}: quiz "${id}": "${whyHeading}" (the explanation shown after the right answer) is missing or empty`);
        if (answer.choice !== undefined) {
          if (step.choices.length < 2) problems.push(`${file}: quiz "${id}": "${choicesHeading}" needs at least two "- " items`);
          else if (answer.choice > step.choices.length) {
            problems.push(`${file}: quiz "${id}": "answer.choice" is ${answer.choice}, but "${choicesHeading}" has only ${step.choices.length} items`);
          }
        } else if (step.choices.length > 0) {
          problems.push(`${file}: quiz "${id}": a typed answer has no "${choicesHeading}" (the learner types the answer)`);
        }
      }
      if (lang === 'zh' && !CJK.test(step.title + step.body)) problems.push(`${file}: step "${id}" has no Chinese text`);
    }
    for (const id of p.steps.keys()) if (!stepIds.has(id)) problems.push(`${file}: section "## ${id}" names no step of the lab`);
  }
  for (const id of quizzes.keys()) {
    const en = prose.en?.steps.get(id);
    const zh = prose.zh?.steps.get(id);
    if (en && zh && en.choices.length !== zh.choices.length) {
      problems.push(`quiz "${id}": ${en.choices.length} choices in en.md, ${zh.choices.length} in zh.md (the same list, in the same order)`);
    }
  }
  return problems;
}
