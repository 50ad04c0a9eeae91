// The fallback tunnel devices: the one device of each type that a tunnel module registers in every network
// namespace, the initial one and each new one, while net.core.fb_tunnels_only_for_init_net is 0 (the default;
// Documentation/admin-guide/sysctl/net.rst). A new namespace on a host where ipip, ip_gre, sit... are loaded
// (a Kubernetes node with Calico's IPIP, say) therefore holds tunl0, gre0, sit0... besides lo, all of them down.
// Pure: sorting the interfaces of a namespace that should be new and empty, from what the kernel reported.
import { isUp, type IpLink } from './net.js';

/** One fallback device: its name, its rtnetlink kind (`ip -d link`), and the module that creates it. */
export interface FallbackTunnel {
  name: string;
  kind: string;
  module: string;
}

/** Every fallback device of Linux's tunnel modules (net/ipv4/{ipip,ip_gre,ip_vti}.c, net/ipv6/{sit,ip6_tunnel,ip6_gre,ip6_vti}.c). */
export const FALLBACK_TUNNELS: readonly FallbackTunnel[] = Object.freeze([
  { name: 'tunl0', kind: 'ipip', module: 'ipip' },
  { name: 'gre0', kind: 'gre', module: 'ip_gre' },
  { name: 'gretap0', kind: 'gretap', module: 'ip_gre' },
  { name: 'erspan0', kind: 'erspan', module: 'ip_gre' },
  { name: 'ip_vti0', kind: 'vti', module: 'ip_vti' },
  { name: 'sit0', kind: 'sit', module: 'sit' },
  { name: 'ip6tnl0', kind: 'ip6tnl', module: 'ip6_tunnel' },
  { name: 'ip6gre0', kind: 'ip6gre', module: 'ip6_gre' },
  { name: 'ip6_vti0', kind: 'vti6', module: 'ip6_vti' },
]);

/** The fallback device of this name, if it is one. */
export const fallbackTunnel = (name: string): FallbackTunnel | undefined => FALLBACK_TUNNELS.find((f) => f.name === name);

/** The interfaces of a namespace that should hold nothing but its loopback, sorted by what they are. */
export interface NewNamespaceLinks {
  /** `lo` as netlink shows it, when /proc/<pid>/net/dev lists it. */
  lo?: IpLink;
  /** Fallback tunnel devices: the right name and kind, and down. */
  fallback: IpLink[];
  /** Everything else: a device the namespace should not have, a fallback name with another kind or up, or a name
   * /proc/<pid>/net/dev lists that netlink did not describe. */
  other: string[];
}

/**
 * Sort the interfaces of a namespace: the names come from /proc/<pid>/net/dev (the kernel's list, whatever the
 * reader's own namespace), the flags and kinds from `ip -j -d link` run inside that namespace (rtnetlink).
 */
export function sortNewNamespaceLinks(netDev: readonly string[], links: readonly IpLink[]): NewNamespaceLinks {
  const sorted: NewNamespaceLinks = { fallback: [], other: [] };
  for (const name of netDev) {
    const link = links.find((l) => l.ifname === name);
    const fallback = fallbackTunnel(name);
    if (name === 'lo' && link !== undefined) sorted.lo = link;
    else if (link !== undefined && fallback !== undefined && link.linkinfo?.info_kind === fallback.kind && !isUp(link)) sorted.fallback.push(link);
    else sorted.other.push(name);
  }
  return sorted;
}

/** Whether the sorted interfaces are those of a new namespace: lo (up or down as `lo` says), fallback tunnels down,
 * nothing else. */
export const onlyLoAndFallback = (links: NewNamespaceLinks, lo: 'up' | 'down'): boolean =>
  links.lo !== undefined && isUp(links.lo) === (lo === 'up') && links.other.length === 0;

/** The fallback devices found, as `tunl0 (ipip)`, or `-`. */
export const describeFallback = (links: NewNamespaceLinks): string =>
  links.fallback.map((l) => `${l.ifname} (${l.linkinfo?.info_kind ?? '?'})`).join(' ') || '-';
