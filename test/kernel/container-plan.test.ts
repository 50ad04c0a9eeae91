import { spawnSync } from 'node:child_process';
import t from 'tap';
import { parseContainerConfig, type ContainerConfig, type ContainerFlags } from '../../src/kernel/container-config.js';
import { containerPlan, renderScript, setprivArgv, type ContainerPlan, type PlanInput, type PlanRoot, type StageId } from '../../src/kernel/container-plan.js';
import { renderCommand } from '../../src/kernel/shell.js';

const STATE = '/var/lib/lab/containers/c1';
const U = `${STATE}/upper`;
const W = `${STATE}/work`;
const M = `${STATE}/merged`;
const CG = '/sys/fs/cgroup/lab-containers/c1';
/** Docker's 14 capabilities as the last step's setpriv takes them: bounding set only, no inheritable, no ambient. */
const SETPRIV =
  'setpriv --bounding-set -all,+audit_write,+chown,+dac_override,+fowner,+fsetid,+kill,+mknod,+net_bind_service,+net_raw,+setfcap,+setgid,+setpcap,+setuid,+sys_chroot --inh-caps -all --ambient-caps -all --';
const LAYERS = ['/var/lib/lab/images/layers/base', '/var/lib/lab/images/layers/mid', '/var/lib/lab/images/layers/top'];

/** A config from flags; `--network none` unless the flags name a network (the plans below are of that mode). */
function config(flags: ContainerFlags): ContainerConfig {
  const parsed = parseContainerConfig({ network: 'none', ...flags }, { cpus: 4 });
  if (!parsed.ok) throw new Error(parsed.message.en);
  return parsed.value;
}

function input(flags: ContainerFlags, more: Partial<PlanInput> = {}): PlanInput {
  return {
    id: '0123456789abcdef0123',
    config: config(flags),
    image: { layers: LAYERS, cmd: ['sh'] },
    dirs: { upper: U, work: W, merged: M },
    cgroup: CG,
    ...more,
  };
}

function plan(flags: ContainerFlags, more: Partial<PlanInput> = {}): ContainerPlan {
  const built = containerPlan(input(flags, more));
  if (!built.ok) throw new Error(built.message.en);
  return built.value;
}

function texts(p: ContainerPlan, id: StageId): string[] {
  return p.stages.find((s) => s.id === id)?.steps.map((s) => `${s.place}: ${s.text}`) ?? [];
}

const ROOTFS_SYSTEM = [
  `harness: mkdir ${U}`,
  `harness: mkdir ${W}`,
  `harness: mkdir ${M}`,
  'container: mount --make-rprivate /',
  `container: mount -t overlay overlay -o lowerdir=${LAYERS[2]}:${LAYERS[1]}:${LAYERS[0]},upperdir=${U},workdir=${W} ${M}`,
  `container: mount --bind ${M} ${M}`,
  `container: mkdir -p ${M}/proc ${M}/dev ${M}/sys`,
  `container: mount -t proc -o nosuid,nodev,noexec proc ${M}/proc`,
  `container: mount -t tmpfs -o nosuid,strictatime,mode=755,size=65536k tmpfs ${M}/dev`,
  `container: mknod -m 666 ${M}/dev/null c 1 3`,
  `container: mknod -m 666 ${M}/dev/zero c 1 5`,
  `container: mknod -m 666 ${M}/dev/full c 1 7`,
  `container: mknod -m 666 ${M}/dev/random c 1 8`,
  `container: mknod -m 666 ${M}/dev/urandom c 1 9`,
  `container: mknod -m 666 ${M}/dev/tty c 5 0`,
  `container: mkdir ${M}/dev/pts ${M}/dev/shm ${M}/dev/mqueue`,
  `container: mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,nosuid,noexec devpts ${M}/dev/pts`,
  `container: mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=65536k shm ${M}/dev/shm`,
  `container: mount -t mqueue -o nosuid,nodev,noexec mqueue ${M}/dev/mqueue`,
  `container: ln -s pts/ptmx ${M}/dev/ptmx`,
  `container: ln -s /proc/self/fd ${M}/dev/fd`,
  `container: ln -s /proc/self/fd/0 ${M}/dev/stdin`,
  `container: ln -s /proc/self/fd/1 ${M}/dev/stdout`,
  `container: ln -s /proc/self/fd/2 ${M}/dev/stderr`,
  `container: mount -t sysfs -o ro,nosuid,nodev,noexec sysfs ${M}/sys`,
  `container: mount -t cgroup2 -o ro,nosuid,nodev,noexec cgroup2 ${M}/sys/fs/cgroup`,
];

