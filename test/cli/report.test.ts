// `lab report` from outside: JSON with `format: 1`, JUnit XML that is well-formed (checked here by a strict walk of
// its tags) with a testsuite per lab and a testcase per check, TAP 14 as tap-parser reads it; the machine facts of
// `lab doctor`; the checks and their times from the recorded runs; --output; a bad --format.
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { StepStatus } from '../../src/lab/events.js';
import { loadLab, type LoadedLab } from '../../src/lab/load.js';
import { progressRecorder, recordHints } from '../../src/lab/progress.js';
import { cli, parseTap, tempDir, useTempState } from '../helpers.js';

const uts = await loadLab('uts-namespace');
const pid = await loadLab('pid-namespace');

/** The checks a step reports: its own, or the quiz's `answer`. */
const checkIds = (step: LoadedLab['steps'][number]): string[] => {
  const checks = (step.spec as { checks?: { id: string }[] }).checks;
  return checks ? checks.map((c) => c.id) : ['answer'];
};
const countChecks = (lab: LoadedLab): number => lab.steps.reduce((n, s) => n + checkIds(s).length, 0);

/** A run through the recorder: each step given reads all its checks, passing or failing with the step. */
function simulateRun(lab: LoadedLab, outcome: Record<string, StepStatus>, runId: string): void {
  const record = progressRecorder();
  record({ type: 'lab-start', lab, lang: 'en', mode: 'run', runId });
  let passed = 0;
  for (const step of lab.steps) {
    const status = outcome[step.spec.id];
    if (!status) continue;
    record({ type: 'step-start', step, index: step.index, total: lab.steps.length });
    for (const check of checkIds(step)) {
      record({ type: 'check', step: step.spec.id, check, title: { en: check, zh: check }, ok: status === 'passed', found: { en: '', zh: '' } });
    }
    record({ type: 'step-done', step: step.spec.id, status });
    if (status === 'passed') passed++;
  }
  const status = passed === lab.steps.length ? 'passed' : 'failed';
  record({ type: 'lab-done', lab: lab.spec.id, outcome: { status, checksPassed: passed, checksFailed: 0, stepsPassed: passed, steps: lab.steps.length } });
}

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * A strict reading of the XML the report writes: the declaration, then elements whose tags nest and close, quoted
 * attributes without a raw `<` or `&`, text with only the five predefined entities. Throws on anything else.
 */
function parseXml(text: string): XmlElement {
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/;
  if (!decl.test(text)) throw new Error('no XML declaration');
  let rest = text.replace(decl, '');
  const entity = /&(?!(amp|lt|gt|quot|apos);)/;
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  const name = '[A-Za-z_][\\w.-]*';
  const attr = `\\s+(${name})="([^"<]*)"`;
  const tag = new RegExp(`^<(${name})((?:\\s+${name}="[^"<]*")*)\\s*(/?)>`);
  while (rest.length > 0) {
    const top = stack.at(-1)!;
    const textRun = /^[^<]+/.exec(rest);
    if (textRun) {
      if (entity.test(textRun[0])) throw new Error(`a bare & in text: ${textRun[0]}`);
      if (top === root && textRun[0].trim() !== '') throw new Error('text outside the root element');
      top.text += textRun[0];
      rest = rest.slice(textRun[0].length);
      continue;
    }
    const close = new RegExp(`^</(${name})>`).exec(rest);
    if (close) {
      if (stack.length === 1 || top.name !== close[1]) throw new Error(`</${close[1]}> closes <${top.name}>`);
      stack.pop();
      rest = rest.slice(close[0].length);
      continue;
    }
    const open = tag.exec(rest);
    if (!open) throw new Error(`not a tag: ${rest.slice(0, 40)}`);
    const attrs: Record<string, string> = {};
    for (const m of open[2]!.matchAll(new RegExp(attr, 'g'))) {
      if (m[1]! in attrs) throw new Error(`attribute ${m[1]} twice`);
      if (entity.test(m[2]!)) throw new Error(`a bare & in ${m[1]}`);
      attrs[m[1]!] = m[2]!;
    }
    const element: XmlElement = { name: open[1]!, attrs, children: [], text: '' };
    if (top === root && root.children.length > 0) throw new Error('a second root element');
    top.children.push(element);
    if (open[3] !== '/') stack.push(element);
    rest = rest.slice(open[0].length);
  }
  if (stack.length !== 1) throw new Error(`<${stack.at(-1)!.name}> never closed`);
  return root.children[0]!;
}

