import { eld } from 'eld/small';

/** One language and how well the text fits it (0..1, comparable within one detection only). */
export interface LanguageGuess {
  language: string;
  score: number;
}

/** Guesses a text's language among the languages the desk speaks. Swappable for measurements. */
export interface LanguageDetector {
  readonly name: string;
  /** Scores for the supported languages, best first; empty when the detector has no idea. */
  detect(text: string): LanguageGuess[];
}

/**
 * ELD (Efficient Language Detector, n-gram based, maintained) restricted to the desk's languages.
 * Chosen by measurement (`npm run eval:language`): most accurate of eld / tinyld / franc-min on
 * short pt/pl/en support messages, and it returns scores for every candidate so the conversation
 * logic can demand a clear margin before switching. The small database is enough for 3 languages.
 */
export function eldDetector(languages: readonly string[]): LanguageDetector {
  const instance = eld.newInstance();
  instance.setLanguageSubset([...languages]);
  return {
    name: 'eld',
    detect(text) {
      const scores = instance.detect(text).getScores();
      return Object.entries(scores)
        .filter(([language]) => languages.includes(language))
        .map(([language, score]) => ({ language, score }))
        .sort((a, b) => b.score - a.score);
    },
  };
}
