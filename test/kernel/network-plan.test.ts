// The container network's plan (src/kernel/network-plan.ts): the exact steps, and, as root, the steps run for real:
// two containers' namespaces on Docker's default network reach the gateway, each other, and the internet stand-in
// only through the NAT rule (without it the replies have no way back), all inside namespaces the test made; then
// the host's links, namespaces and nftables ruleset are as they were.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { formatSubnet } from '../../src/kernel/ipv4.js';
import {
  attachSteps,
  containerNetNames,
  DEFAULT_NETWORK,
  HOST_NETNS,
  hostsFile,
  infrastructureSteps,
  INTERNET_NETNS,
  NAT_TABLE,
  networkDef,
  networkSteps,
  type NetStep,
} from '../../src/kernel/network-plan.js';
import { renderCommand } from '../../src/kernel/shell.js';
import { needsRoot } from '../helpers.js';

const IDS = ['aaaaaaaaaaaa1111', 'bbbbbbbbbbbb2222'];

t.test('networks: Docker default and numbered user networks', async (t) => {
  t.same(
    { ...DEFAULT_NETWORK, subnet: formatSubnet(DEFAULT_NETWORK.subnet) },
    { name: 'bridge', bridge: 'lab-br0', subnet: '172.17.0.0/16', gateway: '172.17.0.1' },
  );
  const mine = networkDef('mynet', 1)!;
  t.same([mine.bridge, formatSubnet(mine.subnet), mine.gateway], ['lab-br1', '172.18.0.0/16', '172.18.0.1']);
  t.equal(networkDef('x', 15), undefined, 'past 172.31');
  t.equal(networkDef('x', -1), undefined);
});

t.test('every step is shown as it runs; everything outside the container is in lab-host-net', async (t) => {
  const steps = [...infrastructureSteps(), ...networkSteps(DEFAULT_NETWORK), ...attachSteps(DEFAULT_NETWORK, IDS[0]!, '172.17.0.2').steps];
  for (const s of steps) t.equal(s.text, renderCommand(s.argv), s.text);
  const nft = steps.filter((s) => s.argv.includes('nft'));
  t.ok(nft.length >= 3, 'the NAT table, its chain and a rule');
  for (const s of nft) t.same(s.argv.slice(0, 4), ['ip', 'netns', 'exec', HOST_NETNS], `never the host's ruleset: ${s.text}`);
  t.ok(
    steps.some((s) => s.text === `ip netns exec ${HOST_NETNS} nft add rule ip ${NAT_TABLE} postrouting ip saddr 172.17.0.0/16 oifname lab-uplink masquerade`),
    'masquerade of 172.17.0.0/16 out of the uplink',
  );
  const { netns, hostEnd } = containerNetNames(IDS[0]!);
  t.same([netns, hostEnd], ['lab-caaaaaaaaaaaa', 'lab-vaaaaaaaa']);
  t.ok(hostEnd.length <= 15, 'a device name fits IFNAMSIZ');
  t.same(attachSteps(DEFAULT_NETWORK, IDS[0]!, '172.17.0.2').resources, [{ kind: 'netns', name: netns }]);
});

t.test('hosts file: the container itself, then its peers by name', async (t) => {
  t.equal(
    hostsFile({ name: 'web', hostname: 'abc', address: '172.18.0.2' }, [
      { name: 'db', address: '172.18.0.3' },
      { name: 'api', address: '172.18.0.4' },
    ]),
    '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n172.18.0.2\tabc web\n172.18.0.4\tapi\n172.18.0.3\tdb\n',
  );
});

/** Run one step; its exit status and output. */
function run(s: NetStep | string[]): { status: number | null; out: string } {
  const argv = Array.isArray(s) ? s : s.argv;
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The host's links, named namespaces, ruleset, routes, forwarding sysctl and mounts on /run/netns. */
const hostState = (): string =>
  [
    run(['ip', '-br', 'link']).out,
    run(['ip', 'netns', 'list']).out,
    run(['nft', 'list', 'ruleset']).out,
    run(['ip', 'route', 'show', 'table', 'all']).out,
    readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'),
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((line) => line.includes('/run/netns'))
      .join('\n'),
  ].join('\n');

const noNft = spawnSync('nft', ['--version']).status === 0 ? false : 'nft is not installed (Debian: nftables; scripts/provision.sh installs it)';
const skip = needsRoot() || noNft;

t.test('for real: the bridge, two containers, NAT to the internet stand-in, and the host untouched', { skip }, async (t) => {
  const before = hostState();
  const hadNetnsDir = existsSync('/run/netns');
  const namespaces = [HOST_NETNS, INTERNET_NETNS, ...IDS.map((id) => containerNetNames(id).netns)];
  t.notOk(
    namespaces.some((name) => before.includes(name)),
    'none of the namespaces exists yet',
  );
  try {
    const steps = [...infrastructureSteps(), ...networkSteps(DEFAULT_NETWORK)];
    IDS.forEach((id, i) => steps.push(...attachSteps(DEFAULT_NETWORK, id, `172.17.0.${i + 2}`).steps));
    for (const s of steps) {
      const r = run(s);
      if (r.status !== 0) t.fail(`${s.text}: exit ${r.status}: ${r.out.trim()}`);
    }
    const inA = (argv: string[]) => run(['ip', 'netns', 'exec', containerNetNames(IDS[0]!).netns, ...argv]);
    const ping = (address: string) => inA(['busybox', 'ping', '-c', '1', '-W', '3', address]).status;
    t.equal(ping('172.17.0.1'), 0, 'container A reaches the gateway on lab-br0');
    t.equal(ping('172.17.0.3'), 0, 'container A reaches container B across the bridge');
    t.equal(ping('203.0.113.2'), 0, 'container A reaches the internet stand-in');
    t.match(run(['ip', '-n', INTERNET_NETNS, 'route']).out, /^(?![\s\S]*172\.17)/, 'which has no route back to 172.17.0.0/16');
    // Without the masquerade, the replies would be addressed to 172.17.0.2: the internet cannot route them.
    t.equal(run(['ip', 'netns', 'exec', HOST_NETNS, 'nft', 'flush', 'chain', 'ip', NAT_TABLE, 'postrouting']).status, 0);
    t.not(ping('203.0.113.2'), 0, 'without the NAT rule the internet stand-in is unreachable: the rule made the difference');
  } finally {
    for (const name of namespaces.reverse()) run(['ip', 'netns', 'del', name]);
    if (!hadNetnsDir) rmdirSync('/run/netns');
  }
  t.equal(hostState(), before, "the host's links, namespaces and nftables ruleset are as before");
});
