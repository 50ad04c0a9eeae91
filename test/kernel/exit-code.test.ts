import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { containerExit, signalNumber } from '../../src/kernel/exit-code.js';

t.test("the command's own status is the container's", async (t) => {
  t.same(containerExit({ kind: 'exited', code: 0 }), { status: 0, reason: 'exited' });
  t.same(containerExit({ kind: 'exited', code: 3 }), { status: 3, reason: 'exited' });
  t.same(containerExit({ kind: 'exited', code: 1 }, true), { status: 1, reason: 'exited' }, 'an OOM kill of another process does not change PID 1 status');
});

t.test('a signal is 128+N; SIGKILL with an OOM kill in memory.events is the OOM kill', async (t) => {
  t.equal(signalNumber('SIGKILL'), 9);
  t.same(containerExit({ kind: 'signaled', signal: 'SIGKILL' }), { status: 137, reason: 'signal' });
  t.same(containerExit({ kind: 'signaled', signal: 'SIGKILL' }, true), { status: 137, reason: 'oom-killed' });
  t.same(containerExit({ kind: 'signaled', signal: 'SIGTERM' }), { status: 143, reason: 'signal' });
  t.same(containerExit({ kind: 'signaled', signal: 'SIGINT' }, true), { status: 130, reason: 'signal' });
  t.same(containerExit({ kind: 'exited', code: 137 }, true), { status: 137, reason: 'oom-killed' }, 'a shell reporting the kill as 137');
});

t.test('125 for lab itself, 126 cannot execute, 127 not found', async (t) => {
  t.same(containerExit({ kind: 'not-started' }), { status: 125, reason: 'lab-error' });
  t.same(containerExit({ kind: 'exited', code: 125 }), { status: 125, reason: 'setup-failed' });
  t.same(containerExit({ kind: 'exited', code: 126 }), { status: 126, reason: 'cannot-execute' });
  t.same(containerExit({ kind: 'exited', code: 127 }), { status: 127, reason: 'not-found' });
});

// The claim the design rests on, checked against the shell the container runs (/bin/sh): a failed `exec` exits 127
// for a command not found and 126 for one that cannot be executed.
t.test('the shell: exec of a missing command is 127, of a file that cannot be executed 126', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-exit-code-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'not-executable');
  writeFileSync(file, 'true\n', { mode: 0o644 });
  t.equal(spawnSync('sh', ['-c', 'exec lab-no-such-command'], { stdio: 'ignore' }).status, 127);
  t.equal(spawnSync('sh', ['-c', `exec ${file}`], { stdio: 'ignore' }).status, 126);
  t.equal(spawnSync('sh', ['-c', 'exec sh -c "exit 7"'], { stdio: 'ignore' }).status, 7);
});
