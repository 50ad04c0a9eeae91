// Choosing the learner's language and picking text in it.
import type { Lang, Text } from '../lab/spec.js';

/** The language from --lang, else LC_ALL / LC_MESSAGES / LANG (zh* gives Chinese), else English. */
export function pickLang(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
  if (flag === 'zh' || flag === 'en') return flag;
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return locale.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/** The text in this language. */
export function say(text: Text, lang: Lang): string {
  return text[lang];
}

/** Replace {name} placeholders. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}
