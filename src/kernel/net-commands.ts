// Builders of the network commands the labs run and show: ip (iproute2), and busybox's ping and nc, which every
// host that meets the `busybox` requirement has. Pure: each returns an argv.

/** `ip link add <name> type veth peer name <peer>`, with the peer made directly in another namespace when given. */
export function vethArgv(name: string, peer: string, peerNetnsPid?: number): string[] {
  const argv = ['ip', 'link', 'add', name, 'type', 'veth', 'peer', 'name', peer];
  return peerNetnsPid === undefined ? argv : [...argv, 'netns', String(peerNetnsPid)];
}

/** `ip addr add <address/prefix> dev <device>`. */
export function addAddressArgv(cidr: string, device: string): string[] {
  return ['ip', 'addr', 'add', cidr, 'dev', device];
}

/** `ip link set <device> up`, or up and attached to a bridge. */
export function linkUpArgv(device: string, master?: string): string[] {
  return master === undefined ? ['ip', 'link', 'set', device, 'up'] : ['ip', 'link', 'set', device, 'master', master, 'up'];
}

/**
 * One ICMP echo, waiting up to 3 s for the answer: `busybox ping -c 1 -W 3`. A link that has just come up may drop
 * the first ARP request (the kernel activates its queue a moment later, in the linkwatch work); the kernel then
 * retries ARP after 1 s with the echo still queued, and the answer comes within the wait. With `iface`, the
 * socket is bound to that interface (SO_BINDTODEVICE; busybox fails at once when it does not exist), so the
 * packet can leave only through it, never through a default route.
 */
export function pingArgv(address: string, iface?: string): string[] {
  return ['busybox', 'ping', '-c', '1', '-W', '3', ...(iface === undefined ? [] : ['-I', iface]), address];
}

/** A TCP client that connects with a one-second timeout and prints what the server sends: `busybox nc -w 1`. */
export function tcpClientArgv(address: string, port: number): string[] {
  return ['busybox', 'nc', '-w', '1', address, String(port)];
}

/**
 * A TCP server that answers every connection with one line, `busybox nc -ll -p PORT [ADDRESS] -e echo ...`: it
 * listens on `address` only when given, otherwise on every address of its namespace.
 */
export function replyServerArgv(port: number, reply: string[], address?: string): string[] {
  return ['busybox', 'nc', '-ll', '-p', String(port), ...(address === undefined ? [] : [address]), '-e', 'echo', ...reply];
}

/** `ss -ltnp 'sport = :PORT'`: the listening TCP sockets on a port, with the processes that own them. */
export function listenersArgv(port: number): string[] {
  return ['ss', '-ltnp', `sport = :${port}`];
}
