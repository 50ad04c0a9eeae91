// The cgroup v2 labs' contract with the host (test/labs/contract.ts), in the test VM where cgroup v2 holds every
// controller: lab verify, lab shell then kill -9 + lab clean, Ctrl-C, and every check failing before its step. A
// lab with a step-by-step test of its own (test/vm/<id>.test.ts, through verifyWithFacts, which runs with
// prechecks) has the last proven there, in the same run. On the host these labs are skipped unless it runs
// cgroup v2 with the controllers they need.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadAllLabs, loadLab } from '../../src/lab/load.js';
import { checksCanFail, labContract } from '../labs/contract.js';
import { ROOT } from '../helpers.js';

const skip = process.env.LAB_IN_VM ? false : 'runs only in the test VM (npm run test:vm)';
// LAB_TEST_LABS=id,id narrows the run to those labs (while working on one).
const only = process.env.LAB_TEST_LABS?.split(',').filter(Boolean);
// The capstone's contract runs in test/vm/capstone.test.ts, which loads the veth module its network step needs.
const labs = (only ? await Promise.all(only.map((id) => loadLab(id))) : await loadAllLabs()).filter(
  (lab) => lab.spec.requires.some((id) => /^cgroup2-/.test(id)) && lab.spec.id !== 'capstone',
);

if (skip) t.test('the cgroup v2 labs', { skip }, () => {});
else {
  // Narrowed to labs none of which needs a cgroup v2 controller (LAB_TEST_LABS=cgroup-namespace), there is nothing
  // for this file to run; unnarrowed, finding none would mean the catalogue lost them.
  if (!only) t.ok(labs.length > 0, `cgroup v2 labs found: ${labs.map((lab) => lab.spec.id).join(', ')}`);
  for (const lab of labs) {
    labContract(lab);
    if (!existsSync(join(ROOT, 'test', 'vm', `${lab.spec.id}.test.ts`))) checksCanFail(lab);
  }
}
