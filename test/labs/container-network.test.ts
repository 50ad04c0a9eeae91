// Runs the container-network lab for real and asserts, after each step, the kernel facts from the raw /proc and /sys
// files of the containers (and `ip -n`, `nft` in lab's own namespaces), independently of the lab's own checks; then
// that the host's network is as before: links, named namespaces and /run/netns itself, the nftables ruleset, routes,
// ip_forward, listening sockets. Also with / shared (as on systemd hosts), after kill -9 of lab plus `lab clean`
// mid-lab (with the user-defined network made), and after Ctrl-C (SIGINT) there.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab } from '../../src/lab/load.js';
import type { Session } from '../../src/lab/session.js';
import { environValue, isAlive, listPids, nsInode, nspid } from '../../src/kernel/proc.js';
import { BIN, cleanEnv, hostSnapshot, needsRoot, tempDir, useTempState, verifyWithFacts } from '../helpers.js';
import { unmetSkip } from './contract.js';
import { verifyUnderSharedRoot } from './shared-root.js';
import { checkCount } from '../../src/lab/quiz.js';

// The lab runs `lab container ...` as a learner types it: `lab` must be on the PATH (as in toy-container.test.ts).
if (spawnSync('sh', ['-c', 'command -v lab']).status !== 0) {
  const bin = tempDir('lab-test-bin-');
  symlinkSync(BIN, join(bin, 'lab'));
  process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
}

const lab = await loadLab('container-network');
const skip = needsRoot() || unmetSkip(lab);

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
/** What a command prints, trimmed. */
const output = (argv: string[]): string => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' }).stdout?.trim() ?? '';

/** The host's network as a learner would compare it before and after: everything the lab must leave as it was. */
const networkSnapshot = (state: string) => ({
  ...hostSnapshot(state),
  runNetns: existsSync('/run/netns'),
  namedNetns: output(['ip', 'netns', 'list']),
  ruleset: output(['nft', 'list', 'ruleset']),
  routes: read('/proc/net/route'),
  ipForward: read('/proc/sys/net/ipv4/ip_forward'),
  listening: read('/proc/net/tcp')
    .split('\n')
    .filter((line) => line.trim().split(/\s+/)[3] === '0A')
    .map((line) => line.trim().split(/\s+/)[1])
    .sort(),
  containers: existsSync(join(state, 'containers')) ? readdirSync(join(state, 'containers')) : [],
  networks: existsSync(join(state, 'networks')) ? readdirSync(join(state, 'networks')) : [],
});

/** A container's PID 1, found by the marker its role has in this run (CN_RUN=<role>-<pid>-<time>). */
const pid1 = (session: Session, role: string): number => {
  const value = `${role}-${session.runId.split('-').slice(-2).join('-')}`;
  return listPids().find((pid) => environValue(pid, 'CN_RUN') === value && nspid(pid)?.at(-1) === 1) ?? 0;
};
/** The interface names of a process's network namespace. */
const links = (pid: number | 'self'): string[] =>
  read(`/proc/${pid}/net/dev`)
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]!.trim())
    .filter(Boolean);
/** The IPv4 address of eth0 in a container, from `ip -j addr` run inside its network namespace. */
const eth0 = (pid: number): string => {
  const json = output(['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', '-j', '-4', 'addr', 'show', 'dev', 'eth0']);
  try {
    return (JSON.parse(json) as { addr_info: { local: string }[] }[])[0]?.addr_info[0]?.local ?? '';
  } catch {
    return '';
  }
};

