// Container networks on real containers, kernel facts only: the default bridge network (eth0 in a namespace of the
// container's own, pinned on /run/netns, its host end a port of lab-br0 in lab-host-net, the address and the default
// route the kernel holds), NAT to the internet stand-in (its server sees the uplink's address, and stops being
// reachable once the masquerade rule is flushed), -p through the proxy (the host's loopback socket, held by a process
// in lab-host-net), a user-defined network whose containers find each other by name, addresses returned on rm, the
// modes side by side as namespace inodes, pods' --ipc/--uts container:, and after rm, kill -9 + `lab clean` and
// Ctrl-C: the host's links, namespaces, ruleset, routes, forwarding and mounts as before. Traffic only on loopback
// and inside namespaces lab made.
import t, { type Test } from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { waitFor } from '../../src/common/wait.js';
import { readListeners, socketInodes } from '../../src/kernel/net.js';
import { isAlive, nsInode } from '../../src/kernel/proc.js';
import { BIN, cleanEnv, cli, markedPids, needsRoot, tempDir, useTempState } from '../helpers.js';

const noNft = spawnSync('nft', ['--version']).status === 0 ? false : 'nft is not installed (Debian: nftables; scripts/provision.sh installs it)';
const skip = needsRoot() || noNft;
const state = skip ? '' : useTempState();

/** `lab container ...` with the test's state directory. */
const lab = (...args: string[]) => cli(['container', ...args, '--lang', 'en'], { LAB_STATE_DIR: state });

interface Inspected {
  Id: string;
  State: { Pid: number };
  NetworkSettings: { Networks: Record<string, { IPAddress: string; Gateway: string; Bridge: string }>; SandboxKey: string };
}

const inspect = (name: string): Inspected => (JSON.parse(lab('inspect', name).stdout) as Inspected[])[0]!;

/** Start a detached container; its id and PID 1. */
function detached(t: Test, ...args: string[]): { id: string; pid: number } {
  const r = lab('run', '-d', ...args);
  t.equal(r.status, 0, `run -d ${args.join(' ')}: exit 0 ${r.stderr.trim()}`);
  const id = r.stdout.trim();
  return { id, pid: r.status === 0 ? inspect(id).State.Pid : 0 };
}

const sh = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });

/** What lab's networks may change on the host, and must not once they are gone. */
function hostNetState(): Record<string, string> {
  const mountsOn = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.includes('/run/netns'));
  return {
    links: sh(['ip', '-br', 'link']).stdout,
    netns: sh(['ip', 'netns', 'list']).stdout,
    ruleset: sh(['nft', 'list', 'ruleset']).stdout,
    routes: sh(['ip', 'route', 'show', 'table', 'all']).stdout,
    forwarding: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'),
    runNetns: `${existsSync('/run/netns')} ${mountsOn.join('\n')}`,
    marked: markedPids().join(','),
  };
}

/** The IPv4 addresses of a process's network namespace, as the kernel lists them (iproute2 over netlink). */
function addresses(pid: number): string[] {
  const r = sh(['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', '-j', '-4', 'addr', 'show']);
  return (JSON.parse(r.stdout || '[]') as { ifname: string; addr_info: { local: string; prefixlen: number }[] }[]).flatMap((l) =>
    l.addr_info.map((a) => `${l.ifname} ${a.local}/${a.prefixlen}`),
  );
}

/** The default route's gateway in /proc/<pid>/net/route (hex, little-endian), as a dotted quad. */
function defaultGateway(pid: number): string | undefined {
  const line = readFileSync(`/proc/${pid}/net/route`, 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1] === '00000000');
  if (!line) return undefined;
  const hex = line[2]!;
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

/** What a TCP client on the host's loopback reads from 127.0.0.1:port (empty when refused). */
function fetchLoopback(port: number, request = 'GET / HTTP/1.0\r\n\r\n'): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(''));
  });
}

const before = skip ? {} : hostNetState();

