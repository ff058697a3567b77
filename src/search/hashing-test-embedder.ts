import { createHash } from 'node:crypto';
import { normalize, type Embedder, type EmbedderFingerprint, type EmbeddingRole } from './embedder.js';

/**
 * A deterministic STAND-IN embedder for plumbing and dialog-flow tests only.
 *
 * It hashes lower-cased word stems and word bigrams into a fixed number of buckets: texts that share
 * words score high, paraphrases with other words do not. It says nothing about answer quality and
 * is never the product default; use `TransformersEmbedder` for that.
 */
export class HashingTestEmbedder implements Embedder {
  readonly modelId: string;
  /** How many texts were embedded so far: lets tests prove what was (not) re-embedded. */
  embeddedCount = 0;
  /** Texts per role so far: lets tests prove which role each caller used. */
  readonly embeddedByRole: Record<EmbeddingRole, number> = { query: 0, passage: 0 };
  /** Role does not change the vectors (the stand-in is symmetric); tests may vary the fingerprint. */
  readonly fingerprint: EmbedderFingerprint;

  constructor(
    readonly dimension = 256,
    modelId = 'test/hashing-stand-in',
    fingerprint: Partial<EmbedderFingerprint> = {},
  ) {
    this.modelId = modelId;
    this.fingerprint = {
      file: 'hashing',
      queryPrefix: '',
      passagePrefix: '',
      passageRoles: { title: 'query', question: 'query', body: 'passage' },
      ...fingerprint,
    };
  }

  async embed(texts: readonly string[], role: EmbeddingRole): Promise<Float32Array[]> {
    this.embeddedCount += texts.length;
    this.embeddedByRole[role] += texts.length;
    return texts.map((text) => this.embedOne(text));
  }

  private embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimension);
    const words = text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((word) => word.length > 2 && !STOP_WORDS.has(word))
      .map((word) => word.slice(0, 6));
    const features = [...words, ...words.slice(1).map((word, i) => `${words[i]}_${word}`)];
    for (const feature of features) {
      const digest = createHash('sha1').update(feature).digest();
      const bucket = digest.readUInt32BE(0) % this.dimension;
      vector[bucket] = vector[bucket]! + (feature.includes('_') ? 0.5 : 1);
    }
    return normalize(vector);
  }
}

const STOP_WORDS = new Set([
  'the', 'and', 'for', 'how', 'can', 'what', 'which', 'does', 'with', 'you', 'your', 'are', 'not',
  'this', 'that', 'from', 'have', 'into', 'there', 'when', 'will', 'who', 'why', 'our', 'about',
]);
