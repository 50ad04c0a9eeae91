// Every fault point of the labs of orders 17 to 18 on this host (test/hardening/fault-matrix.ts): kill -9 + lab clean,
// SIGTERM, SIGINT and SIGHUP, the host unchanged each time. Labs this host cannot run are skipped with the reason (the
// cgroup v2 labs and the capstone: test/vm/faults.test.ts). Split over four files, each with its own time limit.
import t from 'tap';
import { loadAllLabs } from '../../src/lab/load.js';
import { faultEveryPoint, newTally, reportAtEnd } from './fault-matrix.js';

t.setTimeout(process.env.LAB_FAULTS ? 3_600_000 : 1_200_000);
const tally = newTally();
faultEveryPoint(
  (await loadAllLabs()).filter((lab) => lab.spec.order >= 17 && lab.spec.order <= 18),
  tally,
);
reportAtEnd(tally);
