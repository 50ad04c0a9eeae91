// Runs the network-namespace lab for real and asserts the kernel facts at each step independently of the lab's own
// checks (mostly through /proc/<pid>/net and sysfs rather than the `ip` probes the checks use), then that the host
// is exactly as before: links, named network namespaces, addresses, routes and listening sockets included.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab } from '../../src/lab/load.js';
import { runLab } from '../../src/lab/runner.js';
import type { Session } from '../../src/lab/session.js';
import { flagsUp, listSysNet, readArp, readListeners, readLocalAddresses, readNetDev, readSysNet, rxPackets } from '../../src/kernel/net.js';
import { fallbackTunnel } from '../../src/kernel/fallback-tunnels.js';
import { isAlive, nsInode, pidsInNamespace } from '../../src/kernel/proc.js';
import { BIN, cleanEnv, hostSnapshot, needsRoot, tempDir, useTempState, verifyWithFacts } from '../helpers.js';

/** The host's network state a lab could change: the snapshot of the helpers plus addresses, routes and listeners. */
function hostNetwork(state: string) {
  const ip = (...args: string[]): Record<string, unknown>[] => JSON.parse(spawnSync('ip', ['-j', ...args], { encoding: 'utf8' }).stdout || '[]');
  // Lifetimes and expiry counters change by themselves: compare what the addresses and routes are, not their clocks.
  const addresses = ip('addr').flatMap((link) =>
    ((link.addr_info ?? []) as { local: string; prefixlen: number }[]).map((a) => `${String(link.ifname)} ${a.local}/${a.prefixlen}`),
  );
  const routes = ip('route', 'show', 'table', 'all').map(
    (r) => `${String(r.table ?? 'main')} ${String(r.type ?? '')} ${String(r.dst)} ${String(r.gateway ?? '')} ${String(r.dev ?? '')}`,
  );
  return {
    ...hostSnapshot(state),
    addresses: addresses.sort(),
    routes: routes.sort(),
    // Other traffic on the machine comes and goes: compare the neighbours in the lab's ranges and the lab's port.
    neighbours: (readArp('self') ?? []).filter((e) => /^(198\.51\.100|203\.0\.113)\./.test(e.address)).map((e) => `${e.address} ${e.device}`),
    listeners: (readListeners('self') ?? []).filter((s) => s.port === 28080).map((s) => `${s.address}:${s.port}`),
  };
}

/** A namespace's interfaces without the fallback tunnel devices that loaded tunnel modules add to every namespace. */
const withoutFallback = (links: string[] | undefined): string[] | undefined => links?.filter((name) => fallbackTunnel(name) === undefined);

/** The IPv6 addresses on one interface of a process's namespace, from /proc/<pid>/net/if_inet6 (32 hex digits each). */
function inet6On(pid: number, device: string): string[] {
  try {
    return readFileSync(`/proc/${pid}/net/if_inet6`, 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[5] === device)
      .map((fields) => fields[0]!);
  } catch {
    return [];
  }
}
const LOOPBACK6 = '00000000000000000000000000000001';
/** Whether this host has IPv6 at all (ipv6.disable=1 leaves no if_inet6). */
const hasIPv6 = (): boolean => {
  try {
    readFileSync('/proc/self/net/if_inet6');
    return true;
  } catch {
    return false;
  }
};

