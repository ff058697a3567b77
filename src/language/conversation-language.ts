import type { LanguageGuess } from './language-detector.js';

/**
 * The conversation's language: a pure decision from what the customer just wrote, what the
 * conversation was in so far, and the channel's / widget's locale. The rules, in order:
 *
 * 1. A message with fewer than two real words ("ok", "TD-1042", "DATEV", "42", an email address,
 *    a phone number) says nothing about the language: the conversation keeps its language.
 * 2. A message in the language the conversation already has keeps it (nothing to decide).
 * 3. Otherwise the detector must be clearly sure: a bigger margin over the runner-up for short
 *    messages than for long ones. The locale the channel or widget sends lowers the bar for
 *    its own language a little (the customer chose that page / Teams language), so a customer
 *    who writes it is followed sooner; any other language needs the full margin.
 * 4. With no language yet, the first message decides only when it is clear; otherwise the
 *    locale's language, otherwise the configured default.
 */

export interface LanguageContext {
  /** The language the conversation is in so far; undefined before the first decision. */
  current: string | undefined;
  /** The channel's / widget's locale language when the desk speaks it. */
  hint: string | undefined;
  /** DEFAULT_LANGUAGE. */
  fallback: string;
}

export interface LanguageDecision {
  language: string;
  /** Why: the words said so, the conversation already was in it, the locale, or the default. */
  reason: 'detected' | 'kept' | 'locale' | 'default';
  /** True when the conversation had a language and it is now a different one. */
  switched: boolean;
}

/** Margins over the runner-up (relative to the winner's score) needed to follow the words. */
export const SWITCH_MARGINS = {
  /** Two informative words. */
  short: 0.35,
  /** Three to five. */
  medium: 0.12,
  /** Six or more. */
  long: 0.08,
  /** Subtracted when the winner is the channel's / widget's locale language. */
  localeBonus: 0.05,
} as const;

const NOISE: readonly RegExp[] = [
  /\bhttps?:\/\/\S+/giu, // links
  /\S+@\S+\.\S+/gu, // email addresses
  /\bTD-\d+\b/giu, // ticket references
  /\+?\d[\d\s().\/-]{5,}\d/gu, // phone numbers, dates
  /\S*\d\S*/gu, // anything with a digit: versions, order numbers, times
];

/**
 * The words that carry language: what remains after removing links, emails, references, numbers,
 * all-capital acronyms and product names (DATEV, PDF, VPN) and one-letter tokens.
 */
export function informativeWords(text: string): string[] {
  let rest = text.normalize('NFC');
  for (const pattern of NOISE) rest = rest.replace(pattern, ' ');
  return (rest.match(/[\p{L}'\u2019]+/gu) ?? []).filter((word) => word.length >= 2 && word !== word.toUpperCase());
}

function requiredMargin(words: number): number {
  if (words <= 2) return SWITCH_MARGINS.short;
  if (words <= 5) return SWITCH_MARGINS.medium;
  return SWITCH_MARGINS.long;
}

/** Decides the conversation's language for one message (see the module comment for the rules). */
export function decideLanguage(text: string, guesses: readonly LanguageGuess[], context: LanguageContext): LanguageDecision {
  const { current, hint, fallback } = context;
  const keep = (): LanguageDecision => {
    if (current !== undefined) return { language: current, reason: 'kept', switched: false };
    if (hint !== undefined) return { language: hint, reason: 'locale', switched: false };
    return { language: fallback, reason: 'default', switched: false };
  };
  const words = informativeWords(text).length;
  const [best, runnerUp] = guesses;
  if (words < 2 || best === undefined || best.score <= 0) return keep();
  if (best.language === current) return keep();
  const margin = (best.score - (runnerUp?.score ?? 0)) / best.score;
  const needed = requiredMargin(words) - (best.language === hint ? SWITCH_MARGINS.localeBonus : 0);
  if (margin < needed) return keep();
  return { language: best.language, reason: 'detected', switched: current !== undefined };
}