t.test('the default bridge network: eth0, the address, the route, lab-br0, NAT to the internet stand-in', { skip }, async (t) => {
  const { id, pid } = detached(t, '--name', 'lab-br-a', 'busybox', 'sleep', '1000');
  t.teardown(() => void lab('rm', '-f', 'lab-br-a'));
  const pin = `/run/netns/lab-c${id.slice(0, 12)}`;
  t.equal(statSync(pin).ino, nsInode(pid, 'net'), `its network namespace is the one pinned on ${pin}`);
  t.not(nsInode(pid, 'net'), nsInode('self', 'net'), "not the host's");
  t.same(addresses(pid), ['lo 127.0.0.1/8', 'eth0 172.17.0.2/16'], 'lo and eth0 with the first address after the gateway');
  t.equal(defaultGateway(pid), '172.17.0.1', 'the default route via the bridge');
  const ports = JSON.parse(sh(['ip', '-n', 'lab-host-net', '-j', 'link', 'show', 'master', 'lab-br0']).stdout || '[]') as { ifname: string }[];
  t.same(
    ports.map((p) => p.ifname),
    [`lab-v${id.slice(0, 8)}`],
    "the veth's other end is a port of lab-br0, in lab-host-net",
  );
  t.notOk(existsSync('/sys/class/net/lab-br0'), "no bridge in the host's own namespace");
  const settings = inspect('lab-br-a').NetworkSettings;
  t.same(settings.Networks.bridge, { IPAddress: '172.17.0.2', IPPrefixLen: 16, Gateway: '172.17.0.1', Bridge: 'lab-br0' }, 'inspect says the same');

  // A server in the internet stand-in that answers with the address it sees the client at.
  const server: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', 'lab-internet', process.execPath, '-e', "require('net').createServer((s)=>s.end(s.remoteAddress)).listen(8000,'203.0.113.2')"],
    { stdio: 'ignore' },
  );
  t.teardown(() => void server.kill('SIGKILL'));
  t.ok(await waitFor(() => (readListeners(server.pid!) ?? []).some((s) => s.port === 8000), 10_000, 50), 'the server listens');
  const seen = lab('exec', 'lab-br-a', 'nc', '-w', '3', '203.0.113.2', '8000');
  t.equal(seen.stdout, '203.0.113.1', "the internet stand-in sees the uplink's address, not 172.17.0.2: masqueraded");
  t.equal(sh(['ip', 'netns', 'exec', 'lab-host-net', 'nft', 'flush', 'chain', 'ip', 'lab-nat', 'postrouting']).status, 0, 'the NAT rule flushed');
  const without = lab('exec', 'lab-br-a', 'nc', '-w', '2', '203.0.113.2', '8000');
  t.not(without.stdout, '203.0.113.1', 'without it the internet stand-in cannot answer (it has no route back to 172.17.0.0/16)');
});

t.test('-p: the host loopback port reaches the container through a proxy in lab-host-net', { skip }, async (t) => {
  const port = 18000 + (process.pid % 1000);
  const { pid } = detached(
    t,
    '--name',
    'lab-web',
    '-p',
    `${port}:80`,
    'busybox',
    'sh',
    '-c',
    'echo hello-from-web > /tmp/index.html; exec httpd -f -p 80 -h /tmp',
  );
  t.teardown(() => void lab('rm', '-f', 'lab-web'));
  t.ok(await waitFor(() => (readListeners(pid) ?? []).some((s) => s.port === 80), 5000, 50), 'the server listens on port 80 inside');
  const listener = (readListeners(process.pid) ?? []).find((s) => s.port === port && s.address === '127.0.0.1');
  t.ok(listener, `the host's /proc/net/tcp lists 127.0.0.1:${port} listening`);
  const holder = Number(
    sh(['sh', '-c', `for p in /proc/[0-9]*; do ls -l $p/fd 2>/dev/null | grep -q "socket:\\[${listener?.inode}\\]" && basename $p; done`])
      .stdout.trim()
      .split('\n')[0],
  );
  t.ok(holder > 0 && socketInodes(holder).has(listener!.inode), 'a process holds it');
  t.equal(nsInode(holder, 'net'), statSync('/run/netns/lab-host-net').ino, 'the proxy: in lab-host-net, which reaches 172.17.0.0/16');
  t.match(await fetchLoopback(port, 'GET /index.html HTTP/1.0\r\n\r\n'), /hello-from-web/, "a client of the host's loopback gets the container's page");
  const again = lab('run', '--rm', '-p', `${port}:80`, 'busybox', 'true');
  t.equal(again.status, 125, 'the same host port twice: 125');
  t.match(again.stderr, /port is already allocated/, "Docker's words");
  t.equal(lab('rm', '-f', 'lab-web').status, 0, 'rm -f');
  t.ok(await waitFor(() => !isAlive(holder), 5000, 20), 'the proxy is gone with the container');
  t.notOk(
    (readListeners(process.pid) ?? []).some((s) => s.port === port),
    'and the port is closed',
  );
});

