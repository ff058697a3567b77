import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KnowledgeIndex } from '../src/knowledge/knowledge-index.js';
import { loadArticles } from '../src/knowledge/load-articles.js';
import { EmbeddingWorkerPool } from '../src/search/embedding-workers.js';
import { hnswIndexFactory } from '../src/search/hnsw-index.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';
import { repoRoot, sampleKnowledgeDir, tempDir } from './support/test-app.js';

/** The real default model (../shared/models): the pool must give exactly its vectors. */
const modelDir = path.resolve(repoRoot, process.env.MODEL_DIR ?? '../shared/models');
const model = { modelId: 'intfloat/multilingual-e5-small', modelDir };
let pool: Promise<EmbeddingWorkerPool> | undefined;
let single: Promise<TransformersEmbedder> | undefined;
/** As `npm run ingest` loads it: with a cache folder (the derived model of external-word-table.ts, made by the first worker). */
const twoWorkers = () => (pool ??= EmbeddingWorkerPool.create({ model: { ...model, cacheDir: tempDir('tierdesk-pool-cache-') }, workers: 2 }));
const inThisThread = () => (single ??= TransformersEmbedder.create(model));

afterAll(async () => {
  await (await pool)?.close();
});

const bits = (vectors: readonly Float32Array[]) => vectors.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));

describe('embedding worker pool (index builds on several cores)', () => {
  it('gives the same vectors, in the callers\u2019 order, as the model in this thread — also for repeated texts and overlapping calls', async () => {
    const texts = [
      'Como posso solicitar minha senha?',
      'ok',
      'Jak utworzyć nowego użytkownika w systemie, jeśli nie mam uprawnień administratora i potrzebuję pomocy?',
      ...Array.from({ length: 30 }, (_, i) => `Invoice ${i}: the April invoice lists the Business plan ${'but we are still on Standard '.repeat(i % 5)}`),
      'ok',
      'Which databases are supported?',
    ];
    const workers = await twoWorkers();
    const [passages, queries] = await Promise.all([workers.embed(texts, 'passage'), workers.embed(texts.slice(0, 10), 'query')]);
    const model = await inThisThread();
    expect(bits(passages)).toEqual(bits(await model.embed(texts, 'passage')));
    expect(bits(queries)).toEqual(bits(await model.embed(texts.slice(0, 10), 'query')));
    expect(workers.stats.texts).toBe(new Set(texts).size + 10); // the repeated 'ok' went to the model once
    expect(workers.size).toBe(2);
  }, 180_000);

  it('fails only the call whose batch a worker could not embed, with the worker\u2019s reason, and keeps serving', async () => {
    const workers = await twoWorkers();
    await expect(workers.embed(['fine', 42 as unknown as string], 'passage')).rejects.toThrow(/Embedding worker \d failed on a batch of 2 texts: not a batch of texts/);
    const [vector] = await workers.embed(['still answering'], 'query');
    expect(vector).toHaveLength(384);
    expect(workers.size).toBe(2);
  }, 180_000);

  it('reports a model the workers cannot load, with the loader\u2019s message', async () => {
    const attempt = EmbeddingWorkerPool.create({ model: { modelId: 'Xenova/all-MiniLM-L6-v2', modelDir: tempDir('tierdesk-models-') }, workers: 2 });
    await expect(attempt).rejects.toThrow(/not found under MODEL_DIR=.*Copy the model there/);
  }, 60_000);

  it('builds the same knowledge index as the model in this thread (vectors, labels, classifier)', async () => {
    const articles = (await loadArticles(path.join(sampleKnowledgeDir, 'articles'))).articles.slice(0, 12);
    const [withWorkers, withModel] = await Promise.all([
      KnowledgeIndex.sync({ articles, embedder: await twoWorkers(), indexFactory: hnswIndexFactory, indexDir: tempDir('tierdesk-pool-index-') }),
      KnowledgeIndex.sync({ articles, embedder: await inThisThread(), indexFactory: hnswIndexFactory, indexDir: tempDir('tierdesk-model-index-') }),
    ]);
    const a = withWorkers.index;
    const b = withModel.index;
    expect([...a.labels]).toEqual([...b.labels]);
    const labels = [...a.labels.keys()];
    expect(bits(labels.map((label) => a.passageVector(label) ?? new Float32Array()))).toEqual(bits(labels.map((label) => b.passageVector(label) ?? new Float32Array())));
    const [question] = await (await inThisThread()).embed(['how do I change my password'], 'query');
    expect([...a.classifier.predict(question!)]).toEqual([...b.classifier.predict(question!)]);
    expect(withWorkers.report.classifierTrained).toBe(true);
  }, 300_000);
});
