#!/usr/bin/env node
// The test VM: boots Debian's kernel in qemu with this host's / shared read-only (a tmpfs overlay
// on top) and cgroup v2 alone at /sys/fs/cgroup with every controller, then runs the VM part of
// the test suite, or a shell. The host's own cgroup mounts are never touched.
//
// Usage: node scripts/vm.mjs test [tap args...] [test files...]
//          Compiles the VM tests to JavaScript on the host (tsconfig.vm.json, into dist/: a
//          TypeScript loader costs ~30 s per file under TCG), then runs `node scripts/test.mjs`
//          inside the VM on the files given, by default every test/vm/**/*.test.ts, all in one
//          node process; streams the TAP and its summary; exits with the suite's status.
//        node scripts/vm.mjs shell
//          An interactive shell in the same VM.
//        node scripts/vm.mjs run <command> [args...]
//          One command in the VM (in this checkout), its output streamed, its status returned.
//
// Exit status: the suite's or the shell's; 3 when the VM did not boot or died before the
// command finished; 77 when something the VM needs is missing here (qemu, busybox-static, the
// kernel package); 2 for bad arguments; 130/143 when interrupted.
//
// Environment:
//   LAB_VM_ACCEL=kvm|tcg  only this accelerator (default: KVM when /dev/kvm is usable and has
//                         booted here before, with TCG as the fallback)
//   LAB_VM_TIMEOUT=2400   seconds before `test` stops the VM (0: no limit)
//   LAB_VM_CACHE=dir      the cache (default /var/cache/lab-vm as root, ~/.cache/lab-vm otherwise)
//   LAB_VM_KEEP=dir       a host directory shared writable with the guest as 9p tag \`labkeep\` (the guest mounts
//                         it itself): it outlives the VM, for tests that boot twice (test/hardening/clean-reboot.test.ts)
//   LAB_TEST_LABS=id,...  passed to the guest: test/vm/cgroup-labs.test.ts runs only these labs, and
//                         test/vm/network-namespace.test.ts runs only if network-namespace is one of them
//   LAB_SOAK=N            passed to the guest: test/vm/soak.test.ts runs `lab verify --all` N times (skipped when unset)
//   LAB_SOAK_LABS="id ..." passed to the guest: the labs each soak run verifies instead of --all
//   LAB_VM_LOAD=1         passed to the guest: test/vm/load.test.ts runs every lab at once (skipped when unset)
//   LAB_FAULTS=every|full passed to the guest: test/vm/faults.test.ts faults more points (see test/hardening/fault-matrix.ts)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { release as hostRelease, tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootOnce } from './vm/boot.mjs';
import { commandScript } from './vm/command.mjs';
import { EXIT, VmError } from './vm/errors.mjs';
import { abortOnSignals, signalStatus } from './vm/interrupt.mjs';
import { COMMAND_FILE, CWD_FILE, FAIL, STATUS_FILE } from './vm/init.mjs';
import { ensureInitramfs, findStaticBusybox } from './vm/initramfs.mjs';
import { cacheRoot, ensureKernel } from './vm/kernel.mjs';
import { findQemu, kvmUnusable, qemuArgs } from './vm/qemu.mjs';
import { removeDeadRunDirs } from './vm/stale.mjs';

/** @typedef {import('./vm/boot.mjs').BootOutcome} BootOutcome */
/** @typedef {import('./vm/qemu.mjs').Accel} Accel */
/**
 * What an earlier run found out about KVM on this host (accel.json in the cache).
 * @typedef {{ host: string, kvm: 'works' | 'hangs' | 'fails', checkedAt: string }} AccelNote
 */

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const CPUS = 2;
const MEMORY_MIB = 2048;
// No BOOTED line from /init within this long: the accelerator is stuck (nested KVM can hang in
// early boot). TCG gets far longer: it is slow, not stuck.
const BOOT_TIMEOUT_MS = { kvm: 15_000, tcg: 120_000 };
const DEFAULT_TIMEOUT_S = 2400;