t.test('container-network, verified step by step against the kernel', { skip }, async (t) => {
  const state = useTempState();
  const before = networkSnapshot(state);
  let session: Session | undefined;
  const s = (): Session => session!;
  const facts: Record<string, () => void> = {
    'none-host': () => {
      const none = pid1(s(), 'none');
      const host = pid1(s(), 'host');
      t.not(nsInode(none, 'net'), nsInode('self', 'net'), 'none: a network namespace of its own');
      t.same(
        links(none).filter((l) => l === 'lo' || !/^(tunl|gre|gretap|erspan|ip_vti|ip6_vti|sit|ip6tnl|ip6gre)\d/.test(l)),
        ['lo'],
        'none: lo only',
      );
      t.equal(nsInode(host, 'net'), nsInode('self', 'net'), "host: the host's network namespace");
      t.not(nsInode(host, 'pid'), nsInode('self', 'pid'), 'host: still a PID namespace of its own');
    },
    bridge: () => {
      const web = pid1(s(), 'web');
      const pins = readdirSync('/run/netns').filter((name) => name.startsWith('lab-c'));
      t.ok(
        pins.some((name) => statSync(`/run/netns/${name}`).ino === nsInode(web, 'net')),
        'its namespace is pinned under /run/netns/lab-c<id12>',
      );
      t.match(eth0(web), /^172\.17\.0\.\d+$/, 'eth0 has a 172.17 address');
      const ports = JSON.parse(output(['ip', '-n', 'lab-host-net', '-j', 'link', 'show', 'master', 'lab-br0'])) as { ifindex: number }[];
      const iflink = Number(read(`/proc/${web}/root/sys/class/net/eth0/iflink`).trim());
      t.ok(
        ports.some((p) => p.ifindex === iflink),
        "eth0's peer is a port of lab-br0",
      );
      t.match(read(`/proc/${web}/net/route`), /^eth0\s+00000000\s+010011AC\s/m, 'default route via 172.17.0.1');
    },
    'container-mode': () => {
      t.equal(nsInode(pid1(s(), 'side'), 'net'), nsInode(pid1(s(), 'web'), 'net'), "side is in web's network namespace");
      t.not(nsInode(pid1(s(), 'side'), 'pid'), nsInode(pid1(s(), 'web'), 'pid'), 'but not in its PID namespace');
    },
    'shared-lo': () => {
      const tcp = read(`/proc/${pid1(s(), 'side')}/net/tcp6`) + read(`/proc/${pid1(s(), 'side')}/net/tcp`);
      t.match(tcp, /:1F90 0+:0000 0A /, "side's namespace has web's listener on 8080");
    },
    nat: () => {
      const web = eth0(pid1(s(), 'web'));
      const tracked = output(['ip', 'netns', 'exec', 'lab-host-net', 'cat', '/proc/net/nf_conntrack']);
      t.match(
        tracked,
        new RegExp(`src=${web.replace(/\./g, '\\.')} dst=203\\.0\\.113\\.2 sport=\\d+ dport=8000 src=203\\.0\\.113\\.2 dst=203\\.0\\.113\\.1 `),
        'masqueraded to 203.0.113.1',
      );
      t.not(spawnSync('ip', ['-n', 'lab-internet', 'route', 'get', web]).status, 0, 'lab-internet has no route back');
    },
    publish: () => {
      const listeners = read('/proc/net/tcp')
        .split('\n')
        .filter((line) => / 0100007F:[0-9A-F]{4} 00000000:0000 0A /.test(line));
      t.ok(listeners.length > 0, 'something listens on 127.0.0.1');
      const page = output(['busybox', 'wget', '-qO-', `http://127.0.0.1:${s().get('port')}/hosts`]);
      t.match(page, eth0(pid1(s(), 'pub')), "the page is the container's /etc/hosts, with its address");
    },
    'user-network': () => {
      const db = eth0(pid1(s(), 'db'));
      t.match(db, /^172\.18\.0\.\d+$/, 'db is on the new network');
      t.match(read(`/proc/${pid1(s(), 'app')}/root/etc/hosts`), new RegExp(`^${db.replace(/\./g, '\\.')}\\s+lab-cn-db-`, 'm'), "db's name in app's /etc/hosts");
    },
    isolation: () => {
      const r = spawnSync('nsenter', [`--net=/proc/${pid1(s(), 'web')}/ns/net`, 'busybox', 'nc', '-w', '1', eth0(pid1(s(), 'db')), '5000'], {
        encoding: 'utf8',
      });
      t.not(r.status, 0, 'web still cannot connect to db');
    },
    addresses: () => {
      t.equal(eth0(pid1(s(), 'db2')), '172.18.0.2', "db2 has db's address, the first after the gateway");
      t.equal(eth0(pid1(s(), 'app')), '172.18.0.3', 'app keeps its own');
    },
  };
  await verifyWithFacts(t, lab, facts, (x) => (session = x));
  t.same(networkSnapshot(state), before, "the host's network, mounts, processes and journals are as before");
});

t.test('with / mounted shared, the lab passes and leaves the mount table as it was', { skip }, async (t) => {
  const run = verifyUnderSharedRoot(t, 'container-network');
  const total = lab.steps.reduce((n, step) => n + checkCount(step.spec), 0);
  t.equal(run.checks().filter((e) => e.ok).length, total, `all ${total} checks passed`);
  t.notOk(
    run.table('after').some((m) => m.mountPoint.startsWith('/run/netns/')),
    'no namespace pin is left mounted',
  );
});

/** `lab verify container-network --json` in a fresh state directory, stopped once the user-network step is done. */
async function untilUserNetwork(t: Test) {
  const state = useTempState();
  const before = networkSnapshot(state);
  const child = spawn(process.execPath, [BIN, 'verify', 'container-network', '--json'], {
    env: cleanEnv({ LAB_STATE_DIR: state }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  const reached = await new Promise<boolean>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (/"type":"step-done","step":"user-network"/.test(text)) resolve(true);
    });
    child.on('exit', () => resolve(false));
  });
  t.ok(reached, 'the user-network step passed');
  t.ok(readdirSync(join(state, 'networks')).length > 0, 'the network exists');
  t.ok(existsSync('/run/netns/lab-host-net'), 'lab-host-net exists');
  return { state, before, child };
}

t.test('kill -9 of lab with containers and a network made, then lab clean: nothing is left', { skip }, async (t) => {
  const { state, before, child } = await untilUserNetwork(t);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const clean = spawnSync(process.execPath, [BIN, 'clean'], { encoding: 'utf8', env: cleanEnv({ LAB_STATE_DIR: state }) });
  t.equal(clean.status, 0, 'lab clean succeeded', { stderr: clean.stderr });
  t.same(networkSnapshot(state), before, 'no container, network, namespace, rule or process of the lab remains');
});

t.test('Ctrl-C (SIGINT) with containers and a network made: the harness removes everything', { skip }, async (t) => {
  const { state, before, child } = await untilUserNetwork(t);
  child.kill('SIGINT');
  await new Promise((resolve) => child.once('exit', resolve));
  t.notOk(child.pid !== undefined && isAlive(child.pid), 'the harness exited');
  t.same(networkSnapshot(state), before, 'no container, network, namespace, rule or process of the lab remains');
});
