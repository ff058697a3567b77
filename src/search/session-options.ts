/**
 * onnxruntime session options, in a module of their own: the server's main thread starts the
 * model thread with them (embedding-workers.ts) without loading the model code itself.
 */

/** The onnxruntime-node session options tierdesk sets (the rest stay onnxruntime's defaults). */
export interface SessionOptions {
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  enableCpuMemArena?: boolean;
  enableMemPattern?: boolean;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

/**
 * One intra-op thread: on the 2-core machines tierdesk targets, a second onnxruntime thread per
 * call competes with the HTTP event loop and with the next batch; concurrent turns are batched
 * instead (embedding-batcher.ts). No CPU memory arena: the arena keeps the largest activation
 * buffers any batch ever needed (a 16-passage index batch), which would stay in RSS for good.
 * Not yet compared by numbers on a quiet machine (see the bench notes).
 */
export const DEFAULT_SESSION_OPTIONS: SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, enableCpuMemArena: false };

/**
 * Bulk indexing in its own process (`npm run ingest`, bench/ten-k.ts): nothing else runs there,
 * so onnxruntime may use two intra-op threads (the 2-core target machine). The server keeps
 * DEFAULT_SESSION_OPTIONS, also when it re-indexes changed articles at start or on reload.
 */
export const INDEXING_SESSION_OPTIONS: SessionOptions = { ...DEFAULT_SESSION_OPTIONS, intraOpNumThreads: 2 };
