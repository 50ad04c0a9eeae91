// A run's hold on the host: the journal, the processes it started, the values steps passed on, and the cleanup
// that removes all of it newest first. The runner drives it; actions and checks see it as their context.
// The journal and the removal are the host's owner executor (src/host/owner.ts): a run is one owner of it.
import { NAMESPACE_TYPES } from '../common/vocabulary.js';
import { waitFor } from '../common/wait.js';
import { readListeners, socketInodes } from '../kernel/net.js';
import { childrenOf, comm, isAlive, nsInode, startTime } from '../kernel/proc.js';
import { quoteWord, renderCommand } from '../kernel/shell.js';
import { writeKernelFile } from '../host/cgroup.js';
import { commandError, errnoOf, LabError } from '../common/errors.js';
import { runCommand, startProcess, type OutputSink } from '../host/exec.js';
import type { Journal } from '../host/journal.js';
import { Owned } from '../host/owner.js';
import type { Resource } from '../host/resource.js';
import { describeResource, opsOf } from '../host/resource-kinds.js';
import type { CommandRole, Listener } from './events.js';
import { faultPoint } from './fault-point.js';
import type { Action, CheckContext, HostResource, Lang, LabProcess, ProbeResult, ShellSpec } from './spec.js';

export { stoppedLabel } from '../host/resource-kinds.js';

/** How long a forked namespace init may take to exec its program (seconds when the machine is busy: test/vm/load.test.ts). */
const CHILD_TIMEOUT_MS = 15000;

/** How long a started process may take to reach its program (systemd-run waits for systemd to make the scope). */
const EXEC_TIMEOUT_MS = 15000;

/** A lab run's hold on the host, and the context its actions and checks see. */
export class Session implements CheckContext {
  /** What the run holds on the host, journaled. */
  readonly owned: Owned;
  private readonly emit: Listener;
  private readonly processes = new Map<string, LabProcess>();
  private readonly vars = new Map<string, string>();
  /** The step whose commands are running, for the events. */
  step = '';
  private readonly signal: AbortSignal | undefined;
  /** The lab's shell spec: where `lab shell`, task shells and the `enter` builder go by default. */
  readonly shell: ShellSpec;
  /** The short name of the lab's own cgroup (`LabSpec.cgroup`), which the cgroup builders name the run's cgroups from. */
  readonly cgroup: string | undefined;
  /** The lab's id, for the line that stands for a hidden solution's command. */
  private readonly lab: string;
  /** `LabSpec.hideSolution`: solution commands are replaced by one line each, their output withheld. */
  private readonly hideSolution: boolean;
  /** The learner's language, for that line (both languages when unknown). */
  private readonly lang: Lang | undefined;

  constructor(lab: string, emit: Listener, options: { signal?: AbortSignal; shell?: ShellSpec; cgroup?: string; hideSolution?: boolean; lang?: Lang } = {}) {
    this.owned = Owned.create({ kind: 'run', lab });
    this.lab = lab;
    this.hideSolution = options.hideSolution ?? false;
    this.lang = options.lang;
    this.emit = emit;
    this.signal = options.signal;
    this.shell = options.shell ?? { target: '', namespaces: [] };
    this.cgroup = options.cgroup;
  }

  /** The run's journal (the runner records each step in it). */
  get journal(): Journal {
    return this.owned.journal;
  }

