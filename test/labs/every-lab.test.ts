// Every lab's contract with the host (test/labs/contract.ts), on this host: labs it cannot run are skipped with
// the reason; the cgroup v2 labs run in the test VM as well (test/vm/cgroup-labs.test.ts).
import { loadAllLabs } from '../../src/lab/load.js';
import { labContract } from './contract.js';

for (const lab of await loadAllLabs()) labContract(lab);