t.test('a user-defined network: names in /etc/hosts, kept up to date; rm refused while attached', { skip }, async (t) => {
  t.equal(lab('network', 'create', 'lab-test-net').status, 0, 'network create lab-test-net');
  t.equal(lab('network', 'create', 'lab-test-net').status, 1, 'a second time: 1, the name is in use');
  t.match(lab('network', 'ls').stdout, /lab-test-net +bridge +172\.18\.0\.0\/16 +lab-br1/, 'ls: lab-br1, 172.18.0.0/16');
  const a = detached(t, '--name', 'lab-na', '--network', 'lab-test-net', 'busybox', 'sleep', '1000');
  const b = detached(t, '--name', 'lab-nb', '--network', 'lab-test-net', 'busybox', 'sleep', '1000');
  const c = detached(t, '--name', 'lab-nc', 'busybox', 'sleep', '1000');
  t.teardown(() => void lab('rm', '-f', 'lab-na', 'lab-nb', 'lab-nc'));
  t.same(addresses(a.pid).at(-1), 'eth0 172.18.0.2/16', 'a: 172.18.0.2');
  t.same(addresses(b.pid).at(-1), 'eth0 172.18.0.3/16', 'b: 172.18.0.3');
  const hostsOf = (pid: number) => readFileSync(`/proc/${pid}/root/etc/hosts`, 'utf8');
  t.match(hostsOf(b.pid), /^172\.18\.0\.2\tlab-na$/m, "b's /etc/hosts (read through its root) names a");
  t.match(hostsOf(a.pid), /^172\.18\.0\.3\tlab-nb$/m, "and a's names b, which came later: rewritten in place");
  t.equal(lab('exec', 'lab-nb', 'ping', '-c', '1', '-W', '3', 'lab-na').status, 0, 'b reaches a by name');
  t.notMatch(hostsOf(c.pid), /lab-na/, 'a container on the default network does not know those names');
  t.not(lab('exec', 'lab-nc', 'ping', '-c', '1', '-W', '1', '172.18.0.2').status, 0, 'nor reaches that network: two bridges, no route between');
  const refused = lab('network', 'rm', 'lab-test-net');
  t.equal(refused.status, 1, 'network rm while containers are attached: 1');
  t.match(refused.stderr, /has active endpoints/, "Docker's words");
  t.equal(lab('rm', '-f', 'lab-na').status, 0, 'rm a');
  t.notMatch(hostsOf(b.pid), /lab-na/, "a is gone from b's /etc/hosts");
  const d = detached(t, '--name', 'lab-nd', '--network', 'lab-test-net', 'busybox', 'sleep', '1000');
  t.teardown(() => void lab('rm', '-f', 'lab-nd'));
  t.same(addresses(d.pid).at(-1), 'eth0 172.18.0.2/16', "a's address was returned: the next container gets it");
  t.equal(lab('rm', '-f', 'lab-nb', 'lab-nd').status, 0, 'rm b and d');
  t.equal(lab('network', 'rm', 'lab-test-net').status, 0, 'network rm once empty');
  t.not(sh(['ip', '-n', 'lab-host-net', 'link', 'show', 'dev', 'lab-br1']).status, 0, 'lab-br1 is gone');
});

t.test('the modes side by side as namespace inodes; a pod: --network, --ipc and --uts container:', { skip }, async (t) => {
  const pause = detached(t, '--name', 'lab-pause', '-h', 'lab-pod', 'busybox', 'sleep', '1000');
  const none = detached(t, '--name', 'lab-none', '--network', 'none', 'busybox', 'sleep', '1000');
  const host = detached(t, '--name', 'lab-host', '--network', 'host', 'busybox', 'sleep', '1000');
  const member = detached(
    t,
    '--name',
    'lab-member',
    '--network',
    'container:lab-pause',
    '--ipc',
    'container:lab-pause',
    '--uts',
    'container:lab-pause',
    'busybox',
    'sleep',
    '1000',
  );
  t.teardown(() => void lab('rm', '-f', 'lab-pause', 'lab-none', 'lab-host', 'lab-member'));
  const net = (pid: number) => nsInode(pid, 'net');
  t.equal(net(host.pid), net(process.pid), "host: the host's network namespace");
  t.not(net(none.pid), net(process.pid), 'none: its own');
  t.same(addresses(none.pid), ['lo 127.0.0.1/8'], 'none: only lo');
  t.not(net(pause.pid), net(process.pid), 'bridge: its own, not the host one');
  t.not(net(pause.pid), net(none.pid), "and not none's");
  for (const type of ['net', 'ipc', 'uts'] as const)
    t.equal(nsInode(member.pid, type), nsInode(pause.pid, type), `container:lab-pause: the same ${type} namespace`);
  for (const type of ['pid', 'mnt'] as const) t.not(nsInode(member.pid, type), nsInode(pause.pid, type), `but a ${type} namespace of its own`);
  t.equal(lab('exec', 'lab-member', 'hostname').stdout.trim(), 'lab-pod', "the pod's hostname, from the shared UTS namespace");
  t.equal(lab('run', '--rm', '--ipc', 'container:lab-nothing', 'busybox', 'true').status, 125, 'joining a container that does not run: 125');
  t.equal(lab('run', '--rm', '-p', '1234:80', '--network', 'none', 'busybox', 'true').status, 125, '-p without a bridge network: 125');
});

