// The terminal UI driven as a learner would, in a real terminal (tmux, 80x24): read the first screen, re-run a
// step's checks, scroll the commands pane back to a step's first command (Home, [, End), step on, do the `docker
// exec` task in the embedded shell, check it, give the room to a pane (z), resize to 120x35, switch language, quit.
// Then mount-namespace in Chinese at 120x35: PIDs in the live panel, a mountinfo line whole, the first command
// reachable, one prompt per Enter in the task shell, the task done, the footer once the lab is over.
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
import { displayWidth } from '../../src/ui/text.js';

// pid-namespace's number of steps, from its spec (the UI shows it as `Step N/STEPS`).
const STEPS = (await loadLab('pid-namespace')).steps.length;

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skip = needsRoot() || (!hasTmux && 'needs tmux');

/** A private tmux server (its own socket) running one command; only this server is ever killed. */
function terminal(t: { teardown(fn: () => void): void }, command: string, cols = 80, rows = 24) {
  const socket = `lab-tui-${process.pid}`;
  const tmux = (...args: string[]): string => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' }).stdout ?? '';
  t.teardown(() => void tmux('kill-server'));
  tmux('new-session', '-d', '-s', 'lab', '-x', String(cols), '-y', String(rows), command);
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
  t.match(screen, '✓ 1. A process that is', 'the first step is marked passed');
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
  t.match(screen, '? 4. docker exec by hand', "the task is marked as the learner's turn");

  // The task, typed into the embedded shell: join init's namespaces from the host, as docker exec does.
  term.keys(
    'nsenter --target $(lsns --noheadings --type pid --output PID,COMMAND | awk \'$2 == "sleep" && $3 == "infinity" {print $1}\') --pid --mount -- sleep 777 &',
    'Enter',
  );
  t.ok(
    await waitFor(() => pidsInNamespace('pid', labPidNs).some((p) => cmdline(p)?.join(' ') === 'sleep 777'), 10_000),
    "the learner's sleep 777 runs in the lab's PID namespace",
  );
  t.ok(await term.waitText('[1] '), 'the shell reported the background job');
  term.keys('C-]');
  t.ok(await term.waitText('n next  r re-run'), 'Ctrl-] gave the keys back to the lab');
  term.keys('h');
  t.ok(await term.waitText('Hint 1/'), 'h shows the first hint');
  term.keys('c');
  t.ok(await waitFor(() => term.screen().includes(`Step 4/${STEPS}`) && term.screen().includes('Step passed'), 10_000, 50), 'c checked, and the task passed');
  t.match(term.screen(), '✓ 4. docker exec by hand', 'the task is marked passed');

  // z gives the explanation the room, then the commands, then both as before.
  const logRow = (): number =>
    term
      .screen()
      .split('\n')
      .findIndex((l) => l.includes('Commands and output'));
  const normal = logRow();
  term.keys('z');
  t.ok(await waitFor(() => logRow() > normal + 5, 5000, 50), 'z: the explanation grows, the commands pane moves down');
  term.keys('z');
  t.ok(await waitFor(() => logRow() > 0 && logRow() < normal, 5000, 50), 'z again: the commands pane grows');
  term.keys('z');
  t.ok(await waitFor(() => logRow() === normal, 5000, 50), 'z a third time: as before');

  // At 120x35 every step name is whole.
  term.resize(120, 35);
  t.ok(
    await waitFor(() => term.screen().split('\n').length >= 35 && term.screen().includes(`${STEPS}. When PID 1 dies, the namespace dies`), 5000, 50),
    '120x35: the last step name whole',
  );
  screen = term.screen();
  for (const line of screen.split('\n')) t.ok([...line].length <= 120, 'no line is wider than the terminal');
  const list = screen.split('\n').slice(
    1,
    screen.split('\n').findIndex((l) => l.startsWith(' Kernel, live')),
  );
  t.ok(list.length >= 9, 'the step list');
  t.notOk(
    list.some((l) => l.split('│')[0]!.includes('…')),
    'no step name is cut',
  );
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

t.test('a learner goes through mount-namespace in Chinese at 120x35', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const lab = await loadLab('mount-namespace');
  const steps = lab.steps.length;
  // The task (the last step) and the steps before it; a quiz among them is answered with its right choice.
  const task = lab.steps.findIndex((s) => s.spec.kind === 'task') + 1;
  const term = terminal(t, `env LAB_STATE_DIR=${state} LANG=C.UTF-8 ${process.execPath} ${BIN} run mount-namespace --lang zh; sleep 60`, 120, 35);
  const passed = (n: number) => waitFor(() => term.screen().includes(`步骤 ${n}/${steps}`) && term.screen().includes('本步骤通过'), 15_000, 50);
  /** The right-hand column (explanation, commands, shell) row by row, as the learner reads it. */
  const right = (): string[] =>
    term
      .screen()
      .split('\n')
      .map((l) => l.split('│').slice(1).join('│'));
  const squeeze = (text: string): string => text.replace(/\s+/g, '');

  t.ok(await passed(1), 'the first step ran and waits for n');
  const pidOf = (name: string): number => {
    const [file] = readdirSync(join(state, 'runs'));
    const run = replay(parseJournal(readFileSync(join(state, 'runs', file!), 'utf8')))!;
    const found = run.live.find((l) => l.resource.kind === 'process' && l.resource.name === name)?.resource;
    return found?.kind === 'process' ? (found.target ?? 0) : 0;
  };
  const a = pidOf('ns-a');
  let screen = term.screen();
  t.match(screen, '挂载命名空间', 'the header in Chinese');
  t.match(screen, '内核实况', 'the live panel in Chinese');
  t.match(screen, new RegExp(`ns-a +${a} +mnt`), "the live panel names A's process with its host PID, as the journal has it");
  for (const line of screen.split('\n')) t.ok(displayWidth(line) <= 120, 'no line is wider than the terminal');

  term.keys('n');
  t.ok(await passed(2), 'step 2 passed');
  term.keys('n');
  t.ok(await passed(3), 'step 3 passed');
  const b = pidOf('ns-b');
  screen = term.screen();
  t.match(screen, new RegExp(`ns-b +${b} +mnt`), "B's process appears in the live panel with its host PID when the step starts it");
  // The newest output: the mountinfo line of the tmpfs that A mounted and the kernel copied into B, whole (wrapped,
  // never cut), up to the shared:N that is the point of the step and past it.
  const line = readFileSync(`/proc/${b}/mountinfo`, 'utf8')
    .split('\n')
    .find((l) => l.includes(' lab-shared-new '))!;
  t.match(line, /shared:\d+/, `the kernel lists B's copy as shared: ${line}`);
  t.ok(squeeze(right().join('')).includes(squeeze(`/proc/${b}/mountinfo:${line}`)), 'the whole mountinfo line is on screen, wrapped');
  // Home: the step's first command, though the step printed more than the pane holds.
  const first = `$ nsenter --target ${a} --mount -- mkdir /mnt/shared /mnt/private`;
  t.notMatch(term.screen(), first, 'the first command is out of sight at first');
  term.keys('Home');
  t.ok(await term.waitText(first), "Home: the step's first command");
  term.keys('End');
  t.ok(await waitFor(() => !term.screen().includes(first), 5000, 50), 'End: the newest lines again');

  // On to the task; in its shell one Enter gives one prompt.
  for (let n = 4; n < task; n++) {
    term.keys('n');
    const spec = lab.steps[n - 1]!.spec;
    if (spec.kind === 'quiz' && 'choice' in spec.answer) {
      t.ok(await term.waitText('你的回答：按 1-'), `step ${n}, a quiz, asks`);
      term.keys(String(spec.answer.choice));
      t.ok(await waitFor(() => term.screen().includes(`步骤 ${n}/${steps}`) && term.screen().includes('回答正确'), 15_000, 50), `step ${n} passed`);
    } else t.ok(await passed(n), `step ${n} passed`);
  }
  term.keys('n');
  const prompt = '[lab:mount-namespace] / #';
  t.ok(await term.waitText(prompt), 'the task opened the lab shell, in A');
  t.match(term.screen(), '（按键发给 shell。', 'the shell has the keys, said in Chinese');
  const prompts = (): number => right().filter((l) => l.trim().startsWith(prompt)).length;
  const atStart = prompts();
  // As a learner types: a command, Enter, and the next once the prompt is back.
  for (let i = 1; i <= 3; i++) {
    term.keys('true', 'Enter');
    t.ok(await waitFor(() => prompts() >= atStart + i, 10_000, 50), `command ${i}: a new prompt`);
  }
  await new Promise((done) => setTimeout(done, 500));
  t.equal(prompts(), atStart + 3, 'three Enters, three new prompts: no empty extra prompt');
  term.keys('mkdir /mnt/shared/task && mount -t tmpfs lab-task /mnt/shared/task', 'Enter');
  t.ok(
    await waitFor(() => readFileSync(`/proc/${b}/mountinfo`, 'utf8').includes(' lab-task '), 10_000, 50),
    "the learner's mount in A reached B: the kernel copied it",
  );
  term.keys('C-]');
  term.keys('c');
  t.ok(await term.waitText('最后一步通过', 15_000), 'c checked, and the task, the last step, passed');
  t.match(term.screen(), `✓ ${task}. 让一个挂载传过去`, 'the task is marked passed');
  for (const line of term.screen().split('\n')) t.ok(displayWidth(line) <= 120, 'no line is wider than the terminal');

  // n after the last step: the lab is over, the footer offers only what still works.
  term.keys('n');
  t.ok(await term.waitText('实验已结束', 15_000), 'the lab is over, said in Chinese');
  t.ok(await term.waitText('q 关闭'), 'the footer offers q to close');
  t.notMatch(term.screen(), /n 下一步/, 'and no longer n');
  term.keys('q');
  t.ok(await waitFor(() => !term.screen().includes('内核实况'), 15_000, 50), 'the full-screen view is gone');
  t.ok(await waitFor(() => !isAlive(a) && !isAlive(b), 10_000, 50), "A's and B's processes are gone");
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
