// IPv4 addresses and subnets as the container networks use them: parsed to 32-bit numbers and back, a subnet's
// members, and the harness's own address allocator (what Docker's IPAM does for a bridge network): the next address
// of a subnet that is neither the network address, nor the gateway, nor the broadcast address, nor taken. Pure.

/** A subnet: its network address as a 32-bit number and its prefix length. */
export interface Subnet {
  network: number;
  prefix: number;
}

/** A dotted quad as a 32-bit number; undefined when it is not one (no leading zeros, each part 0 to 255). */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

/** A 32-bit number as a dotted quad. */
export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** `a.b.c.d/n` with no host bits set; undefined otherwise. */
export function parseSubnet(text: string): Subnet | undefined {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const network = parseIPv4(match[1]!);
  const prefix = Number(match[2]);
  if (network === undefined || prefix > 32) return undefined;
  // Host bits set (172.17.0.1/16) name an address in a subnet, not the subnet.
  if (network % 2 ** (32 - prefix) !== 0) return undefined;
  return { network, prefix };
}

/** The subnet as text. */
export function formatSubnet(subnet: Subnet): string {
  return `${formatIPv4(subnet.network)}/${subnet.prefix}`;
}

/** How many addresses the subnet spans, network and broadcast included. */
export function subnetSize(subnet: Subnet): number {
  return 2 ** (32 - subnet.prefix);
}

/** Whether an address (a number) lies in the subnet. */
export function inSubnet(subnet: Subnet, address: number): boolean {
  return address - (address % subnetSize(subnet)) === subnet.network;
}

/** The subnet's first host address: by Docker's convention, and here, the gateway on the bridge. */
export function gatewayOf(subnet: Subnet): number {
  return subnet.network + 1;
}

/**
 * The next address to give a container: the lowest host address after the gateway that is not taken, never the
 * network or broadcast address; undefined when the subnet is full (or too small to hold a container: /31, /32).
 * `taken` holds dotted quads (the addresses of the containers on the network now, read from their records).
 */
export function allocate(subnet: Subnet, taken: Iterable<string>): string | undefined {
  const used = new Set<number>();
  for (const text of taken) {
    const value = parseIPv4(text);
    if (value !== undefined) used.add(value);
  }
  const broadcast = subnet.network + subnetSize(subnet) - 1;
  for (let address = gatewayOf(subnet) + 1; address < broadcast; address++) {
    if (!used.has(address)) return formatIPv4(address);
  }
  return undefined;
}
