// An OCI bundle whose config.json states what `lab inspect` must find (its namespaces, capabilities, no_new_privs,
// and cgroup limits when asked), run by runc or crun in the background until the test lets it go. Shared by
// test/cli/inspect.test.ts (runc, on this host) and test/vm/inspect.test.ts (crun, in the cgroup v2 test VM).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Test } from 'tap';
import { waitFor } from '../src/common/wait.js';
import { cleanEnv, tempDir } from './helpers.js';

/** What config.json states. */
export interface XrayBundle {
  /** OCI namespace types (`mount`, `network`, ...). */
  namespaces: string[];
  capabilities: string[];
  limits?: { memory: number; pids: number; cpu: { quota: number; period: number } };
}

/** The /proc/<pid>/ns name of each OCI namespace type. */
export const OCI_TO_PROC: Record<string, string> = { mount: 'mnt', network: 'net', pid: 'pid', ipc: 'ipc', uts: 'uts', cgroup: 'cgroup', user: 'user' };

/** Whether a program is on PATH. */
export const onPath = (program: string): boolean => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;

function writeBundle(dir: string, token: string, spec: XrayBundle): void {
  const rootfs = join(dir, 'rootfs');
  for (const sub of ['bin', 'proc', 'dev', 'run']) mkdirSync(join(rootfs, sub), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  spawnSync('chroot', [rootfs, '/bin/busybox', '--install', '-s', '/bin']);
  // PID 1 waits (at most 30 s) for the host to create /run/go through /proc/<pid>/root, then exits 0.
  const wait = 'i=0; while [ ! -e /run/go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done';
  const caps = { bounding: spec.capabilities, effective: spec.capabilities, permitted: spec.capabilities };
  const { limits } = spec;
  const config = {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['sh', '-c', wait, token],
      env: ['PATH=/bin'],
      cwd: '/',
      capabilities: caps,
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'xray',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755'] },
    ],
    linux: {
      namespaces: spec.namespaces.map((type) => ({ type })),
      ...(limits ? { resources: { memory: { limit: limits.memory }, pids: { limit: limits.pids }, cpu: limits.cpu } } : {}),
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
}

/** The host PID of the process whose argv ends with `token`. */
function findByToken(token: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).at(-1) === token) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/** Run the bundle with `runtime` (runc or crun); returns its PID 1 on the host and how to let it exit (its status). */
export async function startBundle(t: Test, runtime: string, spec: XrayBundle): Promise<{ pid: number; release: () => Promise<unknown> }> {
  const dir = tempDir(`lab-test-xray-bundle-${runtime}-`);
  const root = tempDir(`lab-test-xray-${runtime}-`);
  const id = `lab-xray-${randomBytes(4).toString('hex')}`;
  const token = `lab-xray-token-${id}`;
  writeBundle(dir, token, spec);
  const child = spawn(runtime, ['--root', root, 'run', '--bundle', dir, id], { stdio: ['ignore', 'ignore', 'pipe'], env: cleanEnv() });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let status: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve((status = code))));
  t.teardown(async () => {
    spawnSync(runtime, ['--root', root, 'delete', '-f', id]);
    await exited;
  });
  let pid: number | undefined;
  await waitFor(() => (pid = findByToken(token)) !== undefined || status !== undefined, 60_000, 20);
  if (pid === undefined) throw new Error(`${runtime} started no container (exit ${String(status)}): ${stderr}`);
  const found = pid;
  return {
    pid: found,
    release: async () => {
      writeFileSync(`/proc/${found}/root/run/go`, '');
      return exited;
    },
  };
}
