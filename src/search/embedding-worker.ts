import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { collectGarbageSoon } from '../runtime/collect-garbage.js';
import type { EmbeddingRole } from './embedder.js';
import { TransformersEmbedder, type TransformersEmbedderOptions } from './transformers-embedder.js';

/** What the pool sends a worker: one batch to embed (checked at the thread boundary). */
const embedRequestSchema = z.object({ id: z.number().int(), texts: z.array(z.string()), role: z.enum(['query', 'passage']) });

export interface EmbedRequest {
  id: number;
  texts: string[];
  role: EmbeddingRole;
}

/** What a worker answers: `ready` once after loading, then one `done` or `failed` per request. */
export type WorkerMessage =
  | { type: 'ready'; modelId: string; dimension: number; fingerprint: TransformersEmbedder['fingerprint'] }
  | { type: 'load-failed'; message: string }
  | { type: 'done'; id: number; vectors: Float32Array }
  | { type: 'failed'; id: number; message: string };

/**
 * One embedding worker (a worker thread of embedding-workers.ts): its own transformers.js model
 * and onnxruntime session, embedding the batches the pool sends it, one at a time. The vectors of
 * a batch go back as one Float32Array (transferred, not copied). TransformersEmbedder opens a
 * local model file by its path, so the one-thread session options hold (onnxruntime-node 1.14
 * ignores them for a session created from bytes: each session then ran one thread per core, and
 * two workers oversubscribed two cores).
 */
async function serve(): Promise<void> {
  const port = parentPort!;
  const options = workerData as TransformersEmbedderOptions;
  let embedder: TransformersEmbedder;
  try {
    embedder = await TransformersEmbedder.create(options);
  } catch (error) {
    port.postMessage({ type: 'load-failed', message: (error as Error).message } satisfies WorkerMessage);
    // Stays until the pool stops it: the pool registers onnxruntime in its own thread first
    // (pin-onnxruntime.ts), which must not happen after this thread, a loader of it, has exited.
    port.on('message', () => undefined);
    return;
  }
  port.on('message', (message: unknown) => {
    const parsed = embedRequestSchema.safeParse(message);
    if (!parsed.success) {
      const id = (message as { id?: unknown } | undefined)?.id;
      port.postMessage({ type: 'failed', id: typeof id === 'number' ? id : -1, message: `not a batch of texts (${parsed.error.issues[0]?.message ?? 'invalid'})` } satisfies WorkerMessage);
      return;
    }
    const request = parsed.data;
    embedder.embed(request.texts, request.role).then(
      (vectors) => {
        const all = new Float32Array(vectors.length * embedder.dimension);
        vectors.forEach((vector, i) => all.set(vector, i * embedder.dimension));
        port.postMessage({ type: 'done', id: request.id, vectors: all } satisfies WorkerMessage, [all.buffer]);
      },
      (error: unknown) => port.postMessage({ type: 'failed', id: request.id, message: (error as Error).message ?? String(error) } satisfies WorkerMessage),
    );
  });
  port.postMessage({ type: 'ready', modelId: embedder.modelId, dimension: embedder.dimension, fingerprint: embedder.fingerprint } satisfies WorkerMessage);
  // Loading leaves ~280 MB of garbage in this thread's heap (the tokenizer's JSON, the model's
  // bytes) that an idle server would otherwise hold: see collect-garbage.ts.
  collectGarbageSoon();
}

void serve();
