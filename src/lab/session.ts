// A run's hold on the host: the journal, the processes it started, the values steps passed on, and the cleanup
// that removes all of it newest first. The runner drives it; actions and checks see it as their context.
import { NAMESPACE_TYPES } from '../common/vocabulary.js';
import { childrenOf, comm, isAlive, nsInode, startTime } from '../kernel/proc.js';
import { quoteWord, renderCommand } from '../kernel/shell.js';
import { readSysvipc } from '../kernel/sysvipc.js';
import { describeResource, isLabName, killMarked, removeResource, resourceExists, waitFor } from '../host/cleanup.js';
import { writeKernelFile } from '../host/cgroup.js';
import { commandError, errnoOf, LabError } from '../common/errors.js';
import { runCommand, startProcess, type OutputSink } from '../host/exec.js';
import { Journal, type Resource } from '../host/journal.js';
import type { CommandRole, Listener } from './events.js';
import type { Action, CheckContext, HostResource, LabProcess, NamespaceType, ProbeResult, ShellSpec, Text } from './spec.js';


interface Held {
  id: number;
  resource: Resource;
  process?: LabProcess;
}

/** How long a forked namespace init may take to exec its program. */
const CHILD_TIMEOUT_MS = 5000;

/** How long a started process may take to reach its program (systemd-run waits for systemd to make the scope). */
const EXEC_TIMEOUT_MS = 15000;

export class Session implements CheckContext {
  readonly journal: Journal;
  private readonly emit: Listener;
  private readonly held: Held[] = [];
  private readonly processes = new Map<string, LabProcess>();
  private readonly vars = new Map<string, string>();
  /** The step whose commands are running, for the events. */
  step = '';
  private readonly signal: AbortSignal | undefined;
  /** The lab's shell spec: where `lab shell`, task shells and the `enter` builder go by default. */
  readonly shell: ShellSpec;

  constructor(lab: string, emit: Listener, options: { signal?: AbortSignal; shell?: ShellSpec } = {}) {
    this.journal = Journal.create(lab);
    this.emit = emit;
    this.signal = options.signal;
    this.shell = options.shell ?? { target: '', namespaces: [] };
  }

  get runId(): string {
    return this.journal.runId;
  }

  proc(name: string): LabProcess {
    const found = this.processes.get(name);
    if (!found) {
      throw new LabError({
        operation: `find lab process \`${name}\``,
        code: 'not-started',
        meaning: { en: `The process "${name}" was never started in this run.`, zh: `本次运行中从未启动进程「${name}」。` },
        fix: { en: 'Run the steps in order.', zh: '请按顺序运行各个步骤。' },
      });
    }
    return found;
  }

  /** Every named process, for `lab shell` and the live views. */
  allProcesses(): ReadonlyMap<string, LabProcess> {
    return this.processes;
  }

  get(key: string): string {
    const value = this.vars.get(key);
    if (value === undefined) throw new Error(`no value "${key}" was stored by an earlier step`);
    return value;
  }

  set(key: string, value: string): void {
    this.vars.set(key, value);
  }

  private sink(): OutputSink {
    return (stream, text) => this.emit({ type: 'output', step: this.step, stream, text });
  }

  /**
   * The output of a started process, which keeps running while later commands run: whole lines only, each begun
   * with `[name] `, and tagged with its name, so that no reporter shows it as the output of whatever runs then.
   */
  private labelledSink(name: string): { sink: OutputSink; flush: () => void } {
    const partial = { stdout: '', stderr: '' };
    const sink: OutputSink = (stream, text) => {
      const lines = (partial[stream] + text).split('\n');
      partial[stream] = lines.pop()!;
      if (lines.length === 0) return;
      this.emit({ type: 'output', step: this.step, stream, text: lines.map((l) => `[${name}] ${l}\n`).join(''), from: name });
    };
    // A last line without its newline, once the process has ended.
    const flush = (): void => {
      for (const stream of ['stdout', 'stderr'] as const) if (partial[stream]) sink(stream, '\n');
    };
    return { sink, flush };
  }

  async probe(argv: string[]): Promise<ProbeResult> {
    this.emit({ type: 'command', step: this.step, role: 'check', command: renderCommand(argv), background: false });
    return runCommand(argv, { runId: this.runId, signal: this.signal });
  }

