// A check that cannot fail proves nothing: for every lab on this host and every step, run the steps before it for
// real, skip that step's actions (or the learner's work), run its checks, and require every one of them to fail.
import { loadAllLabs } from '../../src/lab/load.js';
import { checksCanFail } from './contract.js';

for (const lab of await loadAllLabs()) checksCanFail(lab);
