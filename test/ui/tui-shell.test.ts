// The task shell and the small texts around it: one Enter per key press, from blessed's
// key events through the real pseudo-terminal, then in the real UI in tmux; exit statuses as a shell reports them;
// cleanup lines by role and host PID; a started process's output under its own name; Chinese check lines.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCommand, signalExitCode } from '../../src/host/exec.js';
import type { LabEvent } from '../../src/lab/events.js';
import { Session } from '../../src/lab/session.js';
import { loadLab } from '../../src/lab/load.js';
import { waitFor } from '../../src/host/cleanup.js';
import { stoppedLabel } from '../../src/lab/session.js';
import { cleanupText, exitNote } from '../../src/ui/status-text.js';
import { ShellPane } from '../../src/ui/tui/shell-pane.js';
import { isEnterEcho, type KeyPress } from '../../src/ui/tui/screen.js';
import { plain as lineText } from '../../src/ui/tui/lines.js';
import { plainReporter } from '../../src/ui/plain.js';
import { eventToJson } from '../../src/ui/json.js';
import { BIN, hostSnapshot, needsRoot, ROOT, useTempState } from '../helpers.js';
// @ts-expect-error: a plain JavaScript module without types.
import { commandScript } from '../../scripts/vm/command.mjs';

const PROMPT = '[t] # ';

/** The key presses blessed's own key parser reports for these bytes, as Screen.onKey passes them on. */
async function blessedKeys(bytes: string): Promise<KeyPress[]> {
  const require = createRequire(import.meta.url);
  const program = require('blessed/lib/program.js') as (options: object) => {
    on(event: 'keypress', listener: (ch: string | undefined, key: { name?: string; full?: string; sequence?: string }) => void): void;
  };
  const input = new PassThrough();
  const keys: KeyPress[] = [];
  program({ input, output: new PassThrough(), terminal: 'xterm-256color', tput: false }).on('keypress', (ch, key) => {
    const press: KeyPress = { ch, name: key.name, full: key.full, sequence: key.sequence };
    if (!isEnterEcho(press)) keys.push(press);
  });
  input.write(bytes);
  await new Promise((resolve) => setTimeout(resolve, 50));
  return keys;
}

/** How many lines of the pane begin with the prompt. */
function prompts(pane: ShellPane): number {
  return pane.lines(false).filter((line) => lineText(line).startsWith(PROMPT)).length;
}

t.test('one key event per Enter: blessed reports Enter twice, the screen passes it on once', async (t) => {
  const keys = await blessedKeys('ls\r');
  t.same(
    keys.map((k) => k.full),
    ['l', 's', 'return'],
    'three presses, three events',
  );
  t.equal(keys.filter((k) => k.sequence === '\r').length, 1, 'one \\r');
});

t.test('in a real shell on a pseudo-terminal, one prompt per Enter', async (t) => {
  const pane = new ShellPane();
  t.teardown(() => pane.stop());
  await pane.start(['env', `PS1=${PROMPT}`, 'bash', '--norc', '-i'], 'lab-test-shell', 60, 12);
  t.ok(await waitFor(() => prompts(pane) === 1, 5000, 20), 'the first prompt');
  // Typed as blessed reports it, key by key, each key's bytes written once.
  for (const key of await blessedKeys('echo one\r')) pane.write(key.sequence ?? key.ch ?? '');
  t.ok(await waitFor(() => pane.lines(false).some((l) => lineText(l) === 'one') && prompts(pane) >= 2, 5000, 20), 'the command ran');
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(prompts(pane), 2, 'one command, one Enter: two prompts, no empty one');
  for (const key of await blessedKeys('\r')) pane.write(key.sequence ?? key.ch ?? '');
  t.ok(await waitFor(() => prompts(pane) === 3, 5000, 20), 'an Enter alone: one more prompt');
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(prompts(pane), 3, 'and only one');
  t.same(
    pane
      .lines(false)
      .map((l) => lineText(l).trimEnd())
      .filter((l) => l !== ''),
    [`${PROMPT}echo one`, 'one', PROMPT.trimEnd(), PROMPT.trimEnd()],
    'the screen as the learner sees it',
  );
});

t.test('a command ended by a signal: 128 + its number, and its name, as a shell says it', async (t) => {
  t.equal(signalExitCode('SIGKILL'), 137);
  t.equal(signalExitCode('SIGTERM'), 143);
  const killed = { exitCode: 137, signal: 'SIGKILL', expected: 'fail' as const, ok: true };
  t.equal(exitNote(killed, 'en'), '(exit status 137, killed by SIGKILL: failed, as expected)');
  t.equal(exitNote(killed, 'zh'), '（退出状态 137，被 SIGKILL 杀死：按预期失败）');
  t.equal(exitNote({ exitCode: 1, expected: 'fail', ok: true }, 'en'), '(exit status 1: failed, as expected)');
  t.equal(exitNote({ exitCode: 0, expected: 'ok', ok: true }, 'en'), undefined, 'nothing to say on success');

  // The plain reporter and the JSON lines read the same event.
  let out = '';
  const listen = plainReporter({ lang: 'en', explain: false, color: false, write: (s) => (out += s) });
  listen({ type: 'command', step: 'a', role: 'action', command: 'perl -e 1', background: false });
  listen({ type: 'command-end', step: 'a', ...killed });
  t.match(out, '(exit status 137, killed by SIGKILL: failed, as expected)');
  t.match(eventToJson({ type: 'command-end', step: 'a', ...killed }, 'en'), { exitCode: 137, signal: 'SIGKILL' });
});

