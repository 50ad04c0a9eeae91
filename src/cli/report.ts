// `lab report`: the learner's progress as a file an instructor collects: every lab (or those named) with its steps
// and checks as the recorded runs read them (with times), the machine facts `lab doctor` gathers, the learner's
// name when this machine has joined a class, and when the report was made. JSON (default), JUnit XML or TAP 14.
import { readFileSync, writeFileSync } from 'node:fs';
import { readMembership } from '../class/member.js';
import { diagnose, type HostFacts, type Finding } from '../lab/diagnosis.js';
import { listLabIds, loadLab, type LoadedLab } from '../lab/load.js';
import { readProgress, reportedRun, standing, type LabState, type Progress } from '../lab/progress.js';
import type { Lang } from '../lab/spec.js';
import { parse, resolveLabId, usage } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab report [<id>...] [--format json|junit|tap] [--output FILE] [--lang en|zh]

A report of your progress for an instructor who collects files: every lab (or the labs named) with its state
(complete only when one run passed every check), each step and check as your runs read them, with times; this
machine's facts as \`lab doctor\` finds them (kernel, distribution, cgroup mode, what is missing); your name if
you joined a class; when it was made. For each lab it shows the run that completed it, else your latest run.

Options:
  --format json    one JSON object (\`format: 1\`); the default
  --format junit   JUnit XML: a testsuite per lab, a testcase per check
  --format tap     TAP 14: a subtest per lab, a test point per check
  --output FILE    write the report to FILE instead of standard output`,
  zh: `用法：lab report [<id>...] [--format json|junit|tap] [--output FILE] [--lang en|zh]

为收集文件的讲师生成一份进度报告：每个实验（或指定的实验）及其状态（只有同一次运行通过了所有检查才算完成）、每个步骤
和每项检查在你的运行中的结果及时间；本机的情况，即 \`lab doctor\` 检测到的内容（内核、发行版、控制组（cgroup）模式、
缺少什么）；如果你加入了课堂，还有你的名字；报告生成的时间。每个实验显示完成它的那次运行，否则显示最近一次运行。

选项：
  --format json    一个 JSON 对象（\`format: 1\`）；默认
  --format junit   JUnit XML：每个实验一个 testsuite，每项检查一个 testcase
  --format tap     TAP 14：每个实验一个子测试，每项检查一个测试点
  --output FILE    把报告写入 FILE，而不是标准输出`,
};

const FORMATS = ['json', 'junit', 'tap'] as const;
type Format = (typeof FORMATS)[number];

/** A check in the report: as the reported run read it last, or not reached (ok null). */
export interface ReportCheck {
  id: string;
  title: string;
  ok: boolean | null;
  at: string | null;
}

export interface ReportStep {
  id: string;
  kind: string;
  title: string;
  status: string;
  start: string | null;
  end: string | null;
  quizAttempts: number;
  hintsUsed: number;
  checks: ReportCheck[];
}

export interface ReportLab {
  id: string;
  title: string;
  state: LabState;
  stepsPassed: number;
  steps: number;
  completed: string | null;
  hintsUsed: number;
  runsKept: number;
  run: { runId: string; start: string; end: string | null; status: string } | null;
  stepDetails: ReportStep[];
}

export interface Machine {
  kernel: string;
  distro: string | null;
  cgroupMode: string;
  cgroupV2Controllers: string[] | null;
  root: boolean;
  utilLinux: string | null;
  init: string;
  /** The ✗ items of `lab doctor`. */
  missing: { id: string; text: string }[];
  /** Labs this machine cannot run, with what they lack. */
  labsBlocked: { id: string; unmet: string[] }[];
}

export interface Report {
  format: 1;
  generated: string;
  lang: Lang;
  learner: string | null;
  machine: Machine;
  labs: ReportLab[];
}

/** PRETTY_NAME of /etc/os-release. */
function distro(): string | null {
  try {
    const line = readFileSync('/etc/os-release', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('PRETTY_NAME='));
    return line ? line.slice('PRETTY_NAME='.length).replace(/^"|"$/g, '') : null;
  } catch {
    return null;
  }
}

/** The machine's facts, as `lab doctor` gathers them. */
export function machineOf(facts: HostFacts, findings: Finding[], lang: Lang, os: string | null): Machine {
  return {
    kernel: facts.kernel,
    distro: os,
    cgroupMode: facts.cgroup.mode,
    cgroupV2Controllers: facts.cgroup.v2Controllers ?? null,
    root: facts.root,
    utilLinux: facts.utilLinux ?? null,
    init: facts.init.manager,
    missing: findings.filter((f) => f.status === 'missing' && f.section !== 'labs').map((f) => ({ id: f.id, text: f.text[lang] })),
    labsBlocked: facts.labs.filter((l) => !l.ready).map((l) => ({ id: l.id, unmet: l.unmet })),
  };
}

