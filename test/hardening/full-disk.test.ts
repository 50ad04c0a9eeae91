// A full disk under the state directory: a 64 KiB tmpfs, filled, mounted over a temporary state directory inside a
// private mount namespace of the test (`unshare -m --propagation private`: the mount dies with the namespace, so
// nothing is left on the host even if the test dies). `lab run`/`lab verify` refuse with "no space left on <dir>"
// before anything is made; when space runs out midway (a journal record that does not fit), the run stops and
// removes what it made.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, cleanEnv, hostSnapshot, needsRoot, tempDir, useTempState } from '../helpers.js';

const LABS = join(ROOT, 'test', 'hardening', 'fixtures', 'labs');
const hasUnshare = spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;
const skip = needsRoot() || (!hasUnshare && 'needs unshare -m');

/**
 * Run `lab <args>` with its state directory on a 64 KiB tmpfs that is full, or has `freePages` pages (4 KiB) free,
 * in a private mount namespace. Returns its output, status, and the journals left in the tmpfs.
 */
function onFullDisk(
  state: string,
  freePages: number,
  args: string[],
  env: Record<string, string> = {},
  options: { size?: string; before?: string } = {},
): { status: number | null; stdout: string; stderr: string; journals: string } {
  const script = [
    'set -e',
    `mount -t tmpfs -o size=${options.size ?? '64k'},mode=0700 lab-test-full "$STATE"`,
    options.before ?? ':',
    'cat /dev/zero > "$STATE/lab-filler" 2>/dev/null || true',
    '[ "$FREE" -eq 0 ] || truncate -s "-$((FREE * 4096))" "$STATE/lab-filler"',
    'set +e',
    '"$NODE" "$BIN" "$@"',
    'rc=$?',
    'echo "@@journals:$(ls -A "$STATE/runs" 2>/dev/null | tr "\\n" " ")"',
    'exit $rc',
  ].join('\n');
  const result = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ...args], {
    encoding: 'utf8',
    env: cleanEnv({ STATE: state, FREE: String(freePages), NODE: process.execPath, BIN, LAB_STATE_DIR: state, ...env }),
    timeout: 90_000,
  });
  const journals = /@@journals:(.*)/.exec(result.stdout)?.[1]?.trim() ?? '?';
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, journals };
}

const refusal = (t: Test, out: { status: number | null; stdout: string; stderr: string }, state: string): void => {
  const text = out.stdout + out.stderr;
  t.equal(out.status, 1, 'exit 1');
  t.match(text, `no space left on ${state}`, 'it says the state directory is full');
  t.match(text, /df -h/, 'and how to fix it');
  t.notMatch(text, /\n\s+at |internal error/, 'no stack trace');
};

t.test('lab run on a full disk: refused before anything is made', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const out = onFullDisk(state, 0, ['run', 'pid-namespace', '--yes', '--json', '--lang', 'en']);
  refusal(t, out, state);
  t.notMatch(out.stdout, /"type":"command"/, 'no command ran');
  t.equal(out.journals, '', 'no journal is left in the full directory');
  t.same(hostSnapshot(state), before, 'the host is unchanged');
});

t.test('lab verify on a full disk: refused before anything is made (in Chinese too)', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const out = onFullDisk(state, 0, ['verify', 'pid-namespace', '--lang', 'zh']);
  t.equal(out.status, 1);
  t.match(out.stderr, '没有剩余空间');
  t.notMatch(out.stderr, /\n\s+at /);
  t.equal(out.journals, '');
  t.same(hostSnapshot(state), before);
});

t.test('the detector can fail: with room, the same run passes', { skip }, async (t) => {
  const state = useTempState();
  const out = onFullDisk(state, 15, ['verify', 'fixture-corrupt-midway', '--lang', 'en'], {
    LAB_LABS_DIR: LABS,
    LAB_TEST_CORRUPT_DIR: tempDir('lab-test-full-'),
  });
  t.equal(out.status, 0, out.stderr);
  t.equal(out.journals, '');
});

t.test('space runs out midway (a journal record does not fit): the run stops and removes what it made', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const dir = tempDir('lab-test-full-');
  mkdirSync(dir, { recursive: true });
  // One page free: the journal's head and first record fit in it, the long second record does not.
  const out = onFullDisk(state, 1, ['verify', 'fixture-corrupt-midway', '--lang', 'en'], { LAB_LABS_DIR: LABS, LAB_TEST_CORRUPT_DIR: dir });
  refusal(t, out, state);
  t.match(out.stderr + out.stdout, /runs/, 'it names the journal it could not write');
  t.notOk(existsSync(join(dir, 'lab-midway')), 'the directory made before the disk filled up is removed');
  t.equal(out.journals, '', 'the journal is gone: everything it named was removed');
  t.same(hostSnapshot(state), before, 'the host is unchanged');
});

t.test('lab container run on a full disk: refused with the same message, building the image or not', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const fresh = onFullDisk(state, 0, ['container', 'run', '--rm', '--network', 'none', 'busybox', 'true']);
  t.equal(fresh.status, 125, 'exit 125, as docker run');
  t.match(fresh.stderr, `no space left on ${state}`, 'the image could not be built: said so');
  t.notMatch(fresh.stderr, /\n\s+at |internal error/);
  // The image built while there was room (the first run), then the disk filled up: the container is refused.
  const built = onFullDisk(
    state,
    0,
    ['container', 'run', '--rm', '--network', 'none', 'busybox', 'true'],
    {},
    {
      size: '16m',
      before: '"$NODE" "$BIN" container run --rm --network none busybox true >/dev/null',
    },
  );
  t.not(built.status, 0);
  t.match(built.stdout + built.stderr, `no space left on ${state}`);
  t.notMatch(built.stderr, /\n\s+at |internal error/);
  t.equal(built.journals, '', 'no journal is left');
  t.same(hostSnapshot(state), before, 'no container, process or mount is left');
});
