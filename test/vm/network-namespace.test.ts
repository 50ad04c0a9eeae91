// The network-namespace lab on a kernel with tunnel modules loaded, as on a Kubernetes node that tunnels pod traffic
// over IPIP: every new network namespace then holds the modules' fallback tunnel devices (tunl0, gre0, sit0...)
// besides lo. This host has no kernel modules; the test VM has the cached kernel's, and loads veth, bridge and the
// tunnel modules (scripts/vm/kernel.mjs VM_EXTRA_MODULES, from $LAB_VM_KERNEL_DIR) for this test only: it first
// shows that the fallback devices appear and that src/kernel/fallback-tunnels.ts names them and their kinds as the
// kernel does, then runs `lab verify network-namespace --prove-checks` (with the VM's own lo up, as on any running
// machine), and at the end unloads what it loaded and takes lo down again, so that the VM is as /init left it for
// any test after it.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FALLBACK_TUNNELS } from '../../src/kernel/fallback-tunnels.js';
import { flagsUp, parseIpJson, parseNetDev, readSysNet } from '../../src/kernel/net.js';
import { cli, hostSnapshot, useTempState } from '../helpers.js';

const LAB = 'network-namespace';
const only = process.env.LAB_TEST_LABS?.split(',').filter(Boolean);
const kernelDir = process.env.LAB_VM_KERNEL_DIR;

/** The modules kernel.json lists for tests to load, in load order, or why there are none. */
function extraModules(): { name: string; file: string }[] | string {
  if (!kernelDir) return 'LAB_VM_KERNEL_DIR is not set (scripts/vm.mjs sets it)';
  try {
    const kernel = JSON.parse(readFileSync(join(kernelDir, 'kernel.json'), 'utf8')) as { extraModules?: { name: string; file: string }[] };
    return kernel.extraModules ?? `${kernelDir}/kernel.json lists no extraModules`;
  } catch (err) {
    return `read ${kernelDir}/kernel.json: ${(err as Error).message}`;
  }
}

/** The modules loaded now, from /proc/modules. */
const loadedModules = (): string[] =>
  readFileSync('/proc/modules', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter(Boolean);

const skip = !process.env.LAB_IN_VM
  ? 'runs only in the test VM (npm run test:vm)'
  : only && !only.includes(LAB)
    ? `LAB_TEST_LABS does not name ${LAB}`
    : typeof extraModules() === 'string'
      ? (extraModules() as string)
      : false;

t.test(`${LAB} with the tunnel modules loaded (fallback devices in every new namespace)`, { skip }, async (t) => {
  const modules = extraModules() as { name: string; file: string }[];
  const already = new Set(loadedModules());
  const loaded: string[] = [];
  // Unload in reverse order whatever this test loaded, even when an assertion below throws.
  t.teardown(() => {
    for (const name of [...loaded].reverse()) spawnSync('rmmod', [name]);
  });
  const linksBefore = readFileSync('/proc/self/net/dev', 'utf8');
  for (const { name, file } of modules) {
    if (already.has(name)) continue;
    const r = spawnSync('insmod', [file], { encoding: 'utf8' });
    if (!t.equal(r.status, 0, `insmod ${name}: ${r.stderr.trim()}`)) return;
    loaded.push(name);
  }

  t.equal(readFileSync('/proc/sys/net/core/fb_tunnels_only_for_init_net', 'utf8').trim(), '0', 'net.core.fb_tunnels_only_for_init_net is 0, the default');
  // A fresh namespace, as `unshare --net` makes it: what /proc/self/net/dev lists and what rtnetlink says of each.
  const fresh = spawnSync('unshare', ['--net', 'sh', '-c', 'cat /proc/self/net/dev; echo ---; ip -j -d link show'], { encoding: 'utf8' });
  t.equal(fresh.status, 0, `unshare --net: ${fresh.stderr.trim()}`);
  const [netDev = '', json = ''] = fresh.stdout.split('\n---\n');
  const names = parseNetDev(netDev);
  const links = parseIpJson(json);
  t.comment(`a new namespace holds: ${links.map((l) => `${l.ifname} (${l.linkinfo?.info_kind ?? 'no kind'}) <${l.flags.join(',')}>`).join(' ')}`);
  t.same(
    names.filter((n) => n !== 'lo').sort(),
    FALLBACK_TUNNELS.map((f) => f.name).sort(),
    'besides lo, a new namespace holds exactly the fallback devices the table lists',
  );
  for (const f of FALLBACK_TUNNELS) {
    const link = links.find((l) => l.ifname === f.name);
    t.equal(link?.linkinfo?.info_kind, f.kind, `${f.name} is of kind ${f.kind}, as the table says`);
    t.notOk(link?.flags.includes('UP'), `${f.name} is down`);
  }

  // The lab's host side (a server on the host's 127.0.0.1) needs the host's lo up, as on every running machine; the
  // VM's /init leaves it down. Brought up for the lab, then down again and without the address the kernel gave it.
  if (!flagsUp(readSysNet('lo', 'flags'))) {
    t.equal(spawnSync('ip', ['link', 'set', 'lo', 'up']).status, 0, "the VM's lo is up, as on a running machine");
    t.teardown(() => {
      spawnSync('ip', ['link', 'set', 'lo', 'down']);
      spawnSync('ip', ['addr', 'flush', 'dev', 'lo']);
    });
  }

  const state = useTempState();
  const before = hostSnapshot(state);
  const r = cli(['verify', LAB, '--prove-checks'], { LAB_STATE_DIR: state });
  if (!t.equal(r.status, 0, `lab verify ${LAB} --prove-checks exits 0`)) t.comment(r.stdout + r.stderr);
  t.match(r.stdout, /1 lab: 1 passed, 0 failed/, 'and says the lab passed');
  // Two checks read a namespace that should be empty: the empty step's (c1, lo down) and the modes step's (none, lo up).
  const said = [...r.stdout.matchAll(/found: (.*fallback tunnels, down: ([^;]*);.*)$/gm)];
  for (const m of said) t.comment(m[1]!);
  t.equal(said.length, 2, 'both checks of a new namespace reported what they found');
  for (const [, , list = ''] of said) {
    for (const f of FALLBACK_TUNNELS) t.match(list, `${f.name} (${f.kind})`, `found ${f.name} (${f.kind}), down`);
  }
  t.match(r.stdout, /✓ fails before its step: only-lo-down/, 'the check on a new namespace failed before its step');
  t.same(hostSnapshot(state), before, 'the VM is as before');

  for (const name of [...loaded].reverse()) {
    const rm = spawnSync('rmmod', [name], { encoding: 'utf8' });
    t.equal(rm.status, 0, `rmmod ${name}: ${rm.stderr.trim()}`);
  }
  loaded.length = 0;
  t.same(parseNetDev(readFileSync('/proc/self/net/dev', 'utf8')).sort(), parseNetDev(linksBefore).sort(), "the VM's own interfaces are as before the modules");
});
