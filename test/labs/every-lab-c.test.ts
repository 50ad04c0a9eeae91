// Every lab's contract with the host (test/labs/contract.ts), on this host, for the container labs (17 to 19).
// Labs it cannot run are skipped with the reason; the cgroup v2 labs run in the test VM as well
// (test/vm/cgroup-labs.test.ts). The labs are split over four files by catalogue order so that each file stays
// within tap's time limit per file.
import { loadAllLabs } from '../../src/lab/load.js';
import { labContract } from './contract.js';

for (const lab of await loadAllLabs()) if (lab.spec.order >= 17 && lab.spec.order <= 19) labContract(lab);
