/**
 * A linear map from the embedding space onto its `dimension` main directions (principal
 * components of the uncentred second moment, fitted on the vectors to be searched): the dot
 * product of two projections is their dot product minus what lies outside those directions. Why:
 * the vector search graph only proposes candidates (their exact similarities are computed from
 * the stored vectors afterwards), and a graph of 128-dimensional projections instead of 384-
 * dimensional vectors holds a third of the floats. At 10,000 articles, candidates from 128 (and
 * 96) dimensions ranked the same share of the dev questions first as from all 384
 * (bench/results/2026-12-07-round18.md).
 */
export class Projection {
  private constructor(
    /** Input dimension. */
    readonly from: number,
    /** Output dimension. */
    readonly dimension: number,
    /** `from` rows of `dimension` columns: row i holds input coordinate i's weight in each output. */
    private readonly basis: Float32Array,
  ) {}

  /**
   * The `dimension` main directions of `vectors` (all of length `from`), by subspace iteration on
   * their second-moment matrix from a fixed start: the same vectors give the same projection.
   */
  static fit(vectors: readonly Float32Array[], from: number, dimension: number): Projection {
    if (dimension <= 0 || dimension > from) throw new Error(`A projection to ${dimension} of ${from} dimensions is not possible`);
    const moment = new Float64Array(from * from);
    for (const vector of vectors) {
      if (vector.length !== from) throw new Error(`Vector has ${vector.length} dimensions, the projection expects ${from}`);
      for (let i = 0; i < from; i++) {
        const vi = vector[i]!;
        if (vi === 0) continue;
        const row = i * from;
        for (let j = i; j < from; j++) moment[row + j] = moment[row + j]! + vi * vector[j]!;
      }
    }
    for (let i = 0; i < from; i++) for (let j = 0; j < i; j++) moment[i * from + j] = moment[j * from + i]!;
    // A deterministic start with every direction in it (a fixed pseudo-random sequence).
    let seed = 0x2545f491;
    let basis = new Float64Array(from * dimension).map(() => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32 - 0.5;
    });
    orthonormalize(basis, from, dimension);
    for (let iteration = 0; iteration < SUBSPACE_ITERATIONS; iteration++) {
      const next = new Float64Array(from * dimension);
      for (let i = 0; i < from; i++) {
        for (let k = 0; k < from; k++) {
          const m = moment[i * from + k]!;
          if (m === 0) continue;
          const source = k * dimension;
          const target = i * dimension;
          for (let c = 0; c < dimension; c++) next[target + c] = next[target + c]! + m * basis[source + c]!;
        }
      }
      orthonormalize(next, from, dimension);
      basis = next;
    }
    return new Projection(from, dimension, Float32Array.from(basis));
  }

  /** The projection saved by `toBytes`; throws when the bytes are not one. */
  static fromBytes(bytes: Uint8Array): Projection {
    if (bytes.byteLength < 8 || bytes.byteLength % 4 !== 0) throw new Error('not a saved projection');
    const header = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 8));
    const from = header[0]!;
    const dimension = header[1]!;
    if (from === 0 || dimension === 0 || dimension > from || bytes.byteLength !== 8 + from * dimension * 4) throw new Error('not a saved projection');
    const basis = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 8, bytes.byteOffset + bytes.byteLength));
    if (!basis.every(Number.isFinite)) throw new Error('not a saved projection');
    return new Projection(from, dimension, basis);
  }

  /** Input and output dimension, then the basis row by row (float32). */
  toBytes(): Uint8Array {
    const bytes = new Uint8Array(8 + this.basis.byteLength);
    new Uint32Array(bytes.buffer, 0, 2).set([this.from, this.dimension]);
    bytes.set(new Uint8Array(this.basis.buffer, this.basis.byteOffset, this.basis.byteLength), 8);
    return bytes;
  }

  /** The vector's coordinates along the main directions. */
  project(vector: Float32Array): Float32Array {
    const { from, dimension, basis } = this;
    if (vector.length !== from) throw new Error(`Vector has ${vector.length} dimensions, the projection expects ${from}`);
    const out = new Float64Array(dimension);
    for (let i = 0; i < from; i++) {
      const vi = vector[i]!;
      if (vi === 0) continue;
      const row = i * dimension;
      for (let c = 0; c < dimension; c++) out[c] = out[c]! + vi * basis[row + c]!;
    }
    return Float32Array.from(out);
  }
}

/** Rounds of subspace iteration: the leading directions of embeddings converge in a few dozen (their spectrum falls off fast). */
const SUBSPACE_ITERATIONS = 30;

/** Gram–Schmidt (twice, for stability) on the columns of a row-major rows × columns matrix. */
function orthonormalize(matrix: Float64Array, rows: number, columns: number): void {
  for (let c = 0; c < columns; c++) {
    // A column with nothing left (fewer independent vectors than columns) is replaced by a unit
    // axis, the next one that is not in the span of the columns before it: the map stays defined.
    for (let attempt = 0; attempt <= rows; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let p = 0; p < c; p++) {
          let dot = 0;
          for (let i = 0; i < rows; i++) dot += matrix[i * columns + c]! * matrix[i * columns + p]!;
          for (let i = 0; i < rows; i++) matrix[i * columns + c] = matrix[i * columns + c]! - dot * matrix[i * columns + p]!;
        }
      }
      let norm = 0;
      for (let i = 0; i < rows; i++) norm += matrix[i * columns + c]! ** 2;
      norm = Math.sqrt(norm);
      if (norm > 1e-9) {
        for (let i = 0; i < rows; i++) matrix[i * columns + c] = matrix[i * columns + c]! / norm;
        break;
      }
      for (let i = 0; i < rows; i++) matrix[i * columns + c] = i === (c + attempt) % rows ? 1 : 0;
    }
  }
}
