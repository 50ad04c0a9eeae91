// The seccomp generator (src/kernel/seccomp.ts): the program is run here by a small classic-BPF interpreter on
// `struct seccomp_data` as the kernel builds it, and must answer as Docker's default profile does on x86_64 for a
// container with Docker's capabilities, and with CAP_SYS_ADMIN added; the numbers are checked against this host's
// kernel headers when they are installed.
import { existsSync, readFileSync } from 'node:fs';
import t from 'tap';
import { DEFAULT_CAPABILITIES } from '../../src/kernel/container-config.js';
import {
  AUDIT_ARCH_X86_64,
  encodeProgram,
  ENOSYS,
  EPERM,
  NR,
  OP,
  REFUSED_SYSCALLS,
  RET,
  refusedSyscalls,
  seccompFilter,
  seccompProgram,
  type BpfInstruction,
} from '../../src/kernel/seccomp.js';

/** Run a program on one system call: its number, architecture and first argument (low 32 bits). */
function run(program: readonly BpfInstruction[], nr: number, arg0 = 0, arch = AUDIT_ARCH_X86_64): number {
  const data = new DataView(new ArrayBuffer(64));
  data.setUint32(0, nr >>> 0, true);
  data.setUint32(4, arch >>> 0, true);
  data.setUint32(16, arg0 >>> 0, true);
  let acc = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const { code, jt, jf, k } = program[pc]!;
    if (code === OP.ldAbsW) acc = data.getUint32(k, true);
    else if (code === OP.ret) return k;
    else if (code === OP.jeq) pc += acc === k ? jt : jf;
    else if (code === OP.jge) pc += acc >>> 0 >= k ? jt : jf;
    else if (code === OP.jset) pc += (acc & k) !== 0 ? jt : jf;
    else throw new Error(`opcode ${code} at ${pc}`);
  }
  throw new Error('ran off the end');
}

