import t from 'tap';
import {
  flagsUp,
  hexToIPv4,
  hexToIPv6,
  inSubnet,
  ipv4Of,
  isUp,
  listSysNet,
  parseArp,
  parseFibTrieLocal,
  parseIpJson,
  parseNetDev,
  parseTcp,
  readListeners,
  readNetDev,
  routeDevice,
  rxPackets,
  TCP_LISTEN,
} from '../../src/kernel/net.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     168       2    0    0    0     0          0         0      168       2    0    0    0     0       0          0
  eth0:     140       2    0    0    0     0          0         0      140       2    0    0    0     0       0          0
lab-veth0:1234     17    0    0    0     0          0         0        0       0    0    0    0     0       0          0
`;

t.test('/proc/net/dev: interface names and received packets', async (t) => {
  t.same(parseNetDev(NET_DEV), ['lo', 'eth0', 'lab-veth0']);
  t.equal(rxPackets(NET_DEV, 'eth0'), 2);
  t.equal(rxPackets(NET_DEV, 'lab-veth0'), 17, 'a long name runs into the counters without a space');
  t.equal(rxPackets(NET_DEV, 'wlan0'), undefined);
});

t.test('/proc/net/tcp and tcp6: addresses, ports, states, inodes', async (t) => {
  const v4 = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:6DB0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 154728 1 0000000003630cf9 100 0 0 10 0
   1: 0100007F:6DB0 0100007F:A754 06 00000000:00000000 03:00001450 00000000     0        0 0 3 00000000fababb38
`;
  t.same(parseTcp(v4, 4), [
    { address: '127.0.0.1', port: 28080, state: TCP_LISTEN, inode: 154728 },
    { address: '127.0.0.1', port: 28080, state: 6, inode: 0 },
  ]);
  const v6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:6DB0 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 98 1 0000000000000000 100 0 0 10 0
`;
  t.same(
    parseTcp(v6, 6).map((s) => `${s.address} ${s.port}`),
    [':: 28080', '::1 22'],
  );
  t.equal(hexToIPv4('026433C6'), '198.51.100.2', 'one little-endian word');
  t.equal(hexToIPv6('000080FE000000000000000001000000'), 'fe80::1', 'four little-endian words');
  t.equal(hexToIPv6('0000000000000000FFFF00000100007F'), '::ffff:7f00:1', 'an IPv4-mapped address');
});

t.test('/proc/net/arp: complete and incomplete neighbours', async (t) => {
  const arp = `IP address       HW type     Flags       HW address            Mask     Device
203.0.113.3      0x1         0x2         62:93:bf:17:40:a9     *        eth0
203.0.113.9      0x1         0x0         00:00:00:00:00:00     *        eth0
`;
  t.same(parseArp(arp), [
    { address: '203.0.113.3', mac: '62:93:bf:17:40:a9', device: 'eth0', complete: true },
    { address: '203.0.113.9', mac: '00:00:00:00:00:00', device: 'eth0', complete: false },
  ]);
});

t.test('/proc/net/fib_trie: the local addresses only', async (t) => {
  const trie = `Main:
  +-- 0.0.0.0/0 2 0 2
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
           |-- 127.0.0.1
              /32 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 198.51.100.0/30 2 0 1
        |-- 198.51.100.0
           /30 link UNICAST
        |-- 198.51.100.2
           /32 host LOCAL
        |-- 198.51.100.3
           /32 link BROADCAST
Local:
  +-- 0.0.0.0/0 2 0 2
        |-- 198.51.100.2
           /32 host LOCAL
`;
  t.same(parseFibTrieLocal(trie), ['127.0.0.1', '198.51.100.2']);
});

t.test('ip -j: links, flags, addresses, routes', async (t) => {
  const links = parseIpJson(
    '[{"ifindex":2,"link_index":3,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"address":"5a:95:b1:c2:e3:66","link_netnsid":0,' +
      '"addr_info":[{"family":"inet","local":"203.0.113.2","prefixlen":24},{"family":"inet6","local":"fe80::1","prefixlen":64}]},' +
      '{"ifindex":1,"ifname":"lo","flags":["LOOPBACK"]}]',
  );
  t.equal(links.length, 2);
  t.same(ipv4Of(links[0]), ['203.0.113.2/24'], 'IPv6 addresses are left out');
  t.ok(isUp(links[0]));
  t.notOk(isUp(links[1]));
  t.same(ipv4Of(undefined), []);
  t.same(parseIpJson('Device "lab-x" does not exist.'), [], 'an error message is no list');
  t.same(parseIpJson('{"not":"a list"}'), []);
  t.equal(routeDevice('[{"dst":"198.51.100.2","dev":"lab-veth0","prefsrc":"198.51.100.1","flags":[],"uid":0,"cache":[]}]'), 'lab-veth0');
  t.equal(routeDevice('RTNETLINK answers: Network is unreachable'), undefined);
});

t.test('flags and subnets', async (t) => {
  t.ok(flagsUp('0x1003'));
  t.notOk(flagsUp('0x8'), 'a loopback that is down');
  t.notOk(flagsUp(undefined));
  t.ok(inSubnet('203.0.113.4', '203.0.113.0/24'));
  t.notOk(inSubnet('203.0.114.4', '203.0.113.0/24'));
  t.ok(inSubnet('198.51.100.2', '198.51.100.0/30'));
  t.notOk(inSubnet('198.51.100.5', '198.51.100.0/30'));
  t.notOk(inSubnet('not-an-address', '198.51.100.0/30'));
});

t.test("this process's own network namespace, read from the kernel", async (t) => {
  t.ok(readNetDev('self')?.includes('lo'), '/proc/self/net/dev lists lo');
  t.ok(listSysNet()?.includes('lo'), '/sys/class/net lists lo');
  t.ok(Array.isArray(readListeners('self')), 'the listening sockets are readable');
  t.equal(readNetDev(2 ** 22 + 1), undefined, 'a process that does not exist has no namespace');
});
