import { z } from 'zod';
import { decideAnswer, offerFloor, type ScoredArticle, type Thresholds } from './answer-decision.js';

/** A question with a known right article (or 'none' for out of scope) and how search ranked it. */
export interface CalibrationCase {
  expected: string;
  ranked: readonly ScoredArticle[];
}

/** Outcome rates at one set of thresholds (fractions 0..1 of the in-scope or out-of-scope cases). */
export interface CalibrationRates {
  /** In-scope answered with the right article. */
  right: number;
  /** In-scope answered with a wrong article. */
  wrongInScope: number;
  /** Out-of-scope answered with some article. */
  wrongOutOfScope: number;
  /** In-scope where the right article was answered or offered in "did you mean". */
  helped: number;
  /** Out-of-scope that got "not confident" (the right call). */
  outOfScopeRecognised: number;
}

/** Thresholds the calibration chose for one language, and what they gave on its cases. */
export const calibrationSchema = z.object({
  thresholds: z.object({ answer: z.number(), suggest: z.number(), closeMargin: z.number(), offerRatio: z.number().positive().max(1).optional() }),
  inScope: z.number().int().nonnegative(),
  outOfScope: z.number().int().nonnegative(),
  rates: z.object({
    right: z.number(),
    wrongInScope: z.number(),
    wrongOutOfScope: z.number(),
    helped: z.number(),
    outOfScopeRecognised: z.number(),
  }),
  /** False when no thresholds met the target; the strictest tried are used then. */
  metTarget: z.boolean(),
});

export type Calibration = z.infer<typeof calibrationSchema>;

export interface CalibrationOptions {
  /** Highest share of wrong answers allowed, separately among in-scope and out-of-scope cases. */
  maxWrongRate: number;
  /** Thresholds the operator fixed with a number; only the others are searched. */
  fixed?: Partial<Pick<Thresholds, 'answer' | 'suggest' | 'closeMargin'>>;
  /** The scores are probabilities: the thresholds chosen carry this `offerRatio` (answer-decision.ts). */
  offerRatio?: number;
}

/**
 * What the right article offered in "did you mean" is worth next to a direct right answer. 0.7
 * made the chooser trade customers who would have been helped by one click for silence: measured
 * with the answer model on the English dev set, 67.7 % of in-scope questions got their article
 * directly or offered at 0.7 and 76.7 % at 0.9, for 2.9 % → 2.6 % wrong answers.
 */
const OFFERED_WEIGHT = 0.9;
const MARGINS = [0, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05];
const ANSWER_STEPS = 80;
const SUGGEST_STEPS = 40;

/** Outcome rates of the cases at the given thresholds. */
export function calibrationRates(cases: readonly CalibrationCase[], thresholds: Thresholds): CalibrationRates {
  let inScope = 0;
  let outOfScope = 0;
  let right = 0;
  let wrongIn = 0;
  let wrongOut = 0;
  let helped = 0;
  let recognised = 0;
  for (const c of cases) {
    const decision = decideAnswer(c.ranked, thresholds);
    if (c.expected === 'none') {
      outOfScope++;
      if (decision.kind === 'answer') wrongOut++;
      else if (decision.kind === 'not-confident') recognised++;
      continue;
    }
    inScope++;
    if (decision.kind === 'answer') {
      if (decision.article.articleId === c.expected) {
        right++;
        helped++;
      } else wrongIn++;
    } else if (decision.kind === 'did-you-mean' && decision.candidates.some((a) => a.articleId === c.expected)) helped++;
  }
  const inN = Math.max(inScope, 1);
  const outN = Math.max(outOfScope, 1);
  return { right: right / inN, wrongInScope: wrongIn / inN, wrongOutOfScope: wrongOut / outN, helped: helped / inN, outOfScopeRecognised: recognised / outN };
}

/** Evenly spaced quantiles of the values (deduplicated, ascending). */
function quantiles(values: readonly number[], steps: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const result = new Set<number>();
  for (let i = 0; i <= steps; i++) result.add(sorted[Math.min(sorted.length - 1, Math.round((i / steps) * (sorted.length - 1)))]!);
  return [...result];
}

/**
 * The cases reduced to what `decideAnswer` looks at: the top scores and where the right article
 * sits among them. Calibration evaluates thousands of threshold triples, so this avoids
 * re-running the general decision (and its allocations) for each.
 */
interface CompactCases {
  scores: Float64Array;
  /** Index of the expected article among the top `WIDTH`, -1 when absent; -2 for out of scope. */
  right: Int8Array;
  inScope: number;
  outOfScope: number;
}

const WIDTH = 6;
const MAX_CHOICES = 3;

function compact(cases: readonly CalibrationCase[]): CompactCases {
  const scores = new Float64Array(cases.length * WIDTH).fill(-Infinity);
  const right = new Int8Array(cases.length);
  let inScope = 0;
  cases.forEach((c, i) => {
    c.ranked.slice(0, WIDTH).forEach((a, j) => (scores[i * WIDTH + j] = a.score));
    if (c.expected === 'none') right[i] = -2;
    else {
      inScope++;
      right[i] = c.ranked.slice(0, WIDTH).findIndex((a) => a.articleId === c.expected);
    }
  });
  return { scores, right, inScope, outOfScope: cases.length - inScope };
}

