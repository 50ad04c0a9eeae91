// `lab dev check [<id>...] [--static] [--json]`: for lab authors. Finds what a learner must never meet: ids used
// twice, a language incomplete or out of step with the other, a step without a check, a check that passes before its
// step, a lab that leaves something on the host. The work is in src/lab/dev-check.ts; `npm test` runs the same.
import { findRuns } from '../host/journal.js';
import { stateDirPath } from '../host/state-dir.js';
import { dynamicCheck, problemLine, skipReason, staticCheck, type DevProblem } from '../lab/dev-check.js';
import { labsDir } from '../lab/paths.js';
import type { Lang } from '../lab/spec.js';
import { parse, usage } from './args.js';
import { findCommand, usageLine } from './commands.js';
import { withInterrupts } from './start-lab.js';

const entry = findCommand('dev')!;

/** `lab dev --help`. */
export const help: Record<Lang, string> = {
  en: `${usageLine(entry, 'en')}

For lab authors. Checks the labs named, or every lab, and prints each problem as \`labs/<id>: <problem>\`.

Static (always): lab ids and orders used once across labs; step ids once in a lab and check ids once in a step;
every field valid; en.md and zh.md complete and parallel (every step in both, the same hints, choices, code
blocks and quoted commands; titles not empty; no English sentence left in zh.md outside code and quotes); every
demo or task step has a check and every quiz an answer; every requirement known.

Dynamic (unless --static; needs root): each lab this host can run is run once as \`lab verify --prove-checks\`
runs it: every check must fail before its step and pass after it (a quiz: a wrong answer must be refused), and
the host must be as it was before (mounts, processes a run started, run journals, network links and namespaces,
lab cgroups, hostname, System V IPC, /run/lab-* paths, loop devices); what differs is named. A lab whose
requirements this host lacks is skipped with the reason and counted.

  --static   only the static checks: no lab is run
  --json     one JSON object: each lab with its status and problems, and the counts

Exit status: 0 when no problem was found (skipped labs do not change it), 1 otherwise, 130 after Ctrl-C.`,
  zh: `${usageLine(entry, 'zh')}

供实验作者使用。检查指定的实验（不指定则检查全部），每个问题打印为 \`labs/<id>: <问题>\`。

静态检查（总会进行）：各实验的 id 和顺序号（order）互不相同；一个实验里步骤 id 不重复，一个步骤里检查 id 不重复；
每个字段都有效；en.md 和 zh.md 完整且一一对应（每一步两边都有，提示、选项、代码块和引用的命令都相同；标题不为空；
zh.md 中除代码和引文以外没有遗留的英文句子）；每个演示或动手步骤至少有一项检查，每个测验都有答案；每个条件（requirement）
都是已知的。

动态检查（除非加 --static；需要 root）：本机能运行的每个实验都像 \`lab verify --prove-checks\` 那样运行一次：每项检查
在它的步骤之前必须失败、之后必须通过（测验：错误的答案必须被拒绝），并且宿主机（host）必须与运行之前一样（挂载、运行
启动的进程、运行日志、网络接口和网络命名空间、实验的 cgroup、主机名、System V IPC、/run/lab-* 路径、loop 设备）；
不同之处会逐一指出。本机不满足条件的实验被跳过，说明原因并计数。

  --static   只做静态检查：不运行任何实验
  --json     输出一个 JSON 对象：每个实验的状态和问题，以及各项计数

退出状态：没有发现问题时为 0（跳过的实验不影响它），否则为 1；按 Ctrl-C 中断时为 130。`,
};

/** What became of one lab. */
interface LabResult {
  lab: string;
  status: 'passed' | 'problems' | 'skipped';
  problems: DevProblem[];
  reason?: string;
}

