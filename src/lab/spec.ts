// The lab format: what a lab under labs/<id>/lab.ts declares. Prose (titles, explanations, hints) lives
// beside it in en.md and zh.md; everything the harness does and checks lives here.
import type { NamespaceType, ProbeResult, Text } from '../common/vocabulary.js';
import type { DeclaredResource } from '../host/resource.js';
import type { RequirementId } from './requirements.js';

/** The words every layer shares (src/common/vocabulary.ts), here too for a lab's convenience. */
export type { Lang, NamespaceType, ProbeResult, Text } from '../common/vocabulary.js';

/** The format version of lab specs; the loader refuses any other. */
export const LAB_FORMAT = 1;

/**
 * Things a lab needs from the host; `lab list`, `lab doctor` and `lab verify` read the same list. Each is one entry
 * of the table in requirements.ts (probe, what, why, fix): the ids are that table's keys.
 */
export type { RequirementId } from './requirements.js';

/**
 * Something on the host (outside every lab namespace) that an action creates. The runner journals it before
 * the action runs, refuses to run when it already exists, and removes it at the end, newest first. The kinds, each
 * field documented, are in src/host/resource.ts; what the harness does with each is in src/host/resource-kinds.ts.
 */
export type HostResource = DeclaredResource;

/**
 * One command the harness runs. `argv` is exactly what is executed and, shell-quoted, exactly what the
 * learner is shown.
 */
export type Action =
  | {
      /** Run to completion and stream its output. */
      kind: 'run';
      argv: string[];
      /**
       * `ok` (default): a non-zero exit stops the step as an error.
       * `fail`: the command is expected to fail because failing is the lesson (a kill across namespaces).
       */
      expect?: 'ok' | 'fail';
      /** What the command creates on the host: journaled before it runs, removed at the end of the lab. */
      creates?: HostResource;
      /**
       * Store how the command ended, as the kernel reported it to wait(2), under this key for later checks
       * (`ctx.get(key)`): the signal's name when a signal killed it (`SIGKILL`), otherwise `exit N`.
       */
      record?: string;
    }
  | {
      /**
       * Write a value to a kernel file (a cgroup or /proc/sys file) in one write(2), shown as
       * `echo VALUE > FILE`. Done by the harness itself, so a refusal names the file and its errno, explained.
       */
      kind: 'write';
      path: string;
      value: string;
      /** `fail`: the kernel is expected to refuse, because the refusal is the lesson (the no-internal-process rule). */
      expect?: 'ok' | 'fail';
      /** Store the kernel's answer to the write(2) under this key for later checks: `ok`, or the errno (`EBUSY`). */
      record?: string;
    }
  | {
      /** Start a long-lived process (a namespace's init, a server); it is journaled and stopped at the end. */
      kind: 'start';
      /** Name later actions and checks use to find it: `ctx.pid(name)`. */
      name: string;
      argv: string[];
      /** What starting it creates on the host besides the process (a systemd scope): journaled before it starts. */
      creates?: HostResource;
      /**
       * Wait until the started process runs this program (its comm), as when `systemd-run --scope` executes its
       * command only once systemd has made the scope: later actions may then rely on what it did first.
       */
      execs?: string;
      /**
       * Which process the name stands for. `self`: the started process. `child`: its first child, once that
       * child has executed its own program (for `unshare --fork`, the namespace's PID 1).
       */
      pidOf?: 'self' | 'child';
      /**
       * A server: wait until the process the name stands for holds a TCP socket listening on this port, so that a
       * later action's client does not connect before the server has called listen(2).
       */
      listens?: number;
    };

/**
 * An action, or a function that makes it from the context when its turn comes (so that it can use the PID of a
 * process an earlier action started). A function may return several actions, or none, where what the host
 * needs differs (a systemd host hands a lab its cgroups through a delegated scope; a host without systemd does not).
 */
export type ActionSpec = Action | ((ctx: LabContext) => Action | Action[]);

/** A process the lab started, as the host sees it. */
export interface LabProcess {
  /** Host PID of the process the name stands for (for `pidOf: 'child'`, the child). */
  pid: number;
  /** Host PID of the process the harness spawned (the same as `pid` for `pidOf: 'self'`). */
  leader: number;
  /** Inodes of its namespaces, read when it started: they stay valid after it exits. */
  ns: Partial<Record<NamespaceType, number>>;
}

/** What actions and checks may ask of the running lab. */
export interface LabContext {
  /** The run's id (`lab-<lab>-<pid>-<time>`), unique on this host: use its end to make names unique. */
  readonly runId: string;
  /** The lab's shell spec: which process's namespaces `lab shell`, task shells and `enter` join by default. */
  readonly shell: ShellSpec;
  /** The short name of the lab's own cgroup (`LabSpec.cgroup`): the cgroup builders name the run's cgroups from it. */
  readonly cgroup?: string;
  /** The lab's process of this name; throws a LabError when the step that starts it did not run. */
  proc(name: string): LabProcess;
  /** A value a previous action or check stored with `set`. Throws when absent. */
  get(key: string): string;
  set(key: string, value: string): void;
}