  get runId(): string {
    return this.owned.id;
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
      const code = error instanceof LabError ? error.code : (errnoOf(error) ?? 'error');
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
    // A hidden solution (LabSpec.hideSolution) is applied all the same, shown as one line that says how to see it.
    const hidden = role === 'solution' && this.hideSolution;
    const command = hidden ? hiddenSolutionLine(this.lab, this.step, this.lang) : renderAction(action);
    this.emit({ type: 'command', step: this.step, role, command, background });
    if (action.kind === 'write') return this.writeValue(action);
    if (action.kind === 'start') {
      if (action.creates) this.intendHostResource(action.creates, action.argv);
      await this.start(action.name, action.argv, action.pidOf ?? 'self', action.execs, hidden, action.listens);
      return { ok: true, stderr: '' };
    }
    const created = action.creates ? this.intendHostResource(action.creates, action.argv) : undefined;
    const onSpawn = (): void => void faultPoint(`inside run ${action.argv[0] ?? ''}`);
    const result = await runCommand(action.argv, { runId: this.runId, ...(hidden ? {} : { onOutput: this.sink() }), signal: this.signal, onSpawn });
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
  private intendHostResource(wanted: HostResource, argv: string[]): () => void {
    return this.owned.claim({ ...wanted }, `run \`${renderCommand(argv)}\``).made;
  }

  /** Start a long-lived process: journal first, then spawn, then journal its PID and start time. */
  private async start(name: string, argv: string[], pidOf: 'self' | 'child', execs?: string, quiet = false, listens?: number): Promise<void> {
    const resource: Extract<Resource, { kind: 'process' }> = { kind: 'process', name, argv };
    const id = this.owned.intend(resource);
    let stderr = '';
    const { sink, flush } = this.labelledSink(name);
    const started = await startProcess(argv, {
      runId: this.runId,
      onOutput: (stream, text) => {
        if (stream === 'stderr') stderr += text;
        if (!quiet) sink(stream, text);
      },
    });
    void started.exited.then(flush);
    resource.pid = started.pid;
    resource.start = started.start;
    this.owned.update(id, resource);
    let target = started.pid;
    if (execs !== undefined) await this.execed(started.pid, execs, argv, () => stderr);
    if (pidOf === 'child') {
      target = await this.execedChild(started.pid, argv, () => stderr);
      resource.target = target;
      resource.targetStart = startTime(target);
      this.owned.update(id, resource);
    }
    const ns: LabProcess['ns'] = {};
    for (const type of NAMESPACE_TYPES) {
      const inode = nsInode(target, type);
      if (inode !== undefined) ns[type] = inode;
    }
    this.processes.set(name, { pid: target, leader: started.pid, ns });
    if (listens !== undefined) await this.listening(target, listens, argv, () => stderr);
    await faultPoint(`inside start ${name}`);
  }

  /**
   * The first child of `leader` once it runs its own program (its comm differs from the leader's). When the
   * leader exits first (unshare refused by the kernel), fail at once with the errno it printed, explained.
   * The leader's comm is read each time: when it started, it may not yet run its own program either (setpriv, which
   * executes unshare), and a child just forked by unshare, still unshare, has not yet done what unshare does after
   * the fork (--propagation, --mount-proc).
   */
  private async execedChild(leader: number, argv: string[], stderr: () => string): Promise<number> {
    let child: number | undefined;
    await waitFor(() => {
      const leaderComm = comm(leader);
      child = childrenOf(leader).find((pid) => comm(pid) !== leaderComm && startTime(pid) !== undefined);
      return child !== undefined || !isAlive(leader);
    }, CHILD_TIMEOUT_MS);
    if (child === undefined) {
      // Give the last of its stderr a moment to arrive before explaining it.
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw commandError(`start \`${renderCommand(argv)}\``, stderr(), {
        meaning: {
          en: "The command ended, or did not start the process the lab needs (the namespace's init) within 15 s; its output says why.",
          zh: '命令已经退出，或没有在 15 秒内创建出实验需要的子进程（命名空间的 init 进程）；原因见它的输出。',
        },
        fix: { en: 'Run `lab doctor` to check namespace support.', zh: '运行 `lab doctor` 检查命名空间支持情况。' },
      });
    }
    return child;
  }

  /** Wait until `pid` holds a TCP socket listening on `port`; fail with its output, explained, when it ends or takes too long. */
  private async listening(pid: number, port: number, argv: string[], stderr: () => string): Promise<void> {
    const holds = (): boolean => {
      const mine = socketInodes(pid);
      return (readListeners(pid) ?? []).some((socket) => socket.port === port && mine.has(socket.inode));
    };
    if ((await waitFor(() => holds() || !isAlive(pid), EXEC_TIMEOUT_MS)) && holds()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
    throw commandError(`start \`${renderCommand(argv)}\``, stderr(), {
      meaning: {
        en: `The server ended, or was not listening on port ${port} within 15 s; its output says why.`,
        zh: `服务器已经退出，或者没有在 15 秒内开始监听 ${port} 端口；原因见它的输出。`,
      },
      fix: {
        en: `Check that nothing else holds port ${port} (\`ss -ltnp 'sport = :${port}'\`), then \`sudo lab clean\` and run the lab again.`,
        zh: `确认没有别的程序占用 ${port} 端口（\`ss -ltnp 'sport = :${port}'\`），然后运行 \`sudo lab clean\` 并重新运行实验。`,
      },
    });
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
    const report = await this.owned.removeAll((resource, ok) => {
      const label = opsOf(resource).removed?.(resource);
      this.emit({ type: 'cleanup', what: describeResource(resource), ok, ...(label ? { label } : {}) });
    });
    if (report.strays > 0) this.emit({ type: 'cleanup', what: `${report.strays} stray process(es)`, ok: true });
    return report.failed.length === 0;
  }
}

/** What stands for each command of a hidden solution: a shell comment naming the command that shows it. */
export function hiddenSolutionLine(lab: string, step: string, lang?: Lang): string {
  const words = { en: 'reference solution hidden', zh: '参考答案已隐藏' };
  return `# ${lang ? words[lang] : `${words.en} (${words.zh})`}: lab solution ${lab} ${step}`;
}

/** The shell command an action is shown as (a write is `echo VALUE > FILE`). */
export function renderAction(action: Action): string {
  if (action.kind === 'write') return `echo ${quoteWord(action.value)} > ${quoteWord(action.path)}`;
  return renderCommand(action.argv, action.kind === 'start');
}
