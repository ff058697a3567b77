import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../runtime/start-worker.js';
import type { Embedder, EmbedderFingerprint, EmbeddingPriority, EmbeddingRole } from './embedder.js';
import type { EmbedRequest, WorkerMessage } from './embedding-worker.js';
import { DEFAULT_EMBEDDING_BATCH_SIZE } from './model-registry.js';
import { pinOnnxRuntime } from './pin-onnxruntime.js';
import { DEFAULT_SESSION_OPTIONS } from './session-options.js';
import type { TransformersEmbedderOptions } from './transformers-embedder.js';

export interface EmbeddingWorkerPoolOptions {
  /** How to load the model in each worker (as for TransformersEmbedder.create). Session options default to one intra-op thread. */
  model: TransformersEmbedderOptions;
  /** Worker threads, each with its own model and onnxruntime session (default: `indexingWorkers()`). */
  workers?: number;
  /**
   * Start a new worker in place of one that crashed or exited (the server's model thread, which
   * must outlive a fault), at most `MAX_RESTARTS` times per `RESTART_WINDOW_MS`; batches queued
   * meanwhile wait for it. Without it (index builds) a lost worker's share goes to the others.
   */
  respawn?: boolean;
  /** Starts one worker thread (default: embedding-worker.ts); tests give a stand-in that speaks the same messages. */
  startWorker?: (model: TransformersEmbedderOptions) => Worker;
}

/** Restarts allowed within `RESTART_WINDOW_MS`: a model that keeps crashing is reported, not restarted forever. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
/**
 * How long close() lets a worker finish the batch in hand before it stops the thread. A batch of
 * 16 long passages takes ~2 s on one core; stopping a thread while onnxruntime-node 1.14 runs in
 * it frees memory the run still writes to, and the whole process aborts ("free(): invalid next
 * size", seen in 3 of 6 runs of a test that did so).
 */
const CLOSE_WAIT_MS = 15_000;
/**
 * The model's time customers' questions get for each unit an index build's batch takes, while
 * questions keep coming. Questions go before bulk batches, and under steady load one is always
 * waiting: with questions strictly first, a reload would wait for the load to drop, its new
 * articles unanswerable meanwhile. Measured with 100 articles added to the sample under 100
 * concurrent conversations (`bench/reload-while-serving.ts --concurrency 100`): with a bulk batch
 * after every call of questions (the order before), the build took ~90 % of the model (a batch of
 * body chunks ~0.5 s, a call of questions ~50 ms): customers got 26 turns/s instead of 60, p99
 * 11.8 s, reload 56 s; with one bulk batch per second, 66 turns/s but a 336 s reload; with this
 * rule 55 turns/s, p99 2.4 s, reload 110 s. So after a bulk batch questions go first until they
 * had twice its time: the build gets a third of the model, and all of it whenever no question waits.
 */
export const QUESTION_TIME_PER_BULK_TIME = 2;

/**
 * Workers for bulk indexing: one per core, at most 4 (each holds a model, ~200–450 MB). Two
 * workers with one onnxruntime thread each keep two cores busy; one session with two intra-op
 * threads does not (its threads wait for each other at every operator).
 */
export function indexingWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/** A batch of texts waiting for a worker, and who waits for its vectors. */
interface Task {
  texts: string[];
  role: EmbeddingRole;
  priority: EmbeddingPriority;
  resolve: (vectors: Float32Array) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  busy: Task | undefined;
  /** When it took the batch in hand (performance.now()). */
  busySince?: number;
  /** Why it stopped (crash, exit), once it has. */
  gone: string | undefined;
  /** Called once the batch in hand is answered or the worker is gone (close() waits for it). */
  settled?: () => void;
}

/** Raised for a batch a worker could not embed; names the worker and gives its reason. */
export class EmbeddingWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddingWorkerError';
  }
}

