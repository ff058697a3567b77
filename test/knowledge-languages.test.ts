import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '../src/knowledge/article.js';
import { KnowledgeIndex } from '../src/knowledge/knowledge-index.js';
import { loadArticles, missingTranslationLines, missingTranslations } from '../src/knowledge/load-articles.js';
import { decideAnswer } from '../src/search/answer-decision.js';
import { HashingTestEmbedder } from '../src/search/hashing-test-embedder.js';
import { hnswIndexFactory } from '../src/search/hnsw-index.js';
import { KnowledgeSearch } from '../src/search/knowledge-search.js';
import { loadOrCalibrate, selfCalibrate } from '../src/search/self-calibration.js';
import { tempDir } from './support/test-app.js';

const article = (id: string, language: string, title: string, body: string, questions: string[]): Article => ({
  id, language, title, body, questions, tags: [], file: `${language}/${id}.md`,
});

/** A small two-language knowledge base: "invoice" exists in en and pt, "scanner" only in English. */
const articles = [
  article('download-invoice', 'en', 'Download an invoice', 'Open billing and click the invoice PDF to download it.', ['where is my invoice pdf', 'get a copy of the bill']),
  article('download-invoice', 'pt', 'Baixar uma fatura', 'Abra cobrança e clique no PDF da fatura para baixar.', ['onde baixo a fatura em pdf', 'segunda via da fatura']),
  article('scanner-setup', 'en', 'Connect a scanner', 'Install the TWAIN driver, then choose the scanner under devices.', ['scanner twain driver not found', 'connect my document scanner']),
  article('change-password', 'en', 'Change your password', 'Open profile, security, change password and save.', ['set a different password', 'update my password in the profile']),
  article('change-password', 'pt', 'Trocar a senha', 'Abra perfil, segurança, trocar senha e salve.', ['quero mudar minha senha', 'alterar senha no perfil']),
];

const thresholds = { fallback: { answer: 0.5, suggest: 0.3, closeMargin: 0.02 }, byLanguage: {} };