/** A state directory with: uts-namespace complete in one run (with a hint), pid-namespace failing at its 2nd step. */
function seed(): string {
  const state = useTempState();
  simulateRun(uts, Object.fromEntries(uts.steps.map((s) => [s.spec.id, 'passed'])), 'lab-uts-namespace-1-a');
  recordHints('uts-namespace', uts.steps[0]!.spec.id, 1);
  const [a, b] = pid.steps.map((s) => s.spec.id);
  simulateRun(pid, { [a!]: 'passed', [b!]: 'failed' }, 'lab-pid-namespace-2-b');
  return state;
}

t.test('JSON: format 1, machine facts, learner, labs with steps and checks and their times', async (t) => {
  const env = { LAB_STATE_DIR: seed() };
  const r = cli(['report', 'uts-namespace', 'pid-namespace', 'mount-namespace'], env);
  t.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    format: number;
    generated: string;
    learner: string | null;
    machine: { kernel: string; distro: string | null; cgroupMode: string; missing: { id: string; text: string }[] };
    labs: {
      id: string;
      state: string;
      hintsUsed: number;
      run: { runId: string } | null;
      stepDetails: { id: string; status: string; checks: { id: string; ok: boolean | null; at: string | null }[] }[];
    }[];
  };
  t.equal(report.format, 1);
  t.ok(Date.parse(report.generated) > 0, 'generated time');
  t.equal(report.learner, null, 'no class joined');
  t.equal(report.machine.kernel, release(), 'the kernel, as lab doctor reads it');
  t.match(report.machine.cgroupMode, /^(unified|hybrid|legacy|none)$/);
  t.type(report.machine.missing, Array);
  t.same(
    report.labs.map((l) => [l.id, l.state]),
    [
      ['pid-namespace', 'in-progress'],
      ['uts-namespace', 'complete'],
      ['mount-namespace', 'not-started'],
    ],
    'in lab order',
  );
  const utsReport = report.labs.find((l) => l.id === 'uts-namespace')!;
  t.equal(utsReport.run?.runId, 'lab-uts-namespace-1-a');
  t.equal(utsReport.hintsUsed, 1);
  t.equal(utsReport.stepDetails.flatMap((s) => s.checks).length, countChecks(uts), 'every check of the lab');
  t.ok(
    utsReport.stepDetails.flatMap((s) => s.checks).every((c) => c.ok === true && /^\d{4}-/.test(c.at ?? '')),
    'each passed, with its time',
  );
  const pidReport = report.labs.find((l) => l.id === 'pid-namespace')!;
  t.same(
    pidReport.stepDetails.slice(0, 3).map((s) => s.status),
    ['passed', 'failed', 'not-reached'],
  );
  t.equal(pidReport.stepDetails[2]!.checks[0]!.ok, null, 'a check not reached');
});

