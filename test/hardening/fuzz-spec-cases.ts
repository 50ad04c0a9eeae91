// The cases of test/hardening/spec-fuzz.test.ts: a real lab copied into its own directory (a LAB_LABS_DIR) with one
// mutation of its compiled spec (lab.js: what the loader imports) or of its prose (en.md, zh.md).
//
// Spec mutations are made on the spec itself: the case's lab.js imports the real one, copies it and changes one
// field (found by walking the real spec): deleted, duplicated (a list item), or set to a value of the wrong type, an
// empty one, a huge one, one that throws when read. Source mutations change the compiled text: cut short, garbage
// inserted, no default export, a throw at import (of an Error or of anything else), an import that does not
// resolve, empty, binary, missing, a directory.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers.js';
import type { Rng } from './fuzz-pool.js';

/** The compiled spec of a lab, with its imports made absolute so that it loads from any directory. */
export function compiledSource(id: string): string {
  const text = readFileSync(join(ROOT, 'dist', 'labs', id, 'lab.js'), 'utf8');
  return text.replace(/from '\.\.\/\.\.\/src\//g, `from '${pathToFileURL(join(ROOT, 'dist', 'src')).href}/`);
}

/** Paths into a spec's plain data (objects and arrays, not into functions), at most `depth` deep. */
export function specPaths(value: unknown, depth = 5, path: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (depth === 0 || value === null || typeof value !== 'object') return out;
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, child] of entries) {
    const here = [...path, key];
    out.push(here, ...specPaths(child, depth - 1, here));
  }
  return out;
}

/** Values of the wrong type, empty, huge, or that throw when read: as JavaScript source. */
const VALUES = [
  'null',
  'undefined',
  '42',
  '-1',
  '0',
  '1e308',
  'NaN',
  'Infinity',
  "''",
  "' '",
  "'x'.repeat(1_000_000)",
  "'\\u0000\\u001b[2J'",
  "'../../etc/passwd'",
  "'UPPER Case'",
  '[]',
  '[null]',
  '{}',
  'true',
  '10n',
  "Symbol('lab-fuzz')",
  'Object.create(null)',
  "{ en: '', zh: '' }",
  "{ en: 'only english' }",
  "{ en: 'x', zh: 'no chinese' }",
  "() => { throw new Error('lab-fuzz: thrown by a function') }",
  "new Proxy({}, { get() { throw new Error('lab-fuzz: thrown by a getter') } })",
  "{ toString() { throw new Error('lab-fuzz: thrown by toString') } }",
  'Array.from({ length: 20000 }, () => ({}))',
  'new Date(0)',
  '/regex/',
];

/** The helper every structural mutation's lab.js carries: a copy of the spec that keeps its functions. */
const CLONE = `function clone(v) {
  if (Array.isArray(v)) return v.map(clone);
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  return v;
}`;

/** A lab.js that imports the real spec and changes one field. */
function structural(rng: Rng, id: string, paths: (string | number)[][]): { source: string; what: string } {
  const path = rng.pick(paths);
  const base = pathToFileURL(join(ROOT, 'dist', 'labs', id, 'lab.js')).href;
  const op = rng.int(6);
  const value = rng.pick(VALUES);
  let change: string;
  let what: string;
  if (op === 0) {
    change = 'if (Array.isArray(o)) o.splice(last, 1); else delete o[last];';
    what = `delete ${path.join('.')}`;
  } else if (op === 1) {
    change = 'if (Array.isArray(o)) o.splice(last, 0, clone(o[last])); else o[last + "-copy"] = clone(o[last]);';
    what = `duplicate ${path.join('.')}`;
  } else {
    change = `o[last] = ${value};`;
    what = `set ${path.join('.')} = ${value.slice(0, 60)}`;
  }
  const source = `import base from '${base}';
${CLONE}
const spec = clone(base);
const path = ${JSON.stringify(path)};
let o = spec;
for (const k of path.slice(0, -1)) o = o[k];
const last = path[path.length - 1];
${change}
export default spec;
`;
  return { source, what };
}

/** A textual mutation of the compiled source. */
function textual(rng: Rng, source: string): { source: string | Buffer | 'missing' | 'directory'; what: string } {
  switch (rng.int(14)) {
    case 0: {
      const at = rng.int(source.length);
      return { source: source.slice(0, at), what: `cut at ${at}` };
    }
    case 1: {
      const at = rng.int(source.length);
      const junk = rng.pick(['}{', ')', '@@@', '\u0000', 'export default 1;', '`', "'", 'await', '#!']);
      return { source: source.slice(0, at) + junk + source.slice(at), what: `${JSON.stringify(junk)} inserted at ${at}` };
    }
    case 2:
      return { source: source.replace('export default', 'const notExported ='), what: 'no default export' };
    case 3:
      return { source: `throw new Error('lab-fuzz: thrown at import');\n${source}`, what: 'throws an Error at import' };
    case 4: {
      const thrown = rng.pick(['undefined', 'null', "'a string'", '42', '{}', '{ message: 42 }', 'Object.create(null)']);
      return { source: `throw ${thrown};\n${source}`, what: `throws ${thrown} at import` };
    }
    case 5:
      return { source: `import 'file:///nonexistent-lab-fuzz/module.js';\n${source}`, what: 'imports a module that is not there' };
    case 6:
      return { source: '', what: 'empty' };
    case 7:
      return { source: Buffer.from(Array.from({ length: 2048 }, () => rng.int(256))), what: 'binary' };
    case 8:
      return { source: 'missing', what: 'missing' };
    case 9:
      return { source: 'directory', what: 'a directory' };
    case 10:
      return { source: source.replace(/export default (\w+);/, 'export default Promise.resolve($1);'), what: 'default export is a promise' };
    case 11:
      return { source: `${source.replace(/export default (\w+);/, 'const kept = $1;')}\nexport default kept.steps;`, what: 'default export is the steps' };
    case 12:
      return {
        source: source.replace(
          /export default (\w+);/,
          "export default new Proxy($1, { get(t, k) { if (k === 'steps') throw new Error('lab-fuzz: getter'); return t[k]; } });",
        ),
        what: 'a getter throws',
      };
    default:
      return { source: source.replace(/export default (\w+);/, 'export default Object.freeze({ ...$1, steps: [] });'), what: 'no steps' };
  }
}

