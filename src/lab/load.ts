// Loading labs: the compiled spec from dist/, the prose from labs/<id>/<lang>.md, both validated.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { labsDir, listLabIds, projectRoot } from './paths.js';
import { LabError } from '../common/errors.js';
import { parseProse, type LabProse, type StepProse } from './prose.js';
import type { Lang, LabSpec, Step } from './spec.js';
import { thrownMessage, validateLab } from './validate.js';

/** A step with its prose in every language. */
export interface LoadedStep {
  spec: Step;
  index: number;
  prose: Record<Lang, StepProse>;
}

/** A validated lab, ready to run. */
export interface LoadedLab {
  spec: LabSpec;
  dir: string;
  title: Record<Lang, string>;
  summary: Record<Lang, string>;
  steps: LoadedStep[];
}

/** The compiled module of a lab: dist/<labs dir relative to the root>/<id>/lab.js, or lab.js beside the prose. */
function moduleFile(dir: string, id: string): string {
  const root = projectRoot();
  const compiled = join(root, 'dist', relative(root, dir), id, 'lab.js');
  if (existsSync(compiled)) return compiled;
  return join(dir, id, 'lab.js');
}

function readProse(dir: string, id: string, lang: Lang): LabProse | undefined {
  try {
    return parseProse(readFileSync(join(dir, id, `${lang}.md`), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Load and validate one lab; a malformed lab is refused with every problem named. */
export async function loadLab(id: string, dir = labsDir()): Promise<LoadedLab> {
  const file = moduleFile(dir, id);
  let spec: unknown;
  try {
    spec = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (cause) {
    throw invalid(id, [`cannot load ${relative(process.cwd(), file) || file}: ${thrownMessage(cause)}`], cause);
  }
  const prose = { en: readProse(dir, id, 'en'), zh: readProse(dir, id, 'zh') };
  const problems = validateLab(id, spec, prose);
  if (problems.length > 0) throw invalid(id, problems);
  const lab = spec as LabSpec;
  const en = prose.en!;
  const zh = prose.zh!;
  return {
    spec: lab,
    dir: join(dir, id),
    title: { en: en.title, zh: zh.title },
    summary: { en: en.summary, zh: zh.summary },
    steps: lab.steps.map((step, index) => ({
      spec: step,
      index,
      prose: { en: en.steps.get(step.id)!, zh: zh.steps.get(step.id)! },
    })),
  };
}

/** Load every lab in catalogue order. */
export async function loadAllLabs(dir = labsDir()): Promise<LoadedLab[]> {
  const labs = await Promise.all(listLabIds(dir).map((id) => loadLab(id, dir)));
  return labs.sort((a, b) => a.spec.order - b.spec.order || a.spec.id.localeCompare(b.spec.id));
}

function invalid(id: string, problems: string[], cause?: unknown): LabError {
  const list = problems.map((p) => `  - labs/${id}: ${p}`).join('\n');
  return new LabError({
    operation: `load lab \`${id}\``,
    code: 'invalid-lab',
    meaning: { en: `The lab is malformed:\n${list}`, zh: `这个实验（lab）的定义有误：\n${list}` },
    fix: {
      en: 'Fix the fields named above in labs/<id>/lab.ts, en.md or zh.md, then `npm run build`.',
      zh: '修正上面列出的 labs/<id>/lab.ts、en.md 或 zh.md 中的字段，然后运行 `npm run build`。',
    },
    cause,
  });
}

export { isPlainLabName, labsDir, listLabIds, projectRoot } from './paths.js';
