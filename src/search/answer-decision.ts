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
 * - top between `suggest` and `answer` → "did you mean" with what cleared `suggest`, so the
 *   customer confirms instead of the bot guessing.
 */
export function decideAnswer(ranked: readonly ScoredArticle[], thresholds: Thresholds): AnswerDecision {
  const top = ranked[0];
  if (top === undefined || top.score < thresholds.suggest) return { kind: 'not-confident', best: top };
  const close = ranked.filter((a) => a.score >= thresholds.suggest && top.score - a.score <= thresholds.closeMargin);
  if (close.length >= 2) return { kind: 'did-you-mean', candidates: close.slice(0, MAX_CHOICES) };
  if (top.score >= thresholds.answer) return { kind: 'answer', article: top };
  return {
    kind: 'did-you-mean',
    candidates: ranked.filter((a) => a.score >= thresholds.suggest).slice(0, MAX_CHOICES),
  };
}
