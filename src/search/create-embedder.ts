import path from 'node:path';
import type { Config } from '../config.js';
import type { Embedder } from './embedder.js';
import { EmbeddingBatcher } from './embedding-batcher.js';
import { EmbeddingCache } from './embedding-cache.js';
import { EmbeddingWorkerPool } from './embedding-workers.js';
import type { TransformersEmbedderOptions } from './transformers-embedder.js';

/** The settings that say which model to load and where its files go. */
export type ModelConfig = Pick<Config, 'embedding' | 'dataDir'>;

/**
 * The configured model's load options (EMBEDDING_*), with downloads and derived model files under
 * `DATA_DIR/models`: the server and every CLI load it alike.
 */
export function configuredModel({ embedding, dataDir }: ModelConfig): TransformersEmbedderOptions {
  return { modelId: embedding.modelId, modelDir: embedding.modelDir, batchSize: embedding.batchSize, quantized: embedding.quantized, cacheDir: path.join(dataDir, 'models') };
}

/**
 * Starts loading the server's model in its own thread (one worker of embedding-workers.ts, one
 * onnxruntime thread, restarted if it crashes). Why a thread: onnxruntime computes synchronously,
 * so on the event loop every model call (~10–20 ms) held up every other conversation's HTTP
 * work; in a thread, the two cores do model and HTTP at once. And the server's entry starts this
 * before it imports the app (src/index.ts), so loading the model (~1.3 s of CPU) and importing
 * botbuilder and restify (~1.5 s) run side by side instead of one after the other.
 *
 * The caller owns the pool: close it when done (an idle worker does not keep the process alive).
 */
export function startServingModel(config: ModelConfig): Promise<EmbeddingWorkerPool> {
  const pool = EmbeddingWorkerPool.create({ model: configuredModel(config), workers: 1, respawn: true });
  // Awaited later (KnowledgeService); a load error must not count as unhandled meanwhile.
  pool.catch(() => undefined);
  return pool;
}

/**
 * The embedder the running bot uses: the model (`startServingModel`), behind a micro-batcher
 * (concurrent conversations share model calls) and an LRU cache of question vectors (a repeated
 * question skips the model). Index builds pass through both (large calls, passages). Nothing it
 * embeds is written to disk: customers' questions (one at a time, or many at once for the gap
 * report) stay in memory; the tier examples' vectors are kept by `loadTierClassifier`.
 */
export async function createServingEmbedder(embedding: Config['embedding'], model: Promise<Embedder>): Promise<Embedder> {
  return new EmbeddingCache(new EmbeddingBatcher(await model, { maxBatch: embedding.queryBatchSize, offThread: true }));
}
