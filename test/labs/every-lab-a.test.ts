// Every lab's contract with the host (test/labs/contract.ts), on this host, for the namespace labs (1 to 8).
// Labs it cannot run are skipped with the reason; the cgroup v2 labs run in the test VM as well
// (test/vm/cgroup-labs.test.ts). The labs are split over four files by catalogue order so that each file stays
// within tap's time limit per file.
import { loadAllLabs } from '../../src/lab/load.js';
import { labContract } from './contract.js';

for (const lab of await loadAllLabs()) if (lab.spec.order >= 1 && lab.spec.order <= 8) labContract(lab);