/** Run `lab dev <subcommand>`; only `check` exists. */
export async function run(args: string[], lang: Lang): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check') {
    throw usage('lab dev', {
      en: 'The subcommand is `check`: lab dev check [<id>...] [--static] [--json].',
      zh: '子命令是 `check`：lab dev check [<id>...] [--static] [--json]。',
    });
  }
  const { values, positionals } = parse('dev check', rest, { static: { type: 'boolean' }, json: { type: 'boolean' } });
  const json = Boolean(values.json);
  const out = (line: string): void => {
    if (!json) process.stdout.write(`${line}\n`);
  };
  const report = await staticCheck(positionals, labsDir());
  const results = new Map<string, LabResult>();
  const ids = positionals.length > 0 ? positionals : report.labs.map((l) => l.id);
  for (const id of ids) results.set(id, { lab: id, status: 'passed', problems: [] });
  for (const problem of report.problems) {
    const result = results.get(problem.lab)!;
    result.status = 'problems';
    result.problems.push(problem);
    out(problemLine(problem, lang));
  }
  let interrupted = false;
  if (!values.static) {
    for (const inspected of report.labs) {
      const lab = inspected.lab;
      const result = results.get(inspected.id)!;
      if (!lab) continue;
      const running = findRuns().find((run) => run.lab === lab.spec.id && run.ownerAlive);
      const busy = running && (lang === 'zh' ? `它正在运行（进程 ${running.owner}）` : `it is running now (process ${running.owner})`);
      const missing = skipReason(lab, lang);
      const reason = missing ? (lang === 'zh' ? `缺少：${missing}` : `missing: ${missing}`) : busy;
      if (reason) {
        if (result.status === 'passed') result.status = 'skipped';
        result.reason = reason;
        continue;
      }
      const ran = await withInterrupts((signal) => dynamicCheck(lab, { signal, stateDir: stateDirPath() }));
      if (ran.interrupted) {
        interrupted = true;
        break;
      }
      for (const text of ran.value.problems) {
        const problem = { lab: lab.spec.id, text };
        result.status = 'problems';
        result.problems.push(problem);
        out(problemLine(problem, lang));
      }
      out(
        lang === 'zh'
          ? `运行了 ${lab.spec.id}：${ran.value.problems.length ? `${ran.value.problems.length} 个问题` : '通过'}`
          : `ran ${lab.spec.id}: ${ran.value.problems.length ? `${ran.value.problems.length} ${ran.value.problems.length === 1 ? 'problem' : 'problems'}` : 'passed'}`,
      );
    }
  }
  const all = [...results.values()];
  const count = (status: LabResult['status']): number => all.filter((r) => r.status === status).length;
  const problems = all.reduce((n, r) => n + r.problems.length, 0);
  if (json) {
    const summary = {
      labs: all.length,
      passed: count('passed'),
      withProblems: count('problems'),
      problems,
      skipped: count('skipped'),
      static: Boolean(values.static),
    };
    const labs = all.map((r) => ({ lab: r.lab, status: r.status, problems: r.problems.map((p) => p.text[lang]), ...(r.reason ? { reason: r.reason } : {}) }));
    process.stdout.write(`${JSON.stringify({ summary, labs })}\n`);
  } else {
    const mode = values.static ? (lang === 'zh' ? '（仅静态检查）' : ' (static checks only)') : '';
    out('');
    out(
      lang === 'zh'
        ? `检查了 ${all.length} 个实验${mode}：通过 ${count('passed')}，有问题 ${count('problems')}（共 ${problems} 个问题），跳过 ${count('skipped')}`
        : `${all.length} ${all.length === 1 ? 'lab' : 'labs'} checked${mode}: ${count('passed')} passed, ${count('problems')} with problems (${problems} ${problems === 1 ? 'problem' : 'problems'}), ${count('skipped')} skipped`,
    );
    for (const r of all.filter((r) => r.reason)) out(lang === 'zh' ? `  没有运行：${r.lab}（${r.reason}）` : `  not run: ${r.lab} (${r.reason})`);
  }
  if (interrupted) return 130;
  return problems === 0 ? 0 : 1;
}
