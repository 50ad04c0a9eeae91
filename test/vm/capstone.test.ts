// Inside the test VM (cgroup v2 with the memory and pids controllers): the capstone lab step by step, its kernel
// facts asserted independently of its checks (test/vm/capstone-facts.ts), every check proven to fail before its step,
// and the lab's contract (verify, Ctrl-C, lab shell then kill -9 + lab clean). The lab's veth pair needs the veth
// module, which a learner's kernel loads on demand; this file loads it (test/vm/veth.ts) and unloads it at the end.
// This is why test/vm/cgroup-labs.test.ts leaves the capstone out.
import t from 'tap';
import { loadLab } from '../../src/lab/load.js';
import { labContract } from '../labs/contract.js';
import { capstoneStepByStep } from './capstone-facts.js';
import { loadVeth } from './veth.js';

const only = process.env.LAB_TEST_LABS?.split(',').filter(Boolean);

const skip = !process.env.LAB_IN_VM
  ? 'runs only in the test VM (npm run test:vm)'
  : only && !only.includes('capstone')
    ? 'LAB_TEST_LABS does not name capstone'
    : false;

if (skip) t.test('capstone in the test VM', { skip }, () => {});
else {
  loadVeth(t);
  t.test('capstone, verified step by step against the kernel', (t) => capstoneStepByStep(t));
  labContract(await loadLab('capstone'));
}
