/**
 * Language codes. The desk speaks ISO 639-1 languages ("en", "pt", "pl"); channels and the widget
 * send BCP 47 locales ("pt-BR", "pl-PL", "en-US"), which are reduced to their language here.
 */

/** The language of a locale such as "pt-BR" or "pl_PL" ("pt", "pl"), or undefined when there is none. */
export function languageOfLocale(locale: string | undefined): string | undefined {
  const language = (locale ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return /^[a-z]{2,3}$/.test(language) ? language : undefined;
}

/** The locale's language when the desk speaks it, else undefined (an unsupported locale is no hint). */
export function supportedLanguageOf(locale: string | undefined, supported: readonly string[]): string | undefined {
  const language = languageOfLocale(locale);
  return language !== undefined && supported.includes(language) ? language : undefined;
}
