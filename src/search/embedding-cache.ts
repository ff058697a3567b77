import { LruMap } from '../lru-map.js';
import type { Embedder, EmbedderFingerprint, EmbeddingRole } from './embedder.js';

/**
 * The text a cache key stands for: Unicode NFC, trimmed, runs of whitespace as one space.
 * Customers repeat questions with stray spaces or line breaks; these variants tokenize alike,
 * and the normalised text is what gets embedded, so the vector never depends on which variant
 * came first. Case and punctuation are kept: the model reads them.
 */
export function normalizeQuestion(text: string): string {
  return text.normalize('NFC').trim().replace(/\s+/gu, ' ');
}

export interface EmbeddingCacheOptions {
  /** Most vectors kept (each 384 floats ≈ 1.5 kB); the least recently used is dropped first. */
  maxEntries?: number;
}

/**
 * Bounded LRU of query embeddings in front of an embedder: a repeated (or normalised-identical)
 * question skips the model. Passages are not cached (the index persists them already).
 * Concurrent misses for the same text share one model call.
 */
export class EmbeddingCache implements Embedder {
  private readonly entries: LruMap<string, Float32Array>;
  private readonly pending = new Map<string, Promise<Float32Array>>();
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    private readonly inner: Embedder,
    options: EmbeddingCacheOptions = {},
  ) {
    this.entries = new LruMap(options.maxEntries ?? 5000);
  }

  get modelId(): string {
    return this.inner.modelId;
  }

  get dimension(): number {
    return this.inner.dimension;
  }

  get fingerprint(): EmbedderFingerprint {
    return this.inner.fingerprint;
  }

  get size(): number {
    return this.entries.size;
  }

  async embed(texts: readonly string[], role: EmbeddingRole): Promise<Float32Array[]> {
    if (role !== 'query') return this.inner.embed(texts, role);
    const result: (Float32Array | Promise<Float32Array>)[] = [];
    const missing: { key: string; resolve: (v: Float32Array) => void; reject: (e: unknown) => void }[] = [];
    for (const key of texts.map(normalizeQuestion)) {
      const hit = this.entries.get(key);
      if (hit !== undefined) {
        this.stats.hits++;
        result.push(hit);
        continue;
      }
      const inFlight = this.pending.get(key);
      if (inFlight !== undefined) {
        this.stats.hits++;
        result.push(inFlight);
        continue;
      }
      this.stats.misses++;
      const promise = new Promise<Float32Array>((resolve, reject) => missing.push({ key, resolve, reject }));
      this.pending.set(key, promise);
      result.push(promise);
    }
    if (missing.length > 0) {
      try {
        const vectors = await this.inner.embed(
          missing.map((m) => m.key),
          'query',
        );
        missing.forEach((m, i) => {
          const vector = vectors[i];
          if (vector === undefined) return m.reject(new Error('The embedder returned fewer vectors than texts'));
          this.entries.set(m.key, vector);
          m.resolve(vector);
        });
      } catch (error) {
        for (const m of missing) m.reject(error);
      } finally {
        for (const m of missing) this.pending.delete(m.key);
      }
    }
    return Promise.all(result);
  }
}
