// Runs the container-vs-vm lab for real and asserts, after each step, the kernel facts from raw /proc files and the
// VM's console log, independently of the lab's own checks: the container's PID 1 reads the host's boot_id through
// its root, the initramfs is a newc archive with /init, qemu runs and its VM printed another boot_id, qemu is gone
// after power-off; then that the host is as before. And kill -9 of the harness while the VM runs (`lab run` held at
// the task prompt in tmux): qemu outlives it (it is not tied to the harness), and `lab clean`, reading the journal,
// kills it and removes the container and the lab's directory.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../../src/common/wait.js';
import { parseJournal, replay } from '../../src/host/journal.js';
import { loadLab } from '../../src/lab/load.js';
import { rightAnswer } from '../../src/lab/quiz.js';
import type { Session } from '../../src/lab/session.js';
import { cmdline, comm, environValue, isAlive, listPids, nspid } from '../../src/kernel/proc.js';
import { BIN, cleanEnv, hostSnapshot, needsRoot, tempDir, useTempState, verifyLeavingHost } from '../helpers.js';
import { unmetSkip } from './contract.js';

// The lab runs `lab container ...` as a learner types it: `lab` must be on the PATH (as in toy-container.test.ts).
if (spawnSync('sh', ['-c', 'command -v lab']).status !== 0) {
  const bin = tempDir('lab-test-bin-');
  symlinkSync(BIN, join(bin, 'lab'));
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
}

const lab = await loadLab('container-vs-vm');
const skip = needsRoot() || unmetSkip(lab);
const tmuxSkip = spawnSync('tmux', ['-V']).status === 0 ? false : 'needs tmux';

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
};
const hostBootId = (): string => read('/proc/sys/kernel/random/boot_id');

/** The run's suffix (`<pid>-<time>`), as the lab names its container and directory. */
const suffixOf = (runId: string): string => runId.split('-').slice(-2).join('-');

/** The container's PID 1: level 1 of a PID namespace, with the run's marker. */
const containerPid1 = (suffix: string): number | undefined => listPids().find((pid) => environValue(pid, 'CVM_RUN') === suffix && nspid(pid)?.at(-1) === 1);

/** qemu processes booting this run's initramfs. */
const qemus = (suffix: string): number[] =>
  listPids().filter((pid) => (comm(pid) ?? '').startsWith('qemu-system') && (cmdline(pid) ?? []).includes(`/run/lab-cvm-${suffix}/initramfs.cpio`));

t.test('container-vs-vm, verified step by step against the kernel', { skip }, async (t) => {
  let session: Session | undefined;
  let suffix = '';
  let qemu = 0;
  const facts: Record<string, () => void> = {
    container: () => {
      suffix = suffixOf(session!.runId);
      const pid1 = containerPid1(suffix);
      t.ok(pid1, "the container's PID 1 runs");
      t.equal(comm(pid1!), 'sleep', 'running sleep');
      t.equal(read(`/proc/${pid1}/root/proc/sys/kernel/random/boot_id`), hostBootId(), "through its root, the host's boot_id");
      t.equal(read(`/proc/${pid1}/root/proc/sys/kernel/osrelease`), read('/proc/sys/kernel/osrelease'), "and the host's release");
    },
    'vm-image': () => {
      const cpio = readFileSync(`/run/lab-cvm-${suffix}/initramfs.cpio`);
      t.equal(cpio.toString('latin1', 0, 6), '070701', 'a cpio newc archive');
      t.ok(cpio.includes('init\0') && cpio.includes('bin/busybox\0'), 'with init and bin/busybox');
    },
    'vm-boot': () => {
      const found = qemus(suffix);
      t.equal(found.length, 1, 'one qemu runs for this run');
      qemu = found[0]!;
      t.equal(session!.proc('vm').pid, qemu, "it is the lab's process `vm`");
      const log = read(`/run/lab-cvm-${suffix}/console.log`);
      t.match(log, /^lab-vm-shell-ready\r?$/m, "the VM's init printed its marker");
      const vmBoot = /^vm boot_id: (\S+)\r?$/m.exec(log)?.[1];
      t.match(vmBoot ?? '', /^[0-9a-f-]{36}$/, "the VM's kernel printed a boot_id");
      t.not(vmBoot, hostBootId(), "another boot_id than the host's");
      const rss = Number.parseInt(/^VmRSS:\s+(\d+)/m.exec(read(`/proc/${qemu}/status`))?.[1] ?? '0', 10);
      const containerRss = Number.parseInt(/^VmRSS:\s+(\d+)/m.exec(read(`/proc/${containerPid1(suffix)}/status`))?.[1] ?? '0', 10);
      t.ok(rss > containerRss && containerRss > 0, `qemu's VmRSS ${rss} kB is above the container's ${containerRss} kB`);
    },
    'power-off': () => {
      t.notOk(isAlive(qemu), 'qemu is gone');
      t.ok(containerPid1(suffix), "the container's PID 1 still runs");
    },
  };
  await verifyLeavingHost(t, lab, facts, (s) => (session = s));
  t.notOk(containerPid1(suffix), 'the container is gone');
  t.notOk(existsSync(`/run/lab-cvm-${suffix}`), "the lab's directory is gone");
  t.same(qemus(suffix), [], 'no qemu of the run remains');
});

