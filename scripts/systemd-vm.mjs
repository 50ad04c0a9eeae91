#!/usr/bin/env node
// The systemd test VM: every lab on what a learner's machine is. A stock Debian 12 built from Debian's packages
// (systemd as init, cgroup v2 only, / mounted shared, systemd the one writer of the cgroup tree), where the
// serial console logs in `learner`, an ordinary user with sudo, whose login shell does what the README says:
// `sudo scripts/provision.sh` on a copy of this working tree, then `sudo lab verify <id> --tap` for every lab,
// each between two snapshots of the host's state. The results come back as TAP on stdout.
//
// Usage: node scripts/systemd-vm.mjs test [<lab-id>...]     every lab, or only those named
//        node scripts/systemd-vm.mjs test --container [<lab-id>...]  the `lab container` check (its own scope per
//                                                           container), after the labs named (none: no lab)
//        node scripts/systemd-vm.mjs build                  only build (or find in the cache) the image
//
// The image is built once with mmdebstrap (about a minute) and kept in the cache under a key that hashes its
// recipe (scripts/systemd-vm/build-image.sh), the packages provision.sh installs (`--print-packages`), and this
// host's node and npm, which it copies in. Each run makes a small data disk (the checkout, this host's npm cache,
// the guest's scripts) and boots the image under qemu with TCG (nested KVM hangs on the project's machines) and a
// NIC on an empty hub: the VM has no network. Results, console log and TAP stay in <cache>/runs/<suite>-<time>/.
//
// Exit status: 0 when every test point passed, 1 when one failed, 3 when the VM did not boot (no learner login),
// 77 when this host cannot run it (not root, no qemu, mmdebstrap or debugfs: the reason on stderr), 2 for bad
// arguments, 130/143 when interrupted.
//
// Environment:
//   LAB_SYSTEMD_SUITE=bookworm|trixie  Debian 12 (default) or Debian 13
//   LAB_SYSTEMD_VM_TIMEOUT=1500        seconds before qemu is stopped (the run's global time limit)
//   LAB_SYSTEMD_VM_LAB_TIMEOUT=300     seconds one `lab verify` may take in the guest
//   LAB_SYSTEMD_VM_ACCEL=tcg|kvm       the accelerator (default tcg)
//   LAB_SYSTEMD_VM_CACHE=dir           the cache (default /var/cache/lab-systemd-vm)
//   LAB_SYSTEMD_VM_MAX_AGE_DAYS=30     rebuild an image older than this
//   LAB_SYSTEMD_VM_MIRROR, LAB_SYSTEMD_VM_SECURITY_MIRROR  Debian mirrors (default: this host's apt's)
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDataDisk, readResults } from './systemd-vm/data-disk.mjs';
import { cacheRoot, ensureImage, SUITES } from './systemd-vm/image.mjs';
import { CPUS, LOGIN_MARKER, LOGIN_TIMEOUT_MS, MEMORY_MIB, systemdQemuArgs } from './systemd-vm/qemu.mjs';
import { readGuestResults, systemdTap } from './systemd-vm/report.mjs';
import { bootOnce } from './vm/boot.mjs';
import { EXIT, VmError } from './vm/errors.mjs';
import { abortOnSignals, signalStatus } from './vm/interrupt.mjs';
import { QEMU } from './vm/qemu.mjs';
import { removeDeadRunDirs } from './vm/stale.mjs';

/** @typedef {Extract<import('./vm/boot.mjs').BootOutcome, { kind: 'exited' }>} Exited */

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const DEFAULT_TIMEOUT_S = 1500;
const DEFAULT_LAB_TIMEOUT_S = 300;
// Result directories kept in <cache>/runs.
const KEEP_RUNS = 10;

const USAGE = `Usage: node scripts/systemd-vm.mjs test [--container] [<lab-id>...]
       node scripts/systemd-vm.mjs build

  test    every lab (or those named) on a stock Debian systemd host in qemu, as a logged-in learner runs them;
          a whole run, or --container, also checks \`lab container\` (with --container alone, no lab runs)
  build   only build the image (or find it in the cache)

Needs root, qemu-system-x86, mmdebstrap and e2fsprogs: \`sudo scripts/provision.sh --with-vm\`.`;

