import t from 'tap';
import {
  DEFAULT_CAPABILITIES,
  MIN_MEMORY,
  parseCapabilities,
  parseContainerConfig,
  parseCpus,
  parseEnv,
  parseJoinMode,
  parseMemory,
  parseNetwork,
  parsePidsLimit,
  parsePort,
  parseVolume,
  validateHostname,
  validateName,
  validateNetworkName,
} from '../../src/kernel/container-config.js';
import { CAPABILITY_NAMES } from '../../src/kernel/capability-names.js';

t.test('--memory takes Docker units, binary, any case, and refuses less than 6 MiB', async (t) => {
  t.same(parseMemory('20m'), { ok: true, value: 20 * 1024 * 1024 });
  t.same(parseMemory('1g'), { ok: true, value: 1024 ** 3 });
  t.same(parseMemory('1G'), { ok: true, value: 1024 ** 3 });
  t.same(parseMemory('512000k'), { ok: true, value: 512000 * 1024 });
  t.same(parseMemory('20mb'), { ok: true, value: 20 * 1024 * 1024 });
  t.same(parseMemory('1.5g'), { ok: true, value: 1.5 * 1024 ** 3 });
  t.same(parseMemory(String(MIN_MEMORY)), { ok: true, value: MIN_MEMORY });
  const small = parseMemory('512k');
  t.equal(small.ok, false);
  t.match(!small.ok && small.message.en, /Minimum memory limit allowed is 6MB/);
  t.match(!small.ok && small.message.zh, /6MB/);
  for (const bad of ['', 'm', '-20m', '20x', '20 mm', '1e9']) t.equal(parseMemory(bad).ok, false, bad);
  const bad = parseMemory('20x');
  t.match(!bad.ok && bad.message.en, /invalid argument "20x" for "-m, --memory" flag/);
});

t.test('--cpus becomes cpu.max over the 100 ms period, from 0.01 CPU to the host count', async (t) => {
  t.same(parseCpus('0.5'), { ok: true, value: { quota: 50000, period: 100000 } });
  t.same(parseCpus('2'), { ok: true, value: { quota: 200000, period: 100000 } });
  t.same(parseCpus('0.01'), { ok: true, value: { quota: 1000, period: 100000 } });
  t.same(parseCpus('1.25', 2), { ok: true, value: { quota: 125000, period: 100000 } });
  t.equal(parseCpus('0.009').ok, false, 'below 1 ms of quota');
  t.equal(parseCpus('0').ok, false);
  const over = parseCpus('3', 2);
  t.equal(over.ok, false);
  t.match(!over.ok && over.message.en, /Range of CPUs is from 0\.01 to 2\.00/);
  for (const bad of ['', '.5', '-1', 'half', '0.1234567891']) t.equal(parseCpus(bad).ok, false, bad);
});

t.test('--pids-limit: a count, or 0 and -1 for unlimited', async (t) => {
  t.same(parsePidsLimit('10'), { ok: true, value: 10 });
  t.same(parsePidsLimit('0'), { ok: true, value: 'max' });
  t.same(parsePidsLimit('-1'), { ok: true, value: 'max' });
  for (const bad of ['-2', 'ten', '1.5', '']) t.equal(parsePidsLimit(bad).ok, false, bad);
});

t.test('--network: none, host, container:<name>, bridge (the default network) and named networks', async (t) => {
  t.same(parseNetwork('none'), { ok: true, value: { kind: 'none' } });
  t.same(parseNetwork('host'), { ok: true, value: { kind: 'host' } });
  t.same(parseNetwork('container:web'), { ok: true, value: { kind: 'container', name: 'web' } });
  t.equal(parseNetwork('container:').ok, false);
  t.equal(parseNetwork('container:-x').ok, false);
  t.same(parseNetwork('bridge'), { ok: true, value: { kind: 'bridge', network: 'bridge' } });
  t.same(parseNetwork('mynet'), { ok: true, value: { kind: 'bridge', network: 'mynet' } }, 'a named network (the runtime checks it exists)');
  t.equal(parseNetwork('my net').ok, false);
  t.equal(validateNetworkName('host').ok, false, 'a mode is no name for a network');
  t.equal(validateNetworkName('lab-front').ok, true);
});

