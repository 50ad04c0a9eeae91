// `lab clean` after a hard reboot mid-lab, in the test VM: boot once, start fixture-clean with lab's state
// directory on a host directory the VM keeps (LAB_VM_KEEP), power off hard (sysrq b) in the lab's wait step;
// boot again with the same directory, give an unrelated process the PID the lab's process had, run `lab clean`
// (scripts/clean-reboot-guest.mjs does both halves). It must exit 0, remove the directory on the kept disk, report
// the mount, the namespace and the process as gone with the reboot, spare the unrelated process, and leave the
// VM as a fresh boot finds it. Two boots: about two minutes under TCG.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cleanEnv, needsRoot, tempDir } from '../helpers.js';

const VM_MISSING = 77;

function vmRun(keep: string, phase: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'vm.mjs'), 'run', process.execPath, join('scripts', 'clean-reboot-guest.mjs'), phase], {
    cwd: ROOT,
    encoding: 'utf8',
    env: cleanEnv({ LAB_VM_KEEP: keep, LAB_VM_TIMEOUT: '400' }),
    timeout: 450_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const skip = needsRoot() || (process.env.LAB_IN_VM ? 'boots the test VM: runs on the host' : false);

t.test('lab clean after the test VM is powered off hard mid-lab', { skip, timeout: 900_000 }, async (t) => {
  const keep = tempDir('lab-test-keep-');
  const crash = vmRun(keep, 'crash');
  if (crash.status === VM_MISSING) {
    t.pass('lab clean after a reboot', { skip: `the test VM cannot run here: ${crash.out.trim().split('\n').at(-1)}` });
    return;
  }
  t.equal(crash.status, 3, 'the VM died before the command finished (the hard power-off)', { out: crash.out.slice(-3000) });
  // crash.json is written (and synced) in the lab's wait step, just before the power-off: the proof it came then.
  // The guest's line saying so is only for the log: a hard reset can drop the console's last bytes.
  t.ok(existsSync(join(keep, 'crash.json')), 'the lab was mid-way when the power went', { out: crash.out.slice(-3000) });

  // A real reboot takes longer than lab's margin on the boot time (2 s); two VM boots in a row may not.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  const clean = vmRun(keep, 'clean');
  t.equal(clean.status, 0, 'the second boot ran lab clean to the end', { out: clean.out.slice(-3000) });
  const result = JSON.parse(readFileSync(join(keep, 'result.json'), 'utf8')) as {
    crash: { runId: string; dir: string; survivor: number; made: boolean };
    journalKept: boolean;
    dirKept: boolean;
    reusedPid: boolean;
    unrelatedPid: number;
    unrelatedAlive: boolean;
    status: number;
    stdout: string;
    stderr: string;
    dirGone: boolean;
    snapshotEqual: boolean;
    after: unknown;
    fresh: unknown;
  };
  t.ok(result.crash.made, 'before the crash the lab had made its directory and its namespace');
  t.ok(result.journalKept && result.dirKept, 'the journal and the directory outlived the reboot');
  t.ok(result.reusedPid, `an unrelated process got the PID of the lab's process (${result.crash.survivor})`, { unrelated: result.unrelatedPid });
  t.equal(result.status, 0, result.stderr);
  t.equal(result.stderr, '', 'no failure reported');
  t.match(result.stdout, `fixture-clean (${result.crash.runId}): removed 1 resource(s); 3 gone with the reboot (the run was in an earlier boot)`);
  t.ok(result.dirGone, 'the directory on the kept disk is removed');
  t.ok(result.unrelatedAlive, 'the unrelated process with the same PID was not killed');
  t.ok(result.snapshotEqual, 'the VM is as a fresh boot found it (mounts, processes, journals, namespaces)', { after: result.after, fresh: result.fresh });
});
