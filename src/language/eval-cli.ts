/**
 * `npm run eval:language`: which language detector is right most often on short support messages,
 * and how the conversation-language rules behave on top of it. Sources, per language: the
 * hand-written messages in knowledge/eval/language-messages.yaml, every article's title and
 * alternative questions (knowledge/articles/<lang>/), the tier examples (knowledge/tiers/<lang>/)
 * and the eval sets (knowledge/eval/, language from the file or folder name; unmarked = en).
 * Detectors that are not installed are listed as such (only the chosen one is a dependency).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import matter from 'gray-matter';
import YAML from 'yaml';
import { z } from 'zod';
import { projectRoot } from '../project-root.js';
import { decideLanguage, informativeWords } from './conversation-language.js';
import { eldDetector, type LanguageDetector, type LanguageGuess } from './language-detector.js';
import { markdownTable } from '../markdown-table.js';

const LANGUAGES = ['en', 'pt', 'pl'] as const;
type Language = (typeof LANGUAGES)[number];
const ISO3: Record<string, Language> = { eng: 'en', por: 'pt', pol: 'pl' };

interface Sample {
  language: Language;
  text: string;
  source: string;
}

const messagesSchema = z.object({
  messages: z.object({
    en: z.array(z.string()),
    pt: z.array(z.string()),
    pl: z.array(z.string()),
    ambiguous: z.array(z.string()),
  }),
});

async function files(dir: string, pattern: RegExp): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile() && pattern.test(e.name)).map((e) => path.join(e.parentPath, e.name)).sort();
  } catch {
    return [];
  }
}

function languageOfPath(file: string): Language | undefined {
  const parts = file.split(/[\\/._-]+/);
  return LANGUAGES.find((language) => parts.includes(language));
}

async function loadSamples(knowledgeDir: string): Promise<{ samples: Sample[]; ambiguous: string[] }> {
  const samples: Sample[] = [];
  const messages = messagesSchema.parse(YAML.parse(await readFile(path.join(knowledgeDir, 'eval', 'language-messages.yaml'), 'utf8')));
  for (const language of LANGUAGES) for (const text of messages.messages[language]) samples.push({ language, text, source: 'messages' });
  for (const file of await files(path.join(knowledgeDir, 'articles'), /\.md$/)) {
    const language = languageOfPath(path.relative(knowledgeDir, file));
    if (language === undefined) continue;
    const data = matter(await readFile(file, 'utf8'), {}).data as { title?: unknown; questions?: unknown };
    const texts = [data.title, ...(Array.isArray(data.questions) ? data.questions : [])].filter((t): t is string => typeof t === 'string');
    for (const text of texts) samples.push({ language, text, source: 'articles' });
  }
  for (const file of await files(path.join(knowledgeDir, 'tiers'), /^L[1-4]\.ya?ml$/)) {
    const language = languageOfPath(path.relative(knowledgeDir, file));
    if (language === undefined) continue;
    const data = YAML.parse(await readFile(file, 'utf8')) as { examples?: unknown };
    for (const text of Array.isArray(data.examples) ? data.examples : []) if (typeof text === 'string') samples.push({ language, text, source: 'tier examples' });
  }
  for (const file of await files(path.join(knowledgeDir, 'eval'), /\.ya?ml$/)) {
    if (path.basename(file).startsWith('language-messages')) continue;
    const language = languageOfPath(path.relative(path.join(knowledgeDir, 'eval'), file)) ?? 'en';
    const data = YAML.parse(await readFile(file, 'utf8')) as { items?: unknown };
    for (const item of Array.isArray(data.items) ? data.items : []) {
      const text = (item as { question?: unknown; request?: unknown }).question ?? (item as { request?: unknown }).request;
      if (typeof text === 'string') samples.push({ language, text, source: 'eval sets' });
    }
  }
  return { samples, ambiguous: messages.messages.ambiguous };
}

/** The slices of the losers' APIs the comparison uses (they are no dependency any more). */
interface TinyLd {
  detectAll(text: string, options: { only: string[] }): { lang: string; accuracy: number }[];
}
interface Franc {
  francAll(text: string, options: { only: string[]; minLength: number }): [string, number][];
}

/** Imports an optional package by name (a variable, so TypeScript does not require it installed). */
async function optional<T>(name: string): Promise<T> {
  return (await import(name)) as T;
}

/**
 * The detectors under comparison. Only eld is a dependency; tinyld and franc-min were measured
 * with this script and removed — `npm install --no-save tinyld franc-min` to compare again.
 */
