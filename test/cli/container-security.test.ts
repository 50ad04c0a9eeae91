// seccomp, no_new_privs, --user and --group-add as Docker's, kernel facts only (/proc/<pid>/status, a system call's
// result, a file's owner): by default Docker's seccomp profile is loaded (Seccomp: 2, one filter) and refuses
// unshare(CLONE_NEWUSER), which the kernel itself allows a process with Docker's capabilities, so the EPERM is the
// filter's: with seccomp=unconfined the same capabilities succeed; --cap-add SYS_ADMIN brings mount and unshare back,
// as Docker's profile does; --privileged loads no filter. `lab inspect` reports the same.
import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labInitPath } from '../../src/host/install.js';
import { cli, needsRoot, useTempState } from '../helpers.js';

const skip = needsRoot() || (labInitPath() === undefined ? 'lab-init is not built (npm run build compiles it with cc)' : false);
const state = skip ? '' : useTempState();

/** `lab container ...` with the test's state directory. */
const lab = (...args: string[]) => cli(['container', ...args, '--lang', 'en'], { LAB_STATE_DIR: state });

/** The lines of a /proc/<pid>/status text, by name. */
function statusOf(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of text.matchAll(/^(\w+):[ \t]*(.*)$/gm)) fields[match[1]!] = match[2]!.trim();
  return fields;
}

/** The host PID of a container's PID 1. */
function pidOf(name: string): number {
  return (JSON.parse(lab('inspect', name).stdout) as { State: { Pid: number } }[])[0]!.State.Pid;
}

/** Start `busybox sleep 100` detached (no network) with these flags; its PID 1's status, read from the host. */
function detached(t: Test, name: string, ...flags: string[]): Record<string, string> {
  const r = lab('run', '-d', '--name', name, '--network', 'none', ...flags, 'busybox', 'sleep', '100');
  t.equal(r.status, 0, `run -d ${flags.join(' ')} (${r.stderr.trim()})`);
  t.teardown(() => void lab('rm', '-f', name));
  return statusOf(readFileSync(`/proc/${pidOf(name)}/status`, 'utf8'));
}

/** `sh -c SCRIPT` in a new container (no network) with these flags. */
const inside = (script: string, ...flags: string[]) => lab('run', '--rm', '--network', 'none', ...flags, 'busybox', 'sh', '-c', script);

t.test("by default: Docker's seccomp profile, one filter, for PID 1 and for an exec'd process; lab inspect says so", { skip }, async (t) => {
  const pid1 = detached(t, 'lab-sec-default');
  t.equal(pid1.Seccomp, '2', 'Seccomp: 2 (filter)');
  t.equal(pid1.Seccomp_filters, '1', 'Seccomp_filters: 1');
  t.equal(pid1.NoNewPrivs, '0', 'no_new_privs not set (the filter was loaded with CAP_SYS_ADMIN, as runc does)');
  const exec = lab('exec', 'lab-sec-default', 'sh', '-c', 'cat /proc/$$/status');
  t.equal(exec.status, 0, exec.stderr);
  t.equal(statusOf(exec.stdout).Seccomp_filters, '1', "exec'd process: the same filter");
  const privileged = lab('exec', '--privileged', 'lab-sec-default', 'sh', '-c', 'cat /proc/$$/status');
  t.equal(statusOf(privileged.stdout).Seccomp_filters, '0', 'exec --privileged: no filter (lab keeps it out so that the shell fallback runs it)');
  t.equal(statusOf(privileged.stdout).CapBnd, statusOf(readFileSync('/proc/self/status', 'utf8')).CapBnd, "exec --privileged: the harness's bounding set");
  const xray = cli(['inspect', 'lab-sec-default', '--json'], { LAB_STATE_DIR: state });
  t.equal(xray.status, 0, xray.stderr);
  const facts = JSON.parse(xray.stdout) as { seccomp: { mode: number; filters: number }; noNewPrivs: boolean };
  t.same(facts.seccomp, { mode: 2, filters: 1 }, 'lab inspect: seccomp mode 2, 1 filter');
  t.equal(facts.noNewPrivs, false, 'lab inspect: no_new_privs 0');
});

t.test('the EPERM is seccomp\u2019s: unshare -U refused by default, allowed with the same capabilities unconfined', { skip }, async (t) => {
  const refused = inside('unshare -U true');
  t.not(refused.status, 0, 'unshare -U fails by default');
  t.match(refused.stderr, /Operation not permitted/, 'EPERM');
  const mount = inside('mount -t tmpfs tmpfs /tmp');
  t.not(mount.status, 0, 'mount -t tmpfs fails by default');
  const unconfined = inside('unshare -U true && grep Seccomp: /proc/self/status', '--security-opt', 'seccomp=unconfined');
  t.equal(unconfined.status, 0, `unshare -U with seccomp=unconfined (${unconfined.stderr.trim()})`);
  t.match(unconfined.stdout, /^Seccomp:\s+0$/m, 'Seccomp: 0');
  const privileged = detached(t, 'lab-sec-privileged', '--privileged');
  t.same([privileged.Seccomp, privileged.Seccomp_filters], ['0', '0'], '--privileged: no filter, as Docker');
});

