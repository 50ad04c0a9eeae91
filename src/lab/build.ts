// Builders that let a lab read like the prose beside it:
//   run(['grep', 'NSpid', proc('init', 'status')])
// instead of
//   (ctx) => ({ kind: 'run', argv: ['grep', 'NSpid', `/proc/${ctx.proc('init').pid}/status`] })
// Each returns an ActionSpec: the action itself when every word is known in advance, or a function of the context
// when a word (a PID, a path with the run's id) is known only once its turn comes. Nothing here runs anything; the
// session runs the actions, journals what they create and shows each command exactly as it runs.
import type { NamespaceType } from '../common/vocabulary.js';
import { dieWithHarness, nsenterArgv, unshareArgv, type UnshareOptions } from '../kernel/namespaces.js';
import type { Action, ActionSpec, LabContext } from './spec.js';

/** A word of a command: as written, or made from the context when the action runs (a PID, a path). */
export type Word = string | number | ((ctx: LabContext) => string | number);

/** A command: its words, or a function of the context that makes all of them. */
export type Argv = readonly Word[] | ((ctx: LabContext) => readonly string[]);

/** Whether some word of the command is known only when the action runs. */
const late = (argv: Argv): boolean => typeof argv === 'function' || argv.some((word) => typeof word === 'function');

/** A word as it is in this run. */
export function wordOf(ctx: LabContext, word: Word): string {
  return String(typeof word === 'function' ? word(ctx) : word);
}

/** The command as it is executed in this run. */
export function argvOf(ctx: LabContext, argv: Argv): string[] {
  return typeof argv === 'function' ? [...argv(ctx)] : argv.map((word) => wordOf(ctx, word));
}

/** A command whose words are all known now. */
const fixed = (argv: Argv): string[] => (argv as readonly Word[]).map(String);

/** A lab process's host PID when the action runs: `run(['kill', '-0', pid('init')])`. */
export const pid =
  (name: string) =>
  (ctx: LabContext): number =>
    ctx.proc(name).pid;

/** A file of a lab process's /proc directory: `proc('init', 'status')` is `/proc/<init's host PID>/status`. */
export const proc =
  (name: string, file: string) =>
  (ctx: LabContext): string =>
    `/proc/${ctx.proc(name).pid}/${file}`;

/** What `run` may add to its command (see the `run` action in spec.ts). */
export type RunOptions = Omit<Extract<Action, { kind: 'run' }>, 'kind' | 'argv'>;

/** Run a command to completion and show it with its output. */
export function run(argv: Argv, options: RunOptions = {}): ActionSpec {
  if (late(argv)) return (ctx) => ({ kind: 'run', argv: argvOf(ctx, argv), ...options });
  return { kind: 'run', argv: fixed(argv), ...options };
}

/** What `start` may add (see the `start` action in spec.ts). */
export type StartOptions = Omit<Extract<Action, { kind: 'start' }>, 'kind' | 'argv' | 'name'>;

/** Start a long-lived process under a name that later actions and checks use (`pid(name)`, `ctx.proc(name)`). */
export function start(name: string, argv: Argv, options: StartOptions = {}): ActionSpec {
  if (late(argv)) return (ctx) => ({ kind: 'start', name, argv: argvOf(ctx, argv), ...options });
  return { kind: 'start', name, argv: fixed(argv), ...options };
}

/** What `write` may add (see the `write` action in spec.ts). */
export type WriteOptions = Omit<Extract<Action, { kind: 'write' }>, 'kind' | 'path' | 'value'>;

/** Write a value to a kernel file in one write(2), shown as `echo VALUE > FILE`. */
export function write(path: Word, value: Word, options: WriteOptions = {}): ActionSpec {
  if (late([path, value])) return (ctx) => ({ kind: 'write', path: wordOf(ctx, path), value: wordOf(ctx, value), ...options });
  return { kind: 'write', path: String(path), value: String(value), ...options };
}

/** Where `enter` and `nsenter` go: a lab process and the namespaces to join; by default the lab's shell spec. */
export interface Into {
  /** The lab process whose namespaces are joined (default: the lab's `shell.target`). */
  into?: string;
  /** The namespaces joined, in nsenter's order (default: the lab's `shell.namespaces`). */
  ns?: readonly NamespaceType[];
}

/** A command run inside a lab process's namespaces with nsenter, as `lab shell` (and `docker exec`) enter them. */
export function nsenter(argv: Argv, where: Into = {}): (ctx: LabContext) => string[] {
  return (ctx) => nsenterArgv(ctx.proc(where.into ?? ctx.shell.target).pid, [...(where.ns ?? ctx.shell.namespaces)], argvOf(ctx, argv));
}

/** `run` inside the lab's namespaces: `enter(['mount', '-t', 'tmpfs', 'lab-mnt', '/mnt'])`. */
export function enter(argv: Argv, options: Into & RunOptions = {}): ActionSpec {
  const { into, ns, ...rest } = options;
  return run(nsenter(argv, { into, ns }), rest);
}

/**
 * A namespace's first process: `unshare` with these namespaces, running `argv` (by default `sleep infinity`), killed
 * by the kernel if the harness dies. With a PID namespace unshare forks, and the name stands for the child, PID 1
 * inside, as in `docker run`.
 */
export function init(name: string, options: UnshareOptions, argv: Argv = ['sleep', 'infinity'], extra: Omit<StartOptions, 'pidOf'> = {}): ActionSpec {
  const forks = options.fork ?? options.namespaces.includes('pid');
  const command = (words: string[]): string[] => dieWithHarness(unshareArgv(options, words));
  const pidOf = forks ? 'child' : 'self';
  if (late(argv)) return start(name, (ctx) => command(argvOf(ctx, argv)), { ...extra, pidOf });
  return start(name, command(fixed(argv)), { ...extra, pidOf });
}
