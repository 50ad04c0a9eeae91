// A check that cannot fail proves nothing. For every lab and every step: run the steps before it for real, skip
// that step's actions (or the learner's work), run its checks, and require every one of them to fail.
import t from 'tap';
import { loadAllLabs } from '../../src/lab/load.js';
import { runLab } from '../../src/lab/runner.js';
import { unmet } from '../../src/lab/requirements.js';
import { hostSnapshot, useTempState } from '../helpers.js';

const labs = await loadAllLabs();

for (const lab of labs) {
  const missing = unmet(lab.spec.requires).map((r) => r.what.en);
  t.test(lab.spec.id, { skip: missing.length ? `needs ${missing.join(', ')}` : false }, async (t) => {
    for (const step of lab.steps) {
      const state = useTempState();
      const before = hostSnapshot(state);
      const results = new Map<string, boolean>();
      const outcome = await runLab(
        lab,
        { mode: 'verify', lang: 'en', skipActionsOf: step.spec.id, stopAfter: step.spec.id },
        (event) => {
          if (event.type === 'check' && event.step === step.spec.id) results.set(event.check, event.ok);
        },
      );
      t.equal(outcome.stepsPassed, step.index, `${step.spec.id}: the steps before it passed`);
      for (const check of step.spec.checks) {
        t.equal(results.get(check.id), false, `${step.spec.id}/${check.id} fails when the step is skipped`);
      }
      t.same(hostSnapshot(state), before, `${step.spec.id}: host as before`);
    }
  });
}
