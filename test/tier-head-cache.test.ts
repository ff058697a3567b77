import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArticleClassifier, type LabelledVector } from '../src/search/article-classifier.js';
import { normalize } from '../src/search/embedder.js';
import { headKey, trainedHead } from '../src/tiers/tier-head-cache.js';
import { tempDir } from './support/test-app.js';

/** Deterministic unit vectors around one centre per tier. */
function examples(seed: number): LabelledVector[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const centres = ['L1', 'L2', 'L3', 'L4'].map((label) => ({ label, centre: Float32Array.from({ length: 16 }, () => next() - 0.5) }));
  return centres.flatMap(({ label, centre }) => Array.from({ length: 5 }, () => ({ label, vector: normalize(centre.map((v) => v + 0.3 * (next() - 0.5))) })));
}

const probe = normalize(Float32Array.from({ length: 16 }, (_, i) => Math.sin(i)));
const probabilities = (head: ArticleClassifier) => [...head.predict(probe)];

describe('tier head kept between starts', () => {
  it('restores the trained head to the bit instead of training again', async () => {
    const file = path.join(tempDir(), 'embeddings', 'tier-head.json');
    const trained = ArticleClassifier.train(examples(1));
    const first = await trainedHead(examples(1), file);
    expect(first.toJSON()).toEqual(trained.toJSON());
    const written = statSync(file).mtimeMs;
    const again = await trainedHead(examples(1), file);
    expect(statSync(file).mtimeMs).toBe(written);
    expect(again.toJSON()).toEqual(trained.toJSON());
    expect(probabilities(again)).toEqual(probabilities(trained));
  });

  it('trains again when an example, its vector or the order changes', async () => {
    const file = path.join(tempDir(), 'tier-head.json');
    await trainedHead(examples(1), file);
    const key = (JSON.parse(readFileSync(file, 'utf8')) as { key: string }).key;
    const changedVector = examples(1);
    changedVector[3] = { ...changedVector[3]!, vector: normalize(changedVector[3]!.vector.map((v, i) => (i === 0 ? v + 0.01 : v))) };
    const relabelled = examples(1).map((e, i) => (i === 0 ? { ...e, label: 'L2' } : e));
    const reordered = [...examples(1)].reverse();
    for (const variant of [changedVector, relabelled, reordered, examples(2)]) {
      expect(headKey(variant)).not.toBe(key);
      const head = await trainedHead(variant, file);
      expect(head.toJSON()).toEqual(ArticleClassifier.train(variant).toJSON());
      expect((JSON.parse(readFileSync(file, 'utf8')) as { key: string }).key).toBe(headKey(variant));
    }
  });

  it('trains when the file is unreadable or inconsistent', async () => {
    const file = path.join(tempDir(), 'tier-head.json');
    writeFileSync(file, '{ not json');
    expect((await trainedHead(examples(1), file)).toJSON()).toEqual(ArticleClassifier.train(examples(1)).toJSON());
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    writeFileSync(file, JSON.stringify({ ...stored, biasFloat32: Buffer.from(new Float32Array(1).buffer).toString('base64') }));
    expect((await trainedHead(examples(1), file)).toJSON()).toEqual(ArticleClassifier.train(examples(1)).toJSON());
  });
});
