import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../project-root.js';

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

/** src/language/eld-subset.json, written by src/language/eld-subset-cli.ts. */
const eldSubsetSchema = z.object({
  source: z.string(),
  languages: z.array(z.string()),
  dictionary: z.array(z.string()).length(256),
  separators: z.object({ source: z.string(), flags: z.string() }),
  ngrams: z.record(z.string(), z.record(z.string(), z.number())),
});
type EldSubset = z.infer<typeof eldSubsetSchema> & { separatorPattern: RegExp; grams: Map<string, [string, number][]> };

let loaded: EldSubset | undefined;
/** Read once per process, on the first detector (tests and tier rules make several). */
function eldSubset(): EldSubset {
  if (loaded === undefined) {
    const file = path.join(projectRoot(), 'src', 'language', 'eld-subset.json');
    const data = eldSubsetSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    loaded = {
      ...data,
      separatorPattern: new RegExp(data.separators.source, data.separators.flags),
      grams: new Map(Object.entries(data.ngrams).map(([gram, weights]) => [gram, Object.entries(weights)])),
    };
  }
  return loaded;
}

/** eld subtracts this from every stored weight to keep its database small. */
const BASE_NGRAM_SCORE = 53;
/** eld's hand-picked scale from raw score to 0..1. */
const SCORE_SCALE = 25;

/**
 * ELD (Efficient Language Detector, n-gram based, maintained) restricted to the desk's languages.
 * Chosen by measurement (`npm run eval:language`): most accurate of eld / tinyld / franc-min on
 * short pt/pl/en support messages, and it returns scores for every candidate so the conversation
 * logic can demand a clear margin before switching. The small database is enough for 3 languages
 * (the extra-small one lost 0.9 points on Polish and 9 on one-or-two-word messages).
 *
 * Scores exactly as `eld/small` with `setLanguageSubset(languages)` and text cleanup off (same
 * byte encoding, 4-byte n-grams with stride 3, summed weights, ngramScore / (ngramScore + 25)),
 * but from src/language/eld-subset.json — only the n-grams that list one of the desk's languages —
 * instead of eld's 60-language module, whose import alone costs about 145 MB of RSS.
 * test/language-detector.test.ts compares the two on the evaluation samples.
 */
export function eldDetector(languages: readonly string[]): LanguageDetector {
  const data = eldSubset();
  const unknown = languages.filter((language) => !data.languages.includes(language));
  if (unknown.length > 0) {
    throw new Error(`src/language/eld-subset.json has no n-grams for ${unknown.join(', ')}: run npx tsx src/language/eld-subset-cli.ts`);
  }
  const wanted = new Set(languages);
  return {
    name: 'eld',
    detect(text) {
      const words = utf8ByteWords(text.substring(0, 1000).replace(data.separatorPattern, ' ').trim().toLowerCase(), data.dictionary);
      const grams = byteNgrams(words);
      const raw = new Map<string, number>();
      for (const gram of grams) {
        for (const [language, weight] of data.grams.get(gram) ?? []) {
          if (wanted.has(language)) raw.set(language, (raw.get(language) ?? 0) + weight + BASE_NGRAM_SCORE);
        }
      }
      // In eld's language order (alphabetical), so ties keep eld's order after the stable sort.
      return data.languages
        .filter((language) => (raw.get(language) ?? 0) > 0)
        .map((language) => {
          const ngramScore = raw.get(language)! / grams.size;
          return { language, score: ngramScore / (ngramScore + SCORE_SCALE) };
        })
        .sort((a, b) => b.score - a.score);
    },
  };
}

/** eld's n-grams of a text's words: 4 bytes with a stride of 3, the first marked by a leading space, the last by a trailing one. */
function byteNgrams(words: readonly string[]): Set<string> {
  const grams = new Set<string>();
  for (const word of words) {
    const len = Math.min(word.length, 70);
    let j = 0;
    for (; j + 4 < len; j += 3) grams.add((j === 0 ? ' ' : '') + word.substring(j, j + 4));
    grams.add((j === 0 ? ' ' : '') + word.substring(len !== 3 ? len - 4 : 0) + ' ');
  }
  return grams;
}

/** Words as eld encodes them: UTF-8 bytes, each non-ASCII byte as one character of eld's dictionary; cut after about 350 bytes. */
function utf8ByteWords(text: string, dictionary: readonly string[]): string[] {
  const cutAfter = 350;
  const enforceCutAfter = 380;
  const words: string[] = [];
  let encoded = '';
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      if (code === 32) {
        if (encoded !== '') {
          words.push(encoded);
          encoded = '';
        }
        if (bytes > cutAfter) break;
      } else encoded += text[i];
      bytes++;
    } else if (code < 0x800) {
      encoded += dictionary[0xc0 | (code >> 6)]! + dictionary[0x80 | (code & 0x3f)]!;
      bytes += 2;
    } else if (code < 0xd800 || code >= 0xe000) {
      encoded += dictionary[0xe0 | (code >> 12)]! + dictionary[0x80 | ((code >> 6) & 0x3f)]! + dictionary[0x80 | (code & 0x3f)]!;
      bytes += 3;
    } else {
      i++;
      code = 0x10000 + (((code & 0x3ff) << 10) | (text.charCodeAt(i) & 0x3ff));
      encoded += dictionary[0xf0 | (code >> 18)]! + dictionary[0x80 | ((code >> 12) & 0x3f)]! + dictionary[0x80 | ((code >> 6) & 0x3f)]! + dictionary[0x80 | (code & 0x3f)]!;
      bytes += 4;
    }
    if (bytes > enforceCutAfter) break;
  }
  if (encoded !== '') words.push(encoded);
  return words;
}
