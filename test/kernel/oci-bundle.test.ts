// The OCI bundle subset: a config.json as runc takes it becomes the plan's input; every field outside the subset, and
// every required field missing, is a message naming the field, and bundleInput turns it into an error exiting 125.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { LabError } from '../../src/common/errors.js';
import { bundleInput, parseBundle } from '../../src/kernel/oci-bundle.js';
import { tempDir } from '../helpers.js';

const BUNDLE = '/srv/bundles/one';

/** A config.json using every field of the subset. */
function full(): Record<string, unknown> {
  return {
    ociVersion: '1.0.2',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args: ['sh', '-c', 'echo hi'], env: ['PATH=/bin', 'A=1'], cwd: '/work' },
    root: { path: 'rootfs', readonly: true },
    hostname: 'bundled',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/data', type: 'bind', source: 'data', options: ['rbind', 'ro'] },
      { destination: '/etc/hosts', source: '/etc/hosts', options: ['bind'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'cgroup' }],
      resources: { memory: { limit: 33554432 }, cpu: { quota: 50000, period: 100000 }, pids: { limit: 20 } },
      maskedPaths: ['/proc/kcore', '/sys/firmware'],
      readonlyPaths: ['/proc/sys'],
    },
  };
}

const message = (json: unknown): string => {
  const parsed = parseBundle(json, BUNDLE);
  return parsed.ok ? 'parsed' : parsed.message.en;
};

/** A copy of full() with the field at `path` (`mounts.0.type`) set to `value`, or deleted when it is undefined. */
function edited(path: string, value?: unknown): unknown {
  const config = full();
  const keys = path.split('.');
  let node = config;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  const last = keys.at(-1) ?? '';
  if (value === undefined) delete node[last];
  else node[last] = value;
  return config;
}

