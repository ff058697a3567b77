import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../src/runtime/start-worker.js';
import { EmbeddingWorkerPool } from '../src/search/embedding-workers.js';
import { repoRoot, tempDir } from './support/test-app.js';

/**
 * The server's model thread (startServingModel: one worker, replaced when it dies). This file
 * imports no model code, so onnxruntime is loaded in this thread only as the server's main thread
 * loads it (through the pool): a replacement thread must still be able to load it.
 */
const modelDir = path.resolve(repoRoot, process.env.MODEL_DIR ?? '../shared/models');
const model = { modelId: 'intfloat/multilingual-e5-small', modelDir };
const bits = (vectors: readonly Float32Array[]) => vectors.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));
type Internals = { workers: { worker: { terminate(): Promise<number> } }[] };
/** Stops the pool's (idle) model thread, as a crash of that thread would end it. */
const endThread = (pool: EmbeddingWorkerPool) => (pool as unknown as Internals).workers[0]!.worker.terminate();

describe('the model thread', () => {
  it('is replaced when it exits, three times a minute, answering with the same vectors; then it is reported gone', async () => {
    const serving = await EmbeddingWorkerPool.create({ model: { ...model, cacheDir: tempDir('tierdesk-serving-cache-') }, workers: 1, respawn: true });
    try {
      const [before] = await serving.embed(['how do I change my password'], 'query');
      for (let restart = 1; restart <= 3; restart++) {
        await endThread(serving);
        // Asked while the replacement loads: answered by it, with the same vector as before.
        const [after] = await serving.embed(['how do I change my password'], 'query');
        expect(bits([after!])).toEqual(bits([before!]));
        expect(serving.stats.restarts).toBe(restart);
      }
      await endThread(serving);
      await expect(serving.embed(['and now?'], 'query')).rejects.toThrow(/No embedding worker is left \(worker 1 exited with code 1\)/);
      expect(serving.size).toBe(0);
    } finally {
      await serving.close();
    }
  }, 180_000);
});

describe('the model thread, with a stand-in worker (no model)', () => {
  const standIn = () => EmbeddingWorkerPool.create({ model, workers: 1, respawn: true, startWorker: (options) => startWorker(import.meta.url, 'fixtures/stand-in-embedding-worker', options) });

  it('fails the batch in hand with the reason when the thread dies during it, and answers the queued ones with the replacement', async () => {
    const pool = await standIn();
    try {
      const dying = pool.embed(['exit'], 'query');
      const queued = pool.embed(['waits for the replacement'], 'query');
      await expect(dying).rejects.toThrow(/Embedding worker 1 exited with code 1/);
      expect([...(await queued)[0]!]).toEqual(['waits for the replacement'.length, 1]);
      expect(pool.stats.restarts).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('close() lets the batch in hand finish and answers it, and refuses queued and later ones', async () => {
    const pool = await standIn();
    const inHand = pool.embed(['slow'], 'query');
    const queued = expect(pool.embed(['queued'], 'query')).rejects.toThrow(/The embedding workers were closed/);
    await pool.close();
    expect([...(await inHand)[0]!]).toEqual([4, 1]);
    await queued;
    await expect(pool.embed(['later'], 'query')).rejects.toThrow(/The embedding workers were closed/);
  });
});