t.test('a command the kernel killed: exit status 137 and SIGKILL, from the real process', async (t) => {
  const result = await runCommand(['sh', '-c', 'kill -KILL $$']);
  t.equal(result.exitCode, 137, 'as `$?` in a shell');
  t.equal(result.signal, 'SIGKILL');
});

t.test("a started process's output is its own, labelled, whatever command runs when it arrives", async (t) => {
  useTempState();
  const events: LabEvent[] = [];
  const session = new Session('fixture-pass', (e) => events.push(e));
  session.step = 'one';
  await session.perform(
    { kind: 'start', name: 'talker', argv: ['sh', '-c', 'echo hello; sleep 0.3; printf "late\\nno newline" >&2; exec sleep 30'] },
    'action',
  );
  await session.perform({ kind: 'run', argv: ['sleep', '0.6'] }, 'action');
  const outputs = events.filter((e): e is Extract<LabEvent, { type: 'output' }> => e.type === 'output');
  t.same(
    outputs.map((e) => [e.stream, e.text, e.from]),
    [
      ['stdout', '[talker] hello\n', 'talker'],
      ['stderr', '[talker] late\n', 'talker'],
    ],
    'whole lines, each begun with the name, tagged with it',
  );
  const pid = session.proc('talker').pid;
  t.ok(await session.cleanup(), 'cleaned up');
  const cleanup = events.find((e): e is Extract<LabEvent, { type: 'cleanup' }> => e.type === 'cleanup');
  t.same(
    cleanup?.label,
    { en: `stopped talker (host PID ${pid})`, zh: `已停止 talker（宿主机 PID ${pid}）` },
    'the cleanup says which process, by the PID the lab knew it by',
  );
  t.ok(await waitFor(() => events.some((e) => e.type === 'output' && e.text === '[talker] no newline\n'), 2000, 20), 'its last line, once it ended');
});

t.test('cleanup names a process by its role and the host PID the lab showed', async (t) => {
  const forked = { kind: 'process' as const, name: 'box', argv: ['unshare', '--fork', 'sleep', 'infinity'], pid: 3709, target: 3710 };
  t.same(stoppedLabel(forked), {
    en: 'stopped box (host PID 3710) and the unshare that started it (host PID 3709)',
    zh: '已停止 box（宿主机 PID 3710）和启动它的 unshare（宿主机 PID 3709）',
  });
  const label = stoppedLabel({ kind: 'process', name: 'init', argv: ['sleep', 'infinity'], pid: 42 });
  t.equal(cleanupText({ what: 'kill -KILL 42  (init)', ok: true, label }, 'en'), 'Cleanup: stopped init (host PID 42)');
  t.equal(cleanupText({ what: 'kill -KILL 42  (init)', ok: true, label }, 'zh'), '清理：已停止 init（宿主机 PID 42）');
  t.equal(cleanupText({ what: 'ip link del lab-v0', ok: true }, 'zh'), '清理：已移除 ip link del lab-v0', 'a removal by command keeps its command');
  t.equal(cleanupText({ what: 'ip link del lab-v0', ok: false }, 'en'), 'Cleanup: could NOT remove ip link del lab-v0');
});

t.test('Chinese check lines: 宿主机, full-width colons', async (t) => {
  let out = '';
  const listen = plainReporter({ lang: 'zh', explain: false, color: false, write: (s) => (out += s) });
  listen({
    type: 'check',
    step: 'a',
    check: 'c',
    title: { en: 'x', zh: '标题' },
    ok: true,
    found: { en: 'host ipc:[1], init ipc:[2]', zh: '宿主机 ipc:[1]，init ipc:[2]' },
  });
  t.match(out, '实际读到：宿主机 ipc:[1]，init ipc:[2]');
  t.notMatch(out, '实际读到:');
  // Every check a lab or the shared checks build: a plain string is shown in both languages, so none says "host".
  for (const file of [
    'src/lab/checks.ts',
    ...['network-namespace', 'pid-namespace', 'uts-namespace', 'ipc-namespace', 'mount-namespace'].map((id) => `labs/${id}/lab.ts`),
  ]) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    t.notMatch(text, /found: `[^`]*\bhost\b/, `${file}: no untranslated "host" in a found text`);
  }
});