t.test('network-namespace, verified step by step against the kernel', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostNetwork(state);
  const hostNet = nsInode('self', 'net');
  const lab = await loadLab('network-namespace');
  let session: Session | undefined;
  const pid = (name: string): number => session!.proc(name).pid;
  const facts: Record<string, () => void> = {
    empty: () => {
      const c1 = pid('c1');
      t.not(nsInode(c1, 'net'), hostNet, 'c1 has a network namespace of its own');
      const links = readNetDev(c1);
      t.same(withoutFallback(links), ['lo'], 'the kernel lists only lo in it, besides any fallback tunnel devices');
      for (const name of links?.filter((l) => l !== 'lo') ?? []) {
        t.notOk(flagsUp(readSysNet(name, 'flags', `/proc/${c1}/root`)), `fallback tunnel ${name} is down`);
      }
      t.same(listSysNet(`/proc/${c1}/root`), links?.sort(), 'and so does the sysfs mounted inside');
      // On a host with only lo the names match either way: the entry itself must be another kernel object.
      t.not(lstatSync(`/proc/${c1}/root/sys/class/net/lo`).ino, lstatSync('/sys/class/net/lo').ino, "its lo is another sysfs node than the host's");
      t.notOk(flagsUp(readSysNet('lo', 'flags', `/proc/${c1}/root`)), 'lo is down');
      t.notOk(readLocalAddresses(c1)?.includes('127.0.0.1'), 'no local route for 127.0.0.1 yet');
      t.same(inet6On(c1, 'lo'), [], 'no IPv6 address on lo either');
    },
    loopback: () => {
      const c1 = pid('c1');
      t.ok(flagsUp(readSysNet('lo', 'flags', `/proc/${c1}/root`)), 'lo is up');
      t.ok(readLocalAddresses(c1)?.includes('127.0.0.1'), 'the kernel now routes 127.0.0.1 locally');
      if (hasIPv6()) t.same(inet6On(c1, 'lo'), [LOOPBACK6], 'and gave lo ::1');
    },
    veth: () => {
      const c1 = pid('c1');
      const root = `/proc/${c1}/root`;
      t.equal(readSysNet('lab-veth0', 'iflink'), readSysNet('eth0', 'ifindex', root), "lab-veth0's peer is c1's eth0");
      t.equal(readSysNet('eth0', 'iflink', root), readSysNet('lab-veth0', 'ifindex'), 'and the other way round');
      t.notOk(listSysNet()?.includes('lab-veth1'), 'the peer left the host');
      t.ok(readLocalAddresses('self')?.includes('198.51.100.1'), 'the host owns 198.51.100.1');
      t.ok(readLocalAddresses(c1)?.includes('198.51.100.2'), 'c1 owns 198.51.100.2');
      const dev = readFileSync(`/proc/${c1}/net/dev`, 'utf8');
      t.ok((rxPackets(dev, 'eth0') ?? 0) > 0, "c1's eth0 received packets");
    },
    ports: () => {
      const host = (readListeners('self') ?? []).filter((s) => s.port === 28080).map((s) => s.address);
      const inner = (readListeners(pid('c1')) ?? []).filter((s) => s.port === 28080).map((s) => s.address);
      t.same(host, ['127.0.0.1'], 'the host listens on 127.0.0.1:28080 only');
      t.ok(inner.length > 0 && inner.every((a) => a === '::' || a === '0.0.0.0'), 'c1 listens on every address on 28080');
    },
    bridge: () => {
      const sw = pid('switch');
      t.same(withoutFallback(readNetDev(sw))?.sort(), ['lab-br0', 'lab-c2', 'lab-c3', 'lo'], 'the switch holds the bridge and two ports');
      t.notOk(listSysNet()?.includes('lab-br0'), 'the host has no lab-br0');
      t.ok(readLocalAddresses(pid('c2'))?.includes('203.0.113.2'), 'c2 owns 203.0.113.2');
      t.ok(
        readArp(pid('c2'))?.some((e) => e.address === '203.0.113.3' && e.complete),
        "c2 resolved c3's MAC address",
      );
      t.same(readLocalAddresses(sw), [], 'the switch itself has no IPv4 address');
    },
    connect: () => {
      t.ok(readLocalAddresses(pid('c1'))?.includes('203.0.113.4'), 'c1 owns 203.0.113.4 too');
      t.ok(readNetDev(pid('switch'))?.includes('lab-c1'), 'its port is in the switch');
      t.ok(
        readArp(pid('c2'))?.some((e) => e.address === '203.0.113.4' && e.complete),
        "c2 resolved c1's new address",
      );
    },
    modes: () => {
      t.equal(nsInode(pid('host-mode'), 'net'), hostNet, "host mode: the host's namespace");
      t.not(nsInode(pid('none'), 'net'), hostNet, 'none: a namespace of its own');
      t.same(withoutFallback(readNetDev(pid('none'))), ['lo'], 'none: only lo, besides any fallback tunnel devices');
      t.equal(nsInode(pid('joined'), 'net'), nsInode(pid('c2'), 'net'), "container mode: c2's namespace");
    },
    stop: () => {
      t.notOk(listSysNet()?.includes('lab-veth0'), "lab-veth0 went with c1's namespace");
      t.same(pidsInNamespace('net', session!.proc('c1').ns.net!), [], 'nothing is left in it');
      t.notOk(isAlive(pid('c3')), 'c3 is gone');
      t.notOk(readNetDev(pid('switch'))?.includes('lab-c3'), 'and so is its port');
      t.ok(readNetDev(pid('switch'))?.includes('lab-c2'), "c2's port stays");
      t.equal(nsInode(pid('joined'), 'net'), session!.proc('c2').ns.net, 'held by the joined process');
    },
  };
  const events = await verifyWithFacts(t, lab, facts, (s) => (session = s));
  t.ok(
    events.some((e) => e.type === 'command' && e.command === 'ip link add lab-veth0 type veth peer name lab-veth1'),
    'the command shown is the one run',
  );
  t.same(hostNetwork(state), before, 'links, netns, addresses, routes, neighbours, listeners, mounts and processes are as before');
});

