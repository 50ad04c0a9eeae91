// IPv4 parsing and the address allocator of the container networks (src/kernel/ipv4.ts).
import t from 'tap';
import { allocate, formatIPv4, formatSubnet, gatewayOf, inSubnet, parseIPv4, parseSubnet, subnetSize } from '../../src/kernel/ipv4.js';

t.test('dotted quads: parsed and formatted, anything else refused', async (t) => {
  t.equal(parseIPv4('172.17.0.2'), 172 * 2 ** 24 + 17 * 2 ** 16 + 2);
  t.equal(formatIPv4(parseIPv4('255.255.255.255')!), '255.255.255.255');
  t.equal(formatIPv4(0), '0.0.0.0');
  for (const bad of ['1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.x', '', '1..2.3']) t.equal(parseIPv4(bad), undefined, `refused: ${bad}`);
});

t.test('subnets: host bits must be clear; membership; size; the gateway is the first host', async (t) => {
  const subnet = parseSubnet('172.17.0.0/16')!;
  t.equal(formatSubnet(subnet), '172.17.0.0/16');
  t.equal(subnetSize(subnet), 65536);
  t.equal(formatIPv4(gatewayOf(subnet)), '172.17.0.1');
  t.ok(inSubnet(subnet, parseIPv4('172.17.255.254')!));
  t.notOk(inSubnet(subnet, parseIPv4('172.18.0.1')!));
  t.equal(parseSubnet('172.17.0.1/16'), undefined, 'an address with a prefix is not a subnet');
  t.equal(parseSubnet('10.0.0.0/33'), undefined);
  t.same(parseSubnet('0.0.0.0/0'), { network: 0, prefix: 0 });
});

t.test('allocate: the lowest free host after the gateway; never network, gateway or broadcast; undefined when full', async (t) => {
  const subnet = parseSubnet('10.9.0.0/29')!; // .0 network, .1 gateway, .2-.6 hosts, .7 broadcast
  t.equal(allocate(subnet, []), '10.9.0.2');
  t.equal(allocate(subnet, ['10.9.0.2', '10.9.0.3']), '10.9.0.4');
  t.equal(allocate(subnet, ['10.9.0.2', '10.9.0.4']), '10.9.0.3', 'a returned address is given out again');
  t.equal(allocate(subnet, ['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6']), undefined, 'full');
  t.equal(allocate(parseSubnet('10.9.0.0/31')!, []), undefined, 'no room for a container');
  t.equal(allocate(subnet, ['not an address', '10.9.0.2']), '10.9.0.3', 'an unreadable entry is ignored');
});
