// Runs the pod lab for real and asserts, after each step, the kernel facts from raw /proc files and stat(2),
// independently of the lab's own checks: the pause container's namespaces and pinned netns, the containers joining
// net/ipc/uts with pid/mnt of their own, the loopback connection, the queue, the one file, the ids of the runAsUser
// container and its file's group, the recreated client in the same namespace; then that the host is as before. And
// with / shared (as on systemd hosts), and kill -9 of the harness with the pod running, then `lab clean`.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { environValue, listPids, nsInode, nspid } from '../../src/kernel/proc.js';
import { BIN, cleanEnv, hostSnapshot, needsRoot, tempDir, useTempState, verifyLeavingHost } from '../helpers.js';
import { unmetSkip } from './contract.js';
import { verifyUnderSharedRoot } from './shared-root.js';
import { checkCount } from '../../src/lab/quiz.js';

// The lab runs `lab container ...` as a learner types it: `lab` must be on the PATH (as in toy-container.test.ts).
if (spawnSync('sh', ['-c', 'command -v lab']).status !== 0) {
  const bin = tempDir('lab-test-bin-');
  symlinkSync(BIN, join(bin, 'lab'));
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
}

const lab = await loadLab('pod');
const skip = needsRoot() || unmetSkip(lab);

/** The run's suffix (`<pid>-<time>`), as the lab names its pod. */
const suffixOf = (runId: string): string => runId.split('-').slice(-2).join('-');

/** A container's processes, found by the variable the lab gives each container. */
const processes = (suffix: string, role: string): number[] =>
  listPids().filter((pid) => environValue(pid, 'POD_CONTAINER') === `lab-pod-${suffix}-${role}` && (nspid(pid)?.length ?? 0) > 1);
/** A container's PID 1. */
const pid1 = (suffix: string, role: string): number => processes(suffix, role).find((pid) => nspid(pid)?.at(-1) === 1) ?? 0;

/** The socket inodes a process holds. */
const sockets = (pid: number): number[] =>
  readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      return m ? [Number(m[1])] : [];
    } catch {
      return [];
    }
  });

/** The lines of /proc/<pid>/net/tcp and tcp6: [local, remote, state, inode]. */
const tcp = (pid: number | 'self'): string[][] =>
  ['tcp', 'tcp6'].flatMap((file) =>
    readFileSync(`/proc/${pid}/net/${file}`, 'utf8')
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((line) => {
        const f = line.trim().split(/\s+/);
        return [f[1]!, f[2]!, f[3]!, f[9]!];
      }),
  );

const status = (pid: number, key: string): string => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.trim() ?? '';

/** /run/lab-pod-* directories. */
const podDirs = (): string[] => readdirSync('/run').filter((name) => name.startsWith('lab-pod-'));

