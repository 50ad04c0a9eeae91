// The cases of test/hardening/cli-fuzz.test.ts: valid forms of every command (from the table in src/cli/commands.ts),
// mutated (tokens dropped, duplicated, swapped, replaced, mangled, joined as --flag=value, huge), plus random argvs;
// and the guard that keeps every case from doing real work: a form that could run a lab, serve, start a container,
// write into the project or clean the host is refused on purpose (an unknown option right after its command path),
// so that only its argument handling is exercised.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/commands.js';
import { listLabIds } from '../../src/lab/paths.js';
import { ROOT } from '../helpers.js';
import type { Rng } from './fuzz-pool.js';

/** The option that no command knows: put right after a command path, it makes the case a usage error. */
export const REFUSED = '--zz-fuzz-refused';
/** Another option no command knows, from the pool of tokens. */
const UNKNOWN = '--zz-unknown';

export const LAB_IDS = listLabIds(join(ROOT, 'labs'));

/** Step ids of a lab, from its en.md headings. */
function stepIds(id: string): string[] {
  const text = readFileSync(join(ROOT, 'labs', id, 'en.md'), 'utf8');
  return [...text.matchAll(/^## ([a-z0-9-]+):/gm)].map((m) => m[1]!);
}
const STEPS = new Map(LAB_IDS.map((id) => [id, stepIds(id)]));

const HUGE = 'x'.repeat(100 * 1024);

/** Lab ids that are not: near misses, paths, very long, shell and terminal tricks, other scripts. */
export const FAKE_IDS = [
  'no-such-lab',
  'pid',
  'PID-NAMESPACE',
  'pid_namespace',
  'pid-namespace-',
  '-pid-namespace',
  '../pid-namespace',
  '../../etc',
  '..',
  '.',
  '/',
  '/etc',
  '/nonexistent-lab-fuzz/x',
  'labs/pid-namespace',
  'pid-namespace/',
  'pid-namespace/../uts-namespace',
  'a'.repeat(65),
  `${'a-'.repeat(40)}a`,
  HUGE,
  '',
  ' ',
  'pid namespace',
  'ｐｉｄ-namespace',
  'pïd-namespace',
  '\u202epid-namespace',
  'pid\nnamespace',
  '\x1b[31mred\x1b[0m',
  '\x1b]0;title\x07',
  '\r',
  '\t',
  '\x7f\x01\x02',
  '$(id)',
  '`id`',
  '; rm -rf /nonexistent-lab-fuzz',
  '%s%n%x',
  '{}',
  '[]',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  '0',
  '-1',
  '1e308',
  'NaN',
  '1',
  '2147483648',
  '99999999',
  '\ufffd',
  'cafÃ©',
  '日本語',
  '实验',
  '🐳',
  'x'.repeat(4096),
];

/** Options: known, known with values, misspelt, unknown, odd shapes. */
export const FLAGS = [
  '--yes',
  '-y',
  '--plain',
  '--tap',
  '--json',
  '--all',
  '--prove-checks',
  '--static',
  '--format',
  '--format=json',
  '--format=junit',
  '--format=xml',
  '--format=',
  '--dir',
  '--help',
  '-h',
  '--version',
  '-V',
  '--lang',
  '--lang=zh',
  '--lang=en',
  '--lang=fr',
  '--lang=',
  '--',
  '-',
  '---',
  '--=',
  '--yes=1',
  '--json=false',
  '--no-json',
  UNKNOWN,
  '-Q',
  '-yy',
  '-hy',
  '--Yes',
  '--JSON',
  '-all',
  '--all=',
  '--port',
  '--port=99999',
  '--name',
  '--code',
  '-a',
  '-q',
  '-f',
  '-t',
  '-it',
];

const LANG_VALUES = ['en', 'zh', 'fr', '', 'EN', 'zh-CN', 'zh_CN.UTF-8', HUGE, '\ufffd', '--json'];

/** The words of a command as its valid forms can have them. */
function argsFor(rng: Rng, spec: string, name: string): string[] {
  const id = rng.pick(LAB_IDS);
  switch (spec) {
    case '':
      return [];
    case '<id>':
      return [id];
    case '[<id>]':
      return rng.chance(0.5) ? [id] : [];
    case '<id> [<step>]':
      return rng.chance(0.5) ? [id, rng.pick(STEPS.get(id)!)] : [id];
    case '<id>... | --all':
      return rng.chance(0.3) ? ['--all'] : [id, ...(rng.chance(0.4) ? [rng.pick(LAB_IDS)] : [])];
    case '[<id>...]':
      return Array.from({ length: rng.int(3) }, () => rng.pick(LAB_IDS));
    case '<pid | container>':
      return [rng.pick(['1', String(process.pid), 'lab-fuzz-container', 'self'])];
    case 'check [<id>...]':
      return ['check', ...Array.from({ length: rng.int(2) }, () => rng.pick(LAB_IDS))];
    default:
      if (name === 'container') return rng.pick(CONTAINER_FORMS);
      if (name === 'class') return rng.pick(CLASS_FORMS);
      return [];
  }
}

const CONTAINER_FORMS: string[][] = [
  ['ps'],
  ['ps', '-a'],
  ['ps', '-q'],
  ['images'],
  ['logs', 'lab-fuzz-c'],
  ['logs', '-f', 'lab-fuzz-c'],
  ['stop', '-t', '1', 'lab-fuzz-c'],
  ['rm', '-f', 'lab-fuzz-c'],
  ['inspect', 'lab-fuzz-c'],
  ['network', 'ls'],
  ['network', 'inspect', 'lab-fuzz-net'],
  ['run', '--rm', 'busybox', 'true'],
  ['run', '-d', '--name', 'lab-fuzz-c', '--memory', '64m', 'busybox', 'sleep', '1'],
  ['exec', '-it', 'lab-fuzz-c', 'sh'],
  ['commit', 'lab-fuzz-c', 'img:tag'],
  ['export', '-o', 'out.tar', 'lab-fuzz-c'],
  ['network', 'create', 'lab-fuzz-net'],
  ['network', 'rm', 'lab-fuzz-net'],
  ['import', 'in.tar', 'img'],
  ['load', '-i', 'in.tar'],
  ['rmi', 'img'],
  ['run', '--bundle', 'bundle-dir'],
];

const CLASS_FORMS: string[][] = [
  ['status'],
  ['leave'],
  ['join', 'http://127.0.0.1:9', '--name', 'ann', '--code', 'ABCD'],
  ['serve', '--port', '0', '--host', '127.0.0.1'],
  ['serve', '--title', 'Workshop'],
];

/** The options of a command as its usage line writes them: `[--format json|junit|tap]` gives a flag and its values. */
function optionsFor(rng: Rng, spec: string): string[] {
  const words: string[] = [];
  for (const group of spec.matchAll(/\[([^\]]+)\]/g)) {
    if (!rng.chance(0.5)) continue;
    const choice = rng.pick(group[1]!.split(' | '));
    const m = /^(--[a-z-]+)(?: (\S+))?$/.exec(choice.trim());
    if (!m) continue;
    words.push(m[1]!);
    if (m[2]) {
      const values = m[2] === 'FILE' ? ['report.out'] : m[2] === 'DIR' ? ['new-labs'] : m[2].split('|');
      words.push(rng.pick(values));
    }
  }
  return words;
}

/** One valid form of a command. */
export function validForm(rng: Rng): string[] {
  const entry = rng.pick(COMMANDS);
  const words = [entry.name, ...argsFor(rng, entry.args, entry.name), ...optionsFor(rng, entry.options)];
  if (rng.chance(0.15)) words.push('--lang', rng.pick(['en', 'zh']));
  if (rng.chance(0.05)) words.push(rng.pick(['--help', '-h']));
  return words;
}

/** Any token: a command name, a lab id real or fake, a step id, an option. */
function anyToken(rng: Rng): string {
  switch (rng.int(5)) {
    case 0:
      return rng.pick(COMMANDS).name;
    case 1:
      return rng.pick(LAB_IDS);
    case 2:
      return rng.pick(FAKE_IDS);
    case 3:
      return rng.pick(STEPS.get(rng.pick(LAB_IDS))!);
    default:
      return rng.pick(FLAGS);
  }
}

/** A token changed a little. */
function mangle(rng: Rng, word: string): string {
  switch (rng.int(9)) {
    case 0:
      return word.slice(0, rng.int(word.length + 1));
    case 1:
      return word.toUpperCase();
    case 2:
      return word + rng.pick(['-', '=', '/', ' ', '\t', '\x1b', '\ufffd', '.', '..', '*', '?']);
    case 3:
      return rng.pick(['-', '--', '---', '=', ' ']) + word;
    case 4:
      return word + word;
    case 5:
      return `${word}=${rng.pick([...FAKE_IDS.slice(0, 12), 'json', 'zh', ''])}`;
    case 6:
      return word.replace(/-/g, rng.pick(['_', '', '--', '\u2010']));
    case 7:
      return word + HUGE;
    default: {
      const at = rng.int(word.length + 1);
      return word.slice(0, at) + rng.pick(['\x00'.replace('\x00', '\x01'), '\x1b[2J', '\n', '\r', '\b', '\u200b']) + word.slice(at);
    }
  }
}

/** Mutate an argv one to four times. */
export function mutate(rng: Rng, argv: string[]): string[] {
  const words = [...argv];
  const times = 1 + rng.int(4);
  for (let n = 0; n < times; n++) {
    const at = rng.int(Math.max(words.length, 1));
    switch (rng.int(11)) {
      case 0:
        words.splice(at, 1);
        break;
      case 1:
        if (words.length) words.splice(at, 0, words[at]!);
        break;
      case 2: {
        const other = rng.int(Math.max(words.length, 1));
        if (words.length > 1) [words[at], words[other]] = [words[other]!, words[at]!];
        break;
      }
      case 3:
        words[at] = anyToken(rng);
        break;
      case 4:
        words.splice(rng.int(words.length + 1), 0, anyToken(rng));
        break;
      case 5:
        if (words.length) words[at] = mangle(rng, words[at]!);
        break;
      case 6:
        // `--flag value` → `--flag=value`
        if (words[at]?.startsWith('--') && at + 1 < words.length) words.splice(at, 2, `${words[at]}=${words[at + 1]}`);
        break;
      case 7: {
        // `--flag=value` → `--flag value`
        const eq = words[at]?.indexOf('=') ?? -1;
        if (eq > 0) words.splice(at, 1, words[at]!.slice(0, eq), words[at]!.slice(eq + 1));
        break;
      }
      case 8:
        words.splice(rng.int(words.length + 1), 0, ...(rng.chance(0.5) ? ['--lang', rng.pick(LANG_VALUES)] : [`--lang=${rng.pick(LANG_VALUES)}`]));
        break;
      case 9:
        words.splice(rng.int(words.length + 1), 0, rng.pick(['', ' ', HUGE]));
        break;
      default:
        for (let i = words.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [words[i], words[j]] = [words[j]!, words[i]!];
        }
    }
  }
  return words;
}

/** A random argv of zero to six tokens. */
export function randomArgv(rng: Rng): string[] {
  return Array.from({ length: rng.int(7) }, () => anyToken(rng));
}

/** The argv as `lab` reads it: `--lang X` and `--lang=X` taken out (src/cli/entry.ts), with each word's index. */
function effective(argv: readonly string[]): { word: string; at: number }[] {
  const out: { word: string; at: number }[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--lang') i++;
    else if (!argv[i]!.startsWith('--lang=')) out.push({ word: argv[i]!, at: i });
  }
  return out;
}

const SAFE_CONTAINER = new Set(['ps', 'logs', 'stop', 'rm', 'inspect', 'images', '--help', '-h', 'help']);

/**
 * How many words of the effective argv make the command path after which REFUSED must go (0: the case is safe as
 * it is). A form is refused when it could do real or long work here: run a lab (`run`, `verify`, `shell` with a
 * real id; `verify --all`; `dev check` without --static), listen (`class serve`), reach the network (`class join`),
 * start or change containers, images or networks (`container` but ps/logs/stop/rm/inspect/images/network ls|inspect),
 * write into the project (`new`) or outside the case's directory (`report --output`), or touch other runs' processes
 * on this shared host (`clean`, `reset`: `lab clean` stops every run it finds, test/host/cleanup.test.ts covers it).
 */
function refusedPath(words: string[]): number {
  const [name, ...rest] = words;
  const text = rest.join(' ');
  const realId = LAB_IDS.some((id) => text.includes(id));
  switch (name) {
    case 'run':
    case 'shell':
      return realId ? 1 : 0;
    case 'verify':
      return realId || text.includes('--all') ? 1 : 0;
    case 'dev':
      return rest[0] === 'check' && !(rest.includes('--static') && !rest.includes('--')) ? 2 : 0;
    case 'class':
      return rest[0] === 'serve' || rest[0] === 'join' ? 2 : 0;
    case 'container':
      if (rest[0] === undefined || SAFE_CONTAINER.has(rest[0])) return 0;
      if (rest[0] === 'network') return rest[1] === 'ls' || rest[1] === 'inspect' ? 0 : rest[1] === undefined ? 0 : 3;
      return 2;
    case 'new':
    case 'clean':
    case 'reset':
      return 1;
    case 'report':
      return rest.some((w) => w.startsWith('--o') || /^-[^-]*o/.test(w)) ? 1 : 0;
    default:
      return 0;
  }
}

/** The argv made safe: REFUSED inserted after its command path when the form could do real work (see refusedPath). */
export function guard(argv: string[]): { argv: string[]; refused: boolean } {
  const eff = effective(argv);
  const depth = refusedPath(eff.map((e) => e.word));
  if (depth === 0) return { argv, refused: false };
  const after = eff[Math.min(depth, eff.length) - 1]!.at;
  return { argv: [...argv.slice(0, after + 1), REFUSED, ...argv.slice(after + 1)], refused: true };
}

/**
 * Exit statuses a case may end with. `lab container` keeps Docker's (125 for its usage errors); an unknown command
 * and an unknown option given to a command (not after `--`, not with --help) can only be usage errors: 2.
 */
export function allowedCodes(argv: string[]): number[] {
  const eff = effective(argv).map((e) => e.word);
  const [name, ...rest] = eff;
  if (name === 'container') return [0, 1, 2, 125];
  // As src/cli/entry.ts reads it: the last --lang wins, and one that is not en or zh is a usage error.
  let lang: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--lang') lang = argv[++i] ?? '';
    else if (argv[i]!.startsWith('--lang=')) lang = argv[i]!.slice('--lang='.length);
  }
  if (lang !== undefined && lang !== 'en' && lang !== 'zh') return [2];
  if (name === undefined) return [2];
  if (['--help', '-h', 'help'].includes(name)) return [0];
  if (name === '--version' || name === '-V') return rest.length === 0 ? [0] : [2];
  if (!COMMANDS.some((c) => c.name === name)) return [2];
  if (rest.includes('--help') || rest.includes('-h')) return [0];
  if (!rest.includes('--') && (rest.includes(UNKNOWN) || rest.includes(REFUSED))) return [2];
  return [0, 1, 2];
}
