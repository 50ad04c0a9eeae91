// Texts written once for both languages: a check's verdict often mixes kernel facts (paths, values, PIDs, which
// read the same in every language) with a few words that must be translated. Writing the sentence twice would
// repeat every fact; here the sentence is written once and each word names both of its forms.
import type { Lang, Text } from './spec.js';

/** Picks the form of a word for the language being written: `say('gone', '已不在')`. */
export type Say = (en: string, zh: string) => string;

/** Build a Text by writing it once per language; `say` picks each translated word, `lang` is there for the rare rest. */
export function bilingual(write: (say: Say, lang: Lang) => string): Text {
  return { en: write((en) => en, 'en'), zh: write((_en, zh) => zh, 'zh') };
}

/** `say` for a Text whose two sentences are written apart: `list(pids, inEnglish)`. */
export const inEnglish: Say = (en) => en;
export const inChinese: Say = (_en, zh) => zh;
