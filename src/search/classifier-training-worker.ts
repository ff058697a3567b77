import { parentPort } from 'node:worker_threads';
import { z } from 'zod';
import { collectGarbage } from '../runtime/collect-garbage.js';
import { lowerThisThreadPriority } from '../runtime/thread-priority.js';
import { ArticleClassifier, changedGram, type ClassifierJson } from './article-classifier.js';

/** What the main thread sends: the examples (labels and row-major vectors) and the saved Σ v vᵀ, if any. */
export const trainingRequestSchema = z.object({
  labels: z.array(z.string()),
  dimension: z.number().int().positive(),
  vectors: z.instanceof(Float32Array),
  gram: z.instanceof(Float64Array).nullable(),
  /** Vectors (row-major) whose outer products are added to `gram`, then those removed from it, before training. */
  add: z.instanceof(Float32Array),
  remove: z.instanceof(Float32Array),
  /** Background work (a calibration while the bot serves): train at the lowest CPU priority. */
  lowPriority: z.boolean(),
});

export type TrainingRequest = z.infer<typeof trainingRequestSchema>;

/** What the worker answers, once per request. */
export type TrainingAnswer =
  | { type: 'trained'; json: Omit<ClassifierJson, 'weights'>; weights: Float32Array; gram: Float64Array }
  | { type: 'failed'; message: string };

/**
 * Article-classifier trainings on a worker thread (classifier-training.ts): for each request,
 * trains on its examples (ArticleClassifier.trainWithGram) and sends back the classifier's parts
 * and the sums, their arrays transferred, not copied. The trainer sends one request at a time.
 */
parentPort!.on('message', (message: unknown) => {
  const port = parentPort!;
  try {
    const { labels, dimension, vectors, gram, add, remove, lowPriority } = trainingRequestSchema.parse(message);
    if (lowPriority) lowerThisThreadPriority();
    if (vectors.length !== labels.length * dimension) throw new Error(`${vectors.length} floats for ${labels.length} examples of dimension ${dimension}`);
    if (add.length % dimension !== 0 || remove.length % dimension !== 0) throw new Error(`added or removed vectors are not of dimension ${dimension}`);
    const rows = (packed: Float32Array) => Array.from({ length: packed.length / dimension }, (_, i) => packed.subarray(i * dimension, (i + 1) * dimension));
    const examples = rows(vectors).map((vector, i) => ({ label: labels[i]!, vector }));
    const sums = gram === null ? undefined : add.length + remove.length === 0 ? gram : changedGram(gram, { add: rows(add), remove: rows(remove) });
    const trained = ArticleClassifier.trainWithGram(examples, sums);
    const { json, weights } = trained.classifier.toJSONParts();
    port.postMessage({ type: 'trained', json, weights, gram: trained.gram } satisfies TrainingAnswer, [weights.buffer as ArrayBuffer, trained.gram.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ type: 'failed', message: (error as Error).message ?? String(error) } satisfies TrainingAnswer);
  }
  // A session's worker waits for its next request: the arrays of this training (at 10,000 articles
  // the examples, two D × K systems of 31 MB and the scores) are freed now rather than by a
  // collection during the next one, which had held both at once (peak RSS +40–50 MB).
  collectGarbage();
});