const mask = (path: string, dir: boolean): string =>
  `container: if [ -e ${M}${path} ]; then ${dir ? `mount -t tmpfs -o ro tmpfs ${M}${path}` : `mount --bind ${M}/dev/null ${M}${path}`}; fi`;
const readonly = (path: string): string[] => [
  `container: if [ -e ${M}${path} ]; then mount --bind ${M}${path} ${M}${path}; fi`,
  `container: if [ -e ${M}${path} ]; then mount -o remount,bind,ro,nosuid,nodev,noexec ${M}${path}; fi`,
];

const ROOTFS_MASKS_AND_PIVOT = [
  mask('/proc/asound', true),
  mask('/proc/acpi', true),
  mask('/proc/kcore', false),
  mask('/proc/keys', false),
  mask('/proc/latency_stats', false),
  mask('/proc/timer_list', false),
  mask('/proc/timer_stats', false),
  mask('/proc/sched_debug', false),
  mask('/proc/scsi', true),
  mask('/sys/firmware', true),
  mask('/sys/devices/virtual/powercap', true),
  ...readonly('/proc/bus'),
  ...readonly('/proc/fs'),
  ...readonly('/proc/irq'),
  ...readonly('/proc/sys'),
  ...readonly('/proc/sysrq-trigger'),
  `container: cd ${M}`,
  'container: pivot_root . .',
  'container: umount -l .',
  'container: cd /',
];

t.test('the plan of a plain `run IMAGE`: every stage, exactly', async (t) => {
  const p = plan({});
  t.same(
    p.stages.map((s) => s.id),
    ['cgroup', 'namespaces', 'rootfs', 'process'],
  );
  t.same(texts(p, 'cgroup'), [`harness: mkdir ${CG}`, `process: echo $$ > ${CG}/cgroup.procs`]);
  t.same(texts(p, 'namespaces'), [
    'process: unshare --pid --mount --uts --ipc --net --cgroup --fork --kill-child --propagation private',
    'process: env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    'container: ip link set lo up',
    'container: hostname 0123456789ab',
  ]);
  t.same(texts(p, 'rootfs'), [...ROOTFS_SYSTEM, ...ROOTFS_MASKS_AND_PIVOT]);
  t.same(texts(p, 'process'), [
    'container: export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOSTNAME=0123456789ab HOME=/root',
    'container: unset OLDPWD PWD',
    `container: exec ${SETPRIV} sh`,
  ]);
  t.same(p.command, ['sh']);
  t.same(p.resources, [
    { kind: 'cgroup', path: CG },
    { kind: 'directory', path: U },
    { kind: 'directory', path: W },
    { kind: 'directory', path: M },
  ]);
});

t.test('what is shown is what runs: the script is the container steps, the argv the process steps then the script', async (t) => {
  const p = plan({ memory: '20m', volumes: ['/srv/data:/data:ro'], env: ['A=b c'], workdir: '/app', command: ['sh', '-c', 'echo hi'] });
  const steps = p.stages.flatMap((s) => s.steps);
  const container = steps.flatMap((s) => (s.place === 'container' ? [s.text] : []));
  t.equal(p.script, renderScript(container));
  t.equal(p.script, `${container.slice(0, -1).join(' &&\n')} ||\nexit 125\n${container.at(-1)}`);
  t.same(p.argv, [
    'setpriv',
    '--pdeathsig',
    'KILL',
    '--',
    'sh',
    '-c',
    `echo $$ > ${CG}/cgroup.procs && exec "$@"`,
    'sh',
    'unshare',
    '--pid',
    '--mount',
    '--uts',
    '--ipc',
    '--net',
    '--cgroup',
    '--fork',
    '--kill-child',
    '--propagation',
    'private',
    'env',
    '-i',
    'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    'sh',
    '-c',
    p.script,
  ]);
  const whole = renderCommand(p.argv);
  for (const step of steps) if (step.place === 'process') t.ok(whole.includes(step.text), `shown in the whole command: ${step.text}`);
  t.equal(spawnSync('sh', ['-n', '-c', p.script]).status, 0, 'the script is valid sh');
});