/** One lab as the report shows it: the spec gives steps and checks, the progress what the runs found. */
export function labReport(lab: LoadedLab, progress: Progress, lang: Lang): ReportLab {
  const id = lab.spec.id;
  const entry = progress.labs[id];
  const stepIds = lab.steps.map((s) => s.spec.id);
  const stand = standing(progress, id, stepIds);
  const run = reportedRun(entry);
  const stepDetails = lab.steps.map((step): ReportStep => {
    const spec = step.spec as { id: string; kind: string; checks?: { id: string; title: Record<Lang, string> }[] };
    // A quiz has no checks of its own: the runner reports its right answer as the check `answer`.
    const checks = spec.checks ?? [{ id: 'answer', title: { en: 'The answer is right', zh: '回答正确' } }];
    const records = run?.steps.filter((s) => s.id === spec.id) ?? [];
    const last = records.at(-1);
    return {
      id: spec.id,
      kind: spec.kind,
      title: step.prose[lang].title,
      status: last?.status ?? 'not-reached',
      start: records[0]?.start ?? null,
      end: last?.end ?? null,
      quizAttempts: records.reduce((n, r) => n + (r.quizAttempts ?? 0), 0),
      hintsUsed: entry?.hints[spec.id] ?? 0,
      checks: checks.map((check) => {
        const read = records
          .flatMap((r) => r.checks)
          .filter((c) => c.id === check.id)
          .at(-1);
        return { id: check.id, title: check.title[lang], ok: read?.ok ?? null, at: read?.at ?? null };
      }),
    };
  });
  return {
    id,
    title: lab.title[lang],
    state: stand.state,
    stepsPassed: stand.passed,
    steps: stand.steps,
    completed: entry?.completed ?? null,
    hintsUsed: stand.hintsUsed,
    runsKept: entry?.runs.length ?? 0,
    run: run ? { runId: run.runId, start: run.start, end: run.end ?? null, status: run.status } : null,
    stepDetails,
  };
}

const xml = (text: string): string =>
  text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** JUnit's timestamp: ISO 8601 without the zone (the times are UTC). */
const junitTime = (iso: string): string => iso.replace(/\.\d+Z$|Z$/, '');

const STATE_TEXT: Record<LabState, string> = {
  complete: 'complete: every check passed in one run',
  pieces: 'every step passed, not in one run',
  'in-progress': 'in progress',
  'not-started': 'not started',
};