t.test('every field of the subset, to the plan input', async (t) => {
  const parsed = parseBundle(full(), BUNDLE);
  if (!parsed.ok) throw new Error(parsed.message.en);
  t.same(parsed.value, {
    config: {
      network: { kind: 'none' },
      volumes: [],
      env: [],
      command: ['sh', '-c', 'echo hi'],
      workdir: '/work',
      hostname: 'bundled',
      limits: { memoryMax: 33554432, cpuMax: { quota: 50000, period: 100000 }, pidsMax: 20 },
    },
    image: { layers: [], env: ['PATH=/bin', 'A=1'] },
    root: {
      path: `${BUNDLE}/rootfs`,
      readonly: true,
      mounts: [
        { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
        { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
        { destination: '/data', type: 'bind', source: `${BUNDLE}/data`, options: ['rbind', 'ro'] },
        { destination: '/etc/hosts', type: 'bind', source: '/etc/hosts', options: ['bind'] },
      ],
      maskedPaths: ['/proc/kcore', '/sys/firmware'],
      readonlyPaths: ['/proc/sys'],
    },
    terminal: false,
  });
});

t.test('the least a bundle needs; without a network namespace the host network is kept', async (t) => {
  const least = {
    ociVersion: '1.0.2',
    process: { args: ['true'], cwd: '/' },
    root: { path: '/srv/rootfs' },
    linux: { namespaces: ['pid', 'mount', 'ipc', 'uts', 'cgroup'].map((type) => ({ type })) },
  };
  const parsed = parseBundle(least, BUNDLE);
  if (!parsed.ok) throw new Error(parsed.message.en);
  t.same(parsed.value.config.network, { kind: 'host' });
  t.same(parsed.value.config.limits, {});
  t.equal(parsed.value.config.hostname, undefined);
  t.same(parsed.value.root, { path: '/srv/rootfs', readonly: false, mounts: [], maskedPaths: [], readonlyPaths: [] });
  t.same(parsed.value.image, { layers: [], env: [] });
  const unlimited = edited('linux.resources', { memory: { limit: -1 }, cpu: { quota: -1 }, pids: { limit: -1 } });
  const limits = parseBundle(unlimited, BUNDLE);
  t.same(limits.ok && limits.value.config.limits, { memoryMax: 'max', cpuMax: { quota: 'max', period: 100000 }, pidsMax: 'max' }, '-1 is unlimited');
});

t.test('a missing field is named', async (t) => {
  t.match(message(edited('ociVersion')), /^config\.json: ociVersion is missing/);
  t.match(message(edited('process')), /^config\.json: process is missing/);
  t.match(message(edited('process.args')), /process\.args is missing/);
  t.match(message(edited('process.cwd')), /process\.cwd is missing/);
  t.match(message(edited('root')), /root is missing/);
  t.match(message(edited('root.path')), /root\.path is missing/);
  t.match(message(edited('linux')), /linux is missing/);
  t.match(message(edited('linux.namespaces')), /linux\.namespaces is missing/);
  t.match(message(edited('mounts.0.destination')), /mounts\[0\]\.destination is missing/);
  t.match(message(edited('mounts.1.type')), /mounts\[1\]\.type is missing/);
  t.match(message(edited('mounts.2.source')), /mounts\[2\]\.source is missing/);
  t.match(message(edited('linux.resources.pids.limit')), /linux\.resources\.pids\.limit is missing/);
  t.match(
    message(edited('linux.namespaces', [{ type: 'pid' }, { type: 'mount' }])),
    /linux\.namespaces lacks ipc, uts, cgroup/,
    'the namespaces lab always makes',
  );
});

t.test('a field outside the subset is named, in both languages', async (t) => {
  const outside: [string, string, unknown][] = [
    ['hooks', 'hooks', {}],
    ['process.capabilities', 'process.capabilities', {}],
    ['process.rlimits', 'process.rlimits', []],
    ['process.user.uid', 'process.user.uid', 1000],
    ['process.user.additionalGids', 'process.user.additionalGids', [1]],
    ['root.options', 'root.options', []],
    ['mounts\\[0\\].type \\(sysfs\\)', 'mounts.0.type', 'sysfs'],
    ['mounts\\[1\\].options\\[0\\] \\(uid=5\\)', 'mounts.1.options', ['uid=5']],
    ['mounts\\[2\\].options\\[1\\] \\(mode=755\\)', 'mounts.2.options', ['bind', 'mode=755']],
    ['mounts\\[0\\].uidMappings', 'mounts.0.uidMappings', []],
    ['linux.namespaces\\[0\\].type \\(user\\)', 'linux.namespaces.0.type', 'user'],
    ['linux.namespaces\\[1\\].path', 'linux.namespaces.1.path', '/proc/1/ns/net'],
    ['linux.devices', 'linux.devices', []],
    ['linux.cgroupsPath', 'linux.cgroupsPath', '/x'],
    ['linux.resources.devices', 'linux.resources.devices', []],
    ['linux.resources.memory.swap', 'linux.resources.memory.swap', 1],
    ['linux.resources.cpu.shares', 'linux.resources.cpu.shares', 1024],
  ];
  for (const [field, path, value] of outside) {
    const parsed = parseBundle(edited(path, value), BUNDLE);
    t.match(!parsed.ok && parsed.message.en, new RegExp(`^config\\.json: ${field} is not in the subset of config\\.json lab runs$`), field);
    t.match(!parsed.ok && parsed.message.zh, new RegExp(`^config\\.json：${field} 不在 lab 支持的 config\\.json 子集中$`));
  }
});

t.test('bad values are named: paths that escape the root, limits the kernel refuses, the host root', async (t) => {
  t.match(
    message(edited('mounts.0.destination', '/proc/../../etc')),
    /mounts\[0\]\.destination "\/proc\/\.\.\/\.\.\/etc" is not an absolute path inside the root/,
  );
  t.match(message(edited('mounts.0.destination', 'proc')), /mounts\[0\]\.destination/);
  t.match(message(edited('mounts.0.destination', '/')), /mounts\[0\]\.destination is the root itself/);
  t.match(message(edited('linux.maskedPaths', ['/proc/../etc/shadow'])), /linux\.maskedPaths\[0\]/);
  t.match(message(edited('process.cwd', 'work')), /process\.cwd "work" is not an absolute path/);
  t.match(message(edited('process.args', [])), /process\.args is empty/);
  t.match(message(edited('process.env', ['A=1', 'not a name=2'])), /process\.env\[1\] is not NAME=value/);
  t.match(message(edited('root.path', '/')), /root\.path is the host's own \//);
  t.match(message(edited('root.path', '../../..')), /root\.path is the host's own \//, 'a relative path that leads to /');
  t.match(message(edited('hostname', 'bad name')), /^config\.json: hostname invalid hostname "bad name"/);
  t.match(message(edited('linux.resources.cpu.quota', 10)), /linux\.resources\.cpu\.quota is not an integer from 1000/);
  t.match(message(edited('linux.resources.cpu.period', 5_000_000)), /linux\.resources\.cpu\.period is not an integer/);
  t.match(message(edited('linux.resources.memory.limit', '1g')), /linux\.resources\.memory\.limit is not an integer/);
  t.match(message(edited('process.terminal', 'yes')), /process\.terminal is not true or false/);
  t.match(message([]), /^config\.json: config\.json is not a JSON object/);
});

t.test('bundleInput reads the directory; every problem exits 125', async (t) => {
  const dir = tempDir('lab-test-bundle-');
  const code = (): [string, number] | string => {
    try {
      bundleInput(dir);
      return 'no error';
    } catch (error) {
      return error instanceof LabError ? [error.code, error.exitCode] : String(error);
    }
  };
  t.same(code(), ['ENOENT', 125], 'no config.json');
  writeFileSync(join(dir, 'config.json'), '{ not json');
  t.same(code(), ['bad-bundle', 125], 'not JSON');
  writeFileSync(join(dir, 'config.json'), JSON.stringify(full()));
  t.same(code(), ['bad-bundle', 125], 'root.path is not there');
  mkdirSync(join(dir, 'rootfs'));
  const input = bundleInput(dir);
  t.equal(input.root.path, join(dir, 'rootfs'), 'root.path from the bundle directory');
  t.equal(input.root.mounts[2]?.source, join(dir, 'data'), 'a relative bind source from the bundle directory');
  writeFileSync(join(dir, 'config.json'), JSON.stringify(edited('linux.sysctl', {})));
  try {
    bundleInput(dir);
    t.fail('linux.sysctl accepted');
  } catch (error) {
    t.ok(error instanceof LabError && error.exitCode === 125 && /linux\.sysctl/.test(error.meaning.en), 'a field outside the subset, named');
  }
});