/**
 * Embeds with several worker threads (inter-op parallelism for index builds): every worker runs
 * its own transformers.js model with one onnxruntime thread, and takes the next batch from the
 * shared queues (interactive first) as soon as it is free, so N cores compute N batches at once.
 * Calls may overlap (an index build keeps the next articles queued while it stores the last ones).
 *
 * Same vectors as TransformersEmbedder, in the callers' order: the float model gives a text the
 * same vector in any batch (test/transformers-embedder.test.ts), so a call's texts are sorted by
 * length and cut into batches of `batchSize` here, and identical texts in one call are embedded once.
 */
export class EmbeddingWorkerPool implements Embedder {
  /**
   * Batches waiting for a worker. A customer's question (`interactive`) goes before the batches of
   * an index build: in the server both share the one model thread, and a reload of many articles
   * queues minutes of batches, which a question behind them would wait for (bench/reload-while-
   * serving.ts: 100 new articles, one customer waited 48 s). It waits for the batch in hand only.
   */
  private readonly queues: Record<EmbeddingPriority, Task[]> = { interactive: [], bulk: [] };
  /** When the last bulk batch was answered and how long it took (ms): see `QUESTION_TIME_PER_BULK_TIME`. */
  private lastBulk = { end: -Infinity, took: 0 };
  private closed = false;
  /** Batches embedded and texts they carried, workers restarted (bench and tests read these). */
  readonly stats = { batches: 0, texts: 0, restarts: 0 };
  /** Replacements still loading the model (see `respawn`), and when recent restarts began. */
  private readonly starting = new Map<Worker, Promise<void>>();
  private readonly restartTimes: number[] = [];

  private constructor(
    private readonly workers: PoolWorker[],
    readonly modelId: string,
    readonly dimension: number,
    readonly fingerprint: EmbedderFingerprint,
    private readonly batchSize: number,
    private readonly model: TransformersEmbedderOptions,
    private readonly respawn: boolean,
    private readonly start: (model: TransformersEmbedderOptions) => Worker,
  ) {
    for (const w of workers) this.watch(w);
  }

  /** Starts the workers and waits until each has loaded the model (a load error rejects with its message). */
  static async create(options: EmbeddingWorkerPoolOptions): Promise<EmbeddingWorkerPool> {
    const count = Math.max(1, options.workers ?? indexingWorkers());
    const model: TransformersEmbedderOptions = { ...options.model, sessionOptions: options.model.sessionOptions ?? DEFAULT_SESSION_OPTIONS };
    const start = options.startWorker ?? startEmbeddingWorker;
    // One at a time: loading may write derived model files under the cache folder once
    // (external-word-table.ts), and two threads loading onnxruntime's binding at once race on its
    // one global reference (pin-onnxruntime.ts). ~1.5 s more for a second index-build worker.
    const workers: Worker[] = [];
    const loaded: Extract<WorkerMessage, { type: 'ready' }>[] = [];
    try {
      while (workers.length < count) {
        const worker = start(model);
        workers.push(worker);
        loaded.push(await loadedIn(worker));
      }
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
    const first = loaded[0]!;
    for (const worker of workers) worker.unref();
    return new EmbeddingWorkerPool(
      workers.map((worker) => ({ worker, busy: undefined, gone: undefined })),
      first.modelId,
      first.dimension,
      first.fingerprint,
      options.model.batchSize ?? DEFAULT_EMBEDDING_BATCH_SIZE,
      model,
      options.respawn ?? false,
      start,
    );
  }

  /** Workers still running. */
  get size(): number {
    return this.workers.filter((w) => w.gone === undefined).length;
  }

  async embed(texts: readonly string[], role: EmbeddingRole, priority: EmbeddingPriority = 'bulk'): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    if (this.closed) throw new EmbeddingWorkerError('The embedding workers were closed');
    // Identical texts (the same title in two languages, a repeated question) are embedded once.
    const unique = [...new Set(texts)];
    // A batch is padded to its longest text: sorted by words and punctuation marks (closer to the
    // tokenizer's count than characters: body chunks of 64 articles pad 5.4 % instead of 7.0 %).
    const size = unique.map(roughTokens);
    const order = unique.map((_, i) => i).sort((a, b) => size[a]! - size[b]! || a - b);
    const byText = new Map<string, Float32Array>();
    const batches: Promise<void>[] = [];
    for (let start = 0; start < order.length; start += this.batchSize) {
      const batch = order.slice(start, start + this.batchSize).map((i) => unique[i]!);
      batches.push(
        this.run(batch, role, priority).then((all) => {
          batch.forEach((text, i) => byText.set(text, all.slice(i * this.dimension, (i + 1) * this.dimension)));
        }),
      );
    }
    await Promise.all(batches);
    return texts.map((text) => byText.get(text)!);
  }

