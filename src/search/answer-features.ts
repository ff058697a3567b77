import { reciprocalRank, type ArticleEvidence } from './rank-fusion.js';

/** What the question's own words say, the same for every candidate (see TermCoverage.query). */
export interface QueryEvidence {
  /** Share of the question's keyword weight no passage of the knowledge base contains. */
  unknownShare: number;
  unknownCount: number;
}

/** Names of the features, in order (bench and tests print them next to the weights). */
export const ANSWER_FEATURES = [
  'dense',
  'dense − best other article',
  'dense − best article',
  'second-best passage',
  'title similarity',
  'question similarity',
  'body similarity',
  'classifier',
  'log classifier',
  'classifier − best other article',
  'keyword reciprocal rank',
  'keyword score / best',
  'log keyword score',
  'keyword coverage',
  'unknown keyword share',
  'unknown keywords (≤ 3)',
  'best dense',
  'best classifier',
  'mean of best per language',
  'mean per language − best article',
] as const;

/**
 * One feature row per candidate article: its own evidence and how it compares with the other
 * candidates of the same question (a high similarity means little when a neighbour article is
 * just as close). Pure, so calibration and serving compute exactly the same rows.
 */
export function answerFeatures(evidence: readonly ArticleEvidence[], query: QueryEvidence): number[][] {
  const top2 = (values: number[]) => {
    let first = -Infinity;
    let second = -Infinity;
    for (const v of values) {
      if (v > first) [first, second] = [v, first];
      else if (v > second) second = v;
    }
    return { first, second };
  };
  const dense = top2(evidence.map((e) => e.dense));
  const classifier = top2(evidence.map((e) => e.classifier));
  const languageMean = (e: ArticleEvidence) => e.languageMeanDense ?? e.dense;
  const bestLanguageMean = Math.max(...evidence.map(languageMean));
  const maxKeyword = Math.max(1e-9, ...evidence.map((e) => e.lexicalScore));
  const unknownCount = Math.min(query.unknownCount, 3);
  return evidence.map((e) => {
    const otherDense = e.dense === dense.first ? (Number.isFinite(dense.second) ? dense.second : -1) : dense.first;
    const otherClassifier = e.classifier === classifier.first ? (Number.isFinite(classifier.second) ? classifier.second : 0) : classifier.first;
    return [
      e.dense,
      e.dense - otherDense,
      e.dense - dense.first,
      Math.max(e.secondDense, 0),
      e.titleDense,
      e.questionDense,
      Math.max(e.bodyDense, 0),
      e.classifier,
      Math.log(e.classifier + 1e-6),
      e.classifier - otherClassifier,
      reciprocalRank(e.lexicalRank),
      e.lexicalScore / maxKeyword,
      Math.log1p(e.lexicalScore),
      e.coverage,
      query.unknownShare,
      unknownCount,
      e.dense === dense.first ? 1 : 0,
      e.classifier === classifier.first ? 1 : 0,
      languageMean(e),
      languageMean(e) - bestLanguageMean,
    ];
  });
}
