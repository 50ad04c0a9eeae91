// A check that cannot fail proves nothing: for every lab on this host and every step, run the steps before it for
// real, skip that step's actions (or the learner's work), run its checks, and require every one of them to fail.
// This file: the namespace labs (1 to 8). The labs are split over three files by catalogue order so that each file
// stays within tap's time limit per file.
import { loadAllLabs } from '../../src/lab/load.js';
import { checksCanFail } from './contract.js';

for (const lab of await loadAllLabs()) if (lab.spec.order >= 1 && lab.spec.order <= 8) checksCanFail(lab);
