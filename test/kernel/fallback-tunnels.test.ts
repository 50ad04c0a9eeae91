import t from 'tap';
import { describeFallback, FALLBACK_TUNNELS, fallbackTunnel, onlyLoAndFallback, sortNewNamespaceLinks } from '../../src/kernel/fallback-tunnels.js';
import { parseIpJson, parseNetDev } from '../../src/kernel/net.js';

// /proc/<pid>/net/dev of a new namespace on a host with ipip, ip_gre and sit loaded (counters trimmed to zeros).
const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
 tunl0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  gre0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
gretap0:      0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
erspan0:      0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  sit0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
`;

// What `ip -j -d link` prints in that namespace (the fields the function reads).
const link = (ifindex: number, ifname: string, flags: string[], kind?: string): Record<string, unknown> => ({
  ifindex,
  ifname,
  flags,
  ...(kind === undefined ? {} : { linkinfo: { info_kind: kind } }),
});
const IP_LINK = JSON.stringify([
  link(1, 'lo', ['LOOPBACK']),
  link(2, 'tunl0', ['NOARP'], 'ipip'),
  link(3, 'gre0', ['NOARP'], 'gre'),
  link(4, 'gretap0', ['BROADCAST', 'MULTICAST'], 'gretap'),
  link(5, 'erspan0', ['BROADCAST', 'MULTICAST'], 'erspan'),
  link(6, 'sit0', ['NOARP'], 'sit'),
]);

t.test('a new namespace with fallback tunnels: lo plus tunnels, all down, nothing else', async (t) => {
  const sorted = sortNewNamespaceLinks(parseNetDev(NET_DEV), parseIpJson(IP_LINK));
  t.equal(sorted.lo?.ifname, 'lo');
  t.same(
    sorted.fallback.map((l) => l.ifname),
    ['tunl0', 'gre0', 'gretap0', 'erspan0', 'sit0'],
  );
  t.same(sorted.other, []);
  t.ok(onlyLoAndFallback(sorted, 'down'), 'accepted with lo down');
  t.notOk(onlyLoAndFallback(sorted, 'up'), 'refused where lo must be up');
  t.equal(describeFallback(sorted), 'tunl0 (ipip) gre0 (gre) gretap0 (gretap) erspan0 (erspan) sit0 (sit)');
});

t.test('a namespace with only lo, as on a host without tunnel modules', async (t) => {
  const sorted = sortNewNamespaceLinks(['lo'], parseIpJson(JSON.stringify([link(1, 'lo', ['LOOPBACK', 'UP', 'LOWER_UP'])])));
  t.same(sorted.fallback, []);
  t.ok(onlyLoAndFallback(sorted, 'up'));
  t.notOk(onlyLoAndFallback(sorted, 'down'));
  t.equal(describeFallback(sorted), '-');
});

t.test('anything else is refused and named', async (t) => {
  const up = sortNewNamespaceLinks(['lo', 'tunl0'], parseIpJson(JSON.stringify([link(1, 'lo', ['LOOPBACK']), link(2, 'tunl0', ['NOARP', 'UP'], 'ipip')])));
  t.same(up.other, ['tunl0'], 'a fallback tunnel someone brought up');
  const fake = sortNewNamespaceLinks(['lo', 'gre0'], parseIpJson(JSON.stringify([link(1, 'lo', ['LOOPBACK']), link(2, 'gre0', ['BROADCAST'], 'dummy')])));
  t.same(fake.other, ['gre0'], 'a device with a fallback name but another kind');
  const eth = sortNewNamespaceLinks(['lo', 'eth0'], parseIpJson(JSON.stringify([link(1, 'lo', ['LOOPBACK']), link(2, 'eth0', ['BROADCAST'], 'veth')])));
  t.same(eth.other, ['eth0'], 'a veth end');
  t.notOk(onlyLoAndFallback(eth, 'down'));
  const unseen = sortNewNamespaceLinks(['lo', 'sit0'], parseIpJson(JSON.stringify([link(1, 'lo', ['LOOPBACK'])])));
  t.same(unseen.other, ['sit0'], 'a name netlink did not describe');
  const noLo = sortNewNamespaceLinks(['tunl0'], parseIpJson(JSON.stringify([link(2, 'tunl0', ['NOARP'], 'ipip')])));
  t.equal(noLo.lo, undefined);
  t.notOk(onlyLoAndFallback(noLo, 'down'), 'no lo at all');
  t.notOk(onlyLoAndFallback(sortNewNamespaceLinks(['lo'], []), 'down'), 'netlink said nothing');
});

t.test('the table: one entry per device name, each with its module', async (t) => {
  t.equal(new Set(FALLBACK_TUNNELS.map((f) => f.name)).size, FALLBACK_TUNNELS.length);
  t.equal(fallbackTunnel('sit0')?.module, 'sit');
  t.equal(fallbackTunnel('lo'), undefined);
});
