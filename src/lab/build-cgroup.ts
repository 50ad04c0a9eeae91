// Builders that let a cgroup lab read like its prose, on top of build.ts:
//   ...cgroupPreamble({ controllers: ['pids'], leaves: ['box', 'bomb'], box: 'box' }),
//   set(bomb, 'pids.max', 20),
//   startIn('bomb', bomb, ['perl', '-e', BOMB, bomb]),
// where `const bomb = labPath('bomb')`. Every path is under the run's own cgroup, named from the short name the lab
// declares once in its spec (`cgroup:`), which the context carries; nothing here runs anything.
import { join } from 'node:path';
import { argvOf, run, start, wordOf, write, type Argv, type RunOptions, type StartOptions, type Word, type WriteOptions } from './build.js';
import { delegation, inCgroupArgv, labCgroup, mkdirCgroup } from './cgroup-lab.js';
import { unshareArgv, type UnshareOptions } from '../kernel/namespaces.js';
import type { ActionSpec, LabContext } from './spec.js';

/** A path under the run's own cgroup, as it is in this run: `labPath('box')`; `labPath()` is the run's cgroup itself. */
export const labPath =
  (...parts: string[]) =>
  (ctx: LabContext): string =>
    join(labCgroup(ctx), ...parts);

/** An interface file of a cgroup: `cgroupFile(bomb, 'pids.max')`. */
export function cgroupFile(cgroup: Word, file: string): Word {
  return typeof cgroup === 'function' ? (ctx) => join(wordOf(ctx, cgroup), file) : join(String(cgroup), file);
}

/** Write one interface file of a cgroup, shown as `echo VALUE > <cgroup>/<file>`: `set(capped, 'cpu.max', '20000 100000')`. */
export function set(cgroup: Word, file: string, value: Word, options: WriteOptions = {}): ActionSpec {
  return write(cgroupFile(cgroup, file), value, options);
}

/** Enable controllers for a cgroup's children: `echo "+cpu +cpuset" > <cgroup>/cgroup.subtree_control`. */
export function enable(cgroup: Word, controllers: readonly string[], options: WriteOptions = {}): ActionSpec {
  return set(cgroup, 'cgroup.subtree_control', controllers.map((c) => `+${c}`).join(' '), options);
}

/** A command that moves itself into a cgroup and then becomes `argv` (see inCgroupArgv), killed with the harness. */
const joining =
  (cgroup: Word, argv: Argv) =>
  (ctx: LabContext): string[] =>
    inCgroupArgv(wordOf(ctx, cgroup), argvOf(ctx, argv));

/** `run` a program inside a cgroup: everything it forks starts there too. */
export function runIn(cgroup: Word, argv: Argv, options: RunOptions = {}): ActionSpec {
  return run(joining(cgroup, argv), options);
}

/** `start` a long-lived program inside a cgroup under a name: `startIn('hog', capped, LOOP)`. */
export function startIn(name: string, cgroup: Word, argv: Argv, options: StartOptions = {}): ActionSpec {
  return start(name, joining(cgroup, argv), options);
}

/**
 * A namespace's first process made inside a cgroup: a shell moves itself into `cgroup`, then becomes `unshare`, so
 * that the new cgroup namespace's root is that cgroup (it is the cgroup its creator is in at that moment). As
 * build.ts's `init`: killed with the harness, and with a fork the name stands for the child.
 */
export function initIn(
  name: string,
  cgroup: Word,
  options: UnshareOptions,
  argv: Argv = ['sleep', 'infinity'],
  extra: Omit<StartOptions, 'pidOf'> = {},
): ActionSpec {
  const forks = options.fork ?? options.namespaces.includes('pid');
  return start(name, (ctx) => inCgroupArgv(wordOf(ctx, cgroup), unshareArgv(options, argvOf(ctx, argv))), { ...extra, pidOf: forks ? 'child' : 'self' });
}

/** What a cgroup lab's first step makes (see cgroupPreamble). */
export interface Preamble {
  /** The controllers the run's cgroup needs from above: systemd delegates them to the run's scope. */
  controllers: readonly string[];
  /** Leaves under the run's cgroup, made in one `mkdir` once the controllers are enabled for them. */
  leaves?: readonly string[];
  /** The leaf where `box` (`sleep infinity`, the lab shell's target) is started. */
  box?: string;
}

/**
 * The run's cgroups, as every cgroup lab begins: on a systemd host the scope systemd delegates to the run (see
 * delegation); `mkdir` the run's cgroup (declared: removed at the end, its processes killed first); with leaves,
 * `+controllers` in its cgroup.subtree_control and the leaves (the no-internal-process rule: processes go in
 * leaves); then `box` in its leaf. `cgroupPreamble({ controllers: ['io'], leaves: ['box'], box: 'box' })`.
 */
export function cgroupPreamble({ controllers, leaves = [], box }: Preamble): ActionSpec[] {
  if (box !== undefined && !leaves.includes(box)) throw new Error(`cgroupPreamble: box's leaf "${box}" is not one of the leaves`);
  return [
    ...delegation(controllers),
    (ctx) => mkdirCgroup(labCgroup(ctx)),
    ...(leaves.length > 0 ? [enable(labPath(), controllers), run(['mkdir', ...leaves.map((leaf) => labPath(leaf))])] : []),
    ...(box !== undefined ? [startIn('box', labPath(box), ['sleep', 'infinity'])] : []),
  ];
}
