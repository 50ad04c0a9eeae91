// The words every layer shares: the languages a learner reads, a text in both of them, the namespace types, and
// the outcome of a command. A leaf: it imports nothing of the project, and every layer may import it.

/** The languages every learner-facing text exists in. */
export const LANGS = ['en', 'zh'] as const;
export type Lang = (typeof LANGS)[number];

/** A short text in every language (check titles, notes, error meanings). Long prose lives in a lab's markdown. */
export type Text = Record<Lang, string>;

/** Namespace types as named in /proc/<pid>/ns/ and by `nsenter`, in the order the kernel documents them. */
export const NAMESPACE_TYPES = ['pid', 'mnt', 'uts', 'ipc', 'net', 'user', 'cgroup', 'time'] as const;
export type NamespaceType = (typeof NAMESPACE_TYPES)[number];

/** The outcome of running one command (execa's result, reduced). */
export interface ProbeResult {
  exitCode: number;
  /** The signal that ended the command (`SIGKILL`), when one did. */
  signal?: string;
  stdout: string;
  stderr: string;
}

// Texts written once for both languages: a check's verdict often mixes kernel facts (paths, values, PIDs, which
// read the same in every language) with a few words that must be translated. Writing the sentence twice would
// repeat every fact; here the sentence is written once and each word names both of its forms.

/** Picks the form of a word for the language being written: `say('gone', '已不在')`. */
export type Say = (en: string, zh: string) => string;

/** Build a Text by writing it once per language; `say` picks each translated word, `lang` is there for the rare rest. */
export function bilingual(write: (say: Say, lang: Lang) => string): Text {
  return { en: write((en) => en, 'en'), zh: write((_en, zh) => zh, 'zh') };
}

/** `say` for a Text whose two sentences are written apart: `list(pids, inEnglish)`. */
export const inEnglish: Say = (en) => en;
export const inChinese: Say = (_en, zh) => zh;