t.test("lab-init's steps are the shown texts, in the order the shell runs them", async (t) => {
  const p = plan({ memory: '20m', volumes: ['/srv/data:/data:ro'], env: ['A=b c'], workdir: '/app', command: ['sh', '-c', 'echo hi'] });
  const steps = p.stages.flatMap((s) => s.steps);
  t.same(p.initSteps, ['setpriv --pdeathsig KILL --', ...steps.flatMap((s) => (s.place === 'harness' ? [] : [s.text]))]);
  t.equal(p.initSteps[1], `echo $$ > ${CG}/cgroup.procs`, 'the cgroup first, as in argv');
  t.equal(p.initSteps.at(-1), `exec ${SETPRIV} sh -c 'echo hi'`, 'the exec last');
  t.notOk(
    p.initSteps.some((text) => / (\|\||else|elif) /.test(text)),
    'one command per step, guarded by `if ...; then ...; fi` at most (the grammar lab-init reads)',
  );
});

t.test('a setup step that fails exits 125, before the exec', async (t) => {
  t.equal(spawnSync('sh', ['-c', renderScript(['true', 'false', 'exec true'])]).status, 125);
  t.equal(spawnSync('sh', ['-c', renderScript(['true', 'exec sh -c "exit 3"'])]).status, 3);
  t.equal(renderScript(['exec true']), 'exec true');
});

t.test('limits are cgroup writes by the harness, before the process joins', async (t) => {
  const p = plan({ memory: '20m', cpus: '0.5', pidsLimit: '10' });
  t.same(texts(p, 'cgroup'), [
    `harness: mkdir ${CG}`,
    `harness: echo 20971520 > ${CG}/memory.max`,
    `harness: echo 0 > ${CG}/memory.swap.max`,
    `harness: echo '50000 100000' > ${CG}/cpu.max`,
    `harness: echo 10 > ${CG}/pids.max`,
    `process: echo $$ > ${CG}/cgroup.procs`,
  ]);
  const write = p.stages[0]?.steps[2];
  t.same(write?.place === 'harness' && write.action, { kind: 'write', path: `${CG}/memory.swap.max`, value: '0' });
});

t.test('volumes bind after the kernel filesystems, parents first; :ro is a remount', async (t) => {
  const p = plan({ volumes: ['/srv/logs:/data/logs', '/srv/data:/data:ro'], workdir: '/app' });
  t.same(texts(p, 'rootfs').slice(ROOTFS_SYSTEM.length, ROOTFS_SYSTEM.length + 6), [
    `container: mkdir -p ${M}/data`,
    `container: mount --bind /srv/data ${M}/data`,
    `container: mount -o remount,bind,ro ${M}/data`,
    `container: mkdir -p ${M}/data/logs`,
    `container: mount --bind /srv/logs ${M}/data/logs`,
    `container: mkdir -p ${M}/app`,
  ]);
  t.same(texts(p, 'rootfs').slice(ROOTFS_SYSTEM.length + 6), ROOTFS_MASKS_AND_PIVOT);
});

t.test('the process: the image env, then -e, PATH and HOSTNAME defaults, the workdir, entrypoint + command', async (t) => {
  const p = plan(
    { hostname: 'box', env: ['A=2', 'B=x y'], workdir: '/srv', command: ['-c', 'echo $A'] },
    { image: { layers: LAYERS, entrypoint: ['/bin/sh'], cmd: ['-i'], env: ['PATH=/bin', 'A=1', 'HOME=/home/app'], workdir: '/app' } },
  );
  t.same(p.env, ['PATH=/bin', 'HOSTNAME=box', 'A=2', 'HOME=/home/app', 'B=x y']);
  t.same(p.command, ['/bin/sh', '-c', 'echo $A']);
  t.same(texts(p, 'process'), [
    "container: export PATH=/bin HOSTNAME=box A=2 HOME=/home/app 'B=x y'",
    'container: cd /srv',
    'container: unset OLDPWD PWD',
    `container: exec ${SETPRIV} /bin/sh -c 'echo $A'`,
  ]);
  t.ok(texts(p, 'namespaces').includes('container: hostname box'));
  const imageDefaults = plan({}, { image: { layers: LAYERS, cmd: ['top', '-b'], workdir: '/app' } });
  t.same(texts(imageDefaults, 'process').slice(1), ['container: cd /app', 'container: unset OLDPWD PWD', `container: exec ${SETPRIV} top -b`]);
});

