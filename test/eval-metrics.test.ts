import { describe, expect, it } from 'vitest';
import { calibrateAnswerThreshold, decisionOutcome, retrievalMetrics, tierConfusion } from '../src/eval/metrics.js';

const cases = [
  { question: 'q1', expected: 'a', ranked: [{ articleId: 'a', score: 0.9 }, { articleId: 'b', score: 0.5 }] },
  { question: 'q2', expected: 'b', ranked: [{ articleId: 'a', score: 0.7 }, { articleId: 'b', score: 0.4 }] },
  { question: 'q3', expected: 'c', ranked: [{ articleId: 'a', score: 0.3 }] },
  { question: 'q4', expected: 'none', ranked: [{ articleId: 'a', score: 0.62 }] },
];
const thresholds = { answer: 0.6, suggest: 0.5, closeMargin: 0.03 };

describe('evaluation metrics', () => {
  it('measures top-1, top-3 and MRR on in-scope questions only', () => {
    expect(retrievalMetrics(cases)).toEqual({ inScope: 3, outOfScope: 1, top1: 1 / 3, top3: 2 / 3, mrr: (1 + 0.5) / 3 });
  });

  it('counts what customers would get, with answering an out-of-scope question as wrong', () => {
    expect(decisionOutcome(cases, thresholds)).toEqual({ correct: 1, wrong: 2, askedWithRight: 0, askedWithoutRight: 0, missed: 1, abstainedCorrectly: 0 });
  });

  it('recommends the lowest answer threshold that keeps wrong answers within the limit', () => {
    const { recommended } = calibrateAnswerThreshold(cases, thresholds, 0);
    expect(recommended).toBe(0.71); // 0.70 still answers q2 wrongly
  });

  it('builds a confusion matrix with an abstain column', () => {
    const result = tierConfusion([
      { expected: 'L1', predicted: 'L1' },
      { expected: 'L1', predicted: 'abstain' },
      { expected: 'L3', predicted: 'L4' },
    ]);
    expect(result.confusion.L1).toEqual({ L1: 1, L2: 0, L3: 0, L4: 0, abstain: 1 });
    expect(result.confusion.L3.L4).toBe(1);
    expect(result.accuracy).toBeCloseTo(1 / 3);
    expect(result.accuracyWhenDecided).toBeCloseTo(1 / 2);
  });
});
