// `lab reset [<id>]`: stop and clean a lab's runs, then forget its progress (or do so for every lab).
import { cleanAll } from '../host/cleanup.js';
import { resetProgress } from '../lab/progress.js';
import type { Lang } from '../lab/spec.js';
import { parse, resolveLabId } from './args.js';

export const help: Record<Lang, string> = {
  en: `Usage: lab reset [<id>] [--lang en|zh]

Stops and cleans up the lab (or every lab) and forgets your progress in it (steps passed, runs, the hints you
have seen), so you can start again.`,
  zh: `用法：lab reset [<id>] [--lang en|zh]

停止并清理该实验（或所有实验），并清除你在其中的进度（通过的步骤、运行记录、看过的提示），以便重新开始。`,
};

/** Run `lab reset`. */
export async function run(args: string[], lang: Lang): Promise<number> {
  const { positionals } = parse('reset', args, {}, { maxArgs: 1 });
  const id = positionals[0] === undefined ? undefined : resolveLabId(positionals[0], 'reset');
  await cleanAll((owner) => id === undefined || (owner.kind === 'run' && owner.lab === id));
  resetProgress(id);
  const what = id ?? (lang === 'zh' ? '所有实验' : 'every lab');
  process.stdout.write(lang === 'zh' ? `已重置 ${what}：进度已清除，资源已清理。\n` : `Reset ${what}: progress forgotten, resources cleaned.\n`);
  return 0;
}