t.test('--network host keeps the host net namespace; container:<name> joins one and keeps its hostname', async (t) => {
  const host = plan({ network: 'host' });
  t.same(texts(host, 'namespaces'), [
    'process: unshare --pid --mount --uts --ipc --cgroup --fork --kill-child --propagation private',
    'process: env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    'container: hostname 0123456789ab',
  ]);
  const joined = plan({ network: 'container:web' }, { joinNetns: '/proc/4242/ns/net' });
  t.same(texts(joined, 'namespaces'), [
    'process: nsenter --net=/proc/4242/ns/net --',
    'process: unshare --pid --mount --uts --ipc --cgroup --fork --kill-child --propagation private',
    'process: env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin',
  ]);
  t.same(joined.argv.slice(8, 11), ['nsenter', '--net=/proc/4242/ns/net', '--']);
});

t.test('what the plan cannot do is a message: no command, a container not running, a bridge network not made', async (t) => {
  const none = containerPlan({ ...input({}), image: { layers: LAYERS } });
  t.match(!none.ok && none.message.en, /No command specified/);
  const missing = containerPlan(input({ network: 'container:web' }));
  t.match(!missing.ok && missing.message.en, /container "web" is not running/);
  const bridge = containerPlan({ ...input({}), config: { ...config({}), network: { kind: 'bridge', network: 'bridge' } } });
  t.match(!bridge.ok && bridge.message.en, /network "bridge" is not ready/, 'the runtime makes its namespace first');
});

// Every host path in a plan is one of the given directories (layers, the container's own, its cgroup) or a declared
// volume; only `/` itself (made private) is outside them. Paths after the pivot, a link's text and the env's PATH
// are the container's own.
t.test('a plan names no host path outside the given directories and volumes', async (t) => {
  const volumes = ['/srv/data:/data:ro', '/home/learner/src:/src'];
  const p = plan({ volumes, workdir: '/app', memory: '10m' }, { joinNetns: undefined });
  const allowed = [...LAYERS, STATE, CG, '/srv/data', '/home/learner/src'];
  const steps = p.stages.flatMap((s) => s.steps);
  const pivot = steps.findIndex((s) => s.text === 'pivot_root . .');
  t.ok(pivot > 0);
  const seen: string[] = [];
  for (const step of steps.slice(0, pivot)) {
    const words = step.text.split(/\s+/);
    words.forEach((word, i) => {
      if (words[i - 1] === '-s' || /^[A-Z_]+=/.test(word)) return; // a symlink's text, an env assignment
      for (const token of word.split(/[,:=']/)) if (token.startsWith('/')) seen.push(token);
    });
  }
  t.ok(seen.length > 50, 'the scan sees the paths');
  const outside = seen.filter((path) => path !== '/' && !allowed.some((root) => path === root || path.startsWith(`${root}/`)));
  t.same(outside, []);
  const escaping = parseContainerConfig({ volumes: ['/srv/data:/data/../../etc'] });
  t.equal(escaping.ok, false, 'a -v whose target climbs out with .. is refused');
  t.equal(parseContainerConfig({ volumes: ['/srv/../etc:/data'] }).ok, false, 'so is a host path with ..');
});

// ---- an OCI bundle's root (`--bundle`): used as it is, with the bundle's own mounts, masks and read-only paths ----

const R = '/srv/bundle/rootfs';
const BUNDLE_ROOT: PlanRoot = {
  path: R,
  readonly: true,
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] },
    { destination: '/data', type: 'bind', source: '/srv/bundle/data', options: ['rbind', 'ro', 'nosuid'] },
    { destination: '/etc/hosts', type: 'bind', source: '/etc/hosts', options: ['bind'] },
  ],
  maskedPaths: ['/proc/kcore', '/sys/firmware'],
  readonlyPaths: ['/proc/sys'],
};
const guarded = (path: string, command: string): string => `container: if [ ! -e ${R}${path} ] && [ ! -L ${R}${path} ]; then ${command}; fi`;

