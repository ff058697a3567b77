import type { ScoredArticle } from './answer-decision.js';

/** Everything the three retrievers said about one article for one question. */
export interface ArticleEvidence {
  articleId: string;
  /** Best cosine similarity of any of its passages (any language). */
  dense: number;
  /** 0-based rank of its best passage in the keyword (BM25) results; undefined when no keyword matched. */
  lexicalRank: number | undefined;
  /** Probability the per-knowledge-base classifier gives it. */
  classifier: number;
  /** Second-best passage similarity (-1 with a single passage): support from more than one phrasing. */
  secondDense: number;
  /** Best similarity per kind of passage (-1 when the article has none of that kind). */
  titleDense: number;
  questionDense: number;
  bodyDense: number;
  /** BM25 score of its best keyword passage (0 when no keyword matched). */
  lexicalScore: number;
  /**
   * Mean over the article's language versions of each version's best passage similarity (equals
   * `dense` for a one-language article). Each translation is an independent set of phrasings of
   * the same answer, so the mean is a steadier signal than the single best match (see
   * answer-features.ts).
   */
  languageMeanDense?: number;
  /** Share of the question's keyword weight found in the article (TermCoverage). */
  coverage: number;
  /** Language of its best passage (the version shown when neither the customer's nor the default language exists). */
  matchedLanguage?: string;
}

/**
 * How much the keyword rank and the classifier add to the dense similarity. Measured with
 * `npm run eval` (see README "Answer quality"); both 0 gives plain dense retrieval.
 */
export interface FusionWeights {
  classifier: number;
  lexical: number;
}

export const DEFAULT_FUSION: FusionWeights = { classifier: 0.05, lexical: 0.05 };

/**
 * Reciprocal-rank contribution of the keyword search (Cormack et al.'s RRF with k = 1, scaled to
 * 1 for the first hit). Rank and not the BM25 score, because BM25 scores are not comparable across
 * questions or knowledge bases, and the fused score has to be thresholded.
 */
export function reciprocalRank(rank: number | undefined): number {
  return rank === undefined ? 0 : 2 / (rank + 2);
}

/**
 * One score per article: dense similarity plus weighted classifier probability and keyword
 * reciprocal rank. The sum stays on the dense similarity's scale (weights are small), so the
 * score can be thresholded, and the thresholds are calibrated on this very score.
 */
export function fuseEvidence(evidence: readonly Pick<ArticleEvidence, 'articleId' | 'dense' | 'lexicalRank' | 'classifier'>[], weights: FusionWeights): ScoredArticle[] {
  return evidence
    .map((e) => ({
      articleId: e.articleId,
      score: e.dense + weights.classifier * e.classifier + weights.lexical * reciprocalRank(e.lexicalRank),
    }))
    .sort((a, b) => b.score - a.score || a.articleId.localeCompare(b.articleId));
}
