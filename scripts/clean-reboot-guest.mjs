#!/usr/bin/env node
// The guest half of test/hardening/clean-reboot.test.ts: runs inside the test VM (scripts/vm.mjs run), twice, with
// a host directory shared as 9p tag `labkeep` (LAB_VM_KEEP) that outlives the VM and holds lab's state directory.
//
// Usage (in the VM): node scripts/clean-reboot-guest.mjs crash
//          Snapshot the fresh boot, start `lab run fixture-clean` (a directory on the kept disk, a tmpfs mounted
//          in it, a network namespace, a process), and in its `wait` step power the VM off hard
//          (`echo b > /proc/sysrq-trigger`: no shutdown, no unmount; qemu's -no-reboot ends the VM).
//        node scripts/clean-reboot-guest.mjs clean
//          After booting again: start an unrelated process with the PID the journal gave the lab's process, run
//          `lab clean`, and write what happened to result.json in the kept directory.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const KEEP = '/run/lab-keep';
const state = join(KEEP, 'state');
const disk = join(KEEP, 'disk');
const env = { ...process.env, LAB_STATE_DIR: state, LAB_LABS_DIR: join(root, 'test', 'fixtures', 'clean-labs'), LAB_FIXTURE_DIR: disk };
const lab = join(root, 'bin', 'lab.js');
/** @type {{ hostSnapshot: (stateDir?: string) => unknown }} */
const snapshot = await import(join(root, 'dist', 'src', 'host', 'snapshot.js'));

/** @param {string} what */
function fail(what) {
  process.stderr.write(`clean-reboot-guest: ${what}\n`);
  process.exit(1);
}

mkdirSync(KEEP, { recursive: true });
const mounted = spawnSync('mount', ['-t', '9p', '-o', 'trans=virtio,version=9p2000.L', 'labkeep', KEEP], { encoding: 'utf8' });
if (mounted.status !== 0) fail(`mount -t 9p labkeep ${KEEP}: ${mounted.stderr} (is LAB_VM_KEEP set?)`);

const phase = process.argv[2];
if (phase === 'crash') {
  mkdirSync(state, { mode: 0o700 });
  mkdirSync(disk, { mode: 0o700 });
  writeFileSync(join(KEEP, 'fresh.json'), JSON.stringify(snapshot.hostSnapshot(state)));
  const child = spawn(process.execPath, [lab, 'run', 'fixture-clean', '--yes', '--json', '--lang', 'en'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let runId = '';
  for await (const line of createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) })) {
    const event = JSON.parse(line);
    if (event.type === 'lab-start') runId = event.runId;
    if (event.type === 'step-start' && event.step === 'wait') break;
  }
  if (!runId) fail('the lab never reached its wait step');
  const records = readFileSync(join(state, 'runs', `${runId}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  /** @param {string} kind */
  const last = (kind) => records.filter((r) => r.resource?.kind === kind).at(-1)?.resource;
  const facts = {
    runId,
    dir: last('path').path,
    mount: last('mount').target,
    netns: last('netns').name,
    survivor: last('process').pid,
    made: existsSync(last('path').path) && existsSync(`/run/netns/${last('netns').name}`),
  };
  writeFileSync(join(KEEP, 'crash.json'), JSON.stringify(facts));
  spawnSync('sync');
  process.stdout.write(`clean-reboot-guest: ${runId} is in its wait step; powering off hard\n`);
  // The write above is in the kernel's console buffer, not yet out of the VM: sysrq b resets at once and would drop
  // it (seen in a CI run). Give the console a moment to drain; the test reads crash.json, not this line.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  writeFileSync('/proc/sysrq-trigger', 'b');
  await new Promise((resolve) => setTimeout(resolve, 60_000));
  fail('still running after sysrq b');
} else if (phase === 'clean') {
  const crash = JSON.parse(readFileSync(join(KEEP, 'crash.json'), 'utf8'));
  const journalKept = existsSync(join(state, 'runs', `${crash.runId}.jsonl`));
  const dirKept = existsSync(crash.dir);
  // The next PID the kernel gives is the one after ns_last_pid: the lab's process's PID, for an unrelated process.
  try {
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(crash.survivor - 1));
  } catch {
    // an older kernel: the PID is then only likely to differ
  }
  const unrelated = spawn('sleep', ['300'], { stdio: 'ignore' });
  const clean = spawnSync(process.execPath, [lab, 'clean', '--lang', 'en'], { env, encoding: 'utf8' });
  // Read from /proc: the child is not reaped while spawnSync blocks, so a killed one would be a zombie (Z).
  let unrelatedAlive = false;
  try {
    unrelatedAlive = / \(sleep\) [^Z]/.test(readFileSync(`/proc/${unrelated.pid}/stat`, 'utf8'));
  } catch {
    // gone
  }
  const after = snapshot.hostSnapshot(state);
  const fresh = JSON.parse(readFileSync(join(KEEP, 'fresh.json'), 'utf8'));
  const result = {
    crash,
    journalKept,
    dirKept,
    reusedPid: unrelated.pid === crash.survivor,
    unrelatedPid: unrelated.pid,
    unrelatedAlive,
    status: clean.status,
    stdout: clean.stdout,
    stderr: clean.stderr,
    dirGone: !existsSync(crash.dir),
    snapshotEqual: JSON.stringify(after) === JSON.stringify(fresh),
    after,
    fresh,
  };
  unrelated.kill('SIGKILL');
  writeFileSync(join(KEEP, 'result.json'), JSON.stringify(result, null, 2));
  process.stdout.write(`clean-reboot-guest: lab clean exited ${clean.status}\n${clean.stdout}${clean.stderr}`);
  spawnSync('umount', [KEEP]);
} else {
  fail(`usage: node scripts/clean-reboot-guest.mjs crash|clean, not \`${phase}\``);
}
