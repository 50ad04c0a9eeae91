// What every lab must do, as tests to register for one lab: pass `lab verify` and leave the host exactly as it was;
// leave nothing after `kill -9` of the harness plus `lab clean`, nor after Ctrl-C, nor when its terminal is closed;
// `lab shell <id>` must open a shell inside exactly the namespaces the lab declares; and every check must fail when
// its step is skipped. test/labs/ registers them for every lab on this host; test/vm/ for the cgroup v2 labs in the
// test VM. A lab whose requirements this host lacks is skipped with the reason.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/host/cleanup.js';
import { parseJournal, replay, type RunState } from '../../src/host/journal.js';
import { isAlive, nsInode } from '../../src/kernel/proc.js';
import type { LoadedLab } from '../../src/lab/load.js';
import { unmet } from '../../src/lab/requirements.js';
import { dynamicCheck } from '../../src/lab/dev-check.js';
import { rightAnswer } from '../../src/lab/quiz.js';
import type { NamespaceType } from '../../src/lab/spec.js';
import { BIN, cleanEnv, cli, hostSnapshot, needsRoot, useTempState } from '../helpers.js';

/** Why this lab cannot run here (its unmet requirements), or false. */
export function unmetSkip(lab: LoadedLab): string | false {
  const missing = unmet(lab.spec.requires);
  if (!missing.length) return false;
  const onlyV2 = missing.every((r) => r.id.startsWith('cgroup2-')) && !process.env.LAB_IN_VM;
  return `needs ${missing.map((r) => r.what.en).join(', ')}${onlyV2 ? ' (the VM suite runs it)' : ''}`;
}

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
/** How often the screen is read: each read spawns tmux, which costs far more in the test VM (TCG) than here. */
const POLL_MS = process.env.LAB_IN_VM ? 250 : 50;
let sessions = 0;

/**
 * The journal of the one live run of a lab in a state directory (`lab-<id>-<pid>-<time>.jsonl`; a container the lab
 * started has a journal of its own there, `lab-container-<hex>.jsonl`).
 */
function liveRun(state: string, id: string): RunState | undefined {
  const names = existsSync(join(state, 'runs')) ? readdirSync(join(state, 'runs')) : [];
  const file = names.find((name) => new RegExp(`^lab-${id}-\\d+-[0-9a-z]+\\.jsonl$`).test(name));
  return file ? replay(parseJournal(readFileSync(join(state, 'runs', file), 'utf8'))) : undefined;
}

/** The host PID of the run's process of this name. */
function pidOf(run: RunState, name: string): number {
  const resource = run.live.find((l) => l.resource.kind === 'process' && l.resource.name === name)?.resource;
  return resource?.kind === 'process' ? (resource.target ?? resource.pid ?? 0) : 0;
}

/**
 * How many steps a mid-lab run goes through at most: all but the last here; in the test VM (TCG, where each step
 * costs ten times as much) half of them, by which point every cgroup lab has its cgroups and workloads running.
 */
const midLabSteps = (lab: LoadedLab): number => (process.env.LAB_IN_VM ? Math.ceil(lab.steps.length / 2) : lab.steps.length - 1);

/** Start `lab run <id>` in tmux and advance to the first task prompt or `midLabSteps`; returns the session. */
async function runUntilMidLab(t: { teardown(fn: () => void): void }, lab: LoadedLab, state: string) {
  const name = `lab-test-${process.pid}-${lab.spec.id}-${(sessions++).toString()}`;
  const tmux = (...args: string[]): string => spawnSync('tmux', args, { encoding: 'utf8' }).stdout ?? '';
  t.teardown(() => void tmux('kill-session', '-t', name));
  tmux(
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    '160',
    '-y',
    '50',
    `env LAB_STATE_DIR=${state} ${process.execPath} ${BIN} run ${lab.spec.id} --lang en --plain; sleep 30`,
  );
  const screen = (): string => tmux('capture-pane', '-p', '-J', '-t', name, '-S', '-2000');
  const count = (text: string): number => screen().split(text).length - 1;
  let pauses = 0;
  // A quiz asks for an answer (its prompt ends in "(then Enter)"): the run gives the right one and goes on.
  const answers = lab.steps.flatMap((step) => (step.spec.kind === 'quiz' ? [rightAnswer(step.spec)] : []));
  let answered = 0;
  for (;;) {
    const asked = (): boolean => count('(then Enter)') > answered;
    const reached = await waitFor(() => count('[Enter] next step') > pauses || count('[Enter] open the shell') > 0 || asked(), 60_000, POLL_MS);
    if (!reached || count('[Enter] open the shell') > 0) break;
    if (asked()) {
      tmux('send-keys', '-t', name, answers[answered++] ?? 'q', 'Enter');
      continue;
    }
    pauses++;
    if (pauses >= midLabSteps(lab)) break;
    tmux('send-keys', '-t', name, 'Enter');
  }
  return { keys: (...keys: string[]) => void tmux('send-keys', '-t', name, ...keys), screen, close: () => void tmux('kill-session', '-t', name) };
}

/** A private state directory, the host snapshot before, and a run of the lab in tmux stopped mid-lab. */
async function midLab(t: Test, lab: LoadedLab) {
  const state = useTempState();
  const before = hostSnapshot(state);
  const term = await runUntilMidLab(t, lab, state);
  const run = liveRun(state, lab.spec.id);
  t.ok(run, 'a run is live');
  return { state, before, term, run };
}

