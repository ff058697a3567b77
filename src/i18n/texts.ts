import { en } from './en.js';
import { pl } from './pl.js';
import { pt } from './pt.js';

/** Every sentence the bot says, per language. Add a language by adding one file like `en.ts`. */
export type Texts = typeof en;

const byLanguage: Record<string, Texts> = { en, pt, pl };

/** The texts of every language (e.g. to recognise "obrigado" in an English conversation). */
export const allTexts: readonly Texts[] = Object.values(byLanguage);

/** Languages that have a texts file (LANGUAGES may only name these). */
export const textLanguages: readonly string[] = Object.keys(byLanguage);

/** Texts for a language ("pt") or an activity locale ("pt-BR"); falls back to English. */
export function textsFor(locale: string | undefined): Texts {
  const language = (locale ?? 'en').toLowerCase().split(/[-_]/)[0] ?? 'en';
  return byLanguage[language] ?? en;
}
