// Argument parsing shared by the subcommands: options, usage errors (exit 2), and lab ids.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LabError } from '../common/errors.js';
import { isPlainLabName, listLabIds } from '../lab/paths.js';
import type { Lang, Text } from '../lab/spec.js';

/** A usage error: exit status 2, with what to do instead. */
export function usage(operation: string, meaning: Text): LabError {
  return new LabError({
    operation,
    code: 'usage',
    meaning,
    fix: { en: 'See `lab --help`.', zh: '参见 `lab --help`。' },
    exitCode: 2,
  });
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** What a subcommand accepts beyond its options: how many arguments, and which options exclude each other. */
export interface ParseRules {
  /** At most this many arguments (words that are not options); more is a usage error, never ignored. */
  maxArgs?: number;
  /** Options of which at most one may be given (the output formats: `--plain`, `--tap`, `--json`). */
  exclusive?: string[];
}

/** Parse a subcommand's arguments strictly; an unknown option, an extra argument or two exclusive options are usage errors. */
export function parse<T extends Options>(command: string, args: string[], options: T, rules: ParseRules = {}) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage(`lab ${command}`, { en: (error as Error).message, zh: `参数有误：${(error as Error).message}` });
  }
  const { maxArgs, exclusive = [] } = rules;
  if (maxArgs !== undefined && parsed.positionals.length > maxArgs) {
    const extra = parsed.positionals
      .slice(maxArgs)
      .map((word) => JSON.stringify(word))
      .join(' ');
    throw usage(`lab ${command}`, {
      en: `Too many arguments: ${extra}. \`lab ${command}\` takes ${maxArgs === 0 ? 'none' : `at most ${maxArgs}`}.`,
      zh: `参数太多：${extra}。\`lab ${command}\` ${maxArgs === 0 ? '不接受参数' : `最多接受 ${maxArgs} 个参数`}。`,
    });
  }
  const given = exclusive.filter((name) => (parsed.values as Record<string, unknown>)[name] !== undefined);
  if (given.length > 1) {
    const names = given.map((name) => `--${name}`).join(' ');
    throw usage(`lab ${command} ${names}`, {
      en: `These options exclude each other: choose one of ${exclusive.map((name) => `--${name}`).join(', ')}.`,
      zh: `这些选项互相排斥：${exclusive.map((name) => `--${name}`).join('、')} 只能选一个。`,
    });
  }
  return parsed;
}

/** Edit distance between two ids. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known ids closest to `id`: shared words first, then by edit distance; at most three. */
export function closestIds(id: string, ids: readonly string[]): string[] {
  const words = new Set(
    id
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean),
  );
  const score = (candidate: string): number => {
    const shared = candidate.split('-').filter((w) => words.has(w)).length;
    return distance(id.toLowerCase(), candidate) - 3 * shared;
  };
  return [...ids].sort((a, b) => score(a) - score(b) || a.localeCompare(b)).slice(0, 3);
}

/** Check that `id` names a lab; otherwise a usage error naming the closest ids. */
export function resolveLabId(id: string | undefined, command: string): string {
  const ids = listLabIds();
  if (id !== undefined && isPlainLabName(id) && ids.includes(id)) return id;
  const near = id === undefined ? ids : closestIds(id, ids);
  const list = near.join(', ');
  if (id === undefined) {
    throw usage(`lab ${command}`, { en: `Name a lab, one of: ${list}.`, zh: `请指定一个实验：${list}。` });
  }
  const shown = JSON.stringify(id);
  const plain = isPlainLabName(id);
  throw usage(`lab ${command} ${shown}`, {
    en: `${plain ? 'No lab has this id' : 'Not a lab id (ids are lower-case words joined by dashes)'}. Closest: ${list}.`,
    zh: `${plain ? '没有这个 id 的实验' : '这不是实验 id（id 由小写单词和连字符组成）'}。最接近的：${list}。`,
  });
}

/** Languages in the order `--lang` accepts them. */
export const LANGS: Lang[] = ['en', 'zh'];