t.test('mount-namespace writes master:N in prose as in its checks', async (t) => {
  for (const lang of ['en', 'zh']) {
    const prose = readFileSync(join(ROOT, 'labs', 'mount-namespace', `${lang}.md`), 'utf8');
    t.notMatch(prose, /`master:M`/, `${lang}: no master:M alone`);
    t.match(prose, /`master:N`/);
  }
});

t.test('the tasks offer what the UI offers: another terminal, not a host shell it does not have', async (t) => {
  for (const id of ['uts-namespace', 'ipc-namespace']) {
    t.notMatch(readFileSync(join(ROOT, 'labs', id, 'en.md'), 'utf8'), 'ordinary host terminal', `${id} en`);
    t.notMatch(readFileSync(join(ROOT, 'labs', id, 'zh.md'), 'utf8'), '普通的宿主机终端', `${id} zh`);
  }
});

t.test("inside the test VM, lab is on the PATH (a link on the guest's /run only)", async (t) => {
  for (const mode of ['shell', 'run'] as const) {
    const script: string = commandScript(
      mode === 'shell'
        ? { mode, cwd: '/src/lab', env: { PATH: '/usr/bin' }, shell: '/bin/bash' }
        : { mode, cwd: '/src/lab', env: { PATH: '/usr/bin' }, argv: ['lab', 'list'] },
    );
    t.match(script, 'ln -sf /src/lab/bin/lab.js /run/lab-vm-bin/lab', `${mode}: the link`);
    t.ok(script.indexOf('export PATH=/run/lab-vm-bin:"$PATH"') > script.indexOf('export PATH=/usr/bin'), `${mode}: first on the PATH`);
  }
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skip = needsRoot() || (!hasTmux && 'needs tmux');

t.test('in the terminal UI, a command typed into the task shell leaves one prompt per Enter', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const socket = `lab-tui-shell-${process.pid}`;
  const tmux = (...args: string[]): string => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' }).stdout ?? '';
  t.teardown(() => void tmux('kill-server'));
  tmux(
    'new-session',
    '-d',
    '-s',
    'lab',
    '-x',
    '80',
    '-y',
    '24',
    `env LAB_STATE_DIR=${state} LANG=C.UTF-8 ${process.execPath} ${BIN} run uts-namespace; sleep 60`,
  );
  const screen = (): string => tmux('capture-pane', '-p', '-t', 'lab');
  const keys = (...k: string[]): void => void tmux('send-keys', '-t', 'lab', ...k);
  const count = (text: string): number => screen().split(text).length - 1;
  // On through the demos to the first task: each passed step waits for n; a quiz is answered with its right choice.
  const quiz = (await loadLab('uts-namespace')).steps.map((s) => s.spec).find((s) => s.kind === 'quiz');
  const choice = quiz && 'choice' in quiz.answer ? String(quiz.answer.choice) : '1';
  let opened = false;
  for (let i = 0; i < 12 && !opened; i++) {
    t.ok(await waitFor(() => /n: next step|Keys go to the shell|Your answer: press|Enter\b/.test(screen()), 15_000, 50));
    if (await waitFor(() => screen().includes('Keys go to the shell'), 300, 50)) opened = true;
    else if (screen().includes('n: next step')) keys('n');
    else if (screen().includes('Your answer: press')) keys(choice);
    else if (!screen().includes('Keys go to the shell')) keys('Enter');
  }
  t.ok(opened, 'a task opened its shell');
  // The prompt as the shell prints it (a path where the task's command line shows `\w`).
  const prompt = /\[(lab:uts-namespace|host)\] \/\S* # ?/;
  t.ok(await waitFor(() => prompt.test(screen()), 10_000, 50), 'the prompt');
  // tmux drops the spaces that end a line: the prompt is counted without its last one.
  const promptText = prompt.exec(screen())![0].trimEnd();
  const first = count(promptText);
  keys('echo lab-one-$((40+2))', 'Enter');
  t.ok(await waitFor(() => screen().includes('lab-one-42'), 10_000, 50), 'the command ran');
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(count(promptText), first + 1, 'one command, one more prompt');
  // Ctrl-] gives the keys to the lab; Enter gives them back, and reaches the shell not at all.
  keys('C-]');
  t.ok(await waitFor(() => !screen().includes('Keys go to the shell'), 5000, 50), 'the lab has the keys');
  keys('Enter');
  t.ok(await waitFor(() => screen().includes('Keys go to the shell'), 5000, 50), 'Enter gave them back to the shell');
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(count(promptText), first + 1, 'and typed no empty command');
  keys('C-]');
  keys('q');
  t.ok(await waitFor(() => screen().includes('Lab stopped'), 20_000, 50), 'the lab stopped');
  t.same(hostSnapshot(state), before, 'the host is as before');
});
