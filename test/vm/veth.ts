// The veth module for the tests that need a veth pair in the test VM (the capstone): a learner's kernel loads it on
// demand, the VM has no /lib/modules, so it is loaded from the cached kernel ($LAB_VM_KERNEL_DIR, kernel.json's
// extraModules) and unloaded when the test file ends, leaving the VM as /init left it.
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The veth module's file among the modules kernel.json lists for tests to load. */
function vethModule(): string {
  const kernelDir = process.env.LAB_VM_KERNEL_DIR;
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

/** Load veth unless it is loaded, asserting it on `t`, and unload it when `t` ends. */
export function loadVeth(t: Test): void {
  if (loaded()) return;
  const r = spawnSync('insmod', [vethModule()], { encoding: 'utf8' });
  t.equal(r.status, 0, `insmod veth: ${r.stderr.trim()}`);
  t.teardown(() => void spawnSync('rmmod', ['veth']));
}