  /**
   * Stops every worker: queued batches are rejected, a batch in hand is finished and answered first
   * (up to `CLOSE_WAIT_MS`; see there why a thread is not stopped in the middle of a model run).
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.takeAll()) task.reject(new EmbeddingWorkerError('The embedding workers were closed'));
    // A replacement still loading is stopped once loaded (see `replace`), not while it registers onnxruntime.
    await Promise.all([...this.workers.map((w) => this.stop(w)), ...this.starting.values()]);
  }

  private async stop(w: PoolWorker): Promise<void> {
    if (w.busy !== undefined && w.gone === undefined) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        w.settled = resolve;
        timer = setTimeout(resolve, CLOSE_WAIT_MS);
      });
      clearTimeout(timer);
    }
    await w.worker.terminate();
  }

  private watch(w: PoolWorker): void {
    w.worker.on('message', (message: WorkerMessage) => this.answered(w, message));
    w.worker.on('error', (error) => this.lost(w, `crashed: ${error.message}`));
    w.worker.on('exit', (code) => this.lost(w, `exited with code ${code}`));
  }

  private run(texts: string[], role: EmbeddingRole, priority: EmbeddingPriority): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve, reject) => {
      this.queues[priority].push({ texts, role, priority, resolve, reject });
      this.dispatch();
    });
  }

  /** Every waiting batch, taken off the queues. */
  private takeAll(): Task[] {
    return [...this.queues.interactive.splice(0), ...this.queues.bulk.splice(0)];
  }

  /** Gives queued batches to idle workers (interactive first); with no worker left (and none starting), fails them. */
  private dispatch(): void {
    if (this.size === 0 && this.starting.size === 0) {
      const reasons = this.workers.map((w, i) => `worker ${i + 1} ${w.gone}`).join('; ');
      for (const task of this.takeAll()) task.reject(new EmbeddingWorkerError(`No embedding worker is left (${reasons})`));
      return;
    }
    for (const w of this.workers) {
      if (this.queues.interactive.length + this.queues.bulk.length === 0) return;
      if (w.busy !== undefined || w.gone !== undefined) continue;
      const task = this.next();
      w.busy = task;
      w.busySince = performance.now();
      // A busy worker keeps the process alive; an idle one does not (no close() needed to exit).
      w.worker.ref();
      this.stats.batches++;
      this.stats.texts += task.texts.length;
      try {
        w.worker.postMessage({ id: this.stats.batches, texts: task.texts, role: task.role } satisfies EmbedRequest);
      } catch (error) {
        // Not cloneable (no strings): that batch fails, the worker stays free.
        w.busy = undefined;
        w.worker.unref();
        task.reject(new EmbeddingWorkerError(`A batch could not be sent to an embedding worker: ${(error as Error).message}`));
      }
    }
  }

  /** The next batch: questions first, unless the last bulk batch was long enough ago (`QUESTION_TIME_PER_BULK_TIME`). */
  private next(): Task {
    const { interactive, bulk } = this.queues;
    const bulkDue = bulk.length > 0 && (interactive.length === 0 || performance.now() - this.lastBulk.end >= QUESTION_TIME_PER_BULK_TIME * this.lastBulk.took);
    return bulkDue ? bulk.shift()! : interactive.shift()!;
  }

