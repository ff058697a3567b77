import type { Worker } from 'node:worker_threads';
import { startWorker } from '../runtime/start-worker.js';
import { ArticleClassifier, changedGram, type GramChanges, type LabelledVector } from './article-classifier.js';
import type { TrainingAnswer, TrainingRequest } from './classifier-training-worker.js';

/**
 * Articles from which the classifier is trained on a worker thread. At 10,000 articles (50,000
 * titles and questions) a retraining from saved sums is ~3–4.5 s of CPU (Cholesky solve over
 * 10,000 columns, leave-one-out scores), which blocked the thread for as long: a sync now builds
 * the keyword index and term coverage (~3 s) on the main thread meanwhile, and a server re-indexing
 * keeps answering. Below this, training takes well under a second and a worker's start (~0.1–0.4 s
 * built, ~0.7 s through tsx) is not worth it.
 */
export const WORKER_TRAINING_ARTICLES = 2000;

export class ClassifierTrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClassifierTrainingError';
  }
}

/**
 * One article-classifier training, `ArticleClassifier.trainWithGram` (the same classifier to the
 * bit: the same code on the same numbers), on a worker thread for a large knowledge base. The
 * worker is started by `start`, before the examples are gathered, so its start (loading the
 * modules) overlaps that work instead of delaying the training; `close` ends a worker that was
 * not used.
 */
export class ClassifierTrainer {
  /** Why the worker can no longer answer (it failed or exited), once it happened. */
  private failure: string | undefined;

  private constructor(
    private worker: Worker | undefined,
    private readonly lowPriority: boolean,
  ) {
    // Listening from the start: a worker that fails before `train` must not be an uncaught error.
    worker?.on('error', (error) => (this.failure ??= `failed: ${error.message}`));
    worker?.on('exit', (code) => (this.failure ??= `exited with code ${code} before answering`));
  }

  /**
   * A trainer for `articles` article ids: with a worker thread from `WORKER_TRAINING_ARTICLES` on
   * (or as `inWorker` says). `lowPriority`: the worker trains at the lowest CPU priority (work in
   * the background of a serving bot).
   */
  static start(articles: number, inWorker = articles >= WORKER_TRAINING_ARTICLES, lowPriority = false): ClassifierTrainer {
    return new ClassifierTrainer(inWorker ? startWorker(import.meta.url, 'classifier-training-worker', undefined) : undefined, lowPriority);
  }

  /**
   * Trains once (a second call trains on this thread). `gram` is not modified (the worker gets a
   * copy). `changes`: `gram` is the sums of other examples; these vectors' outer products are
   * added to and removed from a copy of it first (on the worker, when there is one), so that it is
   * the sums of `examples` — cheaper than summing them all when few differ (calibration's folds).
   */
  async train(
    examples: readonly LabelledVector[],
    gram: Float64Array | undefined,
    changes?: GramChanges,
  ): Promise<{ classifier: ArticleClassifier; gram: Float64Array }> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker === undefined || examples.length === 0) {
      void worker?.terminate();
      return ArticleClassifier.trainWithGram(examples, gram === undefined || changes === undefined ? gram : changedGram(gram, changes));
    }
    try {
      const dimension = examples[0]!.vector.length;
      const pack = (vectors: readonly Float32Array[], what: string) => {
        const packed = new Float32Array(vectors.length * dimension);
        vectors.forEach((vector, i) => {
          if (vector.length !== dimension) throw new ClassifierTrainingError(`${what} ${i} has ${vector.length} dimensions, not ${dimension}`);
          packed.set(vector, i * dimension);
        });
        return packed;
      };
      const vectors = pack(examples.map((e) => e.vector), 'example');
      const add = pack(changes?.add ?? [], 'added vector');
      const remove = pack(changes?.remove ?? [], 'removed vector');
      const request: TrainingRequest = {
        labels: examples.map((e) => e.label),
        dimension,
        vectors,
        gram: gram === undefined ? null : Float64Array.from(gram),
        add,
        remove,
        lowPriority: this.lowPriority,
      };
      const answer = await new Promise<TrainingAnswer>((resolve, reject) => {
        if (this.failure !== undefined) return reject(new ClassifierTrainingError(`the classifier training worker ${this.failure}`));
        worker.once('message', resolve);
        worker.once('error', (error) => reject(new ClassifierTrainingError(`the classifier training worker failed: ${error.message}`)));
        worker.once('exit', (code) => reject(new ClassifierTrainingError(`the classifier training worker exited with code ${code} before answering`)));
        worker.postMessage(request, [vectors.buffer, add.buffer, remove.buffer, ...(request.gram === null ? [] : [request.gram.buffer])]);
      });
      if (answer.type === 'failed') throw new ClassifierTrainingError(`the classifier training worker failed: ${answer.message}`);
      return { classifier: ArticleClassifier.fromJSONParts(answer.json, answer.weights), gram: answer.gram };
    } finally {
      void worker.terminate();
    }
  }

  /** Ends the worker if `train` did not use it. */
  close(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}

/** `ClassifierTrainer.start(article ids of the examples, inWorker, lowPriority).train(examples, gram, changes)`. */
export function trainArticleClassifier(
  examples: readonly LabelledVector[],
  gram: Float64Array | undefined,
  options: { inWorker?: boolean; lowPriority?: boolean; changes?: GramChanges } = {},
): Promise<{ classifier: ArticleClassifier; gram: Float64Array }> {
  return ClassifierTrainer.start(new Set(examples.map((e) => e.label)).size, options.inWorker, options.lowPriority).train(examples, gram, options.changes);
}