/** @param {string} line */
const log = (line) => process.stderr.write(`lab-systemd-vm: ${line}\n`);
/** @param {number} ms */
const secs = (ms) => Math.round(ms / 100) / 10;

// mkfs.ext4, debugfs and e2fsck live in sbin, which an ordinary user's PATH (then sudo's) may lack.
for (const dir of ['/usr/sbin', '/sbin']) {
  if (!(process.env.PATH ?? '').split(delimiter).includes(dir)) process.env.PATH = `${process.env.PATH ?? '/usr/bin:/bin'}${delimiter}${dir}`;
}

/**
 * The full path of the program `name` on the PATH, or undefined.
 * @param {string} name
 */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** What this host lacks to build and boot the VM, as one sentence, or undefined. */
function missingTools() {
  if (process.getuid?.() !== 0) return 'it needs root (mmdebstrap --mode=root, disks made with their owners): run it with sudo';
  const tools = { [QEMU]: 'qemu-system-x86', mmdebstrap: 'mmdebstrap', 'mkfs.ext4': 'e2fsprogs', debugfs: 'e2fsprogs', unshare: 'util-linux' };
  const missing = Object.entries(tools).filter(([tool]) => !onPath(tool));
  if (!missing.length) return undefined;
  const packages = [...new Set(missing.map(([, p]) => p))].join(' ');
  return `${missing.map(([t]) => t).join(', ')} not found: \`sudo apt-get install ${packages}\` (or \`sudo scripts/provision.sh --with-vm\`)`;
}

/** The Debian suite to build from: $LAB_SYSTEMD_SUITE, else bookworm. */
function suiteOf() {
  const suite = process.env.LAB_SYSTEMD_SUITE || 'bookworm';
  if (!(suite in SUITES)) throw new VmError('usage', `LAB_SYSTEMD_SUITE must be one of ${Object.keys(SUITES).join(', ')}, not \`${suite}\``);
  return suite;
}

/**
 * A number of seconds from the environment variable `name`, else `fallback`.
 * @param {string} name
 * @param {number} fallback
 */
function numberEnv(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new VmError('usage', `${name} must be a number of seconds, not \`${process.env[name]}\``);
  return value;
}

/**
 * Keep the newest KEEP_RUNS result directories.
 * @param {string} runs
 */
function pruneRuns(runs) {
  const names = readdirSync(runs).sort();
  for (const name of names.slice(0, Math.max(0, names.length - KEEP_RUNS))) rmSync(join(runs, name), { recursive: true, force: true });
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
  if (cmd !== 'test' && cmd !== 'build') throw new VmError('usage', `${cmd ? `unknown command \`${cmd}\`` : 'no command'}\n${USAGE}`);
  if (cmd === 'build' && rest.length) throw new VmError('usage', `\`build\` takes no arguments\n${USAGE}`);
  const wanted = rest.filter((a) => !a.startsWith('-'));
  const unknown = rest.filter((a) => a.startsWith('-') && a !== '--container');
  if (unknown.length) throw new VmError('usage', `unknown option ${unknown.join(', ')}\n${USAGE}`);
  // The container check: in a whole run, and when asked for (then alone when no lab is named).
  const container = rest.includes('--container') ? (wanted.length ? 'yes' : 'only') : wanted.length ? 'no' : 'yes';
  const bad = wanted.filter((id) => !/^[a-z0-9-]+$/.test(id) || !existsSync(join(root, 'labs', id)));
  if (bad.length) throw new VmError('usage', `no such lab: ${bad.join(', ')}`);
  const suite = suiteOf();
  const timeoutS = numberEnv('LAB_SYSTEMD_VM_TIMEOUT', DEFAULT_TIMEOUT_S);
  const labTimeoutS = numberEnv('LAB_SYSTEMD_VM_LAB_TIMEOUT', DEFAULT_LAB_TIMEOUT_S);
  const accel = process.env.LAB_SYSTEMD_VM_ACCEL || 'tcg';
  if (accel !== 'tcg' && accel !== 'kvm') throw new VmError('usage', `LAB_SYSTEMD_VM_ACCEL must be tcg or kvm, not \`${accel}\``);
  const missing = missingTools();
  if (missing) throw new VmError('missing', missing);

  // Interrupted (Ctrl-C, SIGTERM, the terminal gone): stop the build or qemu, clean up, then exit.
  const interrupts = abortOnSignals();
  try {
    return await run({ cmd, wanted, container, suite, timeoutS, labTimeoutS, accel, signal: interrupts.signal, interruptedBy: interrupts.by });
  } finally {
    interrupts.release();
  }
}

