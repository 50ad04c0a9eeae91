// The catalogue: what `lab list` shows of every lab (ids, titles, summaries, requirements, step ids), written to
// dist/catalogue.json by the build after every lab is loaded and validated, so that listing imports no lab module.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LoadedLab } from './load.js';
import { labsDir, listLabIds, projectRoot } from './paths.js';
import type { Lang, RequirementId } from './spec.js';

export interface CatalogueEntry {
  id: string;
  order: number;
  title: Record<Lang, string>;
  summary: Record<Lang, string>;
  requires: RequirementId[];
  steps: string[];
}

/** Where the build writes the catalogue. */
export function catalogueFile(): string {
  return join(projectRoot(), 'dist', 'catalogue.json');
}

/** The catalogue entry of a loaded lab. */
export function entryOf(lab: LoadedLab): CatalogueEntry {
  return {
    id: lab.spec.id,
    order: lab.spec.order,
    title: lab.title,
    summary: lab.summary,
    requires: lab.spec.requires,
    steps: lab.steps.map((s) => s.spec.id),
  };
}

const mtime = (path: string): number => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
};

/** The written catalogue, if it exists and no lab's files changed since it was written. */
function freshCatalogue(): CatalogueEntry[] | undefined {
  const file = catalogueFile();
  const written = mtime(file);
  if (written === Infinity) return undefined;
  const dir = labsDir();
  const root = projectRoot();
  const ids = listLabIds(dir);
  for (const id of ids) {
    const files = [join(dir, id, 'en.md'), join(dir, id, 'zh.md'), join(root, 'dist', relative(root, dir), id, 'lab.js')];
    if (files.some((f) => mtime(f) > written)) return undefined;
  }
  try {
    const entries = JSON.parse(readFileSync(file, 'utf8')) as CatalogueEntry[];
    const same = entries.length === ids.length && entries.every((e) => ids.includes(e.id));
    return same ? entries : undefined;
  } catch {
    return undefined;
  }
}

/** Every lab's entry in catalogue order: from the written catalogue when it is fresh, else by loading the labs. */
export async function readCatalogue(): Promise<CatalogueEntry[]> {
  const fresh = process.env.LAB_LABS_DIR ? undefined : freshCatalogue();
  if (fresh) return fresh;
  const { loadAllLabs } = await import('./load.js');
  return (await loadAllLabs()).map(entryOf);
}

/** Load and validate every lab, then write the catalogue (the build's last step). */
export async function writeCatalogue(): Promise<number> {
  const { loadAllLabs } = await import('./load.js');
  const entries = (await loadAllLabs()).map(entryOf);
  writeFileSync(catalogueFile(), `${JSON.stringify(entries, null, 2)}\n`);
  return entries.length;
}
