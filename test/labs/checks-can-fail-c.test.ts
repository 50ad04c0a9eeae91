// A check that cannot fail proves nothing: for every lab on this host and every step, run the steps before it for
// real, skip that step's actions (or the learner's work), run its checks, and require every one of them to fail.
// This file: the container labs (17 and after). The labs are split over three files by catalogue order so that
// each file stays within tap's time limit per file.
import { loadAllLabs } from '../../src/lab/load.js';
import { checksCanFail } from './contract.js';

for (const lab of await loadAllLabs()) if (lab.spec.order >= 17 && lab.spec.order <= Infinity) checksCanFail(lab);