t.test('a bundle root: bound onto itself, its mounts in order, devices kept if there, its masks, ro, the pivot', async (t) => {
  const p = plan({ workdir: '/work', command: ['true'] }, { root: BUNDLE_ROOT });
  t.same(texts(p, 'rootfs'), [
    'container: mount --make-rprivate /',
    `container: mount --bind ${R} ${R}`,
    `container: mkdir -p ${R}/proc`,
    `container: mount -t proc -o nosuid,noexec,nodev proc ${R}/proc`,
    `container: mkdir -p ${R}/dev`,
    `container: mount -t tmpfs -o nosuid,mode=755 tmpfs ${R}/dev`,
    `container: if [ -d /srv/bundle/data ]; then mkdir -p ${R}/data; fi`,
    `container: if [ ! -d /srv/bundle/data ]; then mkdir -p ${R}; fi`,
    `container: if [ ! -d /srv/bundle/data ]; then touch ${R}/data; fi`,
    `container: mount --rbind /srv/bundle/data ${R}/data`,
    `container: mount -o remount,bind,ro,nosuid ${R}/data`,
    `container: if [ -d /etc/hosts ]; then mkdir -p ${R}/etc/hosts; fi`,
    `container: if [ ! -d /etc/hosts ]; then mkdir -p ${R}/etc; fi`,
    `container: if [ ! -d /etc/hosts ]; then touch ${R}/etc/hosts; fi`,
    `container: mount --bind /etc/hosts ${R}/etc/hosts`,
    guarded('/dev/null', `mknod -m 666 ${R}/dev/null c 1 3`),
    guarded('/dev/zero', `mknod -m 666 ${R}/dev/zero c 1 5`),
    guarded('/dev/full', `mknod -m 666 ${R}/dev/full c 1 7`),
    guarded('/dev/random', `mknod -m 666 ${R}/dev/random c 1 8`),
    guarded('/dev/urandom', `mknod -m 666 ${R}/dev/urandom c 1 9`),
    guarded('/dev/tty', `mknod -m 666 ${R}/dev/tty c 5 0`),
    guarded('/dev/ptmx', `ln -s pts/ptmx ${R}/dev/ptmx`),
    guarded('/dev/fd', `ln -s /proc/self/fd ${R}/dev/fd`),
    guarded('/dev/stdin', `ln -s /proc/self/fd/0 ${R}/dev/stdin`),
    guarded('/dev/stdout', `ln -s /proc/self/fd/1 ${R}/dev/stdout`),
    guarded('/dev/stderr', `ln -s /proc/self/fd/2 ${R}/dev/stderr`),
    `container: mkdir -p ${R}/work`,
    `container: if [ -d ${R}/proc/kcore ]; then mount -t tmpfs -o ro tmpfs ${R}/proc/kcore; fi`,
    `container: if [ -e ${R}/proc/kcore ] && [ ! -d ${R}/proc/kcore ]; then mount --bind ${R}/dev/null ${R}/proc/kcore; fi`,
    `container: if [ -d ${R}/sys/firmware ]; then mount -t tmpfs -o ro tmpfs ${R}/sys/firmware; fi`,
    `container: if [ -e ${R}/sys/firmware ] && [ ! -d ${R}/sys/firmware ]; then mount --bind ${R}/dev/null ${R}/sys/firmware; fi`,
    `container: if [ -e ${R}/proc/sys ]; then mount --bind ${R}/proc/sys ${R}/proc/sys; fi`,
    `container: if [ -e ${R}/proc/sys ]; then mount -o remount,bind,ro,nosuid,nodev,noexec ${R}/proc/sys; fi`,
    `container: mount -o remount,bind,ro ${R}`,
    `container: cd ${R}`,
    'container: pivot_root . .',
    'container: umount -l .',
    'container: cd /',
  ]);
  t.same(p.resources, [{ kind: 'cgroup', path: CG }], 'no overlay directories: the bundle root is used as it is');
  t.equal(spawnSync('sh', ['-n', '-c', p.script]).status, 0, 'the script is valid sh');
  const writable = plan({ command: ['true'] }, { root: { ...BUNDLE_ROOT, readonly: false } });
  t.notOk(
    texts(writable, 'rootfs').some((s) => s.endsWith(`remount,bind,ro ${R}`)),
    'a writable root is not remounted',
  );
});