const USAGE = `Usage: node scripts/vm.mjs test [tap args...] [test files...]
       node scripts/vm.mjs shell
       node scripts/vm.mjs run <command> [args...]

  test    run the VM part of the test suite (default: test/vm/**/*.test.ts) in the test VM
  shell   an interactive shell in the test VM
  run     one command in the test VM, in this checkout

The test VM boots Debian's kernel under qemu with this host's / shared read-only under a tmpfs
overlay, and cgroup v2 alone at /sys/fs/cgroup with every controller enabled. It needs
qemu-system-x86, busybox-static and apt: \`sudo scripts/provision.sh --with-vm\`.`;

/** @param {string} line */
const log = (line) => process.stderr.write(`lab-vm: ${line}\n`);
/** @param {number} ms */
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Every *.test.ts under test/vm/, relative to the repo root, sorted.
 * @param {string} [dir]
 * @returns {string[]}
 */
function findVmTests(dir = join(root, 'test', 'vm')) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .flatMap((e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return findVmTests(path);
      return e.isFile() && e.name.endsWith('.test.ts') ? [relative(root, path)] : [];
    })
    .sort();
}

/**
 * Compile the VM tests (and what they import) into dist/ with tsconfig.vm.json; returns the
 * compiled files, relative to the root. Compiled into dist/ itself so that tests, labs and the
 * CLI share one copy of every module (instanceof LabError holds across them).
 * @param {string[]} files
 * @returns {string[]}
 */
function compileVmTests(files) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const started = Date.now();
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.vm.json')], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    throw new VmError('compile', `tsc -p tsconfig.vm.json failed (status ${result.status ?? result.signal}): the VM tests do not compile`);
  }
  // tsc rewrote dist/labs/*/lab.js: write the catalogue again, or `lab list` would find it stale and load
  // every lab module (here and in the VM) until the next build.
  const catalogue = spawnSync(process.execPath, [join(root, 'scripts', 'catalogue.mjs')], { cwd: root, encoding: 'utf8' });
  if (catalogue.status !== 0) process.stderr.write(catalogue.stderr ?? '');
  log(`compiled the VM tests in ${seconds(Date.now() - started)}`);
  return files.map((file) => {
    const rel = relative(root, join(root, file));
    if (!rel.endsWith('.ts')) return rel;
    const compiled = join('dist', rel.replace(/\.ts$/, '.js'));
    if (!existsSync(join(root, compiled))) throw new VmError('usage', `${file} is not compiled by tsconfig.vm.json (is it under test/vm/?)`);
    return compiled;
  });
}

/**
 * The guest's environment: what the brief of the VM promises a command, and nothing else. LAB_VM_KERNEL_DIR is
 * the cached kernel's directory, seen through the read-only host root: its kernel.json lists the modules a test
 * may load itself (`extraModules`).
 * @param {'test' | 'shell' | 'run'} mode
 * @param {import('./vm/kernel.mjs').Kernel} kernel
 */
function guestEnv(mode, kernel) {
  const nodeDir = dirname(process.execPath);
  const path = process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  /** @type {Record<string, string>} */
  const env = {
    PATH: path.split(delimiter).includes(nodeDir) ? path : `${nodeDir}${delimiter}${path}`,
    HOME: process.env.HOME || '/root',
    LANG: 'C.UTF-8',
    TERM: mode === 'shell' ? process.env.TERM || 'vt100' : 'dumb',
    LAB_IN_VM: '1',
    LAB_VM_KERNEL_DIR: kernel.dir,
  };
  for (const name of ['CI', 'LAB_TEST_LABS', 'LAB_SOAK', 'LAB_SOAK_LABS', 'LAB_FAULTS', 'LAB_VM_LOAD'])
    if (process.env[name] !== undefined) env[name] = process.env[name];
  return env;
}

/**
 * The accelerators to try, in order, and why KVM is not among them when it is not.
 * @param {string} cacheDir
 * @param {string} qemu
 * @returns {{ order: Accel[], note: string }}
 */
