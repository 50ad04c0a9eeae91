// The terminal UI driven as a learner would, in a real terminal (tmux, 80x24): read the first screen, re-run a
// step's checks, scroll the commands pane back to a step's first command (Home, [, End), step on, do the `docker
// exec` task in the embedded shell, check it, give the room to a pane (z), resize to 120x35, switch language, quit.
// The screen is asserted at each point; the facts that matter are read from the kernel, and the host must be as
// before.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/host/cleanup.js';
import { parseJournal, replay } from '../../src/host/journal.js';
import { cmdline, isAlive, nsInode, pidsInNamespace } from '../../src/kernel/proc.js';
import { BIN, hostSnapshot, needsRoot, useTempState } from '../helpers.js';
import { loadLab } from '../../src/lab/load.js';

// pid-namespace's number of steps, from its spec (the UI shows it as `Step N/STEPS`).
const STEPS = (await loadLab('pid-namespace')).steps.length;

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skip = needsRoot() || (!hasTmux && 'needs tmux');

/** A private tmux server (its own socket) running one command; only this server is ever killed. */
function terminal(t: { teardown(fn: () => void): void }, command: string) {
  const socket = `lab-tui-${process.pid}`;
  const tmux = (...args: string[]): string => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' }).stdout ?? '';
  t.teardown(() => void tmux('kill-server'));
  tmux('new-session', '-d', '-s', 'lab', '-x', '80', '-y', '24', command);
  const screen = (): string => tmux('capture-pane', '-p', '-t', 'lab');
  return {
    screen,
    keys: (...keys: string[]) => void tmux('send-keys', '-t', 'lab', ...keys),
    resize: (cols: number, rows: number) => void tmux('resize-window', '-t', 'lab', '-x', String(cols), '-y', String(rows)),
    waitText: (text: string, ms = 10_000) => waitFor(() => screen().includes(text), ms, 50),
  };
}

/** The live run's harness and init, from its journal. */
function liveRun(state: string): { owner: number; init: number } {
  const [file] = readdirSync(join(state, 'runs'));
  const run = replay(parseJournal(readFileSync(join(state, 'runs', file!), 'utf8')))!;
  const init = run.live.find((l) => l.resource.kind === 'process' && l.resource.name === 'init')?.resource;
  return { owner: run.owner, init: init?.kind === 'process' ? (init.target ?? 0) : 0 };
}

