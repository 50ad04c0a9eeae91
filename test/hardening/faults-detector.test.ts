// The leak detector of test/hardening/fault-matrix.ts can fail: a run killed with SIGKILL inside a long-lived action
// and NOT followed by `lab clean` leaves its journal (its processes die with it: parent-death signal), and
// injectFault must name it as a leak. Then `lab clean` removes it and the host is as before.
import t from 'tap';
import { loadLab } from '../../src/lab/load.js';
import { snapshotDifferences } from '../../src/host/snapshot.js';
import { cli, hostSnapshot, needsRoot, tempDir } from '../helpers.js';
import { unmetSkip } from '../labs/contract.js';
import { faultPoints, injectFault } from './fault-matrix.js';

const lab = await loadLab('uts-namespace');
const skip = unmetSkip(lab) || needsRoot();

t.test('kill -9 inside `start` without lab clean is counted as a leak', { skip }, async (t) => {
  const state = tempDir('lab-test-faults-');
  const before = hostSnapshot(state);
  const { points } = faultPoints(lab.spec.id, state);
  const n = points.findIndex((label) => label.startsWith('inside start')) + 1;
  t.ok(n > 0, `a start point: ${points[n - 1] ?? 'none'}`);
  const { leaks, problems } = injectFault(lab.spec.id, n, 'SIGKILL', state, false);
  t.same(problems, [], 'the fault fired');
  t.ok(
    leaks.some((l) => l.startsWith('run journal left behind')),
    'the journal left behind is a leak',
    { leaks },
  );
  t.equal(cli(['clean'], { LAB_STATE_DIR: state }).status, 0, 'lab clean');
  t.same(snapshotDifferences(before, hostSnapshot(state)), [], 'then the host is as before');
});
