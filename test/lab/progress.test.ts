// progress.json: atomic saves, an unparsable file kept aside and reported, completion in one run against a lab
// passed in pieces, quiz attempts and hints recorded, runs capped. Runs the recorder on events made here: no root.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { LabEvent, StepStatus } from '../../src/lab/events.js';
import type { LoadedLab } from '../../src/lab/load.js';
import {
  MAX_RUNS,
  hintsShown,
  lossNotice,
  progressRecorder,
  readProgress,
  recordHints,
  reportedRun,
  resetProgress,
  standing,
  takeUntoldLosses,
  updateProgress,
} from '../../src/lab/progress.js';
import { useTempState } from '../helpers.js';

const STEPS = ['one', 'two', 'three'];

/** A lab as the events carry it: only what the recorder reads. */
const fakeLab = (id: string): LoadedLab =>
  ({ spec: { id }, steps: STEPS.map((s, index) => ({ spec: { id: s, kind: 'demo', checks: [] }, index, prose: {} })) }) as unknown as LoadedLab;

let runs = 0;
/**
 * One `lab run` of `lab` through the recorder: each step in `outcome` starts, reads one check (`<step>-ok`) that
 * passes when the step passes, and ends with its status; the lab passes when every step of STEPS passed.
 */
function simulateRun(lab: string, outcome: Record<string, StepStatus>, extra: (emit: (e: LabEvent) => void) => void = () => {}): string {
  const record = progressRecorder();
  const runId = `lab-${lab}-${process.pid}-r${++runs}`;
  record({ type: 'lab-start', lab: fakeLab(lab), lang: 'en', mode: 'run', runId });
  extra(record);
  let passed = 0;
  for (const [index, id] of STEPS.entries()) {
    const status = outcome[id];
    if (!status) continue;
    record({ type: 'step-start', step: fakeLab(lab).steps[index]!, index, total: STEPS.length });
    record({ type: 'check', step: id, check: `${id}-ok`, title: { en: id, zh: id }, ok: status === 'passed', found: { en: '', zh: '' } });
    record({ type: 'step-done', step: id, status });
    if (status === 'passed') passed++;
  }
  const status = passed === STEPS.length ? 'passed' : 'failed';
  record({ type: 'lab-done', lab, outcome: { status, checksPassed: passed, checksFailed: 0, stepsPassed: passed, steps: STEPS.length } });
  return runId;
}

t.test('a run is recorded: steps, checks with times, status, passed steps; the lab complete in one run', async (t) => {
  const dir = useTempState();
  const runId = simulateRun('lab-a', { one: 'passed', two: 'passed', three: 'passed' });
  const progress = readProgress();
  const entry = progress.labs['lab-a']!;
  t.same(entry.passed, STEPS);
  t.equal(entry.runs.length, 1);
  const run = entry.runs[0]!;
  t.equal(run.runId, runId);
  t.equal(run.status, 'passed');
  t.ok(run.end && run.end >= run.start, 'start and end times');
  t.same(
    run.steps.map((s) => [s.id, s.status, s.checks.map((c) => [c.id, c.ok])]),
    STEPS.map((s) => [s, 'passed', [[`${s}-ok`, true]]]),
  );
  t.match(run.steps[0]!.checks[0]!.at, /^\d{4}-\d\d-\d\dT/, 'each check has its time');
  t.equal(entry.completedRun, runId);
  t.equal(standing(progress, 'lab-a', STEPS).state, 'complete');
  t.equal(reportedRun(entry)?.runId, runId);
  // Atomic: written through a temporary file renamed over progress.json; nothing else is left, mode 0600.
  t.same(
    readdirSync(dir).filter((f) => f.startsWith('progress')),
    ['progress.json'],
  );
  t.equal(statSync(join(dir, 'progress.json')).mode & 0o777, 0o600);
});

t.test('every step passed over several runs is "not in one run", not complete', async (t) => {
  useTempState();
  simulateRun('lab-b', { one: 'passed', two: 'failed' });
  t.equal(standing(readProgress(), 'lab-b', STEPS).state, 'in-progress');
  t.equal(standing(readProgress(), 'lab-b', STEPS).passed, 1);
  simulateRun('lab-b', { one: 'failed', two: 'passed', three: 'passed' });
  const progress = readProgress();
  const stand = standing(progress, 'lab-b', STEPS);
  t.equal(stand.state, 'pieces', 'all steps passed, but no single run passed them all');
  t.equal(stand.passed, 3);
  t.notOk(progress.labs['lab-b']!.completed);
  simulateRun('lab-b', { one: 'passed', two: 'passed', three: 'passed' });
  t.equal(standing(readProgress(), 'lab-b', STEPS).state, 'complete', 'one run that passes everything completes it');
  t.equal(standing(readProgress(), 'lab-none', STEPS).state, 'not-started');
});

