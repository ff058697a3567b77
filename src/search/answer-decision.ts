/** An article with the best similarity any of its passages reached for a question. */
export interface ScoredArticle {
  articleId: string;
  score: number;
  /** Language version to show: the customer's when the article exists in it. */
  language?: string;
  /**
   * Set when the article does not exist in the customer's language and is shown in this one
   * instead, so the dialog can say "this article is in English" in the customer's language.
   */
  fromLanguage?: string;
}

export interface Thresholds {
  answer: number;
  suggest: number;
  closeMargin: number;
  /**
   * Set when scores are probabilities (the calibrated answer model): "did you mean" also offers
   * the next articles at least this fraction as likely as the top one, not only those that
   * cleared `suggest`. With probabilities the runner-up of an unsure question is rarely above
   * `suggest` (the scores share one unit of belief), so "did you mean" listed one article where
   * the right one was often second or third: on the English dev set 18 of 83 did-you-means
   * lacked the right article. Without it (similarity scores) only `suggest` counts.
   */
  offerRatio?: number;
}

/**
 * What level 0 does with a question: answer from one article, ask which of a few articles was
 * meant, or admit it is not confident (and never guess).
 */
export type AnswerDecision =
  | { kind: 'answer'; article: ScoredArticle }
  | { kind: 'did-you-mean'; candidates: ScoredArticle[] }
  | { kind: 'not-confident'; best: ScoredArticle | undefined };

const MAX_CHOICES = 3;

/** The `offerRatio` calibration gives probability scores: an article a tenth as likely as the top one is still worth a click. */
export const OFFER_RATIO = 0.1;

/** Thresholds in one line, for the eval report and the ingest log. */
export function describeThresholds(t: Thresholds): string {
  const offer = t.offerRatio === undefined ? '' : `, offer ≥ ${t.offerRatio} × top`;
  return `answer ${t.answer.toFixed(3)}, suggest ${t.suggest.toFixed(3)}, margin ${t.closeMargin.toFixed(3)}${offer}`;
}

/** The lowest score an article other than the top one needs to be offered in "did you mean". */
export function offerFloor(top: number, thresholds: Thresholds): number {
  return thresholds.offerRatio === undefined ? thresholds.suggest : Math.min(thresholds.suggest, top * thresholds.offerRatio);
}

/** Collapses passage hits to one score per article (its best passage), best first. */
export function rankArticles(hits: readonly { articleId: string; score: number }[]): ScoredArticle[] {
  const best = new Map<string, number>();
  for (const hit of hits) {
    if (hit.score > (best.get(hit.articleId) ?? -Infinity)) best.set(hit.articleId, hit.score);
  }
  return [...best]
    .map(([articleId, score]) => ({ articleId, score }))
    .sort((a, b) => b.score - a.score || a.articleId.localeCompare(b.articleId));
}

/**
 * Pure decision over ranked articles:
 * - top below `suggest` → not confident;
 * - another article within `closeMargin` of the top (and above `suggest`) → "did you mean";
 * - top at or above `answer` → answer;
 * - top between `suggest` and `answer` → "did you mean" with the top and what cleared
 *   `offerFloor` (up to three), so the customer confirms instead of the bot guessing.
 */
export function decideAnswer(ranked: readonly ScoredArticle[], thresholds: Thresholds): AnswerDecision {
  const top = ranked[0];
  if (top === undefined || top.score < thresholds.suggest) return { kind: 'not-confident', best: top };
  const close = ranked.filter((a) => a.score >= thresholds.suggest && top.score - a.score <= thresholds.closeMargin);
  if (close.length >= 2) return { kind: 'did-you-mean', candidates: close.slice(0, MAX_CHOICES) };
  if (top.score >= thresholds.answer) return { kind: 'answer', article: top };
  const floor = offerFloor(top.score, thresholds);
  return {
    kind: 'did-you-mean',
    candidates: ranked.filter((a) => a.score >= floor).slice(0, MAX_CHOICES),
  };
}
