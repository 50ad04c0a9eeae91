// Docker-like arguments for `lab container`: flags first (`-d`, `--name N`, `--name=N`, `-e K=V`, combined short
// switches `-it`), and for run and exec everything after the first word that is not a flag (IMAGE, NAME) is the
// command, passed on untouched. The exit rule of every subcommand is here too: a usage error (a bad flag or value,
// a missing argument) exits 125 everywhere, as Docker's CLI; run and exec exit 125 for every error of lab itself;
// the others exit 1 for an operational error (no such container, an image in use), as the Docker daemon's errors.
import { LabError } from '../common/errors.js';
import type { Text } from '../common/vocabulary.js';
import { EXIT_LAB_ERROR } from '../kernel/exit-code.js';
import { runError } from '../runtime/errors.js';

/** One flag: its names, and whether it is a switch, takes one value, or may repeat. */
export interface FlagSpec {
  key: string;
  names: readonly string[];
  kind: 'switch' | 'value' | 'list';
}

/** What was parsed: switches as true, values as strings, repeated flags as lists; the words left. */
export interface ParsedArgs {
  flags: Record<string, string | string[] | boolean | undefined>;
  positionals: string[];
}

function badFlag(command: string, en: string, zh: string): Error {
  return usageError(command, { en, zh });
}

/**
 * Parse `args`. With `stopAtPositional` (run, exec) the first word that is not a flag and the rest are left as
 * they are; otherwise flags may stand anywhere, and `--` ends them.
 */
export function parseContainerArgs(command: string, args: readonly string[], specs: readonly FlagSpec[], stopAtPositional: boolean): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) for (const name of spec.names) byName.set(name, spec);
  const set = (spec: FlagSpec, value: string | true): void => {
    if (spec.kind === 'list') flags[spec.key] = [...((flags[spec.key] as string[] | undefined) ?? []), String(value)];
    else flags[spec.key] = value;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (stopAtPositional) {
        positionals.push(...args.slice(i));
        break;
      }
      positionals.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = byName.get(name);
    if (spec) {
      if (spec.kind === 'switch') {
        if (eq > 0) throw badFlag(command, `flag ${name} takes no value`, `选项 ${name} 不带值`);
        set(spec, true);
      } else if (eq > 0) {
        set(spec, arg.slice(eq + 1));
      } else {
        const value = args[++i];
        if (value === undefined) throw badFlag(command, `flag needs an argument: ${name}`, `选项需要一个值：${name}`);
        set(spec, value);
      }
      continue;
    }
    // -it, -dit: short switches together; the last one may take a value (-e K=V written -eK=V is not Docker's).
    if (!arg.startsWith('--') && arg.length > 2 && [...arg.slice(1)].every((c) => byName.get(`-${c}`)?.kind === 'switch')) {
      for (const c of arg.slice(1)) set(byName.get(`-${c}`)!, true);
      continue;
    }
    throw badFlag(command, `unknown flag: ${name}`, `未知选项：${name}`);
  }
  return { flags, positionals };
}

/** A switch's value. */
export const on = (parsed: ParsedArgs, key: string): boolean => parsed.flags[key] === true;
/** A value flag's value. */
export const valueOf = (parsed: ParsedArgs, key: string): string | undefined => {
  const v = parsed.flags[key];
  return typeof v === 'string' ? v : undefined;
};
/** A repeated flag's values. */
export const listOf = (parsed: ParsedArgs, key: string): string[] => {
  const v = parsed.flags[key];
  return Array.isArray(v) ? v : [];
};

/** A usage error of `lab container <command>` (a bad flag or value, a missing argument): exit 125 in every subcommand. */
export function usageError(command: string, meaning: Text, code = 'invalid-argument'): LabError {
  return runError(`lab container ${command}`, code, meaning, {
    en: `See \`lab container ${command} --help\`.`,
    zh: `参见 \`lab container ${command} --help\`。`,
  });
}

/** Exit status of an operational error of a subcommand other than run and exec, as the Docker daemon's errors. */
export const EXIT_OPERATIONAL = 1;

/**
 * The work of a subcommand other than run and exec, after its arguments are checked: an error of lab in it (no
 * such image, a name in use, an archive that is not one, a tool that failed) exits 1 instead of run's 125.
 */
export async function operational<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof LabError) || error.exitCode !== EXIT_LAB_ERROR) throw error;
    const { operation, code, meaning, fix, cause } = error;
    throw new LabError({ operation, code, meaning, fix, cause, exitCode: EXIT_OPERATIONAL });
  }
}

/**
 * The exit-status paragraph of the --help of a subcommand other than run and exec; `failures`: its operational
 * errors, if it has any.
 */
export function exitStatusHelp(failures?: Text): Text {
  const usage: Text = {
    en: 'Exit status: 0 when it worked; 125 for a usage error (unknown flag, bad value, missing argument)',
    zh: '退出状态：成功为 0；用法错误（未知选项、无效的值、缺少参数）为 125',
  };
  if (!failures) return { en: `${usage.en}, as Docker's.`, zh: `${usage.zh}，和 Docker 一样。` };
  return { en: `${usage.en};\n1 when ${failures.en}, as Docker's.`, zh: `${usage.zh}；\n${failures.zh}为 1，和 Docker 一样。` };
}
