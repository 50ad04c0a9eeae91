// What every entry of the `lab` command does around its work: `--lang` taken out of the arguments wherever it
// stands, the language picked, expected errors printed without a stack trace, the exit status set. Used by main.ts
// (every command) and container-main.ts (`lab container`, bundled on its own to start fast).
import { LabError } from '../common/errors.js';
import type { Lang } from '../common/vocabulary.js';
import { reportError } from '../ui/error.js';
import { pickLang } from '../ui/lang.js';
import { usage } from './args.js';

/** Take `--lang X` / `--lang=X` out of the arguments, wherever it stands. */
function extractLang(argv: readonly string[]): { lang: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let lang: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--lang') lang = argv[++i] ?? '';
    else if (arg.startsWith('--lang=')) lang = arg.slice('--lang='.length);
    else rest.push(arg);
  }
  return { lang, rest };
}

/** Run `body` on the arguments without `--lang`, in the learner's language; its result is the exit status. */
export async function runEntry(argv: readonly string[], body: (rest: string[], lang: Lang) => Promise<number>): Promise<void> {
  // A closed terminal (EIO after SIGHUP) or pipe (EPIPE: `lab list | head`) must not crash a run before its cleanup.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  const { lang: langFlag, rest } = extractLang(argv);
  const lang = pickLang(langFlag);
  let code: number;
  try {
    if (langFlag !== undefined && langFlag !== 'en' && langFlag !== 'zh') {
      throw usage(`--lang ${langFlag}`, { en: '--lang takes en or zh.', zh: '--lang 只能是 en 或 zh。' });
    }
    code = await body(rest, lang);
  } catch (error) {
    reportError(error, lang);
    code = error instanceof LabError ? error.exitCode : 70;
  }
  process.exitCode = code;
}
