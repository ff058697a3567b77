import { describe, expect, it } from 'vitest';
import { dot, dotAt } from '../src/search/embedder.js';

describe('dotAt', () => {
  it('scores one row of a block of vectors like dot() on that row, for lengths that are not a multiple of four', () => {
    for (const dimension of [1, 3, 4, 7, 384]) {
      const query = Float32Array.from({ length: dimension }, (_, i) => Math.sin(i + 1));
      const rows = Float32Array.from({ length: dimension * 3 }, (_, i) => Math.cos(i * 0.7));
      for (let row = 0; row < 3; row++) {
        const expected = dot(query, rows.subarray(row * dimension, (row + 1) * dimension));
        expect(dotAt(query, rows, row * dimension)).toBeCloseTo(expected, 12);
      }
    }
  });
});
