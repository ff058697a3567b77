import { en } from './en.js';

/** Every sentence the bot says, per language. Add a language by adding one file like `en.ts`. */
export type Texts = typeof en;

const byLanguage: Record<string, Texts> = { en };

/** Texts for an activity locale such as "de-DE"; falls back to English. */
export function textsFor(locale: string | undefined): Texts {
  const language = (locale ?? 'en').toLowerCase().split(/[-_]/)[0] ?? 'en';
  return byLanguage[language] ?? en;
}
