// The userland proxy of a published port (`-p 127.0.0.1:8080:80`), as docker-proxy is for connections to the host's
// loopback: the kernel's NAT cannot rewrite traffic that never leaves the host's own loopback (a DNAT rule would have
// to sit in the host's ruleset, which lab never touches), so a process takes each connection and opens another one
// to the container. Its trick is to live in two network namespaces at once: the listening socket is made in the
// host's namespace by the harness and handed over as fd 3; the process itself runs in the network namespace that
// can reach the container (started there with nsenter), so every connection it opens starts there.
//
//   node port-proxy.js <container address> <container port>      (fd 3: the listening socket)
import { connect, createServer, type Socket } from 'node:net';

/** Join two sockets both ways; either closing or failing ends both. */
function splice(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = (): void => {
    a.destroy();
    b.destroy();
  };
  for (const socket of [a, b]) {
    socket.on('error', end);
    socket.on('close', end);
  }
}

/** Accept on the listening socket at `fd`, and connect each client to `address:port` from this namespace. */
export function proxy(fd: number, address: string, port: number): void {
  const server = createServer({ pauseOnConnect: true }, (client) => {
    const upstream = connect({ host: address, port });
    upstream.once('connect', () => client.resume());
    splice(client, upstream);
  });
  server.on('error', (error) => {
    process.stderr.write(`lab port proxy: ${error.message}\n`);
    process.exit(1);
  });
  server.listen({ fd });
}

const [address, port] = process.argv.slice(2);
if (address !== undefined && port !== undefined && /^\d+$/.test(port)) proxy(3, address, Number(port));
