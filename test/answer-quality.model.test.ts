import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { KnowledgeIndex } from '../src/knowledge/knowledge-index.js';
import { loadArticles } from '../src/knowledge/load-articles.js';
import { hnswIndexFactory } from '../src/search/hnsw-index.js';
import { KnowledgeSearch } from '../src/search/knowledge-search.js';
import { GENERIC_OUT_OF_SCOPE } from '../src/search/out-of-scope.js';
import { loadOrCalibrate, thresholdsFrom } from '../src/search/self-calibration.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';
import { repoRoot, sampleKnowledgeDir, tempDir } from './support/test-app.js';

/**
 * Answer quality on the REAL default model (MODEL_DIR, present in CI): the help centre's level-0
 * examples in Portuguese and Polish, through the search API with self-calibrated thresholds.
 * A subset of the sample articles keeps embedding to one pass of a few seconds.
 */
const modelDir = path.resolve(repoRoot, process.env.MODEL_DIR ?? '../shared/models');
const IDS = new Set([
  'request-new-password', 'change-password', 'create-new-user', 'deactivate-user',
  'supported-databases', 'system-requirements', 'backup-archive', 'download-invoice',
]);
/** A share of the generic off-topic set: enough for calibration to see what must not be answered. */
const OUT_OF_SCOPE = Object.fromEntries(Object.entries(GENERIC_OUT_OF_SCOPE).map(([language, texts]) => [language, texts.slice(0, 20)]));

describe('answer quality with the multilingual model', () => {
  let search: KnowledgeSearch;

  beforeAll(async () => {
    const embedder = await TransformersEmbedder.create({ modelId: 'intfloat/multilingual-e5-small', modelDir });
    const { articles: all } = await loadArticles(path.join(sampleKnowledgeDir, 'articles'));
    // backup-archive without its Portuguese version: the English one must be offered, flagged.
    const articles = all.filter((a) => IDS.has(a.id) && !(a.id === 'backup-archive' && a.language.startsWith('pt')));
    const dir = tempDir();
    const { index } = await KnowledgeIndex.sync({ articles, embedder, indexFactory: hnswIndexFactory, indexDir: dir });
    search = new KnowledgeSearch(embedder, index, articles, { thresholds: { fallback: { answer: 2, suggest: 2, closeMargin: 0 }, byLanguage: {} } });
    const { calibration } = await loadOrCalibrate(search, dir, { outOfScope: OUT_OF_SCOPE, maxWrongRate: 0.03 });
    search.setThresholds(thresholdsFrom(calibration));
  }, 300_000);

  it.each([
    ['pt', 'Como posso solicitar minha senha?', 'request-new-password'],
    ['pt', 'Como faço para criar um novo usuário?', 'create-new-user'],
    ['pt', 'Quais bancos de dados são suportados?', 'supported-databases'],
    ['pl', 'Jak mogę poprosić o nowe hasło?', 'request-new-password'],
    ['pl', 'Jak utworzyć nowego użytkownika?', 'create-new-user'],
    ['pl', 'Jakie bazy danych są obsługiwane?', 'supported-databases'],
  ])('%s: "%s" gets %s in that language (answered, or first in did-you-mean)', async (language, question, articleId) => {
    const { decision, ranked } = await search.answer(question, language);
    expect(ranked[0]).toMatchObject({ articleId, language });
    expect(ranked[0]!.fromLanguage).toBeUndefined();
    // Self-calibrated thresholds may ask instead of answering, never abstain or answer another article.
    if (decision.kind === 'answer') expect(decision.article.articleId).toBe(articleId);
    else {
      expect(decision.kind).toBe('did-you-mean');
      expect(decision.kind === 'did-you-mean' && decision.candidates[0]).toMatchObject({ articleId, language });
    }
  });

  it('offers the English article, flagged, when the Portuguese translation is missing', async () => {
    const ranked = await search.rank('como faço backup do arquivo de documentos', 'pt');
    expect(ranked[0]).toMatchObject({ articleId: 'backup-archive', language: 'en', fromLanguage: 'en' });
  });

  it('does not answer off-topic questions', async () => {
    for (const [language, question] of [['pt', 'qual é a previsão do tempo para amanhã no rio'], ['pl', 'polecisz dobrą restaurację w poznaniu']] as const) {
      expect((await search.answer(question, language)).decision.kind).not.toBe('answer');
    }
  });
});
