// `lab run <id>`: walk through a lab. On a terminal it opens the terminal UI (src/ui/tui); --plain keeps the line
// prompt; straight through with --yes or when not on a terminal. Each path loads only what it uses: the terminal UI
// paints its first frame before the runner is loaded.
import type { LabOutcome, Listener } from '../lab/events.js';
import type { Lang } from '../lab/spec.js';
import { plainReporter, wantsColor } from '../ui/plain.js';
import type { TapWriter } from '../ui/tap.js';
import { parse, resolveLabId } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab run <id> [--yes] [--plain | --tap | --json] [--lang en|zh]

Walks through a lab: each step explains, shows the exact commands the harness runs and their output, then
proves the outcome by reading kernel state. On "task" steps it is your turn: use the shell it offers (or run
\`sudo lab shell <id>\` in another terminal), do the task, and press c to check.

On a terminal this is a full-screen view: the steps, the explanation, the commands and their output, a live
panel of the lab's namespaces and cgroup, and a shell for tasks. Keys: n next, r re-run the step's checks,
c check, h hint, Tab type into the shell (Ctrl-] back), s shell full screen, l language, ? help, q quit.

  --yes     no pauses, in plain text (no full-screen view, even on a terminal); tasks are done with their
            reference solution
  --plain   plain text with a line prompt (the default when not on a terminal)
  --tap     TAP 14, one test point per check
  --json    one JSON event per line

Everything the lab creates is removed at the end, on q, on Ctrl-C, and by \`lab clean\` after a crash.`,
  zh: `用法：lab run <id> [--yes] [--plain | --tap | --json] [--lang en|zh]

一步一步完成一个实验：每一步先讲解，再显示 lab 实际执行的命令及其输出，最后读取内核状态来证明结果。
遇到「动手任务」步骤时轮到你：使用它提供的 shell（或在另一个终端运行 \`sudo lab shell <id>\`），
完成任务后按 c 检查。

在终端上运行时是全屏界面：步骤列表、讲解、命令及其输出、实验的命名空间和 cgroup 的实时面板，以及动手任务用的
shell。按键：n 下一步，r 重新运行本步骤的检查，c 检查，h 提示，Tab 在 shell 里输入（Ctrl-] 返回），
s shell 全屏，l 切换语言，? 帮助，q 退出。

  --yes     不停顿，纯文本输出（即使在终端上也不用全屏界面）；动手任务用参考答案完成
  --plain   纯文本输出，逐行提示（不在终端上时默认如此）
  --tap     TAP 14 格式，每项检查一个测试点
  --json    每行一个 JSON 事件

实验创建的一切都会在结束时、按 q 时、按 Ctrl-C 时被移除；崩溃后可用 \`lab clean\` 清理。`,
};

export async function run(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse(
    'run',
    args,
    {
      yes: { type: 'boolean', short: 'y' },
      plain: { type: 'boolean' },
      tap: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    { maxArgs: 1, exclusive: ['plain', 'tap', 'json'] },
  );
  const id = resolveLabId(positionals[0], 'run');
  const interactive = !values.yes && !values.tap && !values.json && Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (interactive && !values.plain) return runInTui(id, lang);
  const [{ loadRunnable, withInterrupts, endAfterHangup }, { runLab }, { progressRecorder }] = await Promise.all([
    import('./start-lab.js'),
    import('../lab/runner.js'),
    import('../lab/progress.js'),
  ]);
  const lab = await loadRunnable(id, lang);
  let tap: TapWriter | undefined;
  let reporter: Listener;
  if (values.json) reporter = (await import('../ui/json.js')).jsonReporter(lang);
  else if (values.tap) {
    tap = new (await import('../ui/tap.js')).TapWriter(lang);
    reporter = tap.lab();
  } else reporter = plainReporter({ lang, explain: true, color: wantsColor(process.stdout) });
  const plainDriver = interactive ? (await import('../ui/plain-driver.js')).plainDriver : undefined;
  const record = progressRecorder();
  const report = (await import('../class/report.js')).classReporter(lang);
  tap?.begin();
  const {
    value: outcome,
    interrupted,
    by,
  } = await withInterrupts((signal) =>
    runLab(lab, { mode: 'run', lang, signal, ...(plainDriver ? { driver: plainDriver(lang, id, signal) } : {}) }, (event) => {
      reporter(event);
      record(event);
      report(event);
    }),
  );
  tap?.end();
  endAfterHangup(by);
  if (interrupted) return 130;
  return outcome.status === 'passed' || outcome.status === 'quit' ? 0 : 1;
}

/**
 * `lab run` in the terminal UI; when it closes, the result stays on the terminal in plain words. The first frame
 * needs the lab (checked: requirements met, not running already) and the screen; the runner is loaded after it.
 */
async function runInTui(id: string, lang: Lang): Promise<number> {
  const [start, { TuiApp }, { resultLines }, { toText }] = await Promise.all([
    import('./start-lab.js'),
    import('../ui/tui/app.js'),
    import('../ui/tui/log-view.js'),
    import('../ui/tui/lines.js'),
  ]);
  const lab = await start.loadRunnable(id, lang);
  const app = TuiApp.open(lab, lang, wantsColor(process.stdout));
  let result: { value: LabOutcome; interrupted: boolean; by?: NodeJS.Signals };
  try {
    // Ctrl-C and q are answered from the first frame on, while the runner loads.
    result = await start.withInterrupts(async (signal) => {
      const [{ runLab }, { progressRecorder }] = await Promise.all([import('../lab/runner.js'), import('../lab/progress.js')]);
      const record = progressRecorder();
      const report = (await import('../class/report.js')).classReporter(lang);
      const outcome = await runLab(lab, { mode: 'run', lang, signal, driver: app.driver(signal), onSession: app.onSession }, (event) => {
        app.listener(event);
        record(event);
        report(event);
      });
      // The result stays on screen until the learner closes it, unless they chose to quit early.
      if (!signal.aborted && outcome.status !== 'quit') await app.waitForExit();
      return outcome;
    });
  } finally {
    app.close();
  }
  start.endAfterHangup(result.by);
  const summary = toText(resultLines(app.state, 100)).trim();
  if (summary) process.stdout.write(`${summary}\n`);
  if (result.interrupted) return 130;
  return result.value.status === 'passed' || result.value.status === 'quit' ? 0 : 1;
}
