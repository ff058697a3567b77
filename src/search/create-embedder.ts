import type { Config } from '../config.js';
import type { Embedder } from './embedder.js';
import { EmbeddingBatcher } from './embedding-batcher.js';
import { EmbeddingCache } from './embedding-cache.js';
import { StoredEmbeddings } from './stored-embeddings.js';
import { TransformersEmbedder, type TransformersEmbedderOptions } from './transformers-embedder.js';

/** The configured model's load options (EMBEDDING_*), with downloads cached under `cacheDir`: the server and every CLI load it alike. */
export function configuredModel(embedding: Config['embedding'], cacheDir: string): TransformersEmbedderOptions {
  return { modelId: embedding.modelId, modelDir: embedding.modelDir, batchSize: embedding.batchSize, quantized: embedding.quantized, cacheDir };
}

/**
 * The embedder the running bot uses: the configured model, behind a micro-batcher (concurrent
 * conversations share model calls) and an LRU cache of question vectors (a repeated question
 * skips the model). Index builds pass through both (large calls, passages). With `storeDir`, the
 * vectors of bulk query calls (tier examples) are kept on disk between starts (stored-embeddings.ts).
 */
export async function createServingEmbedder(embedding: Config['embedding'], cacheDir: string, storeDir?: string): Promise<Embedder> {
  const model = await TransformersEmbedder.create(configuredModel(embedding, cacheDir));
  const serving = new EmbeddingCache(new EmbeddingBatcher(model, { maxBatch: embedding.queryBatchSize }));
  return storeDir === undefined ? serving : new StoredEmbeddings(serving, storeDir);
}