/** Sections of a prose file: the head (title, summary) and each `## ` section. */
function sections(text: string): string[] {
  return text.split(/(?=^## )/m);
}

/** A mutation of en.md or zh.md. */
function proseMutation(rng: Rng, text: string, other: string): { content: string | Buffer | 'missing' | 'directory'; what: string } {
  const parts = sections(text);
  switch (rng.int(16)) {
    case 0:
      return { content: 'missing', what: 'missing' };
    case 1:
      return { content: '', what: 'empty' };
    case 2: {
      const at = rng.int(text.length);
      return { content: text.slice(0, at), what: `cut at ${at}` };
    }
    case 3: {
      const i = 1 + rng.int(Math.max(parts.length - 1, 1));
      return { content: parts.filter((_, j) => j !== i).join(''), what: `section ${i} removed` };
    }
    case 4: {
      const i = 1 + rng.int(Math.max(parts.length - 1, 1));
      return { content: [...parts.slice(0, i + 1), parts[i] ?? '', ...parts.slice(i + 1)].join(''), what: `section ${i} twice` };
    }
    case 5: {
      const i = 1 + rng.int(Math.max(parts.length - 2, 1));
      const swapped = [...parts];
      [swapped[i], swapped[i + 1]] = [swapped[i + 1] ?? '', swapped[i] ?? ''];
      return { content: swapped.join(''), what: `sections ${i} and ${i + 1} swapped` };
    }
    case 6:
      return { content: text.replace(/^# .*\n/m, ''), what: 'no title' };
    case 7: {
      const bytes = Buffer.from(text, 'utf8');
      const at = rng.int(bytes.length);
      return {
        content: Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), bytes.subarray(at)]),
        what: `invalid UTF-8 at ${at}`,
      };
    }
    case 8:
      return { content: Buffer.from(Array.from({ length: 4096 }, () => rng.int(256))), what: 'binary' };
    case 9:
      return { content: `\ufeff${text.replace(/\n/g, '\r\n')}`, what: 'BOM and CRLF' };
    case 10:
      return { content: text + `\n${'lorem ipsum '.repeat(10)}\n`.repeat(10_000), what: 'huge (1 MB)' };
    case 11:
      return { content: text.replace(/^## ([a-z0-9-]+):/m, '## Step One'), what: 'a malformed step heading' };
    case 12:
      return { content: text.replace(/^## ([a-z0-9-]+):/m, '## $1-renamed:'), what: 'a step id renamed' };
    case 13:
      return { content: other, what: 'the other language' };
    case 14:
      return { content: text.replace(/^### (Hints|提示)\n/gm, ''), what: 'hint headings removed' };
    default:
      return { content: 'directory', what: 'a directory' };
  }
}

/** Write a file, a missing one, or a directory in its place. */
function put(path: string, content: string | Buffer | 'missing' | 'directory'): void {
  if (content === 'missing') return;
  if (content === 'directory') mkdirSync(path);
  else writeFileSync(path, content);
}

/** One case: the lab written under `dir/<id>/`, mutated; what was done to it. */
export function writeCase(rng: Rng, dir: string, id: string, paths: (string | number)[][]): string {
  const labDir = join(dir, id);
  mkdirSync(labDir, { recursive: true });
  const en = readFileSync(join(ROOT, 'labs', id, 'en.md'), 'utf8');
  const zh = readFileSync(join(ROOT, 'labs', id, 'zh.md'), 'utf8');
  const source = compiledSource(id);
  const roll = rng.next();
  let lab: string | Buffer | 'missing' | 'directory' = source;
  let prose = { en: en as string | Buffer | 'missing' | 'directory', zh: zh as string | Buffer | 'missing' | 'directory' };
  let what: string;
  if (roll < 0.4) {
    const m = structural(rng, id, paths);
    lab = m.source;
    what = `lab.js: ${m.what}`;
  } else if (roll < 0.65) {
    const m = textual(rng, source);
    lab = m.source;
    what = `lab.js: ${m.what}`;
  } else {
    const lang = rng.chance(0.5) ? 'en' : 'zh';
    const m = proseMutation(rng, lang === 'en' ? en : zh, lang === 'en' ? zh : en);
    prose = { ...prose, [lang]: m.content };
    what = `${lang}.md: ${m.what}`;
    if (rng.chance(0.15)) {
      const both = proseMutation(rng, lang === 'en' ? zh : en, lang === 'en' ? en : zh);
      prose = { ...prose, [lang === 'en' ? 'zh' : 'en']: both.content };
      what += `; ${lang === 'en' ? 'zh' : 'en'}.md: ${both.what}`;
    }
  }
  put(join(labDir, 'lab.js'), lab);
  put(join(labDir, 'en.md'), prose.en);
  put(join(labDir, 'zh.md'), prose.zh);
  return what;
}
