import { beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '../src/knowledge/article.js';
import { KnowledgeIndex } from '../src/knowledge/knowledge-index.js';
import { answerFeatures } from '../src/search/answer-features.js';
import { AnswerModel } from '../src/search/answer-model.js';
import type { Embedder, EmbeddingRole } from '../src/search/embedder.js';
import { HashingTestEmbedder } from '../src/search/hashing-test-embedder.js';
import { hnswIndexFactory } from '../src/search/hnsw-index.js';
import { KnowledgeSearch } from '../src/search/knowledge-search.js';
import { sameShape } from './support/same-shape.js';
import { tempDir } from './support/test-app.js';

/** Counts the query texts the model is asked for. */
class CountingEmbedder implements Embedder {
  readonly queries: string[] = [];
  private readonly inner = new HashingTestEmbedder();
  readonly modelId = this.inner.modelId;
  readonly dimension = this.inner.dimension;
  readonly fingerprint = this.inner.fingerprint;
  embed(texts: readonly string[], role: EmbeddingRole): Promise<Float32Array[]> {
    if (role === 'query') this.queries.push(...texts);
    return this.inner.embed(texts, role);
  }
}

const article = (id: string, title: string, body: string, questions: string[]): Article => ({
  id, language: 'en', title, body, questions, tags: [], file: `en/${id}.md`,
});

const articles = [
  article('reset-password', 'Reset your password', 'Open sign-in, choose forgot password and follow the e-mail link.', ['forgot my password', 'cannot log in password']),
  article('download-invoice', 'Download an invoice', 'Open billing and click the invoice PDF to download it.', ['where is my invoice pdf', 'get a copy of the bill']),
  article('scanner-setup', 'Connect a scanner', 'Install the TWAIN driver, then choose the scanner under devices.', ['scanner twain driver not found', 'connect my document scanner']),
];

const thresholds = { fallback: { answer: 0.5, suggest: 0.3, closeMargin: 0.02 }, byLanguage: {} };

describe('the ranking of a repeated question', () => {
  let embedder: CountingEmbedder;
  let search: KnowledgeSearch;

  beforeAll(async () => {
    embedder = new CountingEmbedder();
    const { index } = await KnowledgeIndex.sync({ articles, embedder, indexFactory: hnswIndexFactory, indexDir: tempDir() });
    search = new KnowledgeSearch(embedder, index, articles, { thresholds, defaultLanguage: 'en' });
  });

  it('is remembered for normalised-identical questions in the same language: no second model call, the same ranking', async () => {
    embedder.queries.length = 0;
    const first = await search.rank('I forgot my  password, where is the invoice?', 'en');
    const again = await search.rank('  I forgot my password,\nwhere is the invoice? ', 'en-GB');
    expect(embedder.queries).toEqual(['I forgot my password, where is the invoice?']);
    expect(again).toEqual(first);
    expect(first.length).toBeGreaterThan(1);
    // The same as ranking the embedded question afresh.
    const [vector] = await search.embedQuestions(['I forgot my password, where is the invoice?']);
    expect(first).toEqual(search.rankVector({ text: 'I forgot my password, where is the invoice?', vector: vector!, language: 'en' }));
  });

  it('is ranked again for another language (the preferred versions differ)', async () => {
    embedder.queries.length = 0;
    await search.rank('connect my document scanner', 'en');
    await search.rank('connect my document scanner', 'pt');
    expect(embedder.queries).toEqual(['connect my document scanner', 'connect my document scanner']);
  });

  it("is the caller's own copy: changing a returned ranking changes no later answer", async () => {
    const first = await search.rank('get a copy of the bill', 'en');
    const kept = structuredClone(first);
    first.reverse();
    first.pop();
    first[0]!.score = 99;
    const again = await search.rank('get a copy of the bill', 'en');
    expect(again).toEqual(kept);
    again[0]!.score = 98;
    expect(await search.rank('get a copy of the bill', 'en')).toEqual(kept);
  });

  it('is forgotten when a new answer model scores the candidates', async () => {
    const question = 'where is my invoice pdf';
    const before = await search.rank(question, 'en');
    const [vector] = await search.embedQuestions([question]);
    const evidence = search.evidence({ text: question, vector: vector!, language: 'en' });
    const rows = answerFeatures(evidence.articles, evidence.query);
    // A model that prefers whatever the fusion put last: the ranking must change with it.
    const last = evidence.articles.findIndex((e) => e.articleId === before[before.length - 1]!.articleId);
    search.setAnswerModel(AnswerModel.train(rows, rows.map((_, i) => i === last)));
    try {
      embedder.queries.length = 0;
      const after = await search.rank(question, 'en');
      expect(embedder.queries).toEqual([question]);
      expect(after).toEqual(search.rankVector({ text: question, vector: vector!, language: 'en' }));
      expect(after[0]!.articleId).not.toBe(before[0]!.articleId);
    } finally {
      search.setAnswerModel(undefined);
    }
    expect(await search.rank(question, 'en')).toEqual(before);
  });

  it('keeps its articles in objects of one shape, whatever their scores (memory: the cache holds up to 50,000)', async () => {
    const rankings = [];
    for (const question of ['forgot my password', 'download the invoice pdf', 'scanner driver', 'bill copy please']) {
      const [vector] = await search.embedQuestions([question]);
      rankings.push(...search.rankVector({ text: question, vector: vector!, language: 'en' }));
    }
    expect(rankings.length).toBeGreaterThan(4);
    expect(rankings.some((a) => !Number.isInteger(a.score))).toBe(true);
    for (const article of rankings) expect(sameShape(article, rankings[0]!)).toBe(true);
  });
});
