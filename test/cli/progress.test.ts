// `lab progress` from outside: per lab complete / every step but not in one run / in progress (k of n) / not
// started, the last run and the hints used, in both languages and as JSON; an unparsable file is reported; and
// `lab list` agrees. Progress is recorded here by the recorder from events, and once by a real `lab run`.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { LabEvent, StepStatus } from '../../src/lab/events.js';
import { loadLab, type LoadedLab } from '../../src/lab/load.js';
import { progressRecorder, recordHints } from '../../src/lab/progress.js';
import { cli, needsRoot, useTempState } from '../helpers.js';

const pid = await loadLab('pid-namespace');
const uts = await loadLab('uts-namespace');

/** A run of `lab` through the recorder: the steps given, in order, each with its status. */
function simulateRun(lab: LoadedLab, outcome: Record<string, StepStatus>, runId: string): void {
  const record = progressRecorder();
  record({ type: 'lab-start', lab, lang: 'en', mode: 'run', runId });
  let passed = 0;
  for (const step of lab.steps) {
    const status = outcome[step.spec.id];
    if (!status) continue;
    record({ type: 'step-start', step, index: step.index, total: lab.steps.length });
    record({ type: 'check', step: step.spec.id, check: 'c', title: { en: 'c', zh: 'c' }, ok: status === 'passed', found: { en: '', zh: '' } });
    record({ type: 'step-done', step: step.spec.id, status });
    if (status === 'passed') passed++;
  }
  const status = passed === lab.steps.length ? 'passed' : 'failed';
  const event: LabEvent = {
    type: 'lab-done',
    lab: lab.spec.id,
    outcome: { status, checksPassed: passed, checksFailed: 0, stepsPassed: passed, steps: lab.steps.length },
  };
  record(event);
}

const all = (lab: LoadedLab, status: StepStatus = 'passed'): Record<string, StepStatus> => Object.fromEntries(lab.steps.map((s) => [s.spec.id, status]));

interface Row {
  id: string;
  state: string;
  passed: number;
  steps: number;
  lastRun: { runId: string; status: string } | null;
  hintsUsed: number;
}

t.test('complete, pieces, in progress and not started; the last run; hints used', async (t) => {
  const state = useTempState();
  const env = { LAB_STATE_DIR: state };
  // pid-namespace: all steps but the last in one run, the last in another: pieces.
  const [first, ...rest] = pid.steps.map((s) => s.spec.id);
  simulateRun(pid, Object.fromEntries(rest.map((s) => [s, 'passed'])), 'lab-pid-namespace-1-a');
  simulateRun(pid, { [first!]: 'passed' }, 'lab-pid-namespace-2-b');
  // uts-namespace: in one run.
  simulateRun(uts, all(uts), 'lab-uts-namespace-3-c');
  // mount-namespace: hints only; ipc-namespace: one step.
  recordHints('mount-namespace', 'x', 2);
  const ipc = await loadLab('ipc-namespace');
  simulateRun(ipc, { [ipc.steps[0]!.spec.id]: 'passed' }, 'lab-ipc-namespace-4-d');

  const r = cli(['progress', '--json'], env);
  t.equal(r.status, 0, r.stderr);
  const { labs, lost } = JSON.parse(r.stdout) as { labs: Row[]; lost: unknown[] };
  t.same(lost, []);
  const row = (id: string): Row => labs.find((l) => l.id === id)!;
  t.match(row('pid-namespace'), {
    state: 'pieces',
    passed: pid.steps.length,
    steps: pid.steps.length,
    lastRun: { runId: 'lab-pid-namespace-2-b', status: 'failed' },
  });
  t.match(row('uts-namespace'), { state: 'complete', lastRun: { status: 'passed' } });
  t.match(row('mount-namespace'), { state: 'in-progress', passed: 0, hintsUsed: 2, lastRun: null });
  t.match(row('ipc-namespace'), { state: 'in-progress', passed: 1, steps: ipc.steps.length });
  t.match(row('network-namespace'), { state: 'not-started', passed: 0, lastRun: null });

  const en = cli(['progress', '--lang', 'en'], env).stdout;
  t.match(en, /uts-namespace +complete \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
  t.match(en, /pid-namespace +every step passed, not in one run/);
  t.match(en, 'to complete it: `lab run pid-namespace` and pass every step in one run');
  t.match(en, new RegExp(`ipc-namespace +in progress \\(1 of ${ipc.steps.length} steps\\)`));
  t.match(en, 'hints used: 2');
  t.match(en, /network-namespace +not started/);
  t.match(en, /last run: .* UTC, failed/);
  t.match(en, /^1 of \d+ labs complete\.$/m);
  const zh = cli(['progress', '--lang', 'zh'], env).stdout;
  t.match(zh, /pid-namespace +每个步骤都通过了，但不是在同一次运行中/);
  t.match(zh, `进行中（${ipc.steps.length} 个步骤中通过了 1 个）`);
  t.match(zh, '看过的提示：2 条');

  // `lab list` agrees.
  const list = JSON.parse(cli(['list', '--json'], env).stdout) as { id: string; status: string; passed: number }[];
  t.equal(list.find((l) => l.id === 'pid-namespace')?.status, 'pieces');
  t.equal(list.find((l) => l.id === 'uts-namespace')?.status, 'complete');
  const listText = cli(['list', '--lang', 'en'], env).stdout;
  t.match(listText, `[${pid.steps.length}/${pid.steps.length}, not in one run]`);
  t.match(listText, /uts-namespace .*\[done\]/);
  t.equal(cli(['progress', 'pid-namespace'], env).status, 2, 'no arguments');
});

t.test('an unparsable progress file: kept aside, and lab list and lab progress say what was lost', async (t) => {
  const state = useTempState();
  const env = { LAB_STATE_DIR: state };
  writeFileSync(join(state, 'progress.json'), '{"uts-namespace": {"passed": ["create", "set-na', { mode: 0o600 });
  const list = cli(['list', '--lang', 'zh'], env);
  t.equal(list.status, 0);
  t.match(list.stderr, /进度文件（\d+ 字节）无法解析/);
  t.match(list.stderr, 'uts-namespace');
  const kept = readdirSync(state).filter((f) => f.startsWith('progress.json.corrupt-'));
  t.equal(kept.length, 1, 'the file is kept aside');
  t.equal(readFileSync(join(state, kept[0]!), 'utf8'), '{"uts-namespace": {"passed": ["create", "set-na');
  t.equal(cli(['list', '--lang', 'en'], env).stderr, '', 'told once by lab list');
  const en = cli(['progress', '--lang', 'en'], env);
  t.match(en.stdout, /^! Your progress file \(\d+ bytes\) could not be parsed/m);
  t.match(en.stdout, kept[0]!);
  const json = JSON.parse(cli(['progress', '--json'], env).stdout) as { lost: { keptAs: string; labs: string[] }[] };
  t.equal(json.lost.length, 1);
  t.same(json.lost[0]!.labs, ['uts-namespace']);
});

t.test('a real lab run is recorded and shown complete', { skip: needsRoot() }, async (t) => {
  const env = { LAB_STATE_DIR: useTempState() };
  const r = cli(['run', 'uts-namespace', '--yes', '--lang', 'en'], env);
  t.equal(r.status, 0, r.stderr);
  const { labs } = JSON.parse(cli(['progress', '--json'], env).stdout) as { labs: Row[] };
  t.match(
    labs.find((l) => l.id === 'uts-namespace'),
    { state: 'complete', passed: uts.steps.length, lastRun: { status: 'passed' } },
  );
});
