// Every fault point of the cgroup v2 labs and the capstone, in the test VM (test/hardening/fault-matrix.ts): kill -9
// + lab clean, SIGTERM, SIGINT and SIGHUP, the VM unchanged each time. The capstone's veth pair needs the veth module
// (test/vm/veth.ts). LAB_TEST_LABS=id,... narrows it; LAB_FAULTS=every|full faults more points.
import t from 'tap';
import { loadLab } from '../../src/lab/load.js';
import { faultEveryPoint, newTally, reportAtEnd } from '../hardening/fault-matrix.js';
import { loadVeth } from './veth.js';

const LABS = ['cgroup-basics', 'cgroup-cpu', 'cgroup-memory', 'cgroup-pids', 'cgroup-io', 'capstone'];
const only = process.env.LAB_TEST_LABS?.split(',').filter(Boolean);
const ids = LABS.filter((id) => !only || only.includes(id));

if (!process.env.LAB_IN_VM) t.test('faults in the test VM', { skip: 'runs only in the test VM (npm run test:vm)' }, () => {});
else if (!ids.length) t.test('faults in the test VM', { skip: 'LAB_TEST_LABS names none of its labs' }, () => {});
else {
  // No t.setTimeout here: in the VM every file shares one root test (scripts/vm/suite.mjs), whose time limit would
  // then cut short the files after this one; the VM's own limit (LAB_VM_TIMEOUT) bounds the run.
  if (ids.includes('capstone')) loadVeth(t);
  const tally = newTally();
  faultEveryPoint(await Promise.all(ids.map((id) => loadLab(id))), tally);
  reportAtEnd(tally);
}