function accelPlan(cacheDir, qemu) {
  const forced = process.env.LAB_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { order: [forced], note: `LAB_VM_ACCEL=${forced}` };
  if (forced) throw new VmError('usage', `LAB_VM_ACCEL must be kvm or tcg, not \`${forced}\``);
  const why = kvmUnusable();
  if (why) return { order: ['tcg'], note: `TCG: ${why}` };
  const note = readAccelNote(cacheDir);
  if ((note?.kvm === 'hangs' || note?.kvm === 'fails') && note.host === accelHost(qemu)) {
    const what = note.kvm === 'hangs' ? 'made no boot progress' : 'stopped qemu before boot';
    return { order: ['tcg'], note: `TCG: KVM ${what} here on ${note.checkedAt} (LAB_VM_ACCEL=kvm tries it again)` };
  }
  return { order: ['kvm', 'tcg'], note: 'KVM, TCG if KVM makes no progress' };
}

/**
 * What the KVM finding depends on: the host's kernel and the qemu build.
 * @param {string} qemu
 */
function accelHost(qemu) {
  let built = 0;
  try {
    built = Math.round(statSync(qemu).mtimeMs);
  } catch {
    // no qemu: nothing to compare
  }
  return `${hostRelease()} ${qemu}@${built}`;
}

/**
 * What an earlier run found out about KVM on this host, kept in the cache.
 * @param {string} cacheDir
 * @returns {AccelNote | undefined}
 */
