import type { Embedder, EmbedderFingerprint, EmbeddingPriority, EmbeddingRole } from './embedder.js';

/** Raised when more texts wait for the model than the batcher will hold (the caller should back off). */
export class EmbeddingQueueFullError extends Error {
  constructor(limit: number) {
    super(`More than ${limit} texts are waiting for the embedding model; try again shortly`);
    this.name = 'EmbeddingQueueFullError';
  }
}

export interface EmbeddingBatcherOptions {
  /** Most texts per model call. */
  maxBatch?: number;
  /**
   * How long a text may wait for company when the model is idle (ms). 0 (the default) dispatches
   * on the next turn of the event loop: texts that arrived in the same tick share a call, and a
   * lone query pays no wait. Texts that arrive while the model is busy always wait for that call.
   */
  maxWaitMs?: number;
  /**
   * Most texts waiting at once; beyond it `embed` rejects with EmbeddingQueueFullError and the
   * customer is told at once that the bot is busy (main-dialog.ts). Default 256: e5 float
   * computes ~50–100 short questions/s on 2 shared cores (bench: the model's own ceiling), so a
   * full queue is already a few seconds of waiting; a deeper one would only make customers wait
   * past a channel's timeout for the same answer.
   */
  maxQueued?: number;
  /**
   * The model computes in another thread (the server's model thread, embedding-workers.ts): the
   * event loop reads requests during every call, so the next call starts at once instead of
   * after the pauses `drain` makes for a model on this thread (which would leave the model idle).
   */
  offThread?: boolean;
}

/** Most event-loop turns between two model calls while new texts keep arriving (see `drain`). */
const MAX_YIELDS = 64;

interface Waiting {
  text: string;
  resolve: (vector: Float32Array) => void;
  reject: (error: unknown) => void;
}

/**
 * Micro-batches concurrent embedding calls: while one model call runs, the texts of other
 * conversations queue up and go through the model together in the next call (one call of N
 * short texts costs far less than N calls). Order is kept per caller, a failing batch is retried
 * text by text so one bad text fails only its own caller, and the queue is bounded.
 *
 * Calls with more than `maxBatch` texts (index builds) bypass the queue: they are batches already.
 */
export class EmbeddingBatcher implements Embedder {
  private readonly queues: Record<EmbeddingRole, Waiting[]> = { query: [], passage: [] };
  private running = false;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly maxQueued: number;
  private readonly offThread: boolean;
  /** Model calls made and texts they carried (bench and tests read these). */
  readonly stats = { calls: 0, texts: 0, largestBatch: 0 };

  constructor(
    private readonly inner: Embedder,
    options: EmbeddingBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 16;
    this.maxWaitMs = options.maxWaitMs ?? 0;
    this.maxQueued = options.maxQueued ?? 256;
    this.offThread = options.offThread ?? false;
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

  /** Texts waiting for the model now. */
  get queued(): number {
    return this.queues.query.length + this.queues.passage.length;
  }

  embed(texts: readonly string[], role: EmbeddingRole, priority?: EmbeddingPriority): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    if (texts.length > this.maxBatch) return this.inner.embed(texts, role, priority);
    if (this.queued + texts.length > this.maxQueued) return Promise.reject(new EmbeddingQueueFullError(this.maxQueued));
    const promises = texts.map(
      (text) => new Promise<Float32Array>((resolve, reject) => this.queues[role].push({ text, resolve, reject })),
    );
    this.schedule();
    return Promise.all(promises);
  }

  private schedule(): void {
    if (this.running || this.timer !== undefined) return;
    if (this.queued >= this.maxBatch) {
      void this.drain();
      return;
    }
    const fire = () => {
      this.timer = undefined;
      void this.drain();
    };
    this.timer = this.maxWaitMs > 0 ? setTimeout(fire, this.maxWaitMs) : setImmediate(fire);
  }

  /**
   * Runs model calls until the queues are empty, one call at a time. Between two calls it lets
   * the event loop run: onnxruntime computes synchronously on this thread, and without the
   * pause one drain would run call after call in a single macrotask, so requests that arrived
   * meanwhile (and cache hits, /health) would wait for the whole queue, and their texts would
   * miss the next call.
   *
   * One turn of the loop is not enough: while the loop is busy, Node reads the request of only
   * one newly opened connection per turn (measured with a bare http server, a 300 ms busy task
   * between turns and 40 connections opened at once: one request per turn). With 100 customers
   * connecting at once, the last ones waited for ~70 model calls while the others' next
   * questions, on connections already open, were served (bench: p99 25 s at p50 1.2 s, the
   * slowest exactly the last of the first burst). So it keeps turning the loop while the previous
   * turn brought new texts (at most `MAX_YIELDS`), and a burst is read in one pause.
   */
  private async drain(): Promise<void> {
    if (this.running) return;
    if (this.timer !== undefined) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    this.running = true;
    try {
      for (;;) {
        const role: EmbeddingRole | undefined = this.queues.query.length > 0 ? 'query' : this.queues.passage.length > 0 ? 'passage' : undefined;
        if (role === undefined) break;
        const batch = this.queues[role].splice(0, this.maxBatch);
        await this.run(batch, role);
        if (this.offThread) continue;
        for (let turns = 0; turns < MAX_YIELDS; turns++) {
          const before = this.queued;
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (this.queued === before) break;
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async run(batch: Waiting[], role: EmbeddingRole): Promise<void> {
    this.stats.calls++;
    this.stats.texts += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    try {
      // Customers wait on these (an index build's calls are larger than a batch and go around the queue).
      const vectors = await this.inner.embed(
        batch.map((w) => w.text),
        role,
        'interactive',
      );
      batch.forEach((w, i) => {
        const vector = vectors[i];
        if (vector === undefined) w.reject(new Error('The embedder returned fewer vectors than texts'));
        else w.resolve(vector);
      });
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One bad text must not fail the others: retry one by one.
      for (const w of batch) await this.run([w], role);
    }
  }
}
