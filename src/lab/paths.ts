// Where labs are, and what a lab id may look like: the light part of loading, for `lab list` and argument checks.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../host/install.js';

export { projectRoot };

/** Where labs live: LAB_LABS_DIR (fixture labs in tests), or labs/ in the project. */
export function labsDir(): string {
  return process.env.LAB_LABS_DIR || join(projectRoot(), 'labs');
}

/** A plain lab name: lower-case words joined by dashes, nothing a shell or a path could misread. */
export function isPlainLabName(id: string): boolean {
  return /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id) && id.length <= 64;
}

/** The ids of every lab directory, sorted by name. */
export function listLabIds(dir = labsDir()): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && isPlainLabName(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}