async function candidates(): Promise<{ detectors: LanguageDetector[]; missing: string[] }> {
  const detectors: LanguageDetector[] = [eldDetector(LANGUAGES)];
  const missing: string[] = [];
  try {
    const tinyld = await optional<TinyLd>('tinyld');
    detectors.push({
      name: 'tinyld',
      detect: (text) =>
        tinyld
          .detectAll(text, { only: [...LANGUAGES] })
          .map((g) => ({ language: g.lang, score: g.accuracy }))
          .sort((a, b) => b.score - a.score),
    });
  } catch {
    missing.push('tinyld');
  }
  try {
    const franc = await optional<Franc>('franc-min');
    detectors.push({
      name: 'franc-min',
      detect: (text) =>
        franc
          .francAll(text, { only: ['eng', 'por', 'pol'], minLength: 1 })
          .flatMap(([code, score]): LanguageGuess[] => (ISO3[code] === undefined || code === 'und' ? [] : [{ language: ISO3[code]!, score }])),
    });
  } catch {
    missing.push('franc-min');
  }
  return { detectors, missing };
}

const BUCKETS = [
  { name: '1-2 words', max: 2 },
  { name: '3-5 words', max: 5 },
  { name: '6-10 words', max: 10 },
  { name: '11+ words', max: Infinity },
];
const bucketOf = (text: string) => BUCKETS.find((b) => text.split(/\s+/).filter(Boolean).length <= b.max)!.name;
const pct = (part: number, whole: number) => (whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)} %`);

async function main(): Promise<void> {
  const knowledgeDir = path.resolve(process.argv[2] ?? path.join(projectRoot(), 'knowledge'));
  const { samples, ambiguous } = await loadSamples(knowledgeDir);
  const { detectors, missing } = await candidates();
  const count = (language: Language) => samples.filter((s) => s.language === language).length;
  console.log(`Samples: ${LANGUAGES.map((l) => `${l} ${count(l)}`).join(', ')}; ambiguous ${ambiguous.length}` + ` (sources: ${[...new Set(samples.map((s) => s.source))].join(', ')})\n`);

  console.log('Detector accuracy (top language among en/pt/pl)\n');
  const rows: string[][] = [];
  for (const detector of detectors) {
    const right = (subset: Sample[]) => subset.filter((s) => detector.detect(s.text)[0]?.language === s.language).length;
    const row = [detector.name, pct(right(samples), samples.length)];
    for (const language of LANGUAGES) {
      const subset = samples.filter((s) => s.language === language);
      row.push(pct(right(subset), subset.length));
    }
    for (const bucket of BUCKETS) {
      const subset = samples.filter((s) => bucketOf(s.text) === bucket.name);
      row.push(`${pct(right(subset), subset.length)} (${subset.length})`);
    }
    rows.push(row);
  }
  console.log(markdownTable(['detector', 'all', ...LANGUAGES, ...BUCKETS.map((b) => b.name)], rows));

  console.log('\nConversation rules on top (decideLanguage): each sample arrives in a conversation that is in another language\n');
  const ruleRows: string[][] = [];
  for (const detector of detectors) {
    let followed = 0;
    let wrong = 0;
    let trials = 0;
    let shortTrials = 0;
    let shortFollowed = 0;
    for (const sample of samples) {
      for (const current of LANGUAGES.filter((l) => l !== sample.language)) {
        const decision = decideLanguage(sample.text, detector.detect(sample.text), { current, hint: undefined, fallback: 'en' });
        trials++;
        if (decision.language === sample.language) followed++;
        else if (decision.language !== current) wrong++;
        if (informativeWords(sample.text).length <= 2) {
          shortTrials++;
          if (decision.language === sample.language) shortFollowed++;
        }
      }
    }
    let flips = 0;
    for (const text of ambiguous) {
      for (const current of LANGUAGES) {
        if (decideLanguage(text, detector.detect(text), { current, hint: undefined, fallback: 'en' }).language !== current) flips++;
      }
    }
    ruleRows.push([detector.name, pct(followed, trials), pct(shortFollowed, shortTrials), pct(wrong, trials), `${flips} of ${ambiguous.length * LANGUAGES.length}`]);
  }
  console.log(markdownTable(['detector', 'switch followed', 'followed (≤2 words)', 'switched to a WRONG language', 'ambiguous messages that flipped'], ruleRows));
  if (missing.length > 0) console.log(`\nNot installed (not compared): ${missing.join(', ')}`);
}

await main();