/**
 * Build (or find) the image; for `test`, make the data disk, boot, read the results back and print the TAP.
 * @param {{ cmd: 'test' | 'build', wanted: string[], container: 'yes' | 'no' | 'only', suite: string, timeoutS: number, labTimeoutS: number,
 *   accel: 'tcg' | 'kvm', signal: AbortSignal, interruptedBy: () => NodeJS.Signals | undefined }} o
 *   wanted: the labs named (none: every lab, unless container is 'only'); container: whether the guest runs the
 *   `lab container` check (guest-container.sh), 'only' without any lab; signal: aborted by an interruption, which interruptedBy names
 * @returns {Promise<number>} the exit status
 */
async function run({ cmd, wanted, container, suite, timeoutS, labTimeoutS, accel, signal, interruptedBy }) {
  const started = Date.now();
  const image = await ensureImage(suite, log, signal);
  const imageMs = Date.now() - started;
  if (!image) {
    log(`interrupted (${interruptedBy()}): the image build was stopped and its files removed`);
    return signalStatus(interruptedBy());
  }
  if (cmd === 'build') {
    log(`${image.cached ? 'cached' : 'built'}: ${image.dir}`);
    return EXIT.ok;
  }
  log(
    `${SUITES[suite]} (${suite}) image ${image.cached ? `from the cache (built ${image.builtAt.slice(0, 10)} in ${image.buildSeconds} s)` : `built in ${image.buildSeconds} s`}: ${image.dir}`,
  );

  const cache = cacheRoot();
  const runs = join(cache, 'runs');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const runDir = join(runs, `${suite}-${stamp}`);
  mkdirSync(runDir, { recursive: true });
  removeDeadRunDirs(cache, '.run-');
  const work = mkdtempSync(join(cache, `.run-${process.pid}-`));
  try {
    const diskStarted = Date.now();
    const dataImage = join(work, 'data.img');
    const staging = join(work, 'data');
    mkdirSync(staging);
    const disk = makeDataDisk({ repo: root, staging, image: dataImage, config: { LABS: wanted.join(','), LAB_TIMEOUT: labTimeoutS, CONTAINER: container } });
    rmSync(staging, { recursive: true, force: true });
    const diskMs = Date.now() - diskStarted;
    log(
      `data disk: ${disk.files} files of this working tree, the npm cache of ${disk.npmCache}, ${(disk.bytes / 2 ** 20).toFixed(0)} MiB, in ${secs(diskMs)} s`,
    );

    // Found by missingTools() before.
    const qemu = /** @type {string} */ (onPath(QEMU));
    const args = systemdQemuArgs({
      accel,
      kernel: image.kernel,
      initrd: image.initrd,
      rootImage: image.rootImage,
      dataImage,
      cpus: CPUS,
      memoryMiB: MEMORY_MIB,
    });
    log(`booting (${accel.toUpperCase()}, ${CPUS} vCPUs, ${MEMORY_MIB} MiB, time limit ${timeoutS} s); console: ${join(runDir, 'console.log')}`);
    /** @type {string[]} */
    const consoleLines = [];
    let loginMs;
    const bootStarted = Date.now();
    const outcome = await bootOnce({
      qemu,
      args,
      interactive: false,
      bootMarker: LOGIN_MARKER,
      bootTimeoutMs: LOGIN_TIMEOUT_MS,
      totalTimeoutMs: timeoutS * 1000,
      signal,
      // qemu's snapshot=on overlay goes to TMPDIR: keep it in this run's directory, removed with it.
      env: { ...process.env, TMPDIR: work },
      onBooted: (ms) => {
        loginMs = ms;
        log(`the learner is logged in ${secs(ms)} s after qemu started`);
      },
      onOutput: (line) => {
        consoleLines.push(line);
        if (line.startsWith('lab-systemd-vm: ')) process.stderr.write(line);
      },
    });
    const vmMs = Date.now() - bootStarted;
    const early = 'early' in outcome ? outcome.early : '';
    writeFileSync(join(runDir, 'console.log'), early + consoleLines.join(''));
    if (outcome.kind === 'interrupted') {
      log(`interrupted (${interruptedBy()}): the VM was stopped; its console is in ${runDir}`);
      return signalStatus(interruptedBy());
    }
    if (outcome.kind === 'no-progress' || !outcome.booted) {
      const tail = early
        .replace(/\r/g, '')
        .trimEnd()
        .split('\n')
        .slice(-20)
        .map((l) => `    ${l}`)
        .join('\n');
      const why =
        outcome.kind === 'no-progress'
          ? `no learner login within ${secs(outcome.afterMs)} s`
          : `qemu exited (${/** @type {Exited} */ (outcome).signal ?? `status ${/** @type {Exited} */ (outcome).code}`}) before the learner was logged in`;
      throw new VmError('boot', `the VM did not boot: ${why}. Console (${join(runDir, 'console.log')}):\n${tail}`);
    }

    const unread = readResults(dataImage, runDir);
    if (unread) log(`the results could not be read back: ${unread}`);
    const results = unread ? undefined : readGuestResults(join(runDir, 'results'));
    /** @type {{ ok: boolean, what: string, console?: string }} */
    const vm =
      outcome.kind === 'timeout'
        ? { ok: false, what: `stopped after the time limit of ${timeoutS} s (LAB_SYSTEMD_VM_TIMEOUT)` }
        : { ok: outcome.code === 0, what: `qemu exited with ${outcome.signal ?? `status ${outcome.code}`} after ${secs(vmMs)} s` };
    if (!results?.done) vm.console = consoleLines.join('').replace(/\r/g, '').trimEnd().split('\n').slice(-20).join('\n');

    const timings = {
      image: { seconds: secs(imageMs), cached: image.cached, buildSeconds: image.buildSeconds },
      dataDisk: secs(diskMs),
      bootToLogin: loginMs === undefined ? undefined : secs(loginMs),
      guestUptimeAtLogin: results?.loginUptime,
      copyCheckout: results?.copySeconds,
      provision: results?.provision.seconds,
      labs: Object.fromEntries((results?.labs ?? []).map((l) => [l.id, l.seconds])),
      labsTotal: Math.round((results?.labs ?? []).reduce((sum, l) => sum + (l.seconds ?? 0), 0) * 10) / 10,
      vm: secs(vmMs),
      total: secs(Date.now() - started),
    };
    const header = [
      `systemd test VM: ${SUITES[suite]} (${suite}), image ${image.dir}`,
      `results, console and TAP: ${runDir}`,
      `times (s): image ${timings.image.seconds}${image.cached ? ' (cached)' : ' (built)'}, data disk ${timings.dataDisk}, qemu start to login ${timings.bootToLogin}, provision.sh ${timings.provision ?? '?'}, labs ${timings.labsTotal}, VM ${timings.vm}, total ${timings.total}`,
      `lab times (s): ${
        Object.entries(timings.labs)
          .map(([id, s]) => `${id} ${s ?? '?'}`)
          .join(', ') || 'none'
      }`,
    ];
    // Every lab is accounted for in the TAP, also those the guest never reached (provisioning failed, time ran out).
    const whole = wanted.length === 0 && container !== 'only';
    const expected = !whole
      ? wanted
      : readdirSync(join(root, 'labs'), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name);
    const tap = systemdTap(results, { wanted: expected, whole, container: container !== 'no', header, vm });
    writeFileSync(join(runDir, 'systemd.tap'), tap);
    writeFileSync(join(runDir, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
    process.stdout.write(tap);
    const failed = tap.split('\n').filter((l) => /^not ok /.test(l)).length;
    log(`${failed ? `${failed} of the top-level tests failed` : 'every test passed'}; ${secs(Date.now() - started)} s in all; results in ${runDir}`);
    return failed ? EXIT.failed : EXIT.ok;
  } finally {
    rmSync(work, { recursive: true, force: true });
    pruneRuns(runs);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof VmError)) throw err;
  const heading = { usage: 'error', compile: 'error', boot: 'VM FAILURE, not a test failure', missing: 'cannot run the systemd test VM' }[err.kind];
  log(`${heading}: ${err.message}`);
  process.exitCode = EXIT[err.kind];
}