t.test('a learner goes through pid-namespace in the terminal UI', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const term = terminal(t, `env LAB_STATE_DIR=${state} LANG=C.UTF-8 ${process.execPath} ${BIN} run pid-namespace; sleep 60`);

  // The first screen: the step list, the explanation, the commands' checks, the live panel, the keys.
  t.ok(await term.waitText('Step passed. n: next step'), 'the first step ran and waits for n');
  const { owner, init } = liveRun(state);
  const labPidNs = nsInode(init, 'pid')!;
  let screen = term.screen();
  t.match(screen, 'PID namespaces', 'the lab title is in the header');
  t.match(screen, `Step 1/${STEPS}`, 'the step number');
  t.match(screen, '✓ 1. A process that is PID 1', 'the first step is marked passed');
  t.match(screen, '· 2. A /proc that shows only', 'the second is pending');
  t.match(screen, '✓ NSpid shows two PIDs for init', 'a check with its result');
  const firstCommand = /\$ (setpriv|unshare) /;
  t.notMatch(screen, firstCommand, "the commands pane follows the newest lines: the step's first command is above them");
  term.keys('Home');
  t.ok(await waitFor(() => firstCommand.test(term.screen()), 5000, 50), "Home scrolls the commands pane to the step's first command");
  t.match(term.screen(), /Commands and output {2}↓ 1-/, 'its title says there is more below');
  term.keys('End');
  t.ok(await waitFor(() => !firstCommand.test(term.screen()), 5000, 50), 'End: the newest lines again');
  t.match(screen, 'Kernel, live', 'the live panel');
  t.match(screen, String(labPidNs), "the live panel shows init's PID namespace inode as the kernel has it");
  t.match(screen, /uts\s+\d+ += host/, 'and that init shares the host UTS namespace');
  t.match(screen, 'n next  r re-run  c check', 'the keys are in the footer');
  for (const line of screen.split('\n')) t.ok([...line].length <= 80, 'no line is wider than the terminal');

  // r re-runs the step's checks only: the same init, still alone in its namespace.
  term.keys('r');
  t.ok(await term.waitText('Step passed. n: next step'), 're-checked');
  t.equal(liveRun(state).init, init, 'no second init was started');
  t.same(pidsInNamespace('pid', labPidNs), [init], 'the namespace still holds init alone');

  // On through two demos to the first task.
  term.keys('n');
  t.ok(await waitFor(() => term.screen().includes(`Step 2/${STEPS}`) && term.screen().includes('Step passed'), 10_000, 50), 'step 2 passed');
  term.keys('n');
  t.ok(await waitFor(() => term.screen().includes(`Step 3/${STEPS}`) && term.screen().includes('Step passed'), 10_000, 50), 'step 3 passed');
  // Step 3 ran more than the commands pane holds at 80x24: [ scrolls it back to the step's first command.
  const first = '$ setpriv --pdeathsig KILL -- sleep 3600 &';
  t.notMatch(term.screen(), first, 'the pane shows the newest lines: the first command is out of sight');
  t.match(term.screen(), /Commands and output {2}↑ \d+-\d+\/\d+ {2}\[ \] scroll/, 'its title says there is more above');
  for (let i = 0; i < 10; i++) term.keys('[');
  t.ok(await term.waitText(first), "[ scrolls the commands pane back to the step's first command");
  t.ok(await term.waitText('kill: No such process'), 'and the output that follows it');
  term.keys('End');
  t.ok(await waitFor(() => !term.screen().includes(first), 5000, 50), 'End follows the newest lines again');
  term.keys('n');
  t.ok(await term.waitText('[host] '), 'the task opened a shell in its pane');
  t.ok(await term.waitText('Keys go to the shell'), 'the shell has the keys');
  screen = term.screen();
  t.match(screen, '? 4. docker exec by hand', 'the task is marked as the learner\'s turn');

  // The task, typed into the embedded shell: join init's namespaces from the host, as docker exec does.
  term.keys("nsenter --target $(lsns --noheadings --type pid --output PID,COMMAND | awk '$2 == \"sleep\" && $3 == \"infinity\" {print $1}') --pid --mount -- sleep 777 &", 'Enter');
  t.ok(await waitFor(() => pidsInNamespace('pid', labPidNs).some((p) => cmdline(p)?.join(' ') === 'sleep 777'), 10_000), "the learner's sleep 777 runs in the lab's PID namespace");
  t.ok(await term.waitText('[1] '), 'the shell reported the background job');
  term.keys('C-]');
  t.ok(await term.waitText('n next  r re-run'), 'Ctrl-] gave the keys back to the lab');
  term.keys('h');
  t.ok(await term.waitText('Hint 1/'), 'h shows the first hint');
  term.keys('c');
  t.ok(await waitFor(() => term.screen().includes(`Step 4/${STEPS}`) && term.screen().includes('Step passed'), 10_000, 50), 'c checked, and the task passed');
  t.match(term.screen(), '✓ 4. docker exec by hand', 'the task is marked passed');

  // z gives the explanation the room, then the commands, then both as before.
  const logRow = (): number => term.screen().split('\n').findIndex((l) => l.includes('Commands and output'));
  const normal = logRow();
  term.keys('z');
  t.ok(await waitFor(() => logRow() > normal + 5, 5000, 50), 'z: the explanation grows, the commands pane moves down');
  term.keys('z');
  t.ok(await waitFor(() => logRow() > 0 && logRow() < normal, 5000, 50), 'z again: the commands pane grows');
  term.keys('z');
  t.ok(await waitFor(() => logRow() === normal, 5000, 50), 'z a third time: as before');

  // At 120x35 every step name is whole.
  term.resize(120, 35);
  t.ok(await waitFor(() => term.screen().split('\n').length >= 35 && term.screen().includes('8. When PID 1 dies, the namespace dies'), 5000, 50), '120x35: the last step name whole');
  screen = term.screen();
  for (const line of screen.split('\n')) t.ok([...line].length <= 120, 'no line is wider than the terminal');
  const list = screen.split('\n').slice(1, screen.split('\n').findIndex((l) => l.startsWith(' Kernel, live')));
  t.ok(list.length >= 9, 'the step list');
  t.notOk(list.some((l) => l.split('│')[0]!.includes('…')), 'no step name is cut');
  term.resize(80, 24);
  t.ok(await waitFor(() => term.screen().split('\n').length <= 25, 5000, 50), 'back to 80x24');

  // l switches the whole screen to Chinese and back.
  term.keys('l');
  t.ok(await term.waitText(`已通过 4/${STEPS}`), 'l switched to Chinese');
  t.match(term.screen(), '内核实况');
  term.keys('l');
  t.ok(await term.waitText(`4/${STEPS} passed`), 'and back to English');

  // q quits at once: the lab cleans up, the terminal is given back with the result on it.
  term.keys('q');
  t.ok(await waitFor(() => !isAlive(owner), 15_000, 50), 'the harness exited');
  t.ok(await term.waitText(`Lab stopped after 4 of ${STEPS} steps`), 'the result stays on the normal screen');
  t.notMatch(term.screen(), 'Kernel, live', 'the full-screen view is gone');
  t.notOk(isAlive(init), 'init is gone');
  t.ok(await waitFor(() => pidsInNamespace('pid', labPidNs).length === 0, 5000, 50), "the lab's PID namespace is empty");
  t.same(hostSnapshot(state), before, 'the host is as before');
});

t.test('Ctrl-C in the terminal UI cleans up', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const term = terminal(t, `env LAB_STATE_DIR=${state} LANG=C.UTF-8 ${process.execPath} ${BIN} run pid-namespace --lang zh; sleep 60`);
  t.ok(await term.waitText('本步骤通过'), 'the first step passed, in Chinese');
  const { owner, init } = liveRun(state);
  term.keys('C-c');
  t.ok(await waitFor(() => !isAlive(owner), 15_000, 50), 'the harness exited');
  t.notOk(isAlive(init), 'init was removed');
  t.same(hostSnapshot(state), before, 'the host is as before');
});
