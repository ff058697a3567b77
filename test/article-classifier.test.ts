import { describe, expect, it } from 'vitest';
import { ArticleClassifier, classifierJsonSchema } from '../src/search/article-classifier.js';
import { normalize } from '../src/search/embedder.js';

/** Deterministic pseudo-random numbers (tests must not depend on Math.random). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

/** Unit vectors around one centre per article, sharing a large common component as real embeddings do. */
function clusters(articles: number, perArticle: number, dimension: number, seed: number) {
  const next = random(seed);
  const common = Float32Array.from({ length: dimension }, () => next());
  const centres = Array.from({ length: articles }, () => Float32Array.from({ length: dimension }, () => next() - 0.5));
  return centres.flatMap((centre, a) =>
    Array.from({ length: perArticle }, () => ({
      label: `article-${a}`,
      vector: normalize(Float32Array.from({ length: dimension }, (_, d) => 3 * common[d]! + centre[d]! + 0.6 * (next() - 0.5))),
    })),
  );
}

describe('article classifier', () => {
  const training = clusters(12, 6, 32, 1);
  const heldOut = clusters(12, 3, 32, 1).map((e, i) => ({ ...e, vector: normalize(e.vector.map((v, d) => v + 0.05 * Math.sin(i + d))) }));
  const classifier = ArticleClassifier.train(training);

  it('gives the right article the highest probability on unseen vectors', () => {
    let right = 0;
    for (const example of heldOut) {
      const probabilities = [...classifier.predict(example.vector)].sort((a, b) => b[1] - a[1]);
      if (probabilities[0]![0] === example.label) right++;
    }
    expect(right / heldOut.length).toBeGreaterThan(0.9);
  });

  it('returns a probability distribution over every article', () => {
    const probabilities = classifier.predict(heldOut[0]!.vector);
    expect(probabilities.size).toBe(12);
    expect([...probabilities.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('predicts the same after a JSON round trip', () => {
    const json = JSON.parse(JSON.stringify(classifier.toJSON())) as unknown;
    const restored = ArticleClassifier.fromJSON(classifierJsonSchema.parse(json));
    const before = classifier.predict(heldOut[5]!.vector);
    const after = restored.predict(heldOut[5]!.vector);
    for (const [label, p] of before) expect(after.get(label)).toBeCloseTo(p, 5);
  });

  it('refuses a file with inconsistent sizes', () => {
    const json = classifier.toJSON();
    expect(() => ArticleClassifier.fromJSON({ ...json, bias: json.bias.slice(1) })).toThrow(/inconsistent/);
  });

  it('has no opinion without training data', () => {
    expect(ArticleClassifier.train([]).predict(new Float32Array(4)).size).toBe(0);
  });
  it('retrained from the saved sums after a few examples changed, matches a full retraining (same temperature, probabilities within 1e-9)', () => {
    const before = clusters(40, 5, 48, 7);
    const first = ArticleClassifier.trainWithGram(before, undefined);
    expect(first.classifier.toJSON()).toEqual(ArticleClassifier.train(before).toJSON()); // no sums given: the full training, unchanged
    // Three articles get new questions: their old vectors leave the sums, the new ones enter.
    const replaced = new Set(['article-3', 'article-17', 'article-31']);
    const fresh = clusters(40, 5, 48, 99).filter((e) => replaced.has(e.label));
    const after = [...before.filter((e) => !replaced.has(e.label)), ...fresh];
    const gram = Float64Array.from(first.gram);
    ArticleClassifier.updateGram(gram, before.filter((e) => replaced.has(e.label)).map((e) => e.vector), -1);
    ArticleClassifier.updateGram(gram, fresh.map((e) => e.vector), 1);
    const incremental = ArticleClassifier.trainWithGram(after, gram).classifier;
    const full = ArticleClassifier.train(after);
    expect(incremental.toJSON().temperature).toBe(full.toJSON().temperature);
    for (const probe of clusters(40, 2, 48, 5)) {
      const a = incremental.predict(probe.vector);
      const b = full.predict(probe.vector);
      for (const [label, p] of b) expect(Math.abs(a.get(label)! - p)).toBeLessThan(1e-9);
    }
  });
});
