import { describe, expect, it } from 'vitest';
import { ANSWER_FEATURES, answerFeatures } from '../src/search/answer-features.js';
import { AnswerModel, answerModelSchema } from '../src/search/answer-model.js';
import type { ArticleEvidence } from '../src/search/rank-fusion.js';

const evidence = (articleId: string, dense: number, classifier: number, lexicalRank?: number): ArticleEvidence => ({
  articleId,
  dense,
  secondDense: dense - 0.05,
  titleDense: dense - 0.02,
  questionDense: dense,
  bodyDense: -1,
  classifier,
  lexicalRank,
  lexicalScore: lexicalRank === undefined ? 0 : 10 / (lexicalRank + 1),
  coverage: lexicalRank === undefined ? 0 : 0.5,
});

describe('answer features', () => {
  it('gives one row per candidate, comparing each with the best other candidate', () => {
    const rows = answerFeatures([evidence('a', 0.9, 0.7, 0), evidence('b', 0.85, 0.2)], { unknownShare: 0.25, unknownCount: 1 });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveLength(ANSWER_FEATURES.length);
    const at = (name: (typeof ANSWER_FEATURES)[number]) => ANSWER_FEATURES.indexOf(name);
    expect(rows[0]![at('dense − best other article')]).toBeCloseTo(0.05);
    expect(rows[1]![at('dense − best other article')]).toBeCloseTo(-0.05);
    expect(rows[1]![at('dense − best article')]).toBeCloseTo(-0.05);
    expect(rows[0]![at('classifier − best other article')]).toBeCloseTo(0.5);
    expect(rows[0]![at('keyword reciprocal rank')]).toBe(1);
    expect(rows[1]![at('keyword reciprocal rank')]).toBe(0);
    expect(rows.map((r) => r[at('unknown keyword share')])).toEqual([0.25, 0.25]);
    expect(rows.map((r) => r[at('best dense')])).toEqual([1, 0]);
  });

  it('compares the per-language mean similarity with the best candidate, and falls back to dense for one-language articles', () => {
    const rows = answerFeatures([{ ...evidence('a', 0.9, 0.5), languageMeanDense: 0.7 }, { ...evidence('b', 0.85, 0.5), languageMeanDense: 0.8 }, evidence('c', 0.6, 0.1)], { unknownShare: 0, unknownCount: 0 });
    const at = (name: (typeof ANSWER_FEATURES)[number]) => ANSWER_FEATURES.indexOf(name);
    expect(rows.map((r) => r[at('mean of best per language')])).toEqual([0.7, 0.8, 0.6]);
    expect(rows[0]![at('mean per language − best article')]).toBeCloseTo(-0.1);
    expect(rows[1]![at('mean per language − best article')]).toBe(0);
    expect(rows[2]![at('mean per language − best article')]).toBeCloseTo(-0.2);
  });

  it('handles a single candidate and a question without keywords', () => {
    const [row] = answerFeatures([evidence('a', 0.8, 1)], { unknownShare: 0, unknownCount: 0 });
    expect(row!.every(Number.isFinite)).toBe(true);
  });
});

describe('answer model (logistic regression)', () => {
  // Right candidates: high similarity and classifier; wrong ones lower, with overlap.
  const rows: number[][] = [];
  const labels: boolean[] = [];
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 400; i++) {
    const right = i % 4 === 0;
    rows.push([(right ? 0.88 : 0.82) + (random() - 0.5) * 0.06, (right ? 0.7 : 0.1) + (random() - 0.5) * 0.4, random()]);
    labels.push(right);
  }
  const model = AnswerModel.train(rows, labels);

  it('learns which evidence points at the right article', () => {
    expect(model.probability([0.9, 0.8, 0.5])).toBeGreaterThan(0.9);
    expect(model.probability([0.8, 0.05, 0.5])).toBeLessThan(0.1);
    // The noise feature matters far less than the classifier does.
    const noiseSwing = Math.abs(model.probability([0.86, 0.4, 0]) - model.probability([0.86, 0.4, 1]));
    const classifierSwing = model.probability([0.86, 0.9, 0.5]) - model.probability([0.86, 0.0, 0.5]);
    expect(classifierSwing).toBeGreaterThan(3 * noiseSwing);
    let correct = 0;
    rows.forEach((row, i) => (correct += (model.probability(row) > 0.5) === labels[i] ? 1 : 0));
    expect(correct / rows.length).toBeGreaterThan(0.9);
  });

  it('gives the same probabilities after a JSON round trip, and refuses a damaged file', () => {
    const json = answerModelSchema.parse(JSON.parse(JSON.stringify(model.toJSON())));
    const reloaded = AnswerModel.fromJSON(json);
    for (const row of rows.slice(0, 20)) expect(reloaded.probability(row)).toBeCloseTo(model.probability(row), 12);
    expect(() => AnswerModel.fromJSON({ ...json, weights: json.weights.slice(1) })).toThrow(/feature counts/);
  });

  it('stays finite on separable data and on no data', () => {
    const separable = AnswerModel.train([[0], [1], [0], [1]], [false, true, false, true]);
    expect(separable.probability([1])).toBeGreaterThan(separable.probability([0]));
    expect(Number.isFinite(separable.probability([1]))).toBe(true);
    expect(AnswerModel.train([], []).featureCount).toBe(0);
  });
});
