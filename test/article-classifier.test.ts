import { describe, expect, it } from 'vitest';
import { ArticleClassifier, classifierJsonSchema } from '../src/search/article-classifier.js';
import { ClassifierTrainer, ClassifierTrainingError } from '../src/search/classifier-training.js';
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
    expect([...probabilities].reduce((a, [, p]) => a + p, 0)).toBeCloseTo(1, 6);
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

  it('solves its ridge system over more articles than one panel of columns and odd dimensions (blocked solve)', () => {
    // 300 articles: more than one 256-column panel of the solve; 33 dimensions: not a multiple of 4.
    const examples = clusters(300, 2, 33, 11);
    const json = ArticleClassifier.train(examples).toJSON();
    const { dimension: D, labels } = json;
    const K = labels.length;
    const n = examples.length;
    const x = examples.map((e) => Array.from(e.vector, (v, d) => (v - json.mean[d]!) * json.scale));
    const lambda = 0.05 * (n / D);
    // (XᵀX + λI) W should equal XᵀY (one-hot Y; X is centred), W[d][k] = weights[k * D + d].
    const column = new Map(labels.map((label, k) => [label, k]));
    let worst = 0;
    for (let r = 0; r < D; r++) {
      const a = Array.from({ length: D }, (_, c) => x.reduce((sum, row) => sum + row[r]! * row[c]!, 0) + (r === c ? lambda : 0));
      const b = new Float64Array(K);
      examples.forEach((e, i) => (b[column.get(e.label)!]! += x[i]![r]!));
      for (let k = 0; k < K; k++) {
        let lhs = 0;
        for (let c = 0; c < D; c++) lhs += a[c]! * json.weights[k * D + c]!;
        worst = Math.max(worst, Math.abs(lhs - b[k]!));
      }
    }
    expect(worst).toBeLessThan(1e-4); // the weights are stored as float32
  });
});

describe('classifier training on a worker thread', () => {
  const examples = clusters(30, 4, 24, 3);

  it('trains the same classifier and sums as on this thread, with and without saved sums', async () => {
    const here = ArticleClassifier.trainWithGram(examples, undefined);
    const there = await ClassifierTrainer.start(examples.length, true).train(examples, undefined);
    expect(there.classifier.toJSON()).toEqual(here.classifier.toJSON());
    expect(Array.from(there.gram)).toEqual(Array.from(here.gram));
    const gram = Float64Array.from(here.gram);
    const withSums = await ClassifierTrainer.start(examples.length, true).train(examples, gram);
    expect(withSums.classifier.toJSON()).toEqual(ArticleClassifier.trainWithGram(examples, Float64Array.from(here.gram)).classifier.toJSON());
    expect(Array.from(gram)).toEqual(Array.from(here.gram)); // the caller's sums are not transferred away
  });

  it('trains from other examples\' sums with the vectors that differ added and removed: the same classifier on the worker and here, and as summed from scratch up to rounding', async () => {
    // As calibration's folds do: the sums of fold A's examples, turned into fold B's.
    const heldOutA = new Set(examples.filter((_, i) => i % 5 === 0));
    const heldOutB = new Set(examples.filter((_, i) => i % 5 === 1));
    const foldA = examples.filter((e) => !heldOutA.has(e));
    const foldB = examples.filter((e) => !heldOutB.has(e));
    const sumsA = ArticleClassifier.trainWithGram(foldA, undefined).gram;
    const changes = { add: [...heldOutA].map((e) => e.vector), remove: [...heldOutB].map((e) => e.vector) };
    const there = await ClassifierTrainer.start(foldB.length, true).train(foldB, sumsA, changes);
    const here = await ClassifierTrainer.start(foldB.length, false).train(foldB, sumsA, changes);
    expect(there.classifier.toJSON()).toEqual(here.classifier.toJSON());
    expect(Array.from(there.gram)).toEqual(Array.from(here.gram));
    const scratch = ArticleClassifier.trainWithGram(foldB, undefined);
    scratch.gram.forEach((g, i) => expect(Math.abs(there.gram[i]! - g)).toBeLessThan(1e-9));
    expect(there.classifier.toJSON().temperature).toBe(scratch.classifier.toJSON().temperature);
    for (const probe of clusters(30, 2, 24, 9)) {
      const a = there.classifier.predict(probe.vector);
      for (const [label, p] of scratch.classifier.predict(probe.vector)) expect(Math.abs(a.get(label)! - p)).toBeLessThan(1e-9);
    }
  });

  it('trains on a worker started ahead, once; an unused worker is closed', async () => {
    const trainer = ClassifierTrainer.start(examples.length, true);
    const first = await trainer.train(examples, undefined);
    expect(first.classifier.toJSON()).toEqual(ArticleClassifier.train(examples).toJSON());
    // A second training on the same trainer runs on this thread: same classifier.
    expect((await trainer.train(examples, undefined)).classifier.toJSON()).toEqual(first.classifier.toJSON());
    ClassifierTrainer.start(examples.length, true).close();
  });

  it('a session trains one classifier after another on the same worker until closed, each as on this thread', async () => {
    const session = ClassifierTrainer.session(examples.length, true);
    try {
      for (const fold of [0, 1, 2]) {
        const foldExamples = examples.filter((_, i) => i % 3 !== fold);
        expect(session.onWorker).toBe(true);
        const there = await session.train(foldExamples, undefined);
        expect(there.classifier.toJSON()).toEqual(ArticleClassifier.train(foldExamples).toJSON());
      }
      expect(session.onWorker).toBe(true);
    } finally {
      session.close();
    }
    expect(session.onWorker).toBe(false);
    // After close: on this thread, the same classifier.
    expect((await session.train(examples, undefined)).classifier.toJSON()).toEqual(ArticleClassifier.train(examples).toJSON());
    const once = ClassifierTrainer.start(examples.length, true);
    await once.train(examples, undefined);
    expect(once.onWorker).toBe(false);
  });

  it('rejects examples of different dimensions with an explicit error', async () => {
    const mixed = [...examples, { label: 'odd', vector: new Float32Array(5) }];
    await expect(ClassifierTrainer.start(mixed.length, true).train(mixed, undefined)).rejects.toThrow(ClassifierTrainingError);
  });
});


describe('article classifier scores', () => {
  it('are, to the bit, the softmax of one plain dot product per article (any number of articles)', () => {
    const next = random(7);
    for (const articles of [1, 3, 4, 5, 9]) {
      const dimension = 13;
      const json = {
        version: 1 as const,
        labels: Array.from({ length: articles }, (_, k) => `a${k}`),
        dimension,
        mean: Array.from({ length: dimension }, () => next() - 0.5),
        scale: 1.7,
        weights: Array.from({ length: articles * dimension }, () => next() - 0.5),
        bias: Array.from({ length: articles }, () => next() - 0.5),
        temperature: 3.1,
      };
      const classifier = ArticleClassifier.fromJSON(classifierJsonSchema.parse(json));
      const stored = classifier.toJSON();
      const vector = Float32Array.from({ length: dimension }, () => next());
      const x = Float32Array.from(vector, (v, d) => (v - stored.mean[d]!) * stored.scale);
      const logits = stored.labels.map((_, k) => {
        let z = stored.bias[k]!;
        for (let d = 0; d < dimension; d++) z += stored.weights[k * dimension + d]! * x[d]!;
        return z * stored.temperature;
      });
      const max = Math.max(...logits);
      const exps = logits.map((z) => Math.exp(z - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      expect([...classifier.predict(vector)]).toEqual(stored.labels.map((label, k) => [label, exps[k]! / sum]));
    }
  });
});
