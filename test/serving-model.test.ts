import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startWorker } from '../src/runtime/start-worker.js';
import { EmbeddingBatcher } from '../src/search/embedding-batcher.js';
import { EmbeddingWorkerPool, QUESTION_TIME_PER_BULK_TIME } from '../src/search/embedding-workers.js';
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

  it('answers a customer\u2019s question before the batches an index build queued ahead of it', async () => {
    const pool = await standIn();
    try {
      const finished: string[] = [];
      // Three batches of 16 passages, 300 ms each: a reload of a few articles, in the server's one model thread.
      const passages = Array.from({ length: 48 }, (_, i) => `slow body chunk ${String(i).padStart(2, '0')}`);
      const reload = pool.embed(passages, 'passage').then((vectors) => (finished.push('reload'), vectors));
      // Classifier training's `query` vectors are an index build's too: they queue behind.
      const training = pool.embed(Array.from({ length: 20 }, (_, i) => `title ${i}`), 'query').then(() => finished.push('training'));
      await new Promise((resolve) => setTimeout(resolve, 50)); // the first batch is in hand
      // As the server's micro-batcher sends it (EmbeddingBatcher).
      const [answer] = await pool.embed(['where is my order'], 'query', 'interactive');
      finished.push('question');
      expect([...answer!]).toEqual(['where is my order'.length, 1]);
      const vectors = await reload;
      await training;
      // The question waited for the batch in hand only, not for the two queued behind it.
      expect(finished).toEqual(['question', 'reload', 'training']);
      expect(vectors.map((v) => v[0])).toEqual(passages.map((text) => text.length));
    } finally {
      await pool.close();
    }
  });

  it('keeps the model on customers\u2019 questions while they keep coming, an index build waiting', async () => {
    const pool = await standIn();
    try {
      // As in the server: the micro-batcher sends its next call as soon as the last one is answered.
      const batcher = new EmbeddingBatcher(pool, { maxBatch: 4, offThread: true });
      const finished: string[] = [];
      // A reload's batches (4 body chunks, 300 ms each) queued in the one model thread.
      const reload = [0, 1, 2].map((b) =>
        pool.embed(Array.from({ length: 4 }, (_, i) => `slow chunk ${b}.${i}`), 'passage').then(() => finished.push(`reload ${b}`)),
      );
      await new Promise((resolve) => setTimeout(resolve, 50)); // the first batch is in hand
      // Twelve customers ask at once: three calls of four, the second and third sent from the answers of the one before.
      const asked = Array.from({ length: 12 }, (_, i) => `question ${i}`);
      const questions = asked.map((text) => batcher.embed([text], 'query').then(() => finished.push(text)));
      await Promise.all([...reload, ...questions]);
      // Between two of the batcher's calls the thread did not take a 300 ms batch of the reload.
      expect(finished).toEqual(['reload 0', ...asked, 'reload 1', 'reload 2']);
      expect(batcher.stats.calls).toBe(3);
    } finally {
      await pool.close();
    }
  });

  it('gives an index build a third of the model while questions keep it busy (QUESTION_TIME_PER_BULK_TIME)', async () => {
    const pool = await standIn();
    try {
      const batcher = new EmbeddingBatcher(pool, { maxBatch: 1, offThread: true });
      const finished: string[] = [];
      // Eight questions of 300 ms, one per call: the model busy with questions for 2.4 s.
      const asked = Array.from({ length: 8 }, (_, i) => `slow question ${i}`);
      const questions = asked.map((text) => batcher.embed([text], 'query').then(() => finished.push(text)));
      await new Promise((resolve) => setTimeout(resolve, 50));
      // A reload's two batches of 300 ms, queued while the first question is in hand.
      const reload = [0, 1].map((b) => pool.embed([`slow chunk ${b}`], 'passage').then(() => finished.push(`reload ${b}`)));
      await Promise.all([...questions, ...reload]);
      const [first, second] = [finished.indexOf('reload 0'), finished.indexOf('reload 1')];
      // The first batch after the question in hand, the second once questions had twice its time, before the last question.
      expect(first).toBe(1);
      expect(second - first - 1).toBeGreaterThanOrEqual(QUESTION_TIME_PER_BULK_TIME);
      expect(second).toBeLessThan(finished.length - 1);
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