t.test("--cap-add SYS_ADMIN: Docker's profile allows mount and unshare then, pivot_root never", { skip }, async (t) => {
  const admin = inside('mount -t tmpfs tmpfs /tmp && unshare -U true && grep Seccomp_filters: /proc/self/status', '--cap-add', 'SYS_ADMIN');
  t.equal(admin.status, 0, `mount and unshare -U with CAP_SYS_ADMIN (${admin.stderr.trim()})`);
  t.match(admin.stdout, /^Seccomp_filters:\s+1$/m, 'still filtered');
  const pivot = inside(
    'mkdir -p /tmp/new && mount -t tmpfs tmpfs /tmp/new && mkdir /tmp/new/old && pivot_root /tmp/new /tmp/new/old',
    '--cap-add',
    'SYS_ADMIN',
  );
  t.not(pivot.status, 0, 'pivot_root refused even with CAP_SYS_ADMIN');
  t.match(pivot.stderr, /Operation not permitted/, 'EPERM');
  const unconfined = inside(
    'mkdir -p /tmp/new && mount -t tmpfs tmpfs /tmp/new && mkdir /tmp/new/old && pivot_root /tmp/new /tmp/new/old',
    '--cap-add',
    'SYS_ADMIN',
    '--security-opt',
    'seccomp=unconfined',
  );
  t.equal(unconfined.status, 0, `pivot_root allowed with CAP_SYS_ADMIN and seccomp=unconfined (${unconfined.stderr.trim()})`);
});

t.test('no-new-privileges: NoNewPrivs 1, the filter still loaded (last, as runc does then)', { skip }, async (t) => {
  const nnp = detached(t, 'lab-sec-nnp', '--security-opt', 'no-new-privileges');
  t.equal(nnp.NoNewPrivs, '1', 'NoNewPrivs: 1');
  t.equal(nnp.Seccomp_filters, '1', 'Seccomp_filters: 1');
  const xray = JSON.parse(cli(['inspect', 'lab-sec-nnp', '--json'], { LAB_STATE_DIR: state }).stdout) as { noNewPrivs: boolean };
  t.equal(xray.noNewPrivs, true, 'lab inspect: no_new_privs 1');
});

t.test('--user 1000:1000 --group-add: the ids, no capability, files in a volume owned by 1000', { skip }, async (t) => {
  const user = detached(t, 'lab-sec-user', '--user', '1000:1000', '--group-add', '5', '--group-add', '7');
  t.match(user.Uid, /^1000\s+1000\s+1000\s+1000$/, 'Uid: 1000 (real, effective, saved, fs)');
  t.match(user.Gid, /^1000\s+1000\s+1000\s+1000$/, 'Gid: 1000');
  t.equal(user.Groups, '5 7', 'Groups: the --group-add ones');
  t.equal(user.CapEff, '0000000000000000', 'CapEff: none, as Docker gives a non-root user');
  t.equal(user.CapPrm, '0000000000000000', 'CapPrm: none');
  t.equal(user.CapBnd, '00000000a80425fb', "CapBnd: Docker's 14 still bound it");
  t.equal(user.Seccomp_filters, '1', 'the filter too');
  const exec = lab('exec', 'lab-sec-user', 'sh', '-c', 'cat /proc/$$/status');
  t.match(statusOf(exec.stdout).Uid, /^1000\s/, "exec'd process: the container's user");
  const asOther = lab('exec', '--user', '2000:3000', 'lab-sec-user', 'sh', '-c', 'cat /proc/$$/status');
  t.equal(asOther.status, 0, asOther.stderr);
  t.match(statusOf(asOther.stdout).Uid, /^2000\s/, 'exec --user 2000:3000: Uid 2000');
  t.match(statusOf(asOther.stdout).Gid, /^3000\s/, 'Gid 3000');
  const asRoot = lab('exec', '--user', '0', 'lab-sec-user', 'sh', '-c', 'cat /proc/$$/status');
  t.equal(statusOf(asRoot.stdout).CapEff, '00000000a80425fb', "exec --user 0: root, with Docker's capabilities");
  const plain = detached(t, 'lab-sec-nogroups', '--user', '1000:1000');
  t.equal(plain.Groups, '', 'no --group-add: no supplementary group');
  const volume = mkdtempSync(join(tmpdir(), 'lab-sec-vol-'));
  t.teardown(() => rmSync(volume, { recursive: true, force: true }));
  const wrote = lab(
    'run',
    '--rm',
    '--network',
    'none',
    '--user',
    '1000:1000',
    '-v',
    `${volume}:/data`,
    'busybox',
    'sh',
    '-c',
    'mkdir /data/d && touch /data/d/f',
  );
  // The volume is root's 0700 directory: 1000 may not write into it, as in Docker; a 1777 one it may.
  t.not(wrote.status, 0, `user 1000 cannot write into root's 0700 directory (${wrote.stderr.trim()})`);
  const open = lab('run', '--rm', '--network', 'none', '-v', `${volume}:/data`, 'busybox', 'chmod', '1777', '/data');
  t.equal(open.status, 0, open.stderr);
  const again = lab('run', '--rm', '--network', 'none', '--user', '1000:1000', '-v', `${volume}:/data`, 'busybox', 'touch', '/data/f');
  t.equal(again.status, 0, again.stderr);
  const file = statSync(join(volume, 'f'));
  t.same([file.uid, file.gid], [1000, 1000], 'the file it wrote: owned by 1000:1000 on the host');
});

t.test('bad values are refused before anything is made, 125, in both languages', { skip }, async (t) => {
  const en = lab('run', '--rm', '--security-opt', 'bogus', 'busybox', 'true');
  t.equal(en.status, 125);
  t.match(en.stderr, /invalid --security-opt: "bogus"/);
  const zh = cli(['container', 'run', '--rm', '--user', 'nobody', 'busybox', 'true', '--lang', 'zh'], { LAB_STATE_DIR: state });
  t.equal(zh.status, 125);
  t.match(zh.stderr, /找不到用户 nobody/);
  t.equal(lab('ps', '-a', '-q').stdout.trim(), '', 'no container made');
});