t.test('a quiz-answer event counts attempts on its step, by its type string', async (t) => {
  useTempState();
  simulateRun('lab-q', { one: 'passed' }, (emit) => {
    emit({ type: 'step-start', step: fakeLab('lab-q').steps[0]!, index: 0, total: 3 });
    for (const ok of [false, false, true]) emit({ type: 'quiz-answer', step: 'one', given: ok ? '2' : '1', ok } as unknown as LabEvent);
  });
  const steps = readProgress().labs['lab-q']!.runs[0]!.steps;
  t.equal(steps.length, 1, 'the step started once');
  t.equal(steps[0]!.quizAttempts, 3);
});

t.test('hints: the count per step is kept, counted in the live run, and reset clears it', async (t) => {
  useTempState();
  const runId = simulateRun('lab-h', { one: 'passed' });
  recordHints('lab-h', 'two', 1, runId);
  recordHints('lab-h', 'two', 2, runId);
  recordHints('lab-h', 'two', 1, runId);
  const progress = readProgress();
  t.equal(hintsShown(progress, 'lab-h', 'two'), 2, 'never goes back');
  t.equal(progress.labs['lab-h']!.runs[0]!.hints, 2, 'the run counts the hints shown during it');
  t.equal(standing(progress, 'lab-h', STEPS).hintsUsed, 2);
  resetProgress('lab-h');
  t.equal(hintsShown(readProgress(), 'lab-h', 'two'), 0);
});

t.test('runs are capped per lab, keeping the run that completed the lab', async (t) => {
  useTempState();
  const completing = simulateRun('lab-c', { one: 'passed', two: 'passed', three: 'passed' });
  for (let i = 0; i < MAX_RUNS + 5; i++) simulateRun('lab-c', { one: 'failed' });
  const entry = readProgress().labs['lab-c']!;
  t.equal(entry.runs.length, MAX_RUNS);
  t.equal(entry.runs[0]!.runId, completing, 'the completing run is kept');
  t.equal(reportedRun(entry)?.runId, completing);
  t.equal(standing(readProgress(), 'lab-c', STEPS).state, 'complete');
});

t.test('an unparsable progress file is kept aside, never emptied, and the loss told in both languages', async (t) => {
  const dir = useTempState();
  const file = join(dir, 'progress.json');
  // What a file cut short looks like: this layout's beginning, then nothing.
  const broken = '{"format":1,"labs":{"pid-namespace":{"passed":["create","mount-proc"],"runs":[{"runId":"lab-pid';
  writeFileSync(file, broken, { mode: 0o600 });
  const progress = readProgress();
  t.same(progress.labs, {});
  t.equal(progress.lost.length, 1);
  const loss = progress.lost[0]!;
  t.match(loss.keptAs, /progress\.json\.corrupt-\d{4}-/);
  t.equal(readFileSync(loss.keptAs, 'utf8'), broken, 'kept byte for byte');
  t.equal(loss.bytes, broken.length);
  t.same(loss.labs, ['pid-namespace'], 'what was lost, as far as the text tells');
  t.same(JSON.parse(readFileSync(file, 'utf8')).lost.length, 1, 'the new file records the loss');
  t.match(lossNotice(loss, 'en'), loss.keptAs);
  t.match(lossNotice(loss, 'en'), 'pid-namespace');
  t.match(lossNotice(loss, 'zh'), loss.keptAs);
  t.match(lossNotice(loss, 'zh'), /无法解析/);
  t.equal(takeUntoldLosses(readProgress()).length, 1, 'told once');
  t.equal(takeUntoldLosses(readProgress()).length, 0, 'then not again');
  t.equal(readProgress().lost.length, 1, 'still listed for `lab progress`');
  // Recording goes on in the fresh file.
  simulateRun('lab-d', { one: 'passed' });
  t.same(readProgress().labs['lab-d']!.passed, ['one']);
  resetProgress();
  t.same(readProgress().lost, [], '`lab reset` forgets the notice');
  t.ok(existsSync(loss.keptAs), 'but never the kept file');
});

t.test('a file of another shape is corrupt too; the first layout (lab -> passed) is read as it is', async (t) => {
  const dir = useTempState();
  const file = join(dir, 'progress.json');
  writeFileSync(file, JSON.stringify({ 'pid-namespace': { passed: ['create'], completed: '2026-01-01T00:00:00.000Z' } }), { mode: 0o600 });
  const old = readProgress();
  t.same(old.labs['pid-namespace']!.passed, ['create']);
  t.equal(standing(old, 'pid-namespace', ['create']).state, 'complete');
  t.same(old.lost, []);
  writeFileSync(file, JSON.stringify({ 'pid-namespace': { passed: 'create' } }), { mode: 0o600 });
  t.equal(readProgress().lost.length, 1, 'a lab entry without its list of steps is not progress');
});

t.test('a change that throws leaves the file as it was', async (t) => {
  const dir = useTempState();
  simulateRun('lab-e', { one: 'passed' });
  const before = readFileSync(join(dir, 'progress.json'), 'utf8');
  t.throws(() =>
    updateProgress((p) => {
      p.labs['lab-e']!.passed = [];
      throw new Error('crash in the middle');
    }),
  );
  t.equal(readFileSync(join(dir, 'progress.json'), 'utf8'), before);
  t.same(
    readdirSync(dir).filter((f) => f.includes('.tmp')),
    [],
    'no temporary file left',
  );
});
