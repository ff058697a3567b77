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
 * Article-classifier trainings, `ArticleClassifier.trainWithGram` (the same classifier to the
 * bit: the same code on the same numbers), on a worker thread for a large knowledge base. The
 * worker is started by `start` (one training) or `session` (several), before the examples are
 * gathered, so its start (loading the modules) overlaps that work instead of delaying the
 * training; `close` ends it.
 */
export class ClassifierTrainer {
  /** Why the worker can no longer answer (it failed or exited), once it happened. */
  private failure: string | undefined;
  /** The last training asked of a session's worker: the next one waits for it (one request at a time). */
  private last: Promise<unknown> = Promise.resolve();

  private worker: Worker | undefined;

  private constructor(
    inWorker: boolean,
    private readonly lowPriority: boolean,
    /** A session: the worker stays for every `train` until `close`. */
    private readonly keep: boolean,
  ) {
    this.worker = inWorker ? startWorker(import.meta.url, 'classifier-training-worker', undefined) : undefined;
    // Listening from the start: a worker that fails before `train` must not be an uncaught error.
    this.worker?.on('error', (error) => (this.failure ??= `failed: ${error.message}`));
    this.worker?.on('exit', (code) => (this.failure ??= `exited with code ${code} before answering`));
  }

  /**
   * A trainer for `articles` article ids: with a worker thread from `WORKER_TRAINING_ARTICLES` on
   * (or as `inWorker` says). `lowPriority`: the worker trains at the lowest CPU priority (work in
   * the background of a serving bot).
   */
  static start(articles: number, inWorker = articles >= WORKER_TRAINING_ARTICLES, lowPriority = false): ClassifierTrainer {
    return new ClassifierTrainer(inWorker, lowPriority, false);
  }

  /**
   * `start`, but the worker trains every `train` (one after the other) until `close`: calibration's
   * ten folds had each started a worker thread, ~0.1–0.4 s of loading modules (built; ~0.7 s
   * through tsx) ten times per calibration.
   */
  static session(articles: number, inWorker = articles >= WORKER_TRAINING_ARTICLES, lowPriority = false): ClassifierTrainer {
    return new ClassifierTrainer(inWorker, lowPriority, true);
  }

  /**
   * Trains: on the worker once (a second call trains on this thread), or on a session's worker
   * every time. `gram` is not modified (the worker gets a copy). `changes`: `gram` is the sums of
   * other examples; these vectors' outer products are added to and removed from a copy of it first
   * (on the worker, when there is one), so that it is the sums of `examples` — cheaper than summing
   * them all when few differ (calibration's folds).
   */
  async train(
    examples: readonly LabelledVector[],
    gram: Float64Array | undefined,
    changes?: GramChanges,
  ): Promise<{ classifier: ArticleClassifier; gram: Float64Array }> {
    const worker = this.worker;
    if (!this.keep) this.worker = undefined;
    if (worker === undefined || examples.length === 0) {
      if (!this.keep) void worker?.terminate();
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
      const asked = this.last.then(() => this.ask(worker, request, [vectors.buffer, add.buffer, remove.buffer, ...(request.gram === null ? [] : [request.gram.buffer])]));
      this.last = asked.catch(() => undefined);
      const answer = await asked;
      if (answer.type === 'failed') throw new ClassifierTrainingError(`the classifier training worker failed: ${answer.message}`);
      return { classifier: ArticleClassifier.fromJSONParts(answer.json, answer.weights), gram: answer.gram };
    } finally {
      if (!this.keep) void worker.terminate();
    }
  }

  /** Sends one request and waits for its answer; the listeners go once it settles (a session asks many times). */
  private ask(worker: Worker, request: TrainingRequest, transfer: ArrayBuffer[]): Promise<TrainingAnswer> {
    return new Promise<TrainingAnswer>((resolve, reject) => {
      if (this.failure !== undefined) return reject(new ClassifierTrainingError(`the classifier training worker ${this.failure}`));
      const settle = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (answer: TrainingAnswer) => (settle(), resolve(answer));
      const onError = (error: Error) => (settle(), reject(new ClassifierTrainingError(`the classifier training worker failed: ${error.message}`)));
      const onExit = (code: number) => (settle(), reject(new ClassifierTrainingError(`the classifier training worker exited with code ${code} before answering`)));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(request, transfer);
    });
  }

  /** Whether the next `train` runs on a worker thread. */
  get onWorker(): boolean {
    return this.worker !== undefined && this.failure === undefined;
  }

  /** Ends the worker: one `train` did not use, or a session's (a training in progress then fails). */
  close(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
