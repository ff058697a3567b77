import { startWorker } from '../runtime/start-worker.js';
import { ArticleClassifier, type LabelledVector } from './article-classifier.js';
import type { TrainingAnswer, TrainingRequest } from './classifier-training-worker.js';

/**
 * Articles from which the classifier is trained on a worker thread. At 10,000 articles (50,000
 * titles and questions) a retraining from saved sums is ~3–4.5 s of CPU (Cholesky solve over
 * 10,000 columns, leave-one-out scores), which blocked the thread for as long: a sync now builds
 * the keyword index and term coverage (~3 s) on the main thread meanwhile, and a server re-indexing
 * keeps answering. Below this, training takes well under a second and a worker's start (~0.1 s
 * built, more through tsx) is not worth it.
 */
export const WORKER_TRAINING_ARTICLES = 2000;

export class ClassifierTrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClassifierTrainingError';
  }
}

/**
 * `ArticleClassifier.trainWithGram` (the same classifier to the bit: the same code on the same
 * numbers), on a worker thread when there are at least `WORKER_TRAINING_ARTICLES` articles (or
 * `inWorker` says so), else on this one. `gram` is not modified (the worker gets a copy).
 */
export async function trainArticleClassifier(
  examples: readonly LabelledVector[],
  gram: Float64Array | undefined,
  inWorker = new Set(examples.map((e) => e.label)).size >= WORKER_TRAINING_ARTICLES,
): Promise<{ classifier: ArticleClassifier; gram: Float64Array }> {
  if (!inWorker || examples.length === 0) return ArticleClassifier.trainWithGram(examples, gram);
  const dimension = examples[0]!.vector.length;
  const vectors = new Float32Array(examples.length * dimension);
  examples.forEach((e, i) => {
    if (e.vector.length !== dimension) throw new ClassifierTrainingError(`example ${i} has ${e.vector.length} dimensions, not ${dimension}`);
    vectors.set(e.vector, i * dimension);
  });
  const request: TrainingRequest = { labels: examples.map((e) => e.label), dimension, vectors, gram: gram === undefined ? null : Float64Array.from(gram) };
  const worker = startWorker(import.meta.url, 'classifier-training-worker', undefined);
  try {
    const answer = await new Promise<TrainingAnswer>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', (error) => reject(new ClassifierTrainingError(`the classifier training worker failed: ${error.message}`)));
      worker.once('exit', (code) => reject(new ClassifierTrainingError(`the classifier training worker exited with code ${code} before answering`)));
      worker.postMessage(request, [vectors.buffer, ...(request.gram === null ? [] : [request.gram.buffer])]);
    });
    if (answer.type === 'failed') throw new ClassifierTrainingError(`the classifier training worker failed: ${answer.message}`);
    return { classifier: ArticleClassifier.fromJSONParts(answer.json, answer.weights), gram: answer.gram };
  } finally {
    void worker.terminate();
  }
}
