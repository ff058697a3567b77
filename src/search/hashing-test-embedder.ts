import { createHash } from 'node:crypto';
import { normalize, type Embedder } from './embedder.js';

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

  constructor(readonly dimension = 256, modelId = 'test/hashing-stand-in') {
    this.modelId = modelId;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.embeddedCount += texts.length;
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
