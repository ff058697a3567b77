/**
 * Turns texts into unit-length vectors so that cosine similarity is a dot product.
 * Behind an interface so a hosted embedding service (or a test stand-in) can replace the
 * in-process transformers.js model without touching search or classification code.
 */
export interface Embedder {
  /** Identifies the vector space; an index built with another model id must be rebuilt. */
  readonly modelId: string;
  readonly dimension: number;
  /** Embeds texts in order; each vector has `dimension` entries and unit length. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

/** Raised when the embedding model cannot be loaded; the message tells the operator what to set. */
export class EmbedderLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbedderLoadError';
  }
}

/** Scales a vector to unit length (zero vectors stay zero). */
export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  if (norm === 0) return vector;
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm;
  return vector;
}

/** Dot product of two equal-length vectors (cosine similarity for unit vectors). */
export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
