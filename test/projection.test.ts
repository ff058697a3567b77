import { describe, expect, it } from 'vitest';
import { dot } from '../src/search/embedder.js';
import { Projection } from '../src/search/projection.js';

/** A deterministic pseudo-random number in [-0.5, 0.5). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

const unit = (v: Float32Array) => {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};

/** Vectors of `from` dimensions that lie (but for a little noise) in a `rank`-dimensional subspace. */
function lowRank(count: number, from: number, rank: number, noise: number, seed = 7): Float32Array[] {
  const next = random(seed);
  const directions = Array.from({ length: rank }, () => Float32Array.from({ length: from }, next));
  return Array.from({ length: count }, () => {
    const v = new Float32Array(from);
    directions.forEach((d, k) => {
      const weight = next() * (rank - k);
      d.forEach((x, i) => (v[i] = v[i]! + weight * x));
    });
    return unit(v.map((x) => x + noise * next()));
  });
}

describe('Projection: the main directions of the vectors to be searched', () => {
  it('keeps dot products of vectors near its subspace, and ranks neighbours as the full vectors do', () => {
    const vectors = lowRank(400, 32, 6, 0.01);
    const projection = Projection.fit(vectors, 32, 8);
    const projected = vectors.map((v) => projection.project(v));
    let worst = 0;
    for (let i = 0; i < 40; i++) for (let j = 0; j < 40; j++) worst = Math.max(worst, Math.abs(dot(vectors[i]!, vectors[j]!) - dot(projected[i]!, projected[j]!)));
    expect(worst).toBeLessThan(0.01);
    // Nearest of the 400 to each of 20 queries: the same by projections as by full vectors.
    const queries = lowRank(20, 32, 6, 0.01, 99);
    for (const query of queries) {
      const best = (score: (i: number) => number) => vectors.map((_, i) => i).sort((a, b) => score(b) - score(a))[0];
      const q = projection.project(query);
      expect(best((i) => dot(q, projected[i]!))).toBe(best((i) => dot(query, vectors[i]!)));
    }
  });

  it('loses what lies outside: projecting onto fewer directions than the vectors span shrinks their dot products', () => {
    const vectors = lowRank(300, 32, 12, 0);
    const projection = Projection.fit(vectors, 32, 3);
    const kept = vectors.map((v) => dot(projection.project(v), projection.project(v)));
    expect(Math.max(...kept)).toBeLessThanOrEqual(1 + 1e-6);
    expect(kept.reduce((a, b) => a + b, 0) / kept.length).toBeLessThan(0.999);
  });

  it('is the same for the same vectors, survives a save, and refuses bytes that are not one', () => {
    const vectors = lowRank(100, 16, 4, 0.05);
    const a = Projection.fit(vectors, 16, 5);
    const b = Projection.fit(vectors, 16, 5);
    expect(a.toBytes()).toEqual(b.toBytes());
    const back = Projection.fromBytes(a.toBytes());
    expect(back.project(vectors[3]!)).toEqual(a.project(vectors[3]!));
    expect([back.from, back.dimension]).toEqual([16, 5]);
    const bytes = a.toBytes();
    expect(() => Projection.fromBytes(bytes.subarray(0, bytes.length - 4))).toThrow('not a saved projection');
    expect(() => Projection.fromBytes(new Uint8Array(3))).toThrow('not a saved projection');
    const nan = a.toBytes();
    new Float32Array(nan.buffer, 8, 1)[0] = Number.NaN;
    expect(() => Projection.fromBytes(nan)).toThrow('not a saved projection');
  });

  it('stays a well-defined map when fitted on fewer vectors than its dimension, or none', () => {
    for (const vectors of [lowRank(2, 16, 2, 0), []]) {
      const projection = Projection.fit(vectors, 16, 6);
      // Orthonormal columns: the projection of each input axis has length ≤ 1, and of all together the dimension.
      let total = 0;
      for (let i = 0; i < 16; i++) {
        const axis = Float32Array.from({ length: 16 }, (_, j) => (j === i ? 1 : 0));
        const p = projection.project(axis);
        expect(p.every(Number.isFinite)).toBe(true);
        total += dot(p, p);
      }
      expect(total).toBeCloseTo(6, 4);
    }
    expect(() => Projection.fit([], 16, 17)).toThrow('not possible');
  });
});