  /** Write a value as a `write` action does; a refusal is reported as output, or thrown explained. */
  private writeValue(action: Extract<Action, { kind: 'write' }>): { ok: boolean; stderr: string } {
    const expected = action.expect ?? 'ok';
    try {
      writeKernelFile(action.path, action.value);
    } catch (error) {
      const code = error instanceof LabError ? error.code : errnoOf(error) ?? 'error';
      if (action.record) this.set(action.record, code);
      if (expected === 'ok') throw error;
      const stderr = `write ${action.path}: ${code}\n`;
      this.emit({ type: 'output', step: this.step, stream: 'stderr', text: stderr });
      this.emit({ type: 'command-end', step: this.step, exitCode: 1, expected, ok: true });
      return { ok: true, stderr };
    }
    if (action.record) this.set(action.record, 'ok');
    this.emit({ type: 'command-end', step: this.step, exitCode: 0, expected, ok: expected === 'ok' });
    return { ok: expected === 'ok', stderr: '' };
  }

  /** Carry out one action; `ok` is false when a command's exit status was not the expected one. */
  async perform(action: Action, role: CommandRole): Promise<{ ok: boolean; stderr: string }> {
    const background = action.kind === 'start';
    this.emit({ type: 'command', step: this.step, role, command: renderAction(action), background });
    if (action.kind === 'write') return this.writeValue(action);
    if (action.kind === 'start') {
      if (action.creates) this.intendHostResource(action.creates, action.argv);
      await this.start(action.name, action.argv, action.pidOf ?? 'self', action.execs);
      return { ok: true, stderr: '' };
    }
    const created = action.creates ? this.intendHostResource(action.creates, action.argv) : undefined;
    const result = await runCommand(action.argv, { runId: this.runId, onOutput: this.sink(), signal: this.signal });
    created?.();
    if (this.signal?.aborted) return { ok: true, stderr: '' };
    if (action.record) this.set(action.record, result.signal ?? `exit ${result.exitCode}`);
    const expected = action.expect ?? 'ok';
    const ok = expected === 'ok' ? result.exitCode === 0 : result.exitCode !== 0;
    this.emit({ type: 'command-end', step: this.step, exitCode: result.exitCode, ...(result.signal ? { signal: result.signal } : {}), expected, ok });
    return { ok, stderr: result.stderr };
  }

  /**
   * Journal a host resource an action is about to create, after making sure nothing of that name exists (it
   * would not be ours to remove). Returns what to do once the action ran: for a System V object, find it.
   */
  private intendHostResource(wanted: HostResource, argv: string[]): (() => void) | undefined {
    const resource: Resource = { ...wanted };
    if ('name' in resource && !isLabName(resource.name)) throw new Error(`a lab resource name must start with lab-: ${resource.name}`);
    if ('unit' in resource && !isLabName(resource.unit)) throw new Error(`a lab unit name must start with lab-: ${resource.unit}`);
    if ('path' in resource && !isLabName(resource.path)) throw new Error(`a lab path must start with lab-: ${resource.path}`);
    if ('file' in resource && !isLabName(resource.file)) throw new Error(`a loop device's backing file must start with lab-: ${resource.file}`);
    if (resource.kind !== 'sysv' && resourceExists(resource)) {
      const name = 'name' in resource ? resource.name : resource.kind === 'loop' ? `a loop device on ${resource.file}` : resource.path;
      throw new LabError({
        operation: `run \`${renderCommand(argv)}\``,
        code: 'exists',
        meaning: {
          en: `${name} already exists, probably left by a run that crashed; lab does not touch what this run did not create.`,
          zh: `${name} 已经存在，多半是某次崩溃的运行留下的；lab 不会碰不是本次运行创建的东西。`,
        },
        fix: { en: 'Run `sudo lab clean`, then start the lab again.', zh: '运行 `sudo lab clean`，然后重新开始实验。' },
      });
    }
    const before = resource.kind === 'sysv' ? readSysvipc(resource.type) : [];
    const id = this.journal.intend(resource);
    this.held.push({ id, resource });
    if (resource.kind !== 'sysv') return undefined;
    return () => {
      const known = new Set(before.map((o) => `${o.id}:${o.key}`));
      const made = readSysvipc(resource.type).filter((o) => !known.has(`${o.id}:${o.key}`));
      if (made.length !== 1) return;
      resource.id = made[0]!.id;
      resource.key = made[0]!.key;
      this.journal.update(id, resource);
    };
  }

  /** Start a long-lived process: journal first, then spawn, then journal its PID and start time. */
  private async start(name: string, argv: string[], pidOf: 'self' | 'child', execs?: string): Promise<void> {
    const resource: Resource = { kind: 'process', name, argv };
    const id = this.journal.intend(resource);
    const held: Held = { id, resource };
    this.held.push(held);
    let stderr = '';
    const { sink, flush } = this.labelledSink(name);
    const started = await startProcess(argv, {
      runId: this.runId,
      onOutput: (stream, text) => {
        if (stream === 'stderr') stderr += text;
        sink(stream, text);
      },
    });
    void started.exited.then(flush);
    resource.pid = started.pid;
    resource.start = started.start;
    this.journal.update(id, resource);
    let target = started.pid;
    if (execs !== undefined) await this.execed(started.pid, execs, argv, () => stderr);
    if (pidOf === 'child') {
      target = await this.execedChild(started.pid, argv, () => stderr);
      resource.target = target;
      resource.targetStart = startTime(target);
      this.journal.update(id, resource);
    }
    const ns: LabProcess['ns'] = {};
    for (const type of NAMESPACE_TYPES) {
      const inode = nsInode(target, type);
      if (inode !== undefined) ns[type] = inode;
    }
    held.process = { pid: target, leader: started.pid, ns };
    this.processes.set(name, held.process);
  }