t.test('stopped after the bridge step, the lab still removes everything', { skip: needsRoot() }, async (t) => {
  const state = useTempState();
  const before = hostNetwork(state);
  const lab = await loadLab('network-namespace');
  let session: Session | undefined;
  const outcome = await runLab(lab, { mode: 'verify', lang: 'zh', stopAfter: 'bridge', onSession: (s) => (session = s) }, () => {});
  t.equal(outcome.stepsPassed, 5);
  for (const [name, p] of session!.allProcesses()) t.notOk(isAlive(p.pid), `${name} was killed in cleanup`);
  t.same(hostNetwork(state), before);
});

// A VM without a network card, or a container, has only lo: the same name, and ifindex 1, as in any new namespace.
// The test makes such a machine: a network namespace with only lo (up, as on a running machine), and a private mount
// namespace with a sysfs mounted from it, so that /sys/class/net shows it. The lab's host side (lab-veth0, the
// host's 127.0.0.1 server) then lives in that namespace, which goes away with the test's shell.
t.test('on a machine whose only interface is lo, lab verify passes and leaves nothing', { skip: needsRoot() }, (t) => {
  const state = useTempState();
  const before = hostNetwork(state);
  const dir = tempDir('lab-test-lo-only-');
  const script = [
    'set -e',
    'mount -t sysfs sysfs /sys',
    'ip link set lo up',
    `ls /sys/class/net > ${dir}/links-before`,
    `cut -d' ' -f5,9 /proc/self/mountinfo > ${dir}/mounts-before`,
    `"${process.execPath}" "${BIN}" verify network-namespace > ${dir}/output 2>&1 || echo $? > ${dir}/status`,
    `ls /sys/class/net > ${dir}/links-after`,
    `cut -d' ' -f5,9 /proc/self/mountinfo > ${dir}/mounts-after`,
  ].join('\n');
  const shell = spawnSync('unshare', ['--net', '--mount', '--propagation', 'private', 'sh', '-c', script], {
    encoding: 'utf8',
    env: cleanEnv(),
    timeout: 120_000,
  });
  const file = (name: string): string => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return '';
    }
  };
  t.equal(shell.status, 0, `the test namespace was made: ${shell.stderr.trim()}`);
  const lines = (text: string): string[] => text.split('\n').filter(Boolean);
  t.same(
    withoutFallback(lines(file('links-before'))),
    ['lo'],
    'the test namespace has only lo (and any fallback tunnel devices), and its /sys/class/net shows it',
  );
  if (!t.equal(file('status'), '', 'lab verify exits 0')) t.comment(file('output'));
  t.match(file('output'), /1 lab: 1 passed, 0 failed/, 'and says the lab passed');
  t.equal(file('links-after'), file('links-before'), 'only that is left in the test namespace');
  t.equal(file('mounts-after'), file('mounts-before'), 'its mount table is as before');
  t.same(hostNetwork(state), before, 'the host is as before');
  t.end();
});