t.test('a bundle whose /dev is a bind gets no device nodes; the scan finds no host path outside root, binds, cgroup', async (t) => {
  const root: PlanRoot = { ...BUNDLE_ROOT, mounts: [{ destination: '/dev', type: 'bind', source: '/srv/bundle/dev', options: ['bind'] }] };
  const p = plan({ command: ['true'] }, { root });
  t.notOk(
    texts(p, 'rootfs').some((s) => s.includes('mknod')),
    'no mknod',
  );
  const full = plan({ command: ['true'] }, { root: BUNDLE_ROOT });
  const allowed = [R, CG, '/srv/bundle/data', '/etc/hosts'];
  const steps = full.stages.flatMap((s) => s.steps);
  const pivot = steps.findIndex((s) => s.text === 'pivot_root . .');
  const seen = steps
    .slice(0, pivot)
    .flatMap((step) => step.text.split(/\s+/).filter((word, i, words) => words[i - 1] !== '-s' && !/^[A-Z_]+=/.test(word)))
    .flatMap((word) => word.split(/[,:=';]/).filter((token) => token.startsWith('/')));
  t.ok(seen.length > 30, 'the scan sees the paths');
  t.same(
    seen.filter((path) => path !== '/' && !allowed.some((root) => path === root || path.startsWith(`${root}/`))),
    [],
  );
});

t.test("the capabilities: Docker's 14 by the last step's setpriv, --cap-add/--cap-drop in it, none with --privileged", async (t) => {
  const last = (flags: ContainerFlags): string | undefined => {
    const p = containerPlan(input(flags));
    return p.ok ? p.value.initSteps.at(-1) : undefined;
  };
  t.equal(last({ command: ['id'] }), `exec ${SETPRIV} id`);
  t.equal(last({ command: ['id'], capDrop: ['ALL'] }), 'exec setpriv --bounding-set -all --inh-caps -all --ambient-caps -all -- id');
  t.match(last({ command: ['id'], capAdd: ['sys_admin'] }), /--bounding-set -all,.*\+sys_admin,.* -- id$/);
  t.equal(last({ command: ['id'], privileged: true }), 'exec id', '--privileged: every capability, no setpriv');
  t.same(setprivArgv({ ...config({}), capabilities: undefined }), [], 'a bundle: as before');
  const p = containerPlan(input({ command: ['id'] }));
  t.same(p.ok && p.value.command, ['id'], 'the record keeps the command as given');
});

t.test('the default bridge network: its namespace joined first, lo left to the runtime, /etc/hosts bound', async (t) => {
  const id = '0123456789abcdef0123';
  const netns = '/run/netns/lab-c0123456789ab';
  const hosts = { host: `${STATE}/hosts`, target: '/etc/hosts' };
  const p = plan({ network: 'bridge' }, { bridgeNetns: netns, hostsFile: hosts });
  t.same(texts(p, 'namespaces'), [
    `process: nsenter --net=${netns} --`,
    'process: unshare --pid --mount --uts --ipc --cgroup --fork --kill-child --propagation private',
    'process: env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    'container: hostname 0123456789ab',
  ]);
  const rootfs = texts(p, 'rootfs');
  const at = rootfs.indexOf(`container: mount --bind ${STATE}/hosts ${M}/etc/hosts`);
  t.ok(at > rootfs.indexOf(`container: mount -t cgroup2 -o ro,nosuid,nodev,noexec cgroup2 ${M}/sys/fs/cgroup`), '/etc/hosts after the kernel filesystems');
  t.same(rootfs.slice(at - 2, at + 1), [
    `container: mkdir -p ${M}/etc`,
    `container: if [ ! -e ${M}/etc/hosts ]; then touch ${M}/etc/hosts; fi`,
    `container: mount --bind ${STATE}/hosts ${M}/etc/hosts`,
  ]);
  const missing = containerPlan(input({ network: 'bridge' }, { hostsFile: hosts }));
  t.notOk(missing.ok, 'without the namespace the runtime made, no plan');
  t.equal(id.slice(0, 12), '0123456789ab');
});

t.test("a pod: --network, --ipc and --uts container:<name> join one nsenter; the name stays the pause container's", async (t) => {
  const p = plan(
    { network: 'container:pause', ipc: 'container:pause', uts: 'container:pause' },
    { joinNetns: '/proc/42/ns/net', joinIpc: '/proc/42/ns/ipc', joinUts: '/proc/42/ns/uts', joinHostname: 'pod' },
  );
  t.same(texts(p, 'namespaces'), [
    'process: nsenter --net=/proc/42/ns/net --ipc=/proc/42/ns/ipc --uts=/proc/42/ns/uts --',
    'process: unshare --pid --mount --cgroup --fork --kill-child --propagation private',
    'process: env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin',
  ]);
  t.notOk(containerPlan(input({ ipc: 'container:pause' })).ok, 'a container that does not run: no plan');
});
