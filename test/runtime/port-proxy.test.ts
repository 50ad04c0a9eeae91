// The published-port proxy (src/runtime/port-proxy.ts), as root: a client on the host's loopback reaches a server
// that listens only on the loopback of a network namespace the test made, through a proxy process that lives in that
// namespace and holds a listening socket of the host's. Kernel facts: the proxy's network namespace is not the
// host's, yet the host's /proc/net/tcp lists the LISTEN socket it holds; the reply comes from the server inside.
// Traffic only on loopbacks; nothing left after.
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '../../src/common/wait.js';
import { readListeners, socketInodes } from '../../src/kernel/net.js';
import { nsInode } from '../../src/kernel/proc.js';
import { needsRoot, ROOT } from '../helpers.js';

const skip = needsRoot();
const NETNS = `lab-test-proxy-${process.pid}`;
const INSIDE_PORT = 8099;
const PROXY = join(ROOT, 'dist', 'src', 'runtime', 'port-proxy.js');

/** What a TCP client reads from 127.0.0.1:port before the server closes. */
function fetch(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(5000, () => socket.destroy(new Error('timed out')));
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

t.test('a port of the host loopback reaches a server inside a namespace of its own', { skip }, async (t) => {
  const children: ChildProcess[] = [];
  // Pinned as the runtime pins its namespaces (network-plan.ts netnsAddSteps): no /run/netns mount is left behind.
  const madeDir = spawnSync('mkdir', ['/run/netns']).status === 0;
  spawnSync('touch', [`/run/netns/${NETNS}`]);
  t.equal(spawnSync('unshare', [`--net=/run/netns/${NETNS}`, 'true']).status, 0, `unshare --net=/run/netns/${NETNS} true`);
  try {
    spawnSync('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
    const server = spawn('ip', ['netns', 'exec', NETNS, 'busybox', 'nc', '-ll', '-p', String(INSIDE_PORT), '127.0.0.1', '-e', 'echo', 'hello-from-inside'], {
      stdio: 'ignore',
    });
    children.push(server);
    t.ok(await waitFor(() => (readListeners(server.pid!) ?? []).some((s) => s.port === INSIDE_PORT), 5000), 'the server listens inside');
    t.notOk(
      (readListeners(process.pid) ?? []).some((s) => s.port === INSIDE_PORT),
      "but not on the host's loopback",
    );

    // The listening socket is made here, in the host's namespace, and handed to the proxy as fd 3.
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const hostPort = (listener.address() as { port: number }).port;
    // The listening socket's descriptor, shared with the child as its fd 3 (node's server keeps it in its handle).
    const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
    const proxy = spawn('ip', ['netns', 'exec', NETNS, process.execPath, PROXY, '127.0.0.1', String(INSIDE_PORT)], {
      stdio: ['ignore', 'ignore', 'inherit', fd],
    });
    children.push(proxy);
    listener.close();
    const pid = proxy.pid!;
    t.ok(await waitFor(() => nsInode(pid, 'net') !== undefined && nsInode(pid, 'net') !== nsInode('self', 'net'), 5000), 'the proxy runs in the namespace');
    const hostSocket = (readListeners(process.pid) ?? []).find((s) => s.port === hostPort);
    t.ok(hostSocket, `the host's /proc/net/tcp lists 127.0.0.1:${hostPort} listening`);
    t.ok(hostSocket !== undefined && socketInodes(pid).has(hostSocket.inode), 'and the proxy, in the other namespace, holds that socket');
    t.equal((await fetch(hostPort)).trim(), 'hello-from-inside', 'a client of the host loopback gets the inside server reply');
    t.equal((await fetch(hostPort)).trim(), 'hello-from-inside', 'and again: every connection is proxied');
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await waitFor(() => children.every((c) => c.exitCode !== null || c.signalCode !== null), 5000);
    spawnSync('ip', ['netns', 'del', NETNS]);
    if (madeDir) spawnSync('rmdir', ['/run/netns']);
  }
  t.notOk(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(NETNS), 'the namespace is gone');
});
