// `lab run <id>`: walk through a lab. Pauses between steps and waits for the learner on tasks when interactive;
// straight through with --yes or when not on a terminal.
import type { Listener } from '../lab/events.js';
import { progressRecorder } from '../lab/progress.js';
import { runLab } from '../lab/runner.js';
import type { Lang } from '../lab/spec.js';
import { jsonReporter } from '../ui/json.js';
import { plainDriver } from '../ui/plain-driver.js';
import { plainReporter, wantsColor } from '../ui/plain.js';
import { TapWriter } from '../ui/tap.js';
import { parse, resolveLabId } from './args.js';
import { endAfterHangup, loadRunnable, withInterrupts } from './start-lab.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab run <id> [--yes] [--plain | --tap | --json] [--lang en|zh]

Walks through a lab: each step explains, shows the exact commands the harness runs and their output, then
proves the outcome by reading kernel state. On "task" steps it is your turn: open the shell it offers (or run
\`sudo lab shell <id>\` in another terminal), do the task, and press c to check.

  --yes     no pauses; tasks are done with their reference solution
  --plain   plain text (the default when not on a terminal)
  --tap     TAP 14, one test point per check
  --json    one JSON event per line

Everything the lab creates is removed at the end, on q, on Ctrl-C, and by \`lab clean\` after a crash.`,
  zh: `用法：lab run <id> [--yes] [--plain | --tap | --json] [--lang en|zh]

一步一步完成一个实验：每一步先讲解，再显示 lab 实际执行的命令及其输出，最后读取内核状态来证明结果。
遇到「动手任务」步骤时轮到你：打开它提供的 shell（或在另一个终端运行 \`sudo lab shell <id>\`），
完成任务后按 c 检查。

  --yes     不停顿；动手任务用参考答案完成
  --plain   纯文本输出（不在终端上时默认如此）
  --tap     TAP 14 格式，每项检查一个测试点
  --json    每行一个 JSON 事件

实验创建的一切都会在结束时、按 q 时、按 Ctrl-C 时被移除；崩溃后可用 \`lab clean\` 清理。`,
};

export async function run(args: string[], lang: Lang): Promise<number> {
  const { values, positionals } = parse('run', args, {
    yes: { type: 'boolean', short: 'y' },
    plain: { type: 'boolean' },
    tap: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const id = resolveLabId(positionals[0], 'run');
  const lab = await loadRunnable(id, lang);
  const interactive = !values.yes && !values.tap && !values.json && Boolean(process.stdin.isTTY && process.stdout.isTTY);
  let tap: TapWriter | undefined;
  let reporter: Listener;
  if (values.json) reporter = jsonReporter(lang);
  else if (values.tap) {
    tap = new TapWriter(lang);
    reporter = tap.lab();
  } else reporter = plainReporter({ lang, explain: true, color: wantsColor(process.stdout) });
  const record = progressRecorder();
  tap?.begin();
  const { value: outcome, interrupted, by } = await withInterrupts((signal) =>
    runLab(
      lab,
      { mode: 'run', lang, signal, ...(interactive ? { driver: plainDriver(lang, id, signal) } : {}) },
      (event) => {
        reporter(event);
        record(event);
      },
    ),
  );
  tap?.end();
  endAfterHangup(by);
  if (interrupted) return 130;
  return outcome.status === 'passed' || outcome.status === 'quit' ? 0 : 1;
}