t.test('-p [IP:]HOSTPORT:PORT, tcp only, 127.0.0.1 unless given; --ipc and --uts container:<name>', async (t) => {
  t.same(parsePort('8080:80'), { ok: true, value: { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80 } });
  t.same(parsePort('0.0.0.0:8080:80/tcp'), { ok: true, value: { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80 } });
  for (const bad of ['80', '8080:80/udp', '0:80', '8080:70000', '300.1.1.1:1:2', 'a:b']) t.equal(parsePort(bad).ok, false, bad);
  t.same(parseJoinMode('container:pause', '--ipc'), { ok: true, value: { kind: 'container', name: 'pause' } });
  t.same(parseJoinMode('private', '--uts'), { ok: true, value: { kind: 'private' } });
  t.equal(parseJoinMode('host', '--ipc').ok, false);
  const config = parseContainerConfig({ publish: ['8080:80'], ipc: 'container:pause', uts: 'container:pause' });
  t.ok(config.ok && config.value.ports?.length === 1 && config.value.ipc?.kind === 'container' && config.value.uts?.kind === 'container');
});

t.test('--name follows Docker: [a-zA-Z0-9][a-zA-Z0-9_.-]+', async (t) => {
  for (const good of ['web', 'a1', 'my_app.v2-1', '0x']) t.same(validateName(good), { ok: true, value: good }, good);
  for (const bad of ['a', '_web', '-web', '.web', 'we b', 'web/1', '', 'wéb']) t.equal(validateName(bad).ok, false, bad);
  const bad = validateName('_x');
  t.match(!bad.ok && bad.message.en, /Invalid container name \(_x\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed/);
});

t.test('--hostname: letters, digits, - and ., at most 64', async (t) => {
  t.same(validateHostname('box-1.lab'), { ok: true, value: 'box-1.lab' });
  t.equal(validateHostname('a'.repeat(64)).ok, true);
  for (const bad of ['', 'a'.repeat(65), '-box', 'bo x', 'box_1']) t.equal(validateHostname(bad).ok, false, bad);
});

t.test('-v HOST:DIR[:ro]: absolute paths, no `..`, a mode of ro or rw', async (t) => {
  t.same(parseVolume('/srv/data:/data'), { ok: true, value: { host: '/srv/data', target: '/data', readOnly: false } });
  t.same(parseVolume('/srv/data:/data:ro'), { ok: true, value: { host: '/srv/data', target: '/data', readOnly: true } });
  t.same(parseVolume('/srv//data/:/data/x/:rw'), { ok: true, value: { host: '/srv/data', target: '/data/x', readOnly: false } });
  for (const bad of [
    '/srv/data',
    'data:/data',
    '/srv/data:data',
    '/srv/data:/data:rx',
    '/srv/data:/data:ro:x',
    '/srv/data:/',
    '/srv/data:/../../etc',
    '/srv/data:/data/../../etc',
    '/srv/../etc:/data',
  ]) {
    const parsed = parseVolume(bad);
    t.equal(parsed.ok, false, bad);
    t.match(!parsed.ok && parsed.message.en, /invalid volume specification/, bad);
  }
});

t.test('-e K=V, and -e K copied from the host environment when set there', async (t) => {
  t.same(parseEnv('A=1'), { ok: true, value: 'A=1' });
  t.same(parseEnv('A=x=y'), { ok: true, value: 'A=x=y' });
  t.same(parseEnv('A='), { ok: true, value: 'A=' });
  t.same(parseEnv('TERM', { TERM: 'xterm' }), { ok: true, value: 'TERM=xterm' });
  t.same(parseEnv('TERM', {}), { ok: true, value: undefined });
  for (const bad of ['=1', '1A=2', 'A-B=1', '']) t.equal(parseEnv(bad).ok, false, bad);
});

t.test('a whole config, with the defaults and Docker swap rule', async (t) => {
  t.same(parseContainerConfig({}), {
    ok: true,
    value: {
      network: { kind: 'bridge', network: 'bridge' },
      volumes: [],
      env: [],
      command: [],
      limits: {},
      capabilities: [...DEFAULT_CAPABILITIES],
      privileged: false,
      seccomp: 'default',
    },
  });
  t.same(
    parseContainerConfig(
      {
        name: 'web',
        hostname: 'box',
        memory: '20m',
        cpus: '0.5',
        pidsLimit: '10',
        network: 'host',
        volumes: ['/srv:/srv:ro'],
        env: ['A=1', 'HOME', 'NOPE'],
        workdir: '/app/',
        command: ['sh', '-c', 'echo hi'],
      },
      { cpus: 4, env: { HOME: '/root' } },
    ),
    {
      ok: true,
      value: {
        name: 'web',
        hostname: 'box',
        network: { kind: 'host' },
        volumes: [{ host: '/srv', target: '/srv', readOnly: true }],
        env: ['A=1', 'HOME=/root'],
        workdir: '/app',
        command: ['sh', '-c', 'echo hi'],
        limits: { memoryMax: 20 * 1024 * 1024, memorySwapMax: 0, cpuMax: { quota: 50000, period: 100000 }, pidsMax: 10 },
        capabilities: [...DEFAULT_CAPABILITIES],
        privileged: false,
        seccomp: 'default',
      },
    },
  );
});

t.test('the first bad value is the message, in both languages', async (t) => {
  const cases: [Parameters<typeof parseContainerConfig>[0], RegExp][] = [
    [{ name: 'x' }, /Invalid container name/],
    [{ memory: 'lots' }, /--memory/],
    [{ cpus: '9' }, /Range of CPUs/],
    [{ pidsLimit: 'x' }, /--pids-limit/],
    [{ network: 'my net' }, /invalid network name/],
    [{ network: 'none', publish: ['8080:80'] }, /Conflicting options: port publishing/],
    [{ publish: ['8080:80/udp'] }, /only tcp/],
    [{ ipc: 'host' }, /--ipc/],
    [{ uts: 'container:pod', hostname: 'box' }, /Conflicting options: hostname and the UTS mode/],
    [{ volumes: ['/a:/b/../..'] }, /invalid volume/],
    [{ env: ['=x'] }, /invalid environment variable/],
    [{ workdir: 'app' }, /working directory 'app' is invalid/],
    [{ workdir: '/app/../..' }, /working directory/],
    [{ network: 'container:web', hostname: 'box' }, /Conflicting options: hostname and the network mode/],
    [{ hostname: 'b x' }, /invalid hostname/],
    [{ capAdd: ['SYS_FOO'] }, /invalid CapAdd: unknown capability: "CAP_SYS_FOO"/],
    [{ capDrop: ['cap_nope'] }, /invalid CapDrop: unknown capability: "CAP_NOPE"/],
  ];
  for (const [flags, message] of cases) {
    const parsed = parseContainerConfig(flags, { cpus: 2 });
    t.equal(parsed.ok, false, JSON.stringify(flags));
    if (parsed.ok) continue;
    t.match(parsed.message.en, message);
    t.not(parsed.message.zh, '', 'a Chinese message too');
  }
});

t.test("capabilities: Docker's 14 by default (CapEff 00000000a80425fb), --cap-drop, --cap-add, ALL, --privileged", async (t) => {
  const mask = (names: readonly string[]): string => {
    const bits: Record<string, number> = {};
    CAPABILITY_NAMES.forEach((name, bit) => (bits[name] = bit));
    return names
      .reduce((m, name) => m | (1n << BigInt(bits[name]!)), 0n)
      .toString(16)
      .padStart(16, '0');
  };
  t.equal(DEFAULT_CAPABILITIES.length, 14);
  t.same([...DEFAULT_CAPABILITIES], [...DEFAULT_CAPABILITIES].sort(), 'sorted by name');
  t.equal(mask(DEFAULT_CAPABILITIES), '00000000a80425fb', "Docker's CapEff");
  t.same(parseCapabilities({}), { ok: true, value: [...DEFAULT_CAPABILITIES] });
  const admin = parseCapabilities({ capAdd: ['sys_admin'], capDrop: ['CAP_NET_RAW', 'Mknod'] });
  t.ok(admin.ok && admin.value.includes('CAP_SYS_ADMIN') && !admin.value.includes('CAP_NET_RAW') && !admin.value.includes('CAP_MKNOD'));
  t.same(admin.ok && admin.value, [...(admin.ok ? admin.value : [])].sort(), 'sorted');
  t.same(parseCapabilities({ capDrop: ['ALL'] }), { ok: true, value: [] });
  t.same(parseCapabilities({ capDrop: ['all'], capAdd: ['NET_BIND_SERVICE', 'net_bind_service'] }), { ok: true, value: ['CAP_NET_BIND_SERVICE'] });
  const every = parseCapabilities({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN'] });
  t.equal(every.ok && every.value.length, CAPABILITY_NAMES.length - 1);
  t.notOk(every.ok && every.value.includes('CAP_SYS_ADMIN'));
  t.same(parseCapabilities({ privileged: true, capDrop: ['ALL'] }), { ok: true, value: [...CAPABILITY_NAMES].sort() }, '--privileged: all');
  const privileged = parseContainerConfig({ privileged: true });
  t.equal(privileged.ok && privileged.value.privileged, true);
  const unknown = parseCapabilities({ capAdd: ['chown', 'bogus'] });
  t.equal(unknown.ok, false);
  t.match(!unknown.ok && unknown.message.zh, /未知的能力（capability）："CAP_BOGUS"/);
});
