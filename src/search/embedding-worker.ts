import { existsSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import type { EmbeddingRole } from './embedder.js';
import { modelSpec } from './model-registry.js';
import { modelFile, TransformersEmbedder, type TransformersEmbedderOptions } from './transformers-embedder.js';

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
 * a batch go back as one Float32Array (transferred, not copied).
 */
async function serve(): Promise<void> {
  const port = parentPort!;
  const options = workerData as TransformersEmbedderOptions;
  let embedder: TransformersEmbedder;
  try {
    await loadSessionsFromFile(options);
    embedder = await TransformersEmbedder.create(options);
  } catch (error) {
    port.postMessage({ type: 'load-failed', message: (error as Error).message } satisfies WorkerMessage);
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
}

interface SessionFactory {
  create: (model: string | Uint8Array, options: object) => Promise<unknown>;
}

/**
 * onnxruntime-node 1.14 ignores the session options of a session created from a buffer, which is
 * how transformers.js creates it: the session then runs as many intra-op threads as there are
 * cores, whatever `intraOpNumThreads` says (measured: 2 busy threads per session on 2 cores).
 * N workers × N threads oversubscribe the cores, so each worker's session is created from the
 * model file instead (same file, same graph; the options then hold: one thread, no memory arena;
 * test/embedding-workers.test.ts checks the vectors are the same bits). Without a local model file
 * (MODEL_DIR unset) the buffer is used as before.
 */
async function loadSessionsFromFile(options: TransformersEmbedderOptions): Promise<void> {
  if (options.modelDir === undefined) return;
  const file = path.join(options.modelDir, modelSpec(options.modelId).id, modelFile(options.quantized ?? modelSpec(options.modelId).quantized));
  if (!existsSync(file)) return;
  const ort = (await import('onnxruntime-node' as string)) as { InferenceSession?: SessionFactory; default?: { InferenceSession: SessionFactory } };
  const session = ort.default?.InferenceSession ?? ort.InferenceSession!;
  const create = session.create.bind(session);
  // From a file the options are read, and onnxruntime-node rejects transformers.js's fallback provider `wasm`.
  session.create = (model, given) => (model instanceof Uint8Array ? create(file, { ...given, executionProviders: ['cpu'] }) : create(model, given));
}

void serve();
