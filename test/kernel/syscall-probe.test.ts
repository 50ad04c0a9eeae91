// The perl probes that report a refused system call's errno as their exit status: the exact argv, the errno
// numbers read back, and (with perl) that each probe makes the system call it names.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindMountProbeArgv, errnoNumber, errnoOfExit, openForWriteProbeArgv, syscallNumber, umountProbeArgv } from '../../src/kernel/syscall-probe.js';
import { needsRoot } from '../helpers.js';

const hasPerl = spawnSync('perl', ['-e', '0']).status === 0;
const status = (argv: string[]): number | null => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }).status;

t.test('the system call numbers of x86-64 and of the generic table', async (t) => {
  t.equal(syscallNumber('mount', 'x64'), 165);
  t.equal(syscallNumber('umount2', 'x64'), 166);
  t.equal(syscallNumber('mount', 'arm64'), 40);
  t.equal(syscallNumber('umount2', 'arm64'), 39);
  t.throws(() => syscallNumber('mount', 'mips'), /not known/);
});

t.test('the probes as the learner sees them', async (t) => {
  t.same(bindMountProbeArgv('/a', '/b', 'x64'), ['perl', '-e', 'syscall(165, $ARGV[0], $ARGV[1], 0, 4096, 0) == 0 or die "mount: $!\\n"', '/a', '/b']);
  t.same(umountProbeArgv('/a', 'x64'), ['perl', '-e', 'syscall(166, $ARGV[0], 0) == 0 or die "umount2: $!\\n"', '/a']);
  t.same(openForWriteProbeArgv('/f'), ['perl', '-MFcntl', '-e', 'sysopen(my $f, $ARGV[0], O_WRONLY) or die "open: $!\\n"', '/f']);
});

t.test('a recorded wait status read back as an errno', async (t) => {
  t.equal(errnoOfExit(`exit ${errnoNumber('EINVAL')}`), 'EINVAL');
  t.equal(errnoOfExit(`exit ${errnoNumber('EROFS')}`), 'EROFS');
  t.equal(errnoOfExit(`exit ${errnoNumber('EACCES')}`), 'EACCES');
  t.equal(errnoOfExit('exit 0'), undefined, 'success is no errno');
  t.equal(errnoOfExit('SIGKILL'), undefined, 'a signal is no errno');
});

t.test('each probe exits with the errno of the system call it names', { skip: hasPerl ? false : 'needs perl' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-test-probe-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const missing = join(dir, 'missing');
  t.equal(status(openForWriteProbeArgv(missing)), errnoNumber('ENOENT'), 'open of a missing file: ENOENT, and nothing is created');
  t.equal(status(['test', '-e', missing]), 1);
  t.equal(status(umountProbeArgv(missing)), errnoNumber('ENOENT'), 'umount2 of a missing path: ENOENT');
  t.equal(status(bindMountProbeArgv(missing, dir)), errnoNumber('ENOENT'), 'a bind of a missing source: ENOENT');
});

t.test(
  'the bind probe mounts and the umount probe unmounts, in a throwaway mount namespace',
  { skip: needsRoot() || (hasPerl ? false : 'needs perl') },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-test-probe-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const q = (argv: string[]): string => argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const script = [
      'set -e',
      q(bindMountProbeArgv(dir, dir)),
      `grep -c ' ${dir} ' /proc/self/mountinfo`,
      q(umountProbeArgv(dir)),
      `! grep -q ' ${dir} ' /proc/self/mountinfo`,
      `${q(umountProbeArgv(dir))} || echo "exit $?"`,
    ].join('\n');
    const result = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8' });
    t.equal(result.status, 0, result.stderr);
    t.same(result.stdout.trim().split('\n'), ['1', `exit ${errnoNumber('EINVAL')}`], 'mounted once, unmounted, then EINVAL: not a mount point');
  },
);