/** Same outcome as `calibrationRates`, on compact cases (mirrors `decideAnswer`). */
function compactRates(cases: CompactCases, thresholds: Thresholds): CalibrationRates {
  const { answer, suggest, closeMargin } = thresholds;
  const { scores, right } = cases;
  let rightAnswers = 0;
  let wrongIn = 0;
  let wrongOut = 0;
  let helped = 0;
  let recognised = 0;
  for (let i = 0; i < right.length; i++) {
    const o = i * WIDTH;
    const top = scores[o]!;
    const expected = right[i]!;
    if (!(top >= suggest)) {
      if (expected === -2) recognised++;
      continue;
    }
    // Articles within the margin of the top (and above suggest) form a prefix of the ranking.
    let close = 1;
    while (close < WIDTH && scores[o + close]! >= suggest && top - scores[o + close]! <= closeMargin) close++;
    let offered: number;
    if (close >= 2) offered = Math.min(close, MAX_CHOICES);
    else if (top >= answer) {
      if (expected === -2) wrongOut++;
      else if (expected === 0) {
        rightAnswers++;
        helped++;
      } else wrongIn++;
      continue;
    } else {
      const floor = offerFloor(top, thresholds);
      let above = 1;
      while (above < WIDTH && scores[o + above]! >= floor) above++;
      offered = Math.min(above, MAX_CHOICES);
    }
    if (expected >= 0 && expected < offered) helped++;
  }
  const inN = Math.max(cases.inScope, 1);
  const outN = Math.max(cases.outOfScope, 1);
  return { right: rightAnswers / inN, wrongInScope: wrongIn / inN, wrongOutOfScope: wrongOut / outN, helped: helped / inN, outOfScopeRecognised: recognised / outN };
}

/**
 * Chooses answer / suggest / margin thresholds from labelled cases (for a knowledge base without
 * a dev set: its own alternative questions, held out one by one, plus generic out-of-scope
 * questions).
 *
 * Among all threshold triples whose wrong-answer rate stays within `maxWrongRate` (separately for
 * in-scope and out-of-scope questions, so the mix of the two sets does not matter), it takes the
 * one that helps most: a direct right answer counts 1, the right article in "did you mean" 0.9
 * (the customer has one click more), an out-of-scope question recognised 1 (a list of unrelated
 * articles for an off-topic question looks like a bot that did not understand). Candidate thresholds are quantiles of the observed top
 * scores, so this works on any model's score scale.
 */
export function calibrateThresholds(cases: readonly CalibrationCase[], options: CalibrationOptions): Calibration {
  const inScope = cases.filter((c) => c.expected !== 'none').length;
  const outOfScope = cases.length - inScope;
  const packed = compact(cases);
  const tops = cases.flatMap((c) => (c.ranked[0] === undefined ? [] : [c.ranked[0].score]));
  const fixed = options.fixed ?? {};
  const answers = fixed.answer !== undefined ? [fixed.answer] : [...quantiles(tops, ANSWER_STEPS), Math.max(...tops, 0) + 1e-6];
  const margins = fixed.closeMargin !== undefined ? [fixed.closeMargin] : MARGINS;

  let best: { thresholds: Thresholds; rates: CalibrationRates; value: number } | undefined;
  let strictest: { thresholds: Thresholds; rates: CalibrationRates; wrong: number } | undefined;
  for (const answer of answers) {
    const suggests =
      fixed.suggest !== undefined ? [Math.min(fixed.suggest, answer)] : [...quantiles(tops.filter((t) => t <= answer), SUGGEST_STEPS), answer];
    for (const suggest of suggests) {
      for (const closeMargin of margins) {
        const thresholds: Thresholds = options.offerRatio === undefined ? { answer, suggest, closeMargin } : { answer, suggest, closeMargin, offerRatio: options.offerRatio };
        const rates = compactRates(packed, thresholds);
        const wrong = Math.max(rates.wrongInScope, rates.wrongOutOfScope);
        if (strictest === undefined || wrong < strictest.wrong) strictest = { thresholds, rates, wrong };
        if (wrong > options.maxWrongRate) continue;
        const value = rates.right + OFFERED_WEIGHT * (rates.helped - rates.right) + (outOfScope > 0 ? rates.outOfScopeRecognised : 0);
        if (best === undefined || value > best.value + 1e-9) best = { thresholds, rates, value };
      }
    }
  }
  const chosen = best ?? strictest;
  if (chosen === undefined) {
    return {
      thresholds: { answer: 1, suggest: 1, closeMargin: 0 },
      inScope,
      outOfScope,
      rates: { right: 0, wrongInScope: 0, wrongOutOfScope: 0, helped: 0, outOfScopeRecognised: 0 },
      metTarget: false,
    };
  }
  return { thresholds: chosen.thresholds, inScope, outOfScope, rates: chosen.rates, metTarget: best !== undefined };
}
