// A learner's whole path through `lab run pid-namespace --plain` (the line prompt) in a real terminal (tmux): step through the demos, do the
// first task in the shell the lab opens, the second through `lab shell` from another terminal, check, finish.
// Then Ctrl-C in the middle of a lab. The facts asserted are read from the kernel; the screen only paces the test.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/host/cleanup.js';
import { parseJournal, replay } from '../../src/host/journal.js';
import { cmdline, isAlive, nsInode, pidsInNamespace, ppid } from '../../src/kernel/proc.js';
import { BIN, cleanEnv, hostSnapshot, needsRoot, useTempState } from '../helpers.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skip = needsRoot() || (!hasTmux && 'needs tmux');

/** A tmux session running one lab command, read and typed into as a learner would. */
function terminal(t: { teardown(fn: () => void): void }, state: string, command: string) {
  const name = `lab-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...args: string[]): string => spawnSync('tmux', args, { encoding: 'utf8' }).stdout ?? '';
  t.teardown(() => void tmux('kill-session', '-t', name));
  tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '50', `env LAB_STATE_DIR=${state} LANG=C.UTF-8 ${process.execPath} ${BIN} ${command}; sleep 30`);
  const screen = (): string => tmux('capture-pane', '-p', '-J', '-t', name, '-S', '-500');
  return {
    screen,
    keys: (...keys: string[]) => void tmux('send-keys', '-t', name, ...keys),
    /** Wait until `text` has appeared `count` times on the screen. */
    waitText: (text: string, count = 1, ms = 10_000) => waitFor(() => screen().split(text).length - 1 >= count, ms, 50),
  };
}

/** The live run in a state directory: its journal's owner and init. */
function liveRun(state: string) {
  const [file] = readdirSync(join(state, 'runs'));
  const run = replay(parseJournal(readFileSync(join(state, 'runs', file!), 'utf8')))!;
  const init = run.live.find((l) => l.resource.kind === 'process' && l.resource.name === 'init')?.resource;
  return { run, init: init?.kind === 'process' ? (init.target ?? 0) : 0 };
}

t.test('a learner runs pid-namespace from start to end', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const term = terminal(t, state, 'run pid-namespace --plain');
  for (let pause = 1; pause <= 3; pause++) {
    t.ok(await term.waitText('[Enter] next step', pause), `pause ${pause}`);
    term.keys('Enter');
  }
  t.ok(await term.waitText('[Enter] open the shell'), 'the exec task waits for the learner');
  const { init } = liveRun(state);
  const labNs = nsInode(init, 'pid');

  // Task 1, in the host shell the lab opens: find init's host PID with lsns and join its namespaces.
  term.keys('Enter');
  t.ok(await term.waitText('[host]'), 'a host shell opened');
  term.keys(
    'nsenter --target $(lsns --noheadings --type pid --output PID,COMMAND | awk \'$2 == "sleep" && $3 == "infinity" {print $1}\') --pid --mount -- sleep 777 &',
    'Enter',
  );
  t.ok(
    await waitFor(() => pidsInNamespace('pid', labNs!).some((p) => cmdline(p)?.join(' ') === 'sleep 777'), 10_000),
    "the learner's sleep 777 runs in the lab's PID namespace",
  );
  term.keys('exit', 'Enter');
  t.ok(await term.waitText('[Enter] open the shell', 2), 'back at the task prompt');
  term.keys('c', 'Enter');
  t.ok(await term.waitText('[Enter] next step', 4), 'the check passed and the lab moved on');
  term.keys('Enter');
  // Two demos (setns, nesting) before the next task.
  for (let pause = 5; pause <= 6; pause++) {
    t.ok(await term.waitText('[Enter] next step', pause), `pause ${pause}`);
    term.keys('Enter');
  }

  // Task 2, from "another terminal": lab shell, whose shell is inside the lab's namespaces.
  t.ok(await term.waitText('[Enter] open the shell', 3), 'the orphans task waits');
  const shell = spawnSync(process.execPath, [BIN, 'shell', 'pid-namespace'], {
    encoding: 'utf8',
    env: cleanEnv({ LAB_STATE_DIR: state }),
    input: "readlink /proc/self/ns/pid\nsh -c 'sleep 600 >/dev/null 2>&1 &'\nexit\n",
    timeout: 20_000,
  });
  t.equal(shell.status, 0, 'lab shell ran and exited');
  t.match(shell.stdout, `pid:[${labNs}]`, "the lab shell was inside the lab's PID namespace");
  t.ok(
    pidsInNamespace('pid', labNs!).some((p) => p !== init && ppid(p) === init),
    'the orphan was adopted by init',
  );
  term.keys('c', 'Enter');
  t.ok(await term.waitText('[Enter] next step', 7), 'the second check passed');
  term.keys('Enter');

  // The quiz on why PID 1 must reap: a wrong answer is refused, the right one (choice 2) passes the step.
  t.ok(await term.waitText('your answer'), 'the quiz asks');
  term.keys('1', 'Enter');
  t.ok(await term.waitText('Not right'), 'a wrong answer is refused');
  term.keys('b', 'Enter');
  t.ok(await term.waitText('[Enter] next step', 8), 'the right answer, as a letter, passes the quiz');
  term.keys('Enter');

  t.ok(await term.waitText('Lab passed'), 'the last step ran');
  t.notOk(isAlive(init), 'init is gone');
  t.same(pidsInNamespace('pid', labNs!), [], 'the namespace is empty');
  t.same(hostSnapshot(state), before, 'the host is as before');
  const progress = JSON.parse(readFileSync(join(state, 'progress.json'), 'utf8')) as { labs: Record<string, { passed: string[] }> };
  t.equal(progress.labs['pid-namespace']?.passed.length, 9, 'progress has every step, the quiz too');
});

t.test('Ctrl-C at a pause stops the lab and removes everything', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const term = terminal(t, state, 'run pid-namespace --plain --lang zh');
  t.ok(await term.waitText('[回车] 下一步', 1), 'paused after the first step, in Chinese');
  const { run, init } = liveRun(state);
  t.ok(isAlive(init), 'init runs');
  term.keys('C-c');
  t.ok(await waitFor(() => !isAlive(run.owner), 10_000, 50), 'the harness exited');
  t.notOk(isAlive(init), 'init was removed');
  t.same(hostSnapshot(state), before, 'the host is as before');
});