/**
 * The lab's contract with the host: verify, kill -9 + clean, Ctrl-C, lab shell and SIGHUP. In the test VM, where a
 * run costs ten times as much, one mid-lab run checks lab shell and then ends with kill -9 + lab clean, and the
 * terminal-closed case (the same cleanup path as Ctrl-C, covered here for every namespace lab) is left out.
 */
export function labContract(lab: LoadedLab): void {
  const skip = unmetSkip(lab);
  const inVm = Boolean(process.env.LAB_IN_VM);
  const midSkip = skip || needsRoot() || (!hasTmux && 'needs tmux');

  t.test(`${lab.spec.id}: lab verify passes and the host is as before`, { skip }, async (t) => {
    const state = useTempState();
    const before = hostSnapshot(state);
    const r = cli(['verify', lab.spec.id, '--tap'], { LAB_STATE_DIR: state });
    t.equal(r.status, 0, `${lab.spec.id} verified`);
    t.notMatch(r.stdout, /^\s*not ok/m);
    t.same(hostSnapshot(state), before);
  });

  if (!inVm)
    t.test(`${lab.spec.id}: kill -9 mid-lab, then lab clean`, { skip: midSkip }, async (t) => {
      const { before, state, run } = await midLab(t, lab);
      if (!run) return;
      process.kill(run.owner, 'SIGKILL');
      t.ok(await waitFor(() => !isAlive(run.owner), 5000), 'the harness is dead');
      const clean = cli(['clean'], { LAB_STATE_DIR: state });
      t.equal(clean.status, 0, 'lab clean succeeded');
      t.same(hostSnapshot(state), before, 'nothing of the lab remains');
    });

  t.test(`${lab.spec.id}: Ctrl-C mid-lab removes everything`, { skip: midSkip }, async (t) => {
    const { before, state, term, run } = await midLab(t, lab);
    if (!run) return;
    term.keys('C-c');
    t.ok(await waitFor(() => !isAlive(run.owner, run.ownerStart), 10_000, 50), 'the harness exited');
    t.same(hostSnapshot(state), before, 'nothing of the lab remains');
  });

  const ending = inVm ? 'then kill -9 and lab clean' : 'then the terminal is closed';
  t.test(`${lab.spec.id}: lab shell enters exactly the lab's namespaces (and cgroup), ${ending}`, { skip: midSkip }, async (t) => {
    const { before, state, term, run } = await midLab(t, lab);
    if (!run) return;
    const target = pidOf(run, lab.spec.shell.target);
    t.ok(target > 0 && isAlive(target), `the shell target "${lab.spec.shell.target}" runs`);
    const types: NamespaceType[] = ['pid', 'mnt', 'uts', 'ipc', 'net', 'user', 'cgroup', 'time'];
    const script = [...types.map((type) => `echo ${type}=$(readlink /proc/self/ns/${type})`), 'echo cgroup-path=$(grep ^0:: /proc/self/cgroup)'].join('\n');
    const shell = spawnSync(process.execPath, [BIN, 'shell', lab.spec.id], {
      encoding: 'utf8',
      env: cleanEnv({ LAB_STATE_DIR: state }),
      input: `${script}\nexit\n`,
      timeout: 20_000,
    });
    t.equal(shell.status, 0, 'lab shell ran');
    for (const type of types) {
      const seen = new RegExp(`^${type}=${type === 'mnt' ? 'mnt' : type}:\\[(\\d+)\\]$`, 'm').exec(shell.stdout)?.[1];
      const joined = lab.spec.shell.namespaces.includes(type);
      const expected = joined ? nsInode(target, type) : nsInode('self', type);
      // A PID namespace is entered by the shell's children only; readlink runs as one, so it applies to all.
      t.equal(Number(seen), expected, `${type}: ${joined ? "the lab's" : "the host's"} namespace`);
    }
    const cgroupLine = /^cgroup-path=(.*)$/m.exec(shell.stdout)?.[1];
    const targetLine = readFileSync(`/proc/${target}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    if (lab.spec.shell.cgroup) t.equal(cgroupLine, targetLine, "the shell joined the target's cgroup, as docker exec does");
    else t.not(cgroupLine, undefined, 'the shell reported its cgroup');
    if (inVm) {
      process.kill(run.owner, 'SIGKILL');
      t.ok(await waitFor(() => !isAlive(run.owner), 5000), 'the harness is dead');
      const clean = cli(['clean'], { LAB_STATE_DIR: state });
      t.equal(clean.status, 0, 'lab clean succeeded');
      t.same(hostSnapshot(state), before, 'after kill -9 and lab clean nothing of the lab remains');
      return;
    }
    term.close();
    t.ok(await waitFor(() => !isAlive(run.owner, run.ownerStart), 10_000, 50), 'the lab ended with its terminal');
    t.same(hostSnapshot(state), before, 'closing the terminal (SIGHUP) removed everything');
  });
}

/**
 * A check that cannot fail proves nothing. One run with prechecks, as `lab dev check` makes it (src/lab/dev-check.ts):
 * before each step's actions its checks are read once (the kernel state they would see if the step were skipped) and
 * every one must fail; then the step runs and every check must pass; and the host is as it was before.
 */
export function checksCanFail(lab: LoadedLab): void {
  t.test(`${lab.spec.id}: every check fails before its step and passes after it`, { skip: unmetSkip(lab) }, async (t) => {
    const state = useTempState();
    const { outcome, problems } = await dynamicCheck(lab, { stateDir: state });
    t.equal(outcome.status, 'passed', 'the lab passed');
    t.same(
      problems.map((p) => p.en),
      [],
      'every check failed before its step and passed after it, and the host is as before',
    );
  });
}