t.test('kill -9 of the supervisor, then lab clean; Ctrl-C in the foreground: nothing left', { skip }, async (t) => {
  const { id, pid } = detached(t, '--name', 'lab-k9', '-p', `${19000 + (process.pid % 1000)}:80`, 'busybox', 'sleep', '1000');
  const shim = (JSON.parse(lab('inspect', id).stdout) as { Supervisor: { Pid: number } }[])[0]!.Supervisor.Pid;
  process.kill(shim, 'SIGKILL');
  t.ok(await waitFor(() => !isAlive(pid), 5000, 20), 'PID 1 dies with its supervisor');
  t.equal(cli(['clean'], { LAB_STATE_DIR: state }).status, 0, 'lab clean');
  t.same(hostNetState(), before, 'links, namespaces, ruleset, routes, forwarding, /run/netns and processes as before');

  const child = spawn(process.execPath, [BIN, 'container', 'run', '--rm', '--name', 'lab-fg', 'busybox', 'sleep', '1000'], {
    env: cleanEnv({ LAB_STATE_DIR: state }),
    stdio: 'ignore',
  });
  t.ok(await waitFor(() => lab('inspect', 'lab-fg').status === 0 && inspect('lab-fg').State.Pid > 0, 15_000, 50), 'a foreground container runs');
  // Apart: signals of one kind that arrive together are delivered once.
  for (let i = 0; i < 3; i++) {
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  t.ok(await waitFor(() => child.exitCode !== null || child.signalCode !== null, 10_000, 20), 'three Ctrl-C end it');
  t.same(hostNetState(), before, '--rm removed its network, and the shared namespaces went with the last container');
});

t.test("another state directory is refused the networks one holds, told whose they are; after that one's last container, it may", { skip }, async (t) => {
  const other = tempDir('lab-test-state-');
  const inOther = (...args: string[]) => cli(['container', ...args, '--lang', 'en'], { LAB_STATE_DIR: other });
  const { pid } = detached(t, '--name', 'lab-held', 'busybox', 'sleep', '1000');
  t.equal(readFileSync('/run/lab-networks.state', 'utf8'), `${state}\n`, 'the shared namespaces name the state directory that journals them');
  const refused = inOther('run', '--rm', 'busybox', 'true');
  t.equal(refused.status, 125, 'refused');
  t.match(refused.stderr, `belong to the lab state directory ${state}, not to ${other}`);
  t.match(refused.stderr, `LAB_STATE_DIR=${state} lab clean`);
  const zh = cli(['container', 'run', '--rm', 'busybox', 'true', '--lang', 'zh'], { LAB_STATE_DIR: other });
  t.match(zh.stderr, `属于 lab 的状态目录 ${state}`);
  t.ok(isAlive(pid) && existsSync('/run/netns/lab-host-net'), "the holder's container and namespaces are untouched");
  t.equal(inOther('run', '--rm', '--network', 'none', 'busybox', 'true').status, 0, 'without a network it runs');

  t.equal(lab('rm', '-f', 'lab-held').status, 0);
  t.notOk(existsSync('/run/lab-networks.state') || existsSync('/run/netns/lab-host-net'), 'gone with the last container');
  const now = inOther('run', '--rm', 'busybox', 'true');
  t.equal(now.status, 0, `then the other directory makes its own ${now.stderr}`);
  t.same(hostNetState(), before, 'and removes them after it');
});

t.test('after every test: the host as before', { skip }, async (t) => {
  cli(['container', 'rm', '-f', 'lab-br-a', 'lab-web', 'lab-na', 'lab-nb', 'lab-nc', 'lab-nd'], { LAB_STATE_DIR: state });
  t.same(hostNetState(), before, 'links, namespaces, ruleset, routes, forwarding, /run/netns and processes as before');
});