const ALLOW = RET.allow;
const DENY = RET.errno(EPERM);
const docker = seccompProgram(DEFAULT_CAPABILITIES);
const admin = seccompProgram([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']);
/** A few x86_64 numbers: read, write, openat, execve, ptrace, chroot, pivot_root, mount, umount2, unshare, setns. */
const X = { read: 0, write: 1, openat: 257, execve: 59, ptrace: 101, chroot: 161, pivot_root: 155, mount: 165, umount2: 166, unshare: 272, setns: 308 };
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWNS = 0x00020000;
/** What glibc's fork() and pthread_create() pass to clone. */
const FORK_FLAGS = 0x01200011;
const THREAD_FLAGS = 0x003d0f00;

t.test("Docker's default capabilities: the refusals of Docker's profile, everything else allowed", async (t) => {
  for (const nr of [X.read, X.write, X.openat, X.execve, X.ptrace, X.chroot]) t.equal(run(docker, nr), ALLOW, `nr ${nr} allowed`);
  for (const nr of [X.mount, X.umount2, X.unshare, X.setns, X.pivot_root, 250 /* keyctl */, 321 /* bpf */, 169 /* reboot */, 323 /* userfaultfd */]) {
    t.equal(run(docker, nr), DENY, `nr ${nr}: EPERM`);
  }
  t.equal(run(docker, NR.clone, FORK_FLAGS), ALLOW, 'clone as fork(): allowed');
  t.equal(run(docker, NR.clone, THREAD_FLAGS), ALLOW, 'clone as pthread_create(): allowed');
  t.equal(run(docker, NR.clone, FORK_FLAGS | CLONE_NEWUSER), DENY, 'clone with CLONE_NEWUSER: EPERM');
  t.equal(run(docker, NR.clone, CLONE_NEWNS), DENY, 'clone with CLONE_NEWNS: EPERM');
  t.equal(run(docker, NR.clone3), RET.errno(ENOSYS), 'clone3: ENOSYS, so that libc falls back to clone');
  t.equal(run(docker, 41, 2 /* AF_INET */), ALLOW, 'socket(AF_INET)');
  t.equal(run(docker, 41, 40 /* AF_VSOCK */), DENY, 'socket(AF_VSOCK): EPERM');
  t.equal(run(docker, NR.personality, 0xffffffff), ALLOW, 'personality(0xffffffff), the query');
  t.equal(run(docker, NR.personality, 0x0040000 /* ADDR_NO_RANDOMIZE */), DENY, 'personality(ADDR_NO_RANDOMIZE): EPERM');
  t.equal(run(docker, 460), ALLOW, 'a system call newer than the table passes (the denylist, said in seccomp.ts)');
});

t.test('the architecture first: another one is killed, x32 calls refused', async (t) => {
  t.equal(run(docker, X.read, 0, 0x40000003 /* AUDIT_ARCH_I386 */), RET.killProcess, 'i386: SECCOMP_RET_KILL_PROCESS');
  t.equal(run(docker, 0x40000000 | X.read), DENY, 'x32 read: EPERM');
  t.same(docker.slice(0, 3), [
    { code: OP.ldAbsW, jt: 0, jf: 0, k: 4 },
    { code: OP.jeq, jt: 1, jf: 0, k: AUDIT_ARCH_X86_64 },
    { code: OP.ret, jt: 0, jf: 0, k: RET.killProcess },
  ]);
});

t.test('capabilities bring calls back as Docker profile says: CAP_SYS_ADMIN, CAP_SYS_BOOT; pivot_root never', async (t) => {
  for (const nr of [X.mount, X.umount2, X.unshare, X.setns, 170 /* sethostname */]) t.equal(run(admin, nr), ALLOW, `nr ${nr} with CAP_SYS_ADMIN`);
  t.equal(run(admin, NR.clone, CLONE_NEWUSER), ALLOW, 'clone(CLONE_NEWUSER) with CAP_SYS_ADMIN');
  t.equal(run(admin, NR.clone3), ALLOW, 'clone3 with CAP_SYS_ADMIN');
  t.equal(run(admin, X.pivot_root), DENY, 'pivot_root: refused even then');
  t.equal(run(admin, 250), DENY, 'keyctl: refused even then');
  t.equal(run(docker, 169), DENY, 'reboot refused...');
  t.equal(run(seccompProgram([...DEFAULT_CAPABILITIES, 'CAP_SYS_BOOT']), 169), ALLOW, '...allowed with CAP_SYS_BOOT');
  const noChroot = seccompProgram(DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_SYS_CHROOT'));
  t.equal(run(noChroot, X.chroot), DENY, 'chroot refused once CAP_SYS_CHROOT is dropped');
  t.ok(refusedSyscalls([]).length > refusedSyscalls(DEFAULT_CAPABILITIES).length, '--cap-drop ALL refuses more (chroot among them)');
  t.throws(() => seccompProgram(['CAP_NOPE']), /unknown capability/);
});

t.test('the bytes: struct sock_filter, 8 bytes each, little-endian', async (t) => {
  const bytes = seccompFilter(DEFAULT_CAPABILITIES);
  t.equal(bytes.length, docker.length * 8);
  t.ok(docker.length < 4096, 'within BPF_MAXINSNS');
  t.same([...encodeProgram([{ code: 0x15, jt: 1, jf: 2, k: 0xc000003e }])], [0x15, 0, 1, 2, 0x3e, 0, 0, 0xc0]);
  t.same([...bytes.subarray(8, 16)], [0x15, 0, 1, 0, 0x3e, 0, 0, 0xc0], 'the arch check');
});

const header = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
t.test('the numbers are those of the kernel headers', { skip: existsSync(header) ? false : `no ${header} (linux-libc-dev)` }, async (t) => {
  const table = new Map<string, number>();
  for (const match of readFileSync(header, 'utf8').matchAll(/^#define __NR_(\w+) (\d+)$/gm)) table.set(match[1]!, Number(match[2]));
  for (const call of REFUSED_SYSCALLS) t.equal(table.get(call.name), call.nr, call.name);
  t.equal(table.get('clone'), NR.clone);
  t.equal(table.get('clone3'), NR.clone3);
  t.equal(table.get('socket'), NR.socket);
  t.equal(table.get('personality'), NR.personality);
});