describe('knowledge in several languages', () => {
  let search: KnowledgeSearch;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir();
    const embedder = new HashingTestEmbedder();
    const { index } = await KnowledgeIndex.sync({ articles, embedder, indexFactory: hnswIndexFactory, indexDir: dir });
    search = new KnowledgeSearch(embedder, index, articles, { thresholds, defaultLanguage: 'en' });
  });

  it('counts one article per id and lists its languages', () => {
    expect(search.articleCount).toBe(3);
    expect(search.languages).toEqual(['en', 'pt']);
    expect(search.articleLanguages('download-invoice')).toEqual(['en', 'pt']);
    expect(search.article('download-invoice', 'pt')?.title).toBe('Baixar uma fatura');
    expect(search.article('scanner-setup', 'pt')?.language).toBe('en');
  });

  it("answers in the customer's language when the article exists in it", async () => {
    const { decision, language } = await search.answer('onde baixo a fatura em pdf', 'pt-BR');
    expect(language).toBe('pt');
    expect(decision).toMatchObject({ kind: 'answer', article: { articleId: 'download-invoice', language: 'pt' } });
    expect(decision.kind === 'answer' && decision.article.fromLanguage).toBeUndefined();
  });

  it('shows the same article in Portuguese even when the English wording matched', async () => {
    const { decision } = await search.answer('where is my invoice pdf', 'pt');
    expect(decision).toMatchObject({ kind: 'answer', article: { articleId: 'download-invoice', language: 'pt' } });
  });

  it("gives each candidate the mean of its language versions' best similarities (the dense score itself for a one-language article)", async () => {
    const [vector] = await search.embedQuestions(['where is my invoice pdf']);
    const { articles: candidates } = search.evidence({ text: 'where is my invoice pdf', vector: vector!, language: 'en' });
    const invoice = candidates.find((c) => c.articleId === 'download-invoice')!;
    const scanner = candidates.find((c) => c.articleId === 'scanner-setup')!;
    // The English question matches its own passage exactly; the Portuguese version only partly.
    expect(invoice.dense).toBeCloseTo(1, 5);
    expect(invoice.languageMeanDense).toBeLessThan(invoice.dense);
    expect(invoice.languageMeanDense).toBeGreaterThan(invoice.dense / 2 - 1);
    expect(scanner.languageMeanDense).toBe(scanner.dense);
  });

  it('answers from another language, and says so, when only that language has the article', async () => {
    const { decision } = await search.answer('scanner twain driver not found', 'pt');
    expect(decision).toMatchObject({ kind: 'answer', article: { articleId: 'scanner-setup', language: 'en', fromLanguage: 'en' } });
  });

  it('without the default language, shows the version whose words matched', async () => {
    const twoVersions = [
      article('vpn-setup', 'pt', 'Configurar a VPN', 'Instale o cliente VPN e entre com a senha.', ['como configuro a vpn no notebook']),
      article('vpn-setup', 'pl', 'Konfiguracja VPN', 'Zainstaluj klienta VPN i zaloguj się hasłem.', ['jak skonfigurować vpn na laptopie']),
    ];
    const embedder = new HashingTestEmbedder();
    const { index } = await KnowledgeIndex.sync({ articles: twoVersions, embedder, indexFactory: hnswIndexFactory, indexDir: tempDir() });
    const noEnglish = new KnowledgeSearch(embedder, index, twoVersions, { thresholds, defaultLanguage: 'en' });
    expect((await noEnglish.rank('jak skonfigurować vpn na laptopie', 'en'))[0]).toMatchObject({ articleId: 'vpn-setup', language: 'pl', fromLanguage: 'pl' });
    expect((await noEnglish.rank('como configuro a vpn no notebook', 'en'))[0]).toMatchObject({ articleId: 'vpn-setup', language: 'pt', fromLanguage: 'pt' });
  });

  it('reports which ids lack which language', () => {
    expect(missingTranslations(articles)).toEqual([{ articleId: 'scanner-setup', missing: ['pt'] }]);
  });

  it('persists the classifier and retrains it only when articles change', async () => {
    const embedder = new HashingTestEmbedder();
    const again = await KnowledgeIndex.sync({ articles, embedder, indexFactory: hnswIndexFactory, indexDir: dir });
    expect(again.report.classifierTrained).toBe(false);
    expect(embedder.embeddedCount).toBe(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('classifier-'))).toHaveLength(1);
    // The reloaded classifier gives the same opinion as the one trained in beforeAll.
    const [vector] = await embedder.embed(['segunda via da fatura'], 'query');
    expect(again.index.classifier.predict(vector!).get('download-invoice')).toBeCloseTo(search.index.classifier.predict(vector!).get('download-invoice')!, 5);

    const edited = articles.map((a) => (a.id === 'scanner-setup' ? { ...a, questions: [...a.questions, 'scanner is not detected'] } : a));
    const changed = await KnowledgeIndex.sync({ articles: edited, embedder, indexFactory: hnswIndexFactory, indexDir: dir });
    expect(changed.report).toMatchObject({ classifierTrained: true, embeddedArticles: ['en/scanner-setup'] });
    expect(readdirSync(dir).filter((f) => f.startsWith('classifier-'))).toHaveLength(1);
  });

  it('trains the classifier on titles and questions embedded as questions, kept beside the index', async () => {
    // A model with prefixes whose index stores titles and questions as passages (like e5).
    const withPrefixes = () =>
      new HashingTestEmbedder(256, 'test/hashing-stand-in', { queryPrefix: 'query: ', passagePrefix: 'passage: ', passageRoles: { title: 'passage', question: 'passage', body: 'passage' } });
    const prefixedDir = tempDir();
    const first = withPrefixes();
    await KnowledgeIndex.sync({ articles, embedder: first, indexDir: prefixedDir, indexFactory: hnswIndexFactory });
    // Every title and question once more as 'query' (5 titles, 10 questions), for the classifier.
    expect(first.embeddedByRole.query).toBe(15);
    expect(readdirSync(prefixedDir).filter((f) => f.startsWith('query-vectors-'))).toHaveLength(1);
    const edited = articles.map((a) => (a.id === 'scanner-setup' ? { ...a, questions: [...a.questions, 'scanner is not detected'] } : a));
    const second = withPrefixes();
    const changed = await KnowledgeIndex.sync({ articles: edited, embedder: second, indexDir: prefixedDir, indexFactory: hnswIndexFactory });
    expect(changed.report.classifierTrained).toBe(true);
    // Retraining embedded only the new question; the others came from the file.
    expect(second.embeddedByRole.query).toBe(1);
    expect((await changed.index.titleAndQuestionVectors()).length).toBe(16);
  });
});

