/**
 * Turns texts into unit-length vectors so that cosine similarity is a dot product.
 * Behind an interface so a hosted embedding service (or a test stand-in) can replace the
 * in-process transformers.js model without touching search or classification code.
 */
export interface Embedder {
  /** Identifies the vector space; an index built with another model id must be rebuilt. */
  readonly modelId: string;
  readonly dimension: number;
  /**
   * Everything else that changes the vectors (model file, prefixes, passage roles): the index
   * manifest records it, so changing any of it rebuilds the index.
   */
  readonly fingerprint: EmbedderFingerprint;
  /**
   * Embeds texts in order; each vector has `dimension` entries and unit length. `role` says
   * what the texts are: a customer's words or a tier example (`query`) or a knowledge passage
   * (`passage`); asymmetric models such as e5 prefix them differently.
   */
  embed(texts: readonly string[], role: EmbeddingRole): Promise<Float32Array[]>;
}

/** What a text is to an asymmetric embedding model (see model-registry.ts). */
export type EmbeddingRole = 'query' | 'passage';

/** The settings besides model id and dimension that decide what vectors come out. */
export interface EmbedderFingerprint {
  /** ONNX file (e.g. `onnx/model.onnx`), or a stand-in's name. */
  file: string;
  queryPrefix: string;
  passagePrefix: string;
  /**
   * Role each kind of article passage is embedded with. Titles and alternative questions are
   * questions themselves, so a model may match them better as `query` (measured per model).
   */
  passageRoles: { title: EmbeddingRole; question: EmbeddingRole; body: EmbeddingRole };
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
