// Inside the test VM (cgroup v2 with the memory and pids controllers): the capstone lab step by step, its kernel
// facts asserted independently of its checks (test/vm/capstone-facts.ts), every check proven to fail before its step,
// and the lab's contract (verify, Ctrl-C, lab shell then kill -9 + lab clean). The lab's veth pair needs the veth
// module, which a learner's kernel loads on demand; the VM has no /lib/modules, so this file loads it from the
// cached kernel ($LAB_VM_KERNEL_DIR, kernel.json's extraModules) and unloads it at the end, leaving the VM as /init
// left it. This is why test/vm/cgroup-labs.test.ts leaves the capstone out.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLab } from '../../src/lab/load.js';
import { labContract } from '../labs/contract.js';
import { capstoneStepByStep } from './capstone-facts.js';

const only = process.env.LAB_TEST_LABS?.split(',').filter(Boolean);
const kernelDir = process.env.LAB_VM_KERNEL_DIR;

/** The veth module's file among the modules kernel.json lists for tests to load, or why there is none. */
function vethModule(): string {
  if (!kernelDir) throw new Error('LAB_VM_KERNEL_DIR is not set (scripts/vm.mjs sets it)');
  const kernel = JSON.parse(readFileSync(join(kernelDir, 'kernel.json'), 'utf8')) as { extraModules?: { name: string; file: string }[] };
  const veth = kernel.extraModules?.find((m) => m.name === 'veth');
  if (!veth) throw new Error(`${kernelDir}/kernel.json lists no veth module`);
  return veth.file;
}

const loaded = (): boolean =>
  readFileSync('/proc/modules', 'utf8')
    .split('\n')
    .some((line) => line.startsWith('veth '));

const skip = !process.env.LAB_IN_VM
  ? 'runs only in the test VM (npm run test:vm)'
  : only && !only.includes('capstone')
    ? 'LAB_TEST_LABS does not name capstone'
    : false;

if (skip) t.test('capstone in the test VM', { skip }, () => {});
else {
  if (!loaded()) {
    const r = spawnSync('insmod', [vethModule()], { encoding: 'utf8' });
    t.equal(r.status, 0, `insmod veth: ${r.stderr.trim()}`);
    t.teardown(() => void spawnSync('rmmod', ['veth']));
  }
  t.test('capstone, verified step by step against the kernel', (t) => capstoneStepByStep(t));
  labContract(await loadLab('capstone'));
}