function readAccelNote(cacheDir) {
  try {
    return JSON.parse(readFileSync(join(cacheDir, 'accel.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Keep what this run found out about KVM, for the next run.
 * @param {string} cacheDir
 * @param {string} qemu
 * @param {AccelNote['kvm']} kvm
 */
function writeAccelNote(cacheDir, qemu, kvm) {
  try {
    mkdirSync(cacheDir, { recursive: true });
    const note = { host: accelHost(qemu), kvm, checkedAt: new Date().toISOString().slice(0, 10) };
    writeFileSync(join(cacheDir, 'accel.json'), `${JSON.stringify(note)}\n`);
  } catch {
    // only an optimisation for the next run
  }
}

/**
 * The last lines of console output, indented, for an error message.
 * @param {string} text
 * @param {number} [n]
 */
function lastLines(text, n = 15) {
  const lines = text
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => l.trim());
  return lines.length
    ? lines
        .slice(-n)
        .map((l) => `    ${l}`)
        .join('\n')
    : '    (nothing)';
}

/**
 * Run the subcommand in `argv`; resolves to the exit status.
 * @param {string[]} argv
 * @returns {Promise<number>}
 */
async function main(argv) {
  const [cmd, ...rest] = argv;
  if (cmd === '-h' || cmd === '--help' || cmd === 'help') {
    console.log(USAGE);
    return EXIT.ok;
  }
  if (cmd !== 'test' && cmd !== 'shell' && cmd !== 'run') throw new VmError('usage', `${cmd ? `unknown command \`${cmd}\`` : 'no command'}\n${USAGE}`);
  if (cmd === 'shell' && rest.length) throw new VmError('usage', `\`shell\` takes no arguments\n${USAGE}`);
  if (cmd === 'run' && !rest.length) throw new VmError('usage', `\`run\` needs a command\n${USAGE}`);
  if (process.env.LAB_IN_VM) throw new VmError('usage', 'already inside the test VM (LAB_IN_VM is set): run the command directly');
  const interactive = cmd === 'shell';

  /** @type {string[]} */
  let files = [];
  let args = rest;
  if (cmd === 'test') {
    files = rest.filter((a) => !a.startsWith('-'));
    args = rest.filter((a) => a.startsWith('-'));
    if (!files.length) files = findVmTests();
    if (!files.length) throw new VmError('usage', 'no test files match test/vm/**/*.test.ts');
    files = compileVmTests(files);
  }

  const qemu = findQemu();
  const busybox = findStaticBusybox();
  const kernel = ensureKernel(log);
  const initrd = ensureInitramfs(kernel, busybox);
  const cacheDir = cacheRoot();
  const plan = accelPlan(cacheDir, qemu);
  const timeoutS = Number(process.env.LAB_VM_TIMEOUT ?? DEFAULT_TIMEOUT_S);
  if (!Number.isFinite(timeoutS) || timeoutS < 0)
    throw new VmError('usage', `LAB_VM_TIMEOUT must be a number of seconds, not \`${process.env.LAB_VM_TIMEOUT}\``);

  // Interrupted (Ctrl-C, SIGTERM, the terminal gone): stop qemu, clean up, then exit.
  const interrupts = abortOnSignals();

  removeDeadRunDirs(tmpdir(), 'lab-vm-');
  const ioDir = mkdtempSync(join(tmpdir(), `lab-vm-${process.pid}-`));
  // A shell restores the terminal when qemu dies without doing it (SIGKILL).
  const savedTty =
    interactive && process.stdin.isTTY ? spawnSync('stty', ['-g'], { stdio: ['inherit', 'pipe', 'ignore'], encoding: 'utf8' }).stdout.trim() : '';
  try {
    const env = guestEnv(cmd, kernel);
    const script = interactive
      ? commandScript({ mode: 'shell', cwd: root, env, shell: process.env.SHELL || '/bin/bash', rows: process.stdout.rows, cols: process.stdout.columns })
      : commandScript({ mode: 'run', cwd: root, env, argv: cmd === 'run' ? rest : [process.execPath, join('scripts', 'test.mjs'), ...args, ...files] });
    writeFileSync(join(ioDir, COMMAND_FILE), script);
    writeFileSync(join(ioDir, CWD_FILE), root);

    log(`kernel ${kernel.release} (${kernel.version}, ${kernel.imageNote}); ${CPUS} vCPUs, ${MEMORY_MIB} MiB; ${plan.note}`);
    const started = Date.now();
    // The end of the output, where the suite's `N passed, N failed, N skipped` line is.
    let outTail = '';
    /** @type {BootOutcome | undefined} */
    let outcome;
    /** @type {Accel | undefined} */
    let accel;
    for (const candidate of plan.order) {
      accel = candidate;
      const keepDir = process.env.LAB_VM_KEEP || undefined;
      const args = qemuArgs({ qemu, accel, kernel: kernel.image, initrd, ioDir, interactive, cpus: CPUS, memoryMiB: MEMORY_MIB, keepDir });
      outcome = await bootOnce({
        qemu,
        args,
        interactive,
        bootTimeoutMs: BOOT_TIMEOUT_MS[accel],
        totalTimeoutMs: interactive || timeoutS === 0 ? undefined : timeoutS * 1000,
        signal: interrupts.signal,
        onBooted: (ms) =>
          log(
            `booted in ${seconds(ms)} (${candidate.toUpperCase()})${interactive ? '' : `; running ${cmd === 'run' ? rest.join(' ') : `${files.length} test file(s)`}`}`,
          ),
        onOutput: (text) => {
          process.stdout.write(text);
          if (!interactive) outTail = (outTail + text).slice(-4096);
        },
      });
      const kvmFailed = accel === 'kvm' && (outcome.kind === 'no-progress' || (outcome.kind === 'exited' && !outcome.booted));
      if (!kvmFailed || plan.order.length === 1) break;
      log(
        outcome.kind === 'no-progress'
          ? `KVM: no boot progress within ${seconds(BOOT_TIMEOUT_MS.kvm)}: stopped qemu; booting again with TCG`
          : `KVM: qemu exited before boot; booting again with TCG. qemu said:\n${lastLines(/** @type {Extract<BootOutcome, { kind: 'exited' }>} */ (outcome).early, 3)}`,
      );
      writeAccelNote(cacheDir, qemu, outcome.kind === 'no-progress' ? 'hangs' : 'fails');
    }
    if (accel === 'kvm' && outcome?.kind === 'exited' && outcome.booted) writeAccelNote(cacheDir, qemu, 'works');
    // plan.order is never empty: the loop ran at least once, so both are set.
    return report(/** @type {BootOutcome} */ (outcome), {
      cmd,
      accel: /** @type {Accel} */ (accel),
      ioDir,
      outTail,
      totalMs: Date.now() - started,
      interruptedBy: interrupts.by(),
    });
  } finally {
    interrupts.release();
    rmSync(ioDir, { recursive: true, force: true });
    if (savedTty) spawnSync('stty', [savedTty], { stdio: ['inherit', 'ignore', 'ignore'] });
  }
}

/**
 * The exit status for how the VM ended, with a message when it did not run the command through.
 * @param {BootOutcome} outcome
 * @param {{ cmd: 'test' | 'shell' | 'run', accel: Accel, ioDir: string, outTail: string, totalMs: number,
 *   interruptedBy: NodeJS.Signals | undefined }} run
 */
function report(outcome, { cmd, accel, ioDir, outTail, totalMs, interruptedBy }) {
  const name = accel.toUpperCase();
  if (outcome.kind === 'interrupted') {
    log(`interrupted (${interruptedBy}): the VM was stopped`);
    return signalStatus(interruptedBy);
  }
  if (outcome.kind === 'no-progress') {
    throw new VmError('boot', `the VM did not boot: no sign of /init after ${seconds(outcome.afterMs)} under ${name}. Console:\n${lastLines(outcome.early)}`);
  }
  if (outcome.kind === 'timeout') {
    const where = outcome.booted ? 'the command did not finish' : 'the VM did not boot';
    throw new VmError(
      'boot',
      `${where} within ${seconds(outcome.afterMs)} (LAB_VM_TIMEOUT): the VM was stopped. Last output:\n${lastLines(outcome.booted ? outcome.tail : outcome.early)}`,
    );
  }
  if (!outcome.booted) {
    throw new VmError(
      'boot',
      `the VM did not boot: qemu exited (${outcome.signal ?? `status ${outcome.code}`}) before /init ran under ${name}. Output:\n${lastLines(outcome.early)}`,
    );
  }
  let status;
  try {
    status = Number(readFileSync(join(ioDir, STATUS_FILE), 'utf8').trim());
  } catch {
    const failed = outcome.tail.split(/\r?\n/).find((l) => l.startsWith(FAIL));
    if (failed)
      throw new VmError('boot', `the VM booted but could not set up its root: ${failed.slice(FAIL.length).trim()}. Output:\n${lastLines(outcome.tail)}`);
    if (cmd === 'shell') {
      log(`the VM was stopped before the shell exited (Ctrl-A X?); nothing it changed remains`);
      return EXIT.boot;
    }
    throw new VmError(
      'boot',
      `the VM stopped before the command finished (qemu ${outcome.signal ?? `status ${outcome.code}`}), so it has no exit status. Last output:\n${lastLines(outcome.tail)}`,
    );
  }
  if (cmd === 'shell') {
    log(`the VM is off (${name}); nothing it changed remains`);
    return status;
  }
  if (cmd === 'run') {
    log(`status ${status}; booted in ${seconds(outcome.bootMs ?? 0)}, ${seconds(totalMs)} in all (${name})`);
    return status;
  }
  const counts = /^(\d+) passed, (\d+) failed, (\d+) skipped$/m.exec(outTail.split('\n').filter(Boolean).slice(-5).join('\n'));
  const summary = counts
    ? `${Number(counts[1]) + Number(counts[2]) + Number(counts[3])} tests ran in the VM: ${counts[1]} passed, ${counts[2]} failed, ${counts[3]} skipped`
    : 'the suite printed no `N passed, N failed, N skipped` line';
  log(`${summary}; status ${status}; booted in ${seconds(outcome.bootMs ?? 0)}, ${seconds(totalMs)} in all (${name})`);
  return status;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof VmError)) throw err;
  const heading = { usage: 'error', compile: 'error', boot: 'VM FAILURE, not a test failure', missing: 'cannot run the test VM' }[err.kind];
  log(`${heading}: ${err.message}`);
  process.exitCode = EXIT[err.kind];
}