t.test('kill -9 of lab while the VM runs, then lab clean: qemu, the container and the directory are gone', { skip: skip || tmuxSkip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  // `lab run` in a terminal of its own, taken to the task prompt of power-off: the VM runs and nothing moves on.
  const name = `lab-test-${process.pid}-cvm`;
  const tmux = (...args: string[]): string => spawnSync('tmux', args, { encoding: 'utf8' }).stdout ?? '';
  t.teardown(() => void tmux('kill-session', '-t', name));
  tmux(
    'new-session',
    '-d',
    '-s',
    name,
    '-x',
    '160',
    '-y',
    '50',
    `env LAB_STATE_DIR=${state} ${process.execPath} ${BIN} run container-vs-vm --lang en --plain; sleep 30`,
  );
  const count = (text: string): number => tmux('capture-pane', '-p', '-J', '-t', name, '-S', '-3000').split(text).length - 1;
  let pauses = 0;
  // A quiz on the way (why-own-kernel) asks for an answer, "(then Enter)": the right one is typed.
  const answers = lab.steps.flatMap((step) => (step.spec.kind === 'quiz' ? [rightAnswer(step.spec)] : []));
  let answered = 0;
  for (;;) {
    const asked = (): boolean => count('(then Enter)') > answered;
    const moved = await waitFor(() => count('[Enter] next step') > pauses || count('[Enter] open the shell') > 0 || asked(), 120_000, 50);
    if (!moved || count('[Enter] open the shell') > 0) break;
    if (asked()) {
      tmux('send-keys', '-t', name, answers[answered++] ?? 'q', 'Enter');
      continue;
    }
    pauses++;
    tmux('send-keys', '-t', name, 'Enter');
  }
  t.equal(count('[Enter] open the shell'), 1, 'the run reached the task of power-off, with the VM running');
  // The run's journal, lab-container-vs-vm-<pid>-<time>.jsonl (the container's own is lab-container-<id>.jsonl).
  const journal = readdirSync(join(state, 'runs')).find((file) => /^lab-container-vs-vm-\d+-[0-9a-z]+\.jsonl$/.test(file));
  const run = journal ? replay(parseJournal(readFileSync(join(state, 'runs', journal), 'utf8'))) : undefined;
  const vm = run?.live.find((l) => l.resource.kind === 'process' && l.resource.name === 'vm')?.resource;
  const qemu = vm?.kind === 'process' ? (vm.pid ?? 0) : 0;
  const suffix = /(\d+-[0-9a-z]+)\.jsonl$/.exec(journal ?? '')?.[1] ?? '';
  t.ok(run && qemu > 0, 'the journal holds qemu as the process `vm`');
  t.same(qemus(suffix), [qemu], 'and it is the qemu that runs');
  process.kill(run!.owner, 'SIGKILL');
  t.ok(await waitFor(() => !isAlive(run!.owner), 5000), 'the harness is dead');
  t.ok(isAlive(qemu), 'qemu outlives the harness: only the journal can stop it');
  t.ok(containerPid1(suffix), 'so does the container');
  const clean = spawnSync(process.execPath, [BIN, 'clean'], { encoding: 'utf8', env: cleanEnv({ LAB_STATE_DIR: state }) });
  t.equal(clean.status, 0, 'lab clean succeeded', { stderr: clean.stderr });
  t.ok(await waitFor(() => !isAlive(qemu), 5000), 'qemu is gone');
  t.notOk(containerPid1(suffix), 'the container is gone');
  t.notOk(existsSync(`/run/lab-cvm-${suffix}`), "the lab's directory is gone");
  t.same(hostSnapshot(state), before, 'nothing of the lab remains');
});
