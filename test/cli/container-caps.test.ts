// Capabilities as Docker's, kernel facts only (/proc/<pid>/status and a syscall's result): by default PID 1 and an
// exec'd process keep Docker's 14 (CapEff = CapBnd = 00000000a80425fb, nothing inheritable or ambient), so
// sethostname fails; --cap-add SYS_ADMIN lets it; --cap-drop ALL leaves none; --privileged keeps every capability
// the harness has. lab-init drops them (native/lab-init.c, as runc's init does).
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { labInitPath } from '../../src/host/install.js';
import { cli, needsRoot, useTempState } from '../helpers.js';

const skip = needsRoot() || (labInitPath() === undefined ? 'lab-init is not built (npm run build compiles it with cc)' : false);
const state = skip ? '' : useTempState();

/** Docker's default capabilities as a mask (moby's DefaultCapabilities). */
const DOCKER = '00000000a80425fb';
const NONE = '0000000000000000';

/** `lab container ...` with the test's state directory. */
const lab = (...args: string[]) => cli(['container', ...args, '--lang', 'en'], { LAB_STATE_DIR: state });

/** The capability sets of a process, read from /proc/<pid>/status (`status` may be the text itself). */
function capsOf(status: string): Record<string, string> {
  const sets: Record<string, string> = {};
  for (const match of status.matchAll(/^Cap(Inh|Prm|Eff|Bnd|Amb):\s+([0-9a-f]{16})$/gm)) sets[match[1]!] = match[2]!;
  return sets;
}

/** The host PID of a container's PID 1. */
function pidOf(name: string): number {
  return (JSON.parse(lab('inspect', name).stdout) as { State: { Pid: number } }[])[0]!.State.Pid;
}

/** Start `busybox sleep 100` detached with these flags; its PID 1's capability sets, from the host. */
function detached(t: Test, name: string, ...flags: string[]): Record<string, string> {
  const r = lab('run', '-d', '--name', name, ...flags, 'busybox', 'sleep', '100');
  t.equal(r.status, 0, `run -d ${flags.join(' ')} (${r.stderr.trim()})`);
  t.teardown(() => void lab('rm', '-f', name));
  return capsOf(readFileSync(`/proc/${pidOf(name)}/status`, 'utf8'));
}

/** The capability sets of a process exec'd in the container, read by it from its own /proc/<pid>/status. */
function execCaps(t: Test, ...args: string[]): Record<string, string> {
  const r = lab('exec', ...args, 'sh', '-c', 'cat /proc/$$/status');
  t.equal(r.status, 0, `exec ${args.join(' ')} (${r.stderr.trim()})`);
  return capsOf(r.stdout);
}

t.test("by default: Docker's 14 capabilities, for PID 1 and for an exec'd process", { skip }, async (t) => {
  const pid1 = detached(t, 'lab-caps-default');
  t.same(pid1, { Inh: NONE, Prm: DOCKER, Eff: DOCKER, Bnd: DOCKER, Amb: NONE }, 'PID 1: CapEff = CapBnd = 00000000a80425fb');
  t.same(execCaps(t, 'lab-caps-default'), { Inh: NONE, Prm: DOCKER, Eff: DOCKER, Bnd: DOCKER, Amb: NONE }, 'exec: the same sets');
  const own = capsOf(readFileSync('/proc/self/status', 'utf8'));
  t.same(execCaps(t, '--privileged', 'lab-caps-default').Bnd, own.Bnd, "exec --privileged: the harness's bounding set");
});

t.test('sethostname needs CAP_SYS_ADMIN: refused by default, allowed with --cap-add SYS_ADMIN', { skip }, async (t) => {
  const refused = lab('run', '--rm', 'busybox', 'hostname', 'x');
  t.not(refused.status, 0, `hostname x fails by default (${refused.stderr.trim()})`);
  t.match(refused.stderr, /not permitted/i, 'EPERM');
  const allowed = lab('run', '--rm', '--cap-add', 'SYS_ADMIN', 'busybox', 'sh', '-c', 'hostname x && hostname');
  t.equal(allowed.status, 0, allowed.stderr);
  t.equal(allowed.stdout, 'x\n', 'the hostname changed');
  const caps = detached(t, 'lab-caps-admin', '--cap-add', 'sys_admin');
  t.equal(caps.Eff, (BigInt(`0x${DOCKER}`) | (1n << 21n)).toString(16).padStart(16, '0'), 'CapEff: Docker\u2019s and CAP_SYS_ADMIN (bit 21)');
  const exec = lab('exec', 'lab-caps-admin', 'hostname', 'y');
  t.equal(exec.status, 0, `exec keeps the container's capabilities: hostname y (${exec.stderr.trim()})`);
});

t.test('--cap-drop ALL: no capability left; --privileged: every one the harness has', { skip }, async (t) => {
  const none = detached(t, 'lab-caps-none', '--cap-drop', 'ALL');
  t.same(none, { Inh: NONE, Prm: NONE, Eff: NONE, Bnd: NONE, Amb: NONE }, '--cap-drop ALL: 0');
  t.equal(execCaps(t, 'lab-caps-none').Eff, NONE, 'exec too');
  const own = capsOf(readFileSync('/proc/self/status', 'utf8'));
  const all = detached(t, 'lab-caps-all', '--privileged');
  t.equal(all.Bnd, own.Bnd, "--privileged: the harness's own CapBnd");
  t.equal(all.Eff, own.Bnd, 'and every one of them effective');
  t.equal(execCaps(t, 'lab-caps-all').Bnd, own.Bnd, 'exec too');
});

t.test('an unknown capability is refused before anything is made, 125, in both languages', { skip }, async (t) => {
  const en = lab('run', '--rm', '--cap-add', 'SYS_FOO', 'busybox', 'true');
  t.equal(en.status, 125);
  t.match(en.stderr, /invalid CapAdd: unknown capability: "CAP_SYS_FOO"/);
  const zh = cli(['container', 'run', '--rm', '--cap-drop', 'nope', 'busybox', 'true', '--lang', 'zh'], { LAB_STATE_DIR: state });
  t.equal(zh.status, 125);
  t.match(zh.stderr, /未知的能力（capability）："CAP_NOPE"/);
  t.equal(lab('ps', '-a', '-q').stdout.trim(), '', 'no container made');
});
