// Load, on this host: every lab this host can run, all at once, each `lab verify <id> --json` in a state directory
// of its own (the labs that run `lab container` in one they share: see CONTAINER_LABS), plus second instances of the labs whose names allow two at once, up to 20 concurrent runs. Every run
// must pass (exit 0, and its JSON events say every check passed) and the host must be as before (hostSnapshot, and
// no journal left in any state directory). The labs this host cannot run are skipped with their reason (the VM
// runs them all at once: test/vm/load.test.ts).
import t from 'tap';
import { join } from 'node:path';
import { loadAllLabs } from '../../src/lab/load.js';
import { unmet } from '../../src/lab/requirements.js';
import { hostSnapshot, needsRoot, tempDir } from '../helpers.js';
import { CONTAINER_LABS, journalCount, verdicts, verifyJson } from '../vm/load-lib.js';

/** How many runs at once the issue asks for ("20 labs' worth"). */
const TARGET = 20;
/** One run's limit: 20 labs share two CPUs here (container-vs-vm boots a VM under TCG among them). */
const RUN_TIMEOUT_MS = 240_000;

/**
 * Labs that cannot run twice at once on one host, and why: a name or address in the host's own namespaces that a
 * second run would find taken. They still run once, beside every other lab.
 */
export const ONE_AT_A_TIME: Record<string, string> = {
  'network-namespace': 'makes the link lab-veth0 with 198.51.100.1/30 in the host network namespace (the host end of c1)',
};

const skip = process.env.LAB_IN_VM ? 'the VM has its own load test (test/vm/load.test.ts)' : needsRoot();

t.test(`every lab this host can run at once, ${TARGET} runs in all, then the host as before`, { skip, timeout: RUN_TIMEOUT_MS + 60_000 }, async (t) => {
  const labs = await loadAllLabs();
  const runnable: string[] = [];
  for (const lab of labs) {
    const missing = unmet(lab.spec.requires);
    if (missing.length) t.comment(`not run here: ${lab.spec.id} (missing: ${missing.map((m) => m.what.en).join(', ')})`);
    else runnable.push(lab.spec.id);
  }
  const seconds = runnable.filter((id) => !(id in ONE_AT_A_TIME));
  const instances = [...runnable];
  for (let i = 0; instances.length < TARGET && seconds.length; i++) instances.push(seconds[i % seconds.length] as string);
  t.comment(`${instances.length} runs at once: ${instances.join(' ')}`);
  t.ok(runnable.length > 0, `this host runs ${runnable.length} of ${labs.length} labs`);

  const top = tempDir('lab-test-load-');
  const states = instances.map((id, i) => join(top, CONTAINER_LABS.has(id) ? 'containers' : String(i)));
  const before = hostSnapshot();
  const t0 = Date.now();
  const results = await Promise.all(instances.map((id, i) => verifyJson([id], states[i] as string, RUN_TIMEOUT_MS)));
  t.comment(
    `all ${instances.length} runs done in ${((Date.now() - t0) / 1000).toFixed(1)} s; each: ${results
      .map((r) => `${r.args[0]} ${(r.ms / 1000).toFixed(1)} s`)
      .join(', ')}`,
  );

  results.forEach((result, i) => {
    const id = instances[i] as string;
    const v = verdicts(result.events);
    t.equal(result.status, 0, `run ${i + 1} (${id}): exit 0`, { signal: result.signal, stderr: result.stderr.slice(-1500) });
    t.same(
      { passed: v.passed, failed: v.failed, problems: v.problems },
      { passed: [id], failed: [], problems: [] },
      `run ${i + 1} (${id}): every check passed`,
    );
    t.equal(journalCount(states[i] as string), 0, `run ${i + 1} (${id}): no journal left in ${states[i]}`);
  });
  t.same(hostSnapshot(), before, 'the host is as before: mounts, processes, links, namespaces, cgroups, hostname, IPC, /run/lab-*, loop devices');
});