t.test('pod, verified step by step against the kernel', { skip }, async (t) => {
  let session: Session | undefined;
  let suffix = '';
  const noted = { net: 0, client: 0, ip: '' };
  const addresses = (pid: number): string =>
    [...readFileSync(`/proc/${pid}/net/fib_trie`, 'utf8').matchAll(/\|--\s+(\d+\.\d+\.\d+\.\d+)\n\s+\/32 host LOCAL/g)]
      .map((m) => m[1]!)
      .filter((a) => !a.startsWith('127.'))
      .join(' ');
  const facts: Record<string, () => void> = {
    pause: () => {
      suffix = suffixOf(session!.runId);
      const pause = pid1(suffix, 'pause');
      t.ok(pause, 'the pause container runs');
      for (const type of ['net', 'ipc', 'uts', 'pid', 'mnt'] as const) t.not(nsInode(pause, type), nsInode('self', type), `a ${type} namespace not the host's`);
      const pinned = readdirSync('/run/netns').filter((name) => statSync(`/run/netns/${name}`).ino === nsInode(pause, 'net'));
      t.match(pinned, [/^lab-c[0-9a-f]{12}$/], 'its network namespace is pinned at /run/netns/lab-c<id>');
      t.ok(addresses(pause), 'with an address besides 127.0.0.1');
      t.equal(nsInode(session!.proc('debug').pid, 'net'), nsInode(pause, 'net'), "lab shell's target is in the pod's network namespace");
    },
    volume: () => {
      t.same(podDirs(), [`lab-pod-${suffix}`], 'the emptyDir exists');
      t.same(readdirSync(`/run/lab-pod-${suffix}`), [], 'empty');
    },
    join: () => {
      const [pause, server, client] = ['pause', 'server', 'client'].map((role) => pid1(suffix, role));
      for (const pid of [server!, client!]) {
        for (const type of ['net', 'ipc', 'uts'] as const) t.equal(nsInode(pid, type), nsInode(pause!, type), `${type}: the pause container's`);
        for (const type of ['pid', 'mnt', 'cgroup'] as const) t.not(nsInode(pid, type), nsInode(pause!, type), `${type}: its own`);
      }
      const names = [pause, server, client].map((pid) =>
        spawnSync('nsenter', ['--target', String(pid), '--uts', 'hostname'], { encoding: 'utf8' }).stdout.trim(),
      );
      t.same(names, Array(3).fill(`lab-pod-${suffix}`), "the pod's name is the hostname of all three");
    },
    localhost: () => {
      const pause = pid1(suffix, 'pause');
      const lines = tcp(pause);
      const client = new Set(processes(suffix, 'client').flatMap(sockets));
      const server = new Set(processes(suffix, 'server').flatMap(sockets));
      const out = lines.find(
        ([local, remote, state, inode]) => local!.startsWith('0100007F:') && remote === '0100007F:1F90' && state === '01' && client.has(Number(inode)),
      );
      t.ok(out, "an ESTABLISHED socket of the client's from 127.0.0.1 to 127.0.0.1:8080");
      const port = out?.[0]?.split(':')[1];
      t.ok(
        lines.some(
          ([local, remote, state, inode]) =>
            local!.endsWith('0100007F:1F90') && remote!.endsWith(`0100007F:${port}`) && state === '01' && server.has(Number(inode)),
        ),
        "and its other end, the server's",
      );
      const mine = new Set([...client, ...server].map(String));
      t.notOk(
        tcp('self').some((line) => mine.has(line[3]!)),
        "none of them in the host's network namespace",
      );
    },
    ipc: () => {
      const [server, client] = ['server', 'client'].map((role) => pid1(suffix, role));
      const a = statSync(`/proc/${server}/root/dev/mqueue/lab-pod-queue`);
      const b = statSync(`/proc/${client}/root/dev/mqueue/lab-pod-queue`);
      t.same([a.dev, a.ino], [b.dev, b.ino], 'one queue, seen by both');
      t.match(readFileSync(`/proc/${client}/root/dev/mqueue/lab-pod-queue`, 'utf8'), /^QSIZE:0\s/, 'a message queue');
    },
    share: () => {
      const [server, client] = ['server', 'client'].map((role) => pid1(suffix, role));
      const ids = [`/proc/${server}/root/shared/note.txt`, `/proc/${client}/root/shared/note.txt`, `/run/lab-pod-${suffix}/note.txt`].map((p) => {
        const st = statSync(p);
        return `${st.dev}:${st.ino}`;
      });
      t.equal(new Set(ids).size, 1, 'one inode through both roots and on the host');
      t.equal(readFileSync(`/run/lab-pod-${suffix}/note.txt`, 'utf8'), 'written by the server\n');
    },
    fsgroup: () => {
      const dir = statSync(`/run/lab-pod-${suffix}`);
      t.same([dir.gid, dir.mode & 0o7777], [2000, 0o2775], 'the emptyDir is group 2000, mode 2775');
    },
    runas: () => {
      const pid = pid1(suffix, 'runas');
      t.equal(status(pid, 'Uid'), '1000\t1000\t1000\t1000');
      t.equal(status(pid, 'Gid'), '3000\t3000\t3000\t3000');
      t.equal(status(pid, 'Groups'), '2000');
      t.equal(status(pid, 'CapEff'), '0000000000000000');
      const dir = statSync(`/run/lab-pod-${suffix}`);
      t.equal(dir.mode & 0o7777, 0o2775, 'the emptyDir is 2775');
      t.equal(dir.gid, 2000, 'group 2000');
      const file = statSync(`/run/lab-pod-${suffix}/runas.txt`);
      t.same([file.uid, file.gid], [1000, 2000], 'the file is 1000:2000');
      const pause = pid1(suffix, 'pause');
      noted.net = nsInode(pause, 'net') ?? 0;
      noted.client = pid1(suffix, 'client');
      noted.ip = addresses(pause);
    },
    restart: () => {
      const client = pid1(suffix, 'client');
      t.ok(client && client !== noted.client, 'a new client process');
      t.equal(nsInode(client, 'net'), noted.net, 'in the same network namespace');
      t.equal(addresses(pid1(suffix, 'pause')), noted.ip, 'the pod kept its IP');
    },
  };
  await verifyLeavingHost(t, lab, facts, (s) => (session = s));
  t.same(podDirs(), [], 'the emptyDir was removed');
  t.notOk(
    listPids().some((pid) => environValue(pid, 'POD_CONTAINER')?.startsWith(`lab-pod-${suffix}-`)),
    'no process of the pod is left',
  );
});

t.test('with / mounted shared, the lab leaves the mount table exactly as it was', { skip }, async (t) => {
  const run = verifyUnderSharedRoot(t, 'pod');
  const total = lab.steps.reduce((n, s) => n + checkCount(s.spec), 0);
  t.equal(run.checks().filter((e) => e.ok).length, total, `all ${total} checks passed`);
  t.notOk(
    run.table('after').some((m) => m.fsType === 'overlay' || m.mountPoint.startsWith('/run/lab-pod-')),
    'no mount of the containers reached the shared namespace',
  );
});

t.test('kill -9 of lab while the pod runs, then lab clean: the containers and the emptyDir are gone', { skip }, async (t) => {
  const state = useTempState();
  const before = hostSnapshot(state);
  const child = spawn(process.execPath, [BIN, 'verify', 'pod', '--json'], { env: cleanEnv({ LAB_STATE_DIR: state }), stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  const ran = await new Promise<boolean>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (/"type":"step-done","step":"share"/.test(text)) resolve(true);
    });
    child.on('exit', () => resolve(false));
  });
  t.ok(ran, 'the share step passed');
  t.equal(readdirSync(join(state, 'containers')).length, 3, 'three containers exist');
  t.equal(podDirs().length, 1, 'the emptyDir exists');
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const clean = spawnSync(process.execPath, [BIN, 'clean'], { encoding: 'utf8', env: cleanEnv({ LAB_STATE_DIR: state }) });
  t.equal(clean.status, 0, 'lab clean succeeded', { stderr: clean.stderr });
  t.same(readdirSync(join(state, 'containers')), [], "the containers' directories are gone");
  t.same(podDirs(), [], 'the emptyDir is gone');
  t.same(hostSnapshot(state), before, 'nothing of the lab or the containers remains');
});