  /**
   * The first child of `leader` once it runs its own program (its comm differs from the leader's). When the
   * leader exits first (unshare refused by the kernel), fail at once with the errno it printed, explained.
   */
  private async execedChild(leader: number, argv: string[], stderr: () => string): Promise<number> {
    const leaderComm = comm(leader);
    let child: number | undefined;
    await waitFor(() => {
      child = childrenOf(leader).find((pid) => comm(pid) !== leaderComm && startTime(pid) !== undefined);
      return child !== undefined || !isAlive(leader);
    }, CHILD_TIMEOUT_MS);
    if (child === undefined) {
      // Give the last of its stderr a moment to arrive before explaining it.
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw commandError(`start \`${renderCommand(argv)}\``, stderr(), {
        meaning: {
          en: 'The command ended, or did not start the process the lab needs (the namespace\'s init) within 5 s; its output says why.',
          zh: '命令已经退出，或没有在 5 秒内创建出实验需要的子进程（命名空间的 init 进程）；原因见它的输出。',
        },
        fix: { en: 'Run `lab doctor` to check namespace support.', zh: '运行 `lab doctor` 检查命名空间支持情况。' },
      });
    }
    return child;
  }

  /** Wait until a started process runs `program`; fail with its output, explained, when it ends or takes too long. */
  private async execed(pid: number, program: string, argv: string[], stderr: () => string): Promise<void> {
    const ran = await waitFor(() => comm(pid) === program || !isAlive(pid), EXEC_TIMEOUT_MS);
    if (ran && comm(pid) === program) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
    throw commandError(`start \`${renderCommand(argv)}\``, stderr(), {
      meaning: {
        en: `The command ended, or had not started \`${program}\` after ${EXEC_TIMEOUT_MS / 1000} s; its output says why.`,
        zh: `命令已经退出，或 ${EXEC_TIMEOUT_MS / 1000} 秒后仍未启动 \`${program}\`；原因见它的输出。`,
      },
      fix: { en: 'Run `lab doctor`, then `lab clean`, and try again.', zh: '运行 `lab doctor`，再运行 `lab clean`，然后重试。' },
    });
  }

  /** Remove everything this run created, newest first; reports each removal. */
  async cleanup(): Promise<boolean> {
    let ok = true;
    while (this.held.length > 0) {
      const held = this.held.pop()!;
      const removed = await removeResource(held.resource);
      if (removed) this.journal.removed(held.id);
      ok &&= removed;
      const label = held.resource.kind === 'process' ? stoppedLabel(held.resource) : undefined;
      this.emit({ type: 'cleanup', what: describeResource(held.resource), ok: removed, ...(label ? { label } : {}) });
    }
    const strays = await killMarked(this.runId);
    if (strays > 0) this.emit({ type: 'cleanup', what: `${strays} stray process(es)`, ok: true });
    if (ok) this.journal.finish();
    return ok;
  }
}

/**
 * A stopped lab process in words, by its name and the host PID the commands and the live panel showed for it (the
 * process the name stands for), with the process that started it when that is another one (`unshare --fork`).
 */
export function stoppedLabel(resource: Extract<Resource, { kind: 'process' }>): Text {
  const pid = resource.target ?? resource.pid;
  if (pid === undefined) return { en: `stopped ${resource.name}`, zh: `已停止 ${resource.name}` };
  const leader = resource.pid !== undefined && resource.pid !== pid ? resource.pid : undefined;
  const program = (resource.argv[0] ?? '').split('/').pop();
  if (leader === undefined) return { en: `stopped ${resource.name} (host PID ${pid})`, zh: `已停止 ${resource.name}（宿主机 PID ${pid}）` };
  return {
    en: `stopped ${resource.name} (host PID ${pid}) and the ${program} that started it (host PID ${leader})`,
    zh: `已停止 ${resource.name}（宿主机 PID ${pid}）和启动它的 ${program}（宿主机 PID ${leader}）`,
  };
}

/** The shell command an action is shown as (a write is `echo VALUE > FILE`). */
export function renderAction(action: Action): string {
  if (action.kind === 'write') return `echo ${quoteWord(action.value)} > ${quoteWord(action.path)}`;
  return renderCommand(action.argv, action.kind === 'start');
}
