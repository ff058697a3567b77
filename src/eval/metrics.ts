import { decideAnswer, type ScoredArticle, type Thresholds } from '../search/answer-decision.js';
import type { Tier } from '../tickets/ticket.js';
import { TIERS } from '../tiers/tier-scoring.js';

/** One labelled question and what the search ranked for it. */
export interface RetrievalCase {
  question: string;
  /** Expected article id, or 'none' when no article answers it. */
  expected: string;
  ranked: ScoredArticle[];
}

export interface RetrievalMetrics {
  inScope: number;
  outOfScope: number;
  top1: number;
  top3: number;
  mrr: number;
}

/** Ranking quality on in-scope questions (fractions 0..1). */
export function retrievalMetrics(cases: readonly RetrievalCase[]): RetrievalMetrics {
  const inScope = cases.filter((c) => c.expected !== 'none');
  let top1 = 0;
  let top3 = 0;
  let reciprocal = 0;
  for (const c of inScope) {
    const rank = c.ranked.findIndex((a) => a.articleId === c.expected);
    if (rank === 0) top1++;
    if (rank >= 0 && rank < 3) top3++;
    if (rank >= 0) reciprocal += 1 / (rank + 1);
  }
  const n = Math.max(inScope.length, 1);
  return { inScope: inScope.length, outOfScope: cases.length - inScope.length, top1: top1 / n, top3: top3 / n, mrr: reciprocal / n };
}

/** What the customer would experience at given thresholds (counts). */
export interface DecisionOutcome {
  /** Answered with the right article. */
  correct: number;
  /** Answered with a wrong article, or answered an out-of-scope question: the costly error. */
  wrong: number;
  /** "Did you mean" offered the right article. */
  askedWithRight: number;
  /** "Did you mean" without the right article (or for an out-of-scope question). */
  askedWithoutRight: number;
  /** Not confident on an in-scope question (a ticket where self-help could have worked). */
  missed: number;
  /** Not confident on an out-of-scope question (the right call). */
  abstainedCorrectly: number;
}

export function decisionOutcome(cases: readonly RetrievalCase[], thresholds: Thresholds): DecisionOutcome {
  const outcome: DecisionOutcome = { correct: 0, wrong: 0, askedWithRight: 0, askedWithoutRight: 0, missed: 0, abstainedCorrectly: 0 };
  for (const c of cases) {
    const decision = decideAnswer(c.ranked, thresholds);
    if (decision.kind === 'answer') {
      if (decision.article.articleId === c.expected) outcome.correct++;
      else outcome.wrong++;
    } else if (decision.kind === 'did-you-mean') {
      if (decision.candidates.some((a) => a.articleId === c.expected)) outcome.askedWithRight++;
      else outcome.askedWithoutRight++;
    } else if (c.expected === 'none') outcome.abstainedCorrectly++;
    else outcome.missed++;
  }
  return outcome;
}

/**
 * Sweeps the answer threshold (suggest = answer − gap) and recommends the lowest one whose
 * wrong-answer rate stays within `maxWrongRate`: as much self-help as possible without guessing.
 */
export function calibrateAnswerThreshold(
  cases: readonly RetrievalCase[],
  base: Thresholds,
  maxWrongRate = 0.05,
  gap = base.answer - base.suggest,
): { rows: { answer: number; outcome: DecisionOutcome }[]; recommended: number | undefined } {
  const rows: { answer: number; outcome: DecisionOutcome }[] = [];
  let recommended: number | undefined;
  for (let step = 20; step <= 95; step++) {
    const answer = step / 100;
    const outcome = decisionOutcome(cases, { ...base, answer, suggest: Math.max(answer - gap, 0) });
    rows.push({ answer, outcome });
    if (recommended === undefined && outcome.wrong / Math.max(cases.length, 1) <= maxWrongRate) recommended = answer;
  }
  return { rows, recommended };
}

/** Confusion matrix: rows = expected tier, columns = predicted tier or 'abstain'. */
export type Confusion = Record<Tier, Record<Tier | 'abstain', number>>;

export function tierConfusion(results: readonly { expected: Tier; predicted: Tier | 'abstain' }[]): { confusion: Confusion; accuracy: number; abstained: number; accuracyWhenDecided: number } {
  const confusion = Object.fromEntries(TIERS.map((t) => [t, { L1: 0, L2: 0, L3: 0, L4: 0, abstain: 0 }])) as Confusion;
  let correct = 0;
  let abstained = 0;
  for (const r of results) {
    confusion[r.expected][r.predicted]++;
    if (r.predicted === r.expected) correct++;
    if (r.predicted === 'abstain') abstained++;
  }
  const decided = results.length - abstained;
  return {
    confusion,
    accuracy: correct / Math.max(results.length, 1),
    abstained,
    accuracyWhenDecided: correct / Math.max(decided, 1),
  };
}