describe('loading articles per language folder', () => {
  it('accepts the same id once per language, refuses it twice in one language or in the wrong folder', async () => {
    const root = tempDir();
    const write = (file: string, id: string, language: string) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), `---\nid: ${id}\ntitle: Title of ${id}\nlanguage: ${language}\n---\nBody text.\n`);
    };
    write('en/change-password.md', 'change-password', 'en');
    write('pt/change-password.md', 'change-password', 'pt-BR');
    write('pt/sub/change-password.md', 'change-password', 'pt');
    write('pl/create-user.md', 'create-user', 'en');
    const { articles: loaded, problems } = await loadArticles(root);
    expect(loaded.map((a) => `${a.language}/${a.id}`).sort()).toEqual(['en/change-password', 'pt-BR/change-password']);
    expect(problems.map((p) => p.file).sort()).toEqual(['pl/create-user.md', 'pt/sub/change-password.md']);
    expect(problems.find((p) => p.file === 'pl/create-user.md')?.reason).toMatch(/does not match its folder "pl\/"/);
  });
});

describe('self-calibration on a small synthetic knowledge base', () => {
  it('chooses thresholds that keep wrong answers within the target on held-out questions and off-topic ones', async () => {
    const topics = ['invoice billing payment', 'scanner driver twain', 'password login reset', 'backup archive restore', 'user account create', 'printer label print'];
    const synthetic: Article[] = topics.map((words, i) => {
      const [a, b, c] = words.split(' ');
      return article(`topic-${i}`, 'en', `${a} ${b} help`, `All about ${words}.`, [
        `${a} ${b} question`, `${b} ${c} problem`, `${a} ${c} issue`, `my ${a} ${b} ${c}`, `how ${a} ${c}`,
      ].map((q) => q));
    });
    const embedder = new HashingTestEmbedder();
    const dir = tempDir();
    const { index } = await KnowledgeIndex.sync({ articles: synthetic, embedder, indexFactory: hnswIndexFactory, indexDir: dir });
    const search = new KnowledgeSearch(embedder, index, synthetic, { thresholds });
    const outOfScope = { en: ['weather tomorrow sunny', 'pizza delivery tonight', 'football match score', 'holiday trip beach', 'movie cinema tickets'] };
    const { calibration, calibrated } = await loadOrCalibrate(search, dir, { outOfScope, maxWrongRate: 0.05 });
    expect(calibrated).toBe(true);
    const c = calibration.byLanguage.en ?? calibration.pooled;
    expect(c.inScope).toBe(30);
    // 5 off-topic questions and as many questions of articles removed from the index (near-topic ones).
    expect(c.outOfScope).toBe(10);
    // 30 held-out questions are enough to learn the answer model: search now scores with it.
    expect(calibration.model).toBeDefined();
    expect(search.scoredByModel).toBe(true);
    expect(c.metTarget).toBe(true);
    expect(c.rates.wrongInScope).toBeLessThanOrEqual(0.05);
    expect(c.rates.wrongOutOfScope).toBeLessThanOrEqual(0.05);
    expect(c.rates.helped).toBeGreaterThan(0.5);
    expect(c.thresholds.suggest).toBeLessThanOrEqual(c.thresholds.answer);
    // An off-topic question is not answered at these thresholds.
    const offTopic = await search.rank('football match tonight');
    expect(decideAnswer(offTopic, c.thresholds).kind).not.toBe('answer');
    // Nothing changed: the saved calibration is reused.
    expect((await loadOrCalibrate(search, dir, { outOfScope, maxWrongRate: 0.05 })).calibrated).toBe(false);
    // A different target recalibrates.
    expect((await loadOrCalibrate(search, dir, { outOfScope, maxWrongRate: 0.01 })).calibrated).toBe(true);
    // In the background (beside customers) every classifier trains on a worker thread: the same calibration.
    expect(await selfCalibrate(search, { outOfScope, maxWrongRate: 0.05, background: true })).toEqual(await selfCalibrate(search, { outOfScope, maxWrongRate: 0.05 }));
  });
});

describe('missing translations as npm run ingest prints them', () => {
  it('lists every id up to the limit, then says how many more', () => {
    const missing = Array.from({ length: 25 }, (_, i) => ({ articleId: `article-${i}`, missing: ['pl', 'pt'] }));
    const lines = missingTranslationLines(missing);
    expect(lines[0]).toBe('Missing translations (25 articles):');
    expect(lines.slice(1, 3)).toEqual(['  article-0: no pl, pt', '  article-1: no pl, pt']);
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines.at(-1)).toBe('  … and 5 more');
    expect(missingTranslationLines(missing.slice(0, 20))).toHaveLength(21);
    expect(missingTranslationLines([])).toEqual(['Translations: every article exists in every language.']);
  });
});