/** What a check may use: the lab context plus a way to run a command whose result is the fact. */
export interface CheckContext extends LabContext {
  /** Run a command (shown to the learner) and return its result; never throws on a non-zero exit. */
  probe(argv: string[]): Promise<ProbeResult>;
}

/**
 * A check's verdict. `found` states the kernel facts it read: a plain string when it is only facts
 * (`NSpid: 4242 1`), a Text when it has words to translate.
 */
export interface Verdict {
  ok: boolean;
  found: string | Text;
}

/** A statement about kernel state that must hold after its step. */
export interface Check {
  /** kebab-case, unique within the step. */
  id: string;
  /** What must be true, said to the learner. */
  title: Text;
  /** Keep re-reading for up to this many ms before failing (the kernel needs a moment, e.g. to reap). */
  settle?: number;
  /** Read the kernel and decide. Must not change anything the step's actions are meant to do. */
  verify(ctx: CheckContext): Promise<Verdict> | Verdict;
}

interface StepBase {
  /** kebab-case, unique in the lab; also the heading id of the step's section in en.md and zh.md. */
  id: string;
  /** At least one; each must fail when the step's actions (or the learner's work) are skipped. */
  checks: Check[];
}

/** The harness acts; the learner watches each command and its output. */
export interface DemoStep extends StepBase {
  kind: 'demo';
  /** Performed in order; a command that exits other than expected stops the lab with an error. */
  actions: ActionSpec[];
}

/** The learner acts in a shell; the harness then checks the resulting kernel state. */
export interface TaskStep extends StepBase {
  kind: 'task';
  /** Where the learner works: inside the lab's namespaces (`lab shell`) or in an ordinary host shell. */
  shell: 'lab' | 'host';
  /** A known-good answer: `lab verify` applies it so that the checks are proven against it. */
  solution: ActionSpec[];
}

/**
 * A question about an idea the kernel cannot show directly (why the wall clock is not namespaced): the learner answers,
 * the harness checks the answer.
 */
export interface QuizStep {
  kind: 'quiz';
  /** kebab-case, unique in the lab; also the heading id of its section in en.md and zh.md. */
  id: string;
  /**
   * The right answer. `choice`: the 1-based number of the right item of the prose's `### Choices` list (the same
   * position in both languages). `typed`: the accepted answers, compared after trimming, lower-casing and collapsing
   * white space (language-neutral: a number, a command, a file, a flag, a syscall name).
   */
  answer: { choice: number } | { typed: string[] };
}

export type Step = DemoStep | TaskStep | QuizStep;

/** How `lab shell <id>` enters a running lab. */
export interface ShellSpec {
  /** Name of the lab process whose namespaces the shell joins. */
  target: string;
  /** The namespaces joined, in `nsenter` order (none: the shell keeps the host's, as in the cgroup labs). */
  namespaces: NamespaceType[];
  /**
   * The shell also joins the target's cgroup, as `docker exec` does: it writes its own PID to that cgroup's
   * cgroup.procs before it starts, so that everything it runs counts against the lab's limits.
   */
  cgroup?: boolean;
}

/** A lab: a sequence of steps over real kernel objects, each step proven by checks. */
export interface LabSpec {
  /** Must equal LAB_FORMAT. */
  format: number;
  /** kebab-case; equals the directory name under labs/. */
  id: string;
  /** Position in `lab list` (the catalogue number). */
  order: number;
  /** What the host must offer; unmet requirements stop the lab before it starts, with the fix. */
  requires: RequirementId[];
  /** The shell `lab shell` and task steps open. */
  shell: ShellSpec;
  /**
   * For a lab with a cgroup of its own: its short name, declared once here. The cgroup builders read it from the
   * context (`labCgroup(ctx)`, `labPath('leaf')`): the run's cgroup is `<v2 root>/lab-<name>-<pid>-<time>`, or
   * `.../system.slice/lab-<name>-<pid>-<time>.scope/lab-<name>` in the scope systemd delegates to the run. Where it is
   * depends on the host, so every shell the lab opens in the host's mount namespace gets its path as `$LAB_CGROUP`,
   * and the prose can use it (a shell that joins the lab's mount namespace may see another cgroup tree there).
   */
  cgroup?: string;
  steps: Step[];
  /** `lab verify` and `lab run --yes` apply the task solutions without showing them (or their output); `lab solution <id>` shows them. */
  hideSolution?: boolean;
}