/** JUnit XML: a testsuite per lab, a testcase per check; failed checks carry a failure, unreached ones skipped. */
export function toJunit(report: Report): string {
  const count = (lab: ReportLab, ok: boolean | null): number => lab.stepDetails.flatMap((s) => s.checks).filter((c) => c.ok === ok).length;
  const all = (ok: boolean | null): number => report.labs.reduce((n, lab) => n + count(lab, ok), 0);
  const tests = report.labs.reduce((n, lab) => n + lab.stepDetails.reduce((m, s) => m + s.checks.length, 0), 0);
  const m = report.machine;
  const properties: [string, string][] = [
    ['generated', report.generated],
    ['learner', report.learner ?? ''],
    ['kernel', m.kernel],
    ['distro', m.distro ?? ''],
    ['cgroup-mode', m.cgroupMode],
    ['init', m.init],
    ['missing', m.missing.map((x) => x.id).join(' ')],
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="lab" tests="${tests}" failures="${all(false)}" errors="0" skipped="${all(null)}" timestamp="${junitTime(report.generated)}">`,
  ];
  for (const lab of report.labs) {
    const labTests = lab.stepDetails.reduce((n, s) => n + s.checks.length, 0);
    const stamp = junitTime(lab.run?.start ?? report.generated);
    lines.push(
      `  <testsuite name="${xml(lab.id)}" tests="${labTests}" failures="${count(lab, false)}" errors="0" skipped="${count(lab, null)}" timestamp="${stamp}" hostname="localhost">`,
      '    <properties>',
      ...[
        ...properties,
        ['title', lab.title],
        ['state', lab.state],
        ['steps-passed', `${lab.stepsPassed}/${lab.steps}`],
        ['hints-used', String(lab.hintsUsed)],
        ['run', lab.run?.runId ?? ''],
      ].map(([name, value]) => `      <property name="${xml(name!)}" value="${xml(value!)}"/>`),
      '    </properties>',
    );
    for (const step of lab.stepDetails) {
      for (const check of step.checks) {
        const open = `    <testcase classname="${xml(`${lab.id}.${step.id}`)}" name="${xml(`${check.id}: ${check.title}`)}" time="0"`;
        if (check.ok === true) {
          lines.push(`${open}>`, `      <system-out>${xml(`checked at ${check.at}`)}</system-out>`, '    </testcase>');
        } else if (check.ok === false) {
          lines.push(
            `${open}>`,
            `      <failure message="${xml(`the check failed (${check.at})`)}" type="check">${xml(`step ${step.id} (${step.title}): ${check.title}`)}</failure>`,
            `      <system-out>${xml(`checked at ${check.at}`)}</system-out>`,
            '    </testcase>',
          );
        } else {
          lines.push(`${open}>`, `      <skipped message="${xml(lab.run ? 'not reached in this run' : 'not started')}"/>`, '    </testcase>');
        }
      }
    }
    lines.push(`    <system-out>${xml(`${lab.id}: ${STATE_TEXT[lab.state]}`)}</system-out>`, '  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

const tapEscape = (text: string): string => text.replace(/\\/g, '\\\\').replace(/#/g, '\\#').replace(/\n/g, ' ');
const yamlString = (text: string): string => JSON.stringify(text);

/**
 * TAP 14: a subtest per lab that has a run, a test point per check (failed: not ok; not reached: SKIP), the time
 * in each point's YAML block. A lab's own point is ok when it is complete, not ok when a check failed in the run,
 * a TODO while it is unfinished without a failure, a SKIP when it was never started.
 */
export function toTap(report: Report): string {
  const m = report.machine;
  const lines = [
    'TAP version 14',
    `# lab report, generated ${report.generated}${report.learner ? `, learner ${tapEscape(report.learner)}` : ''}`,
    `# kernel ${tapEscape(m.kernel)}; ${tapEscape(m.distro ?? 'unknown distribution')}; cgroup ${m.cgroupMode}; init ${m.init}`,
  ];
  if (m.missing.length) lines.push(`# missing: ${tapEscape(m.missing.map((x) => x.id).join(', '))}`);
  report.labs.forEach((lab, i) => {
    const n = i + 1;
    if (lab.run === null) {
      // Never run, or run before runs were recorded.
      if (lab.state === 'not-started') lines.push(`ok ${n} - ${lab.id} # SKIP not started`);
      else if (lab.state === 'complete') lines.push(`ok ${n} - ${lab.id}`);
      else lines.push(`not ok ${n} - ${lab.id} # TODO ${STATE_TEXT[lab.state]}`);
      return;
    }
    lines.push(`# Subtest: ${lab.id}`, `    # ${tapEscape(lab.title)}: run ${lab.run.runId}, started ${lab.run.start}, ${lab.run.status}`);
    let point = 0;
    for (const step of lab.stepDetails) {
      for (const check of step.checks) {
        point++;
        const what = `${step.id}/${check.id}: ${tapEscape(check.title)}`;
        if (check.ok === null) {
          lines.push(`    ok ${point} - ${what} # SKIP not reached in this run`);
          continue;
        }
        lines.push(`    ${check.ok ? 'ok' : 'not ok'} ${point} - ${what}`, '      ---', `      at: ${yamlString(check.at ?? '')}`, '      ...');
      }
    }
    lines.push(`    1..${point}`);
    const failed = lab.stepDetails.some((step) => step.checks.some((check) => check.ok === false));
    const where = `${STATE_TEXT[lab.state]} (${lab.stepsPassed} of ${lab.steps} steps)`;
    if (lab.state === 'complete') lines.push(`ok ${n} - ${lab.id}`);
    // A check that failed in the run is a failure; a lab merely unfinished is still to do.
    else if (failed) lines.push(`not ok ${n} - ${lab.id}`, '  ---', `  state: ${yamlString(where)}`, '  ...');
    else lines.push(`not ok ${n} - ${lab.id} # TODO ${where}`);
  });
  lines.push(`1..${report.labs.length}`);
  return `${lines.join('\n')}\n`;
}

/** The learner's name when this machine has joined a class (never the secret). */
function learnerName(): string | null {
  const name = readMembership()?.name;
  return typeof name === 'string' && name !== '' ? name : null;
}

export async function run(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse('report', args, {
    format: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  const format = (values.format ?? 'json') as Format;
  if (!FORMATS.includes(format)) {
    throw usage(`lab report --format ${values.format}`, {
      en: `Unknown format; one of: ${FORMATS.join(', ')}.`,
      zh: `未知的格式；可选：${FORMATS.join('、')}。`,
    });
  }
  const ids = positionals.length > 0 ? [...new Set(positionals.map((id) => resolveLabId(id, 'report')))] : listLabIds();
  const [labs, { facts, findings }] = await Promise.all([Promise.all(ids.map((id) => loadLab(id))), diagnose()]);
  labs.sort((a, b) => a.spec.order - b.spec.order || a.spec.id.localeCompare(b.spec.id));
  const progress = readProgress();
  const report: Report = {
    format: 1,
    generated: new Date().toISOString(),
    lang,
    learner: learnerName(),
    machine: machineOf(facts, findings, lang, distro()),
    labs: labs.map((lab) => labReport(lab, progress, lang)),
  };
  const text = format === 'junit' ? toJunit(report) : format === 'tap' ? toTap(report) : `${JSON.stringify(report, null, 2)}\n`;
  if (values.output === undefined) process.stdout.write(text);
  else {
    writeFileSync(values.output, text);
    process.stderr.write(lang === 'zh' ? `报告已写入 ${values.output}。\n` : `Report written to ${values.output}.\n`);
  }
  return 0;
}
