// The capstone lab run with its reference solutions, with the kernel facts after each step asserted independently of
// the lab's checks: the layers on disk, the host's mountinfo, the cgroup files, the container found by scanning
// cgroup.procs and NSpid, its namespace links, root and proc, the veth ends as `ip -o` prints them in each namespace,
// a ping, and the report in the upper layer. Then the host is as before: no mount, link, netns, /run path or cgroup
// of the lab is left. Registered by test/labs/capstone.test.ts (on a host with cgroup v2 controllers) and by
// test/vm/capstone.test.ts (in the test VM).
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab } from '../../src/lab/load.js';
import { labCgroup } from '../../src/lab/cgroup-lab.js';
import type { Session } from '../../src/lab/session.js';
import { readMountinfo } from '../../src/kernel/mountinfo.js';
import { isAlive } from '../../src/kernel/proc.js';
import { verifyLeavingHost } from '../helpers.js';

const ROOT = '/run/lab-capstone';
const read = (path: string): string => readFileSync(path, 'utf8').trim();
const ns = (pid: number | 'self', type: string): string => readlinkSync(`/proc/${pid}/ns/${type}`);
const sh = (argv: string[]): { status: number | null; stdout: string } => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout ?? '' };
};

/** Run the capstone step by step; `t` gets one assertion per fact. */
export async function capstoneStepByStep(t: Test): Promise<void> {
  const lab = await loadLab('capstone');
  let session: Session | undefined;
  const box = (): string => join(labCgroup(session!), 'lab-box');
  let container = 0;
  const facts: Record<string, () => void> = {
    prepare: () => {
      t.ok(statSync(`${ROOT}/lab-lower/bin/busybox`).size > 0, 'the lower layer holds busybox');
      t.ok(existsSync(`${ROOT}/lab-lower/bin/sleep`), 'and its applets');
      t.ok(existsSync('/run/netns/lab-capnet'), 'lab-capnet exists');
      t.match(read(join(labCgroup(session!), 'cgroup.subtree_control')), /memory.*pids|pids.*memory/, 'memory and pids are enabled for the children');
    },
    rootfs: () => {
      const m = (readMountinfo('self') ?? []).find((e) => e.mountPoint === `${ROOT}/lab-rootfs`);
      t.equal(m?.fsType, 'overlay', 'the host has an overlay at lab-rootfs');
      t.match(m?.superOptions ?? '', `lowerdir=${ROOT}/lab-lower`, 'over lab-lower');
      t.equal(statSync(`${ROOT}/lab-rootfs/bin/busybox`).size, statSync(`${ROOT}/lab-lower/bin/busybox`).size, 'busybox shows through');
    },
    cgroup: () => {
      t.equal(read(join(box(), 'memory.max')), String(64 * 1024 * 1024), 'memory.max is 64M');
      t.equal(read(join(box(), 'pids.max')), '32', 'pids.max is 32');
      t.equal(read(join(box(), 'cgroup.procs')), '', 'no process in it yet');
    },
    container: () => {
      const pids = read(join(box(), 'cgroup.procs')).split('\n').filter(Boolean).map(Number);
      container = pids.find((pid) => /^NSpid:.*\s1$/m.test(read(`/proc/${pid}/status`))) ?? 0;
      t.ok(container > 0, `PID 1 of a namespace is in lab-box (${pids.join(' ')})`);
      for (const type of ['pid', 'mnt', 'uts', 'ipc', 'net']) t.not(ns(container, type), ns('self', type), `its ${type} namespace is new`);
      t.equal(ns(container, 'user'), ns('self', 'user'), "its user namespace is the host's");
      t.equal(sh(['nsenter', '-t', String(container), '-u', 'hostname']).stdout.trim(), 'lab-box', 'its hostname is lab-box');
      const table = readMountinfo(container) ?? [];
      t.same(
        table.map((m) => `${m.mountPoint} ${m.fsType}`),
        ['/ overlay', '/proc proc'],
        'its mount namespace holds the overlay at / and its proc, nothing else',
      );
      t.equal(read(`/proc/${container}/root/proc/1/comm`), 'sleep', 'PID 1 in its /proc is sleep, itself');
      t.ok(existsSync(`/proc/${container}/root/bin/busybox`) && !existsSync(`/proc/${container}/root/usr/bin`), 'its root is the busybox tree, not the host');
    },
    network: () => {
      const inside = sh(['nsenter', '-t', String(container), '-n', 'ip', '-o', '-4', 'addr', 'show', 'eth0']).stdout;
      t.match(inside, /198\.51\.100\.2\/30/, 'eth0 has 198.51.100.2/30');
      const there = sh(['ip', '-n', 'lab-capnet', '-o', '-4', 'addr', 'show', 'lab-cap0']).stdout;
      t.match(there, /198\.51\.100\.1\/30/, 'lab-cap0 has 198.51.100.1/30');
      const iflink = sh(['nsenter', '-t', String(container), '-n', 'ip', '-o', 'link', 'show', 'eth0']).stdout;
      const index = sh(['ip', '-n', 'lab-capnet', '-o', 'link', 'show', 'lab-cap0']).stdout.split(':')[0];
      t.match(iflink, new RegExp(`eth0@if${index}:`), "eth0's peer is lab-cap0's ifindex");
      t.notOk(existsSync('/sys/class/net/lab-cap0') || existsSync('/sys/class/net/lab-cap1'), 'neither end is on the host');
      t.equal(sh(['nsenter', '-t', String(container), '-n', 'busybox', 'ping', '-c', '1', '-W', '3', '198.51.100.1']).status, 0, 'a ping answers');
    },
    run: () => {
      const report = read(`${ROOT}/lab-upper/lab-report`).split('\n');
      t.equal(report[0], 'lab-box', 'the report has the hostname');
      t.ok(box().endsWith(report.find((l) => l.startsWith('0::'))!.slice(3)), 'and the cgroup lab-box');
      t.notOk(existsSync(`${ROOT}/lab-lower/lab-report`), 'the lower layer is unchanged');
    },
  };
  await verifyLeavingHost(t, lab, facts, (s) => (session = s));
  t.notOk(container > 0 && isAlive(container), 'the container was killed in cleanup');
  t.notOk(existsSync(ROOT), `${ROOT} is gone`);
  t.notOk(existsSync('/run/netns/lab-capnet'), 'lab-capnet is gone');
}
