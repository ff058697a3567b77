import { answerFeatures } from '../src/search/answer-features.js';
import type { QuestionEvidence } from '../src/search/knowledge-search.js';

/** The shipped features (since the per-language mean landed, `base` includes it; its extra below is then a repeat). */
const base = (e: QuestionEvidence) => answerFeatures(e.articles, e.query);
const extra = (names: string[]) => (e: QuestionEvidence) => {
  const rows = base(e);
  return rows.map((row, i) => {
    const a = e.articles[i] as unknown as Record<string, number>;
    const out = [...row];
    for (const n of names) {
      const best = Math.max(...e.articles.map((b) => (b as unknown as Record<string, number>)[n] ?? 0));
      out.push(a[n] ?? 0, (a[n] ?? 0) - best);
    }
    return out;
  });
};
export const variants: Record<string, (e: QuestionEvidence) => number[][]> = {
  base,
  ...(process.env['LAB_AUG'] ? {
  centroidP: extra(['centroidP']),
  centroidQ: extra(['centroidQ']),
  bestQQ: extra(['bestQQ']),
  sameLang: extra(['sameLang']),
  langMean: extra(['langMean']),
  bodyMean2: extra(['bodyMean2']),
  cQ_lang: extra(['centroidQ', 'langMean']),
  all: extra(['centroidP', 'centroidQ', 'bestQQ', 'sameLang', 'langMean', 'bodyMean2']),
  } : {}),
};