  private answered(w: PoolWorker, message: WorkerMessage): void {
    const task = w.busy;
    if (task === undefined || (message.type !== 'done' && message.type !== 'failed')) return;
    w.busy = undefined;
    w.worker.unref();
    if (task.priority === 'bulk') {
      const end = performance.now();
      this.lastBulk = { end, took: end - (w.busySince ?? end) };
    }
    if (message.type === 'done') task.resolve(message.vectors);
    else task.reject(new EmbeddingWorkerError(`Embedding worker ${this.workers.indexOf(w) + 1} failed on a batch of ${task.texts.length} texts: ${message.message}`));
    w.settled?.();
    // The micro-batcher sends its next call from this answer's callbacks, which run once this
    // handler returns: had the thread taken a queued bulk batch now, customers who keep coming
    // would get one call of questions per batch of a reload (at 100 concurrent conversations, a
    // call of 4 questions, ~50 ms, then 4 body chunks, ~0.5 s). So after an interactive batch the
    // next batch is chosen once those callbacks have run.
    if (task.priority === 'interactive' && this.queues.bulk.length > 0) setImmediate(() => this.dispatch());
    else this.dispatch();
  }

  private lost(w: PoolWorker, reason: string): void {
    if (w.gone !== undefined) return;
    w.gone = reason;
    const task = w.busy;
    w.busy = undefined;
    task?.reject(new EmbeddingWorkerError(`Embedding worker ${this.workers.indexOf(w) + 1} ${reason}`));
    w.settled?.();
    if (this.closed) return;
    if (this.respawn && this.mayRestart()) this.replace(w, reason);
    this.dispatch();
  }

  private mayRestart(): boolean {
    const now = Date.now();
    while (this.restartTimes.length > 0 && this.restartTimes[0]! <= now - RESTART_WINDOW_MS) this.restartTimes.shift();
    if (this.restartTimes.length >= MAX_RESTARTS) return false;
    this.restartTimes.push(now);
    return true;
  }

  /** Loads a new worker into the lost one's place; queued batches wait for it. */
  private replace(lost: PoolWorker, reason: string): void {
    const worker = this.start(this.model);
    const loading = loadedIn(worker).then(
      async () => {
        this.starting.delete(worker);
        if (this.closed) return void (await worker.terminate());
        worker.unref();
        const fresh: PoolWorker = { worker, busy: undefined, gone: undefined };
        this.workers[this.workers.indexOf(lost)] = fresh;
        this.watch(fresh);
        this.stats.restarts++;
        this.dispatch();
      },
      async (error: Error) => {
        this.starting.delete(worker);
        lost.gone = `${reason}, and its replacement failed to load: ${error.message}`;
        this.dispatch();
        await worker.terminate();
      },
    );
    this.starting.set(worker, loading);
  }
}

/** Words and punctuation marks: a cheap stand-in for the model's token count when sorting by length. */
function roughTokens(text: string): number {
  return typeof text === 'string' ? (text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0) : 0;
}

/** Starts one embedding worker thread (embedding-worker.ts). */
function startEmbeddingWorker(model: TransformersEmbedderOptions): Worker {
  return startWorker(import.meta.url, 'embedding-worker', model);
}

/**
 * Waits until a new worker has loaded the model (or failed to: it then waits to be stopped), and
 * registers onnxruntime's binding in this thread after it either way (pin-onnxruntime.ts).
 */
async function loadedIn(worker: Worker): Promise<Extract<WorkerMessage, { type: 'ready' }>> {
  try {
    return await waitReady(worker);
  } finally {
    pinOnnxRuntime();
  }
}

/** Resolves with the worker's `ready` message; rejects with its load error or when it dies first. */
function waitReady(worker: Worker): Promise<Extract<WorkerMessage, { type: 'ready' }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerMessage) => {
      if (message.type === 'ready') done(() => resolve(message));
      else if (message.type === 'load-failed') done(() => reject(new EmbeddingWorkerError(message.message)));
    };
    const onError = (error: Error) => done(() => reject(new EmbeddingWorkerError(`An embedding worker failed while loading: ${error.message}`)));
    const onExit = (code: number) => done(() => reject(new EmbeddingWorkerError(`An embedding worker exited with code ${code} while loading`)));
    const done = (settle: () => void) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      settle();
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