t.test('JUnit XML: well-formed, a testsuite per lab, a testcase per check, failures and skips', async (t) => {
  const env = { LAB_STATE_DIR: seed() };
  const r = cli(['report', '--format', 'junit'], env);
  t.equal(r.status, 0, r.stderr);
  const root = parseXml(r.stdout);
  t.equal(root.name, 'testsuites');
  const suites = root.children.filter((c) => c.name === 'testsuite');
  const labCount = (JSON.parse(cli(['list', '--json'], env).stdout) as unknown[]).length;
  t.equal(suites.length, labCount, 'every lab');
  const suite = (id: string): XmlElement => suites.find((s) => s.attrs.name === id)!;
  const cases = (s: XmlElement): XmlElement[] => s.children.filter((c) => c.name === 'testcase');
  t.equal(cases(suite('uts-namespace')).length, countChecks(uts));
  t.equal(suite('uts-namespace').attrs.failures, '0');
  t.equal(suite('uts-namespace').attrs.tests, String(countChecks(uts)));
  const props = Object.fromEntries(
    suite('uts-namespace')
      .children.find((c) => c.name === 'properties')!
      .children.map((p) => [p.attrs.name, p.attrs.value]),
  );
  t.equal(props.state, 'complete');
  t.equal(props.kernel, release());
  t.match(props['cgroup-mode'], /./);
  const pidCases = cases(suite('pid-namespace'));
  t.equal(pidCases.length, countChecks(pid));
  const failed = pidCases.filter((c) => c.children.some((x) => x.name === 'failure'));
  t.equal(failed.length, checkIds(pid.steps[1]!).length, 'a failure element per failed check');
  t.equal(suite('pid-namespace').attrs.failures, String(failed.length));
  t.equal(Number(suite('pid-namespace').attrs.skipped), pidCases.filter((c) => c.children.some((x) => x.name === 'skipped')).length);
  t.equal(Number(root.attrs.failures), failed.length, 'totals on testsuites');
  t.match(suite('uts-namespace').attrs.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/, 'a JUnit timestamp');
  t.throws(() => parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a><b></a></b>\n'), 'the walk refuses bad nesting');
  t.throws(() => parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="1 & 2"/>\n'), 'and a bare ampersand');
});

t.test('TAP 14: tap-parser reads it; a subtest per lab run, a point per check', async (t) => {
  const env = { LAB_STATE_DIR: seed() };
  const r = cli(['report', 'pid-namespace', 'uts-namespace', 'mount-namespace', '--format', 'tap'], env);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^TAP version 14\n/);
  t.match(r.stdout, new RegExp(`^# kernel ${release().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')};`, 'm'));
  const { results, points } = await parseTap(r.stdout);
  t.equal(results.count, 3, 'a point per lab');
  t.equal(results.plan.end, 3);
  t.same(
    results.failures.map((f) => f.name),
    ['pid-namespace'],
    'the lab whose run failed a check fails',
  );
  t.equal(results.skip, 1, 'a lab not started is skipped');
  t.match(r.stdout, /^ {2}state: "in progress \(1 of \d+ steps\)"$/m);
  const nested = points.length - 3;
  t.equal(nested, countChecks(pid) + countChecks(uts), 'a point per check of each lab run');
  t.match(r.stdout, /^ok \d+ - uts-namespace$/m);
  t.match(r.stdout, /^ok \d+ - mount-namespace # SKIP not started$/m);
  t.match(r.stdout, /^ {4}not ok \d+ - /m, 'the failed check');
  // A lab unfinished without a failure is a TODO: not a failure of the document.
  simulateRun(pid, { [pid.steps[0]!.spec.id]: 'passed' }, 'lab-pid-namespace-3-c');
  const todo = cli(['report', 'pid-namespace', '--format', 'tap'], env);
  t.match(todo.stdout, /^not ok 1 - pid-namespace # TODO in progress/m);
  t.equal((await parseTap(todo.stdout)).results.ok, true);
  t.match(r.stdout, /^ {6}at: "\d{4}-/m, 'with its time');
});

t.test('--output writes the file; an unknown format is a usage error', async (t) => {
  const env = { LAB_STATE_DIR: seed() };
  const out = join(tempDir('lab-test-report-'), 'report.xml');
  const r = cli(['report', 'uts-namespace', '--format', 'junit', '--output', out, '--lang', 'zh'], env);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '');
  t.match(r.stderr, '报告已写入');
  t.equal(parseXml(readFileSync(out, 'utf8')).children.filter((c) => c.name === 'testsuite').length, 1);
  const bad = cli(['report', '--format', 'xml'], env);
  t.equal(bad.status, 2);
  t.match(bad.stderr, 'json, junit, tap');
  t.equal(cli(['report', 'no-such-lab'], env).status, 2);
});
