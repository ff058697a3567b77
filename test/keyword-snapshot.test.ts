import fc from 'fast-check';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import YAML from 'yaml';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEYWORDS_FILE } from '../src/knowledge/keyword-snapshot.js';
import { KnowledgeIndex } from '../src/knowledge/knowledge-index.js';
import { loadArticles } from '../src/knowledge/load-articles.js';
import { HashingTestEmbedder } from '../src/search/hashing-test-embedder.js';
import { hnswIndexFactory } from '../src/search/hnsw-index.js';
import { MiniSearchLexicalIndex, type LexicalDocument, type LexicalHit } from '../src/search/lexical-index.js';
import { TermCoverage } from '../src/search/term-coverage.js';
import { keywordArticles, syncKeywordKnowledge } from './support/keyword-knowledge.js';
import { sampleKnowledgeDir, tempDir } from './support/test-app.js';

const WORDS = ['printer', 'printing', 'toner', 'cartridge', 'invoice', 'invoices', 'senha', 'acesso', 'zalogować', 'hasło', 'refund', 'refunds', 'delivery', 'parcel', 'account', 'the', 'how'];
const text = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 8 }).map((words) => words.join(' '));
const QUERIES = ['printer toner', 'invoices refund', 'senha acesso', 'zalogowac haslo', 'printin cartrige', 'account delivery parcel', 'the how'];

const canonical = (hits: LexicalHit[]) => [...hits].sort((a, b) => b.score - a.score || a.id - b.id);
const ownersOf = (documents: readonly LexicalDocument[]) => new Map(documents.map((d) => [d.id, { articleId: d.articleId, language: d.language }]));
/** Through a JSON string, as the file holds it. */
const throughJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('the keyword index and term coverage read back from their saved form', () => {
  it('give the same hits, scores and coverage as the ones saved, and revise the same', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 30 }), fc.array(fc.boolean(), { maxLength: 30 }), fc.array(text, { maxLength: 6 }), (texts, removedFlags, addedTexts) => {
        const documents = texts.map((t, i) => ({ id: i, articleId: `a${i % 5}`, language: i % 2 === 0 ? 'en' : 'pt', text: t }));
        const owners = ownersOf(documents);
        // A low cutoff, so the common-term path (which reads the postings) is taken too.
        const common = { share: 0.3, minPostings: 2 };
        const built = new MiniSearchLexicalIndex(documents, undefined, { owners, common });
        const loaded = MiniSearchLexicalIndex.fromJSON(throughJson(built.toJSON()), owners);
        const coverage = new TermCoverage(documents);
        const loadedCoverage = TermCoverage.fromJSON(throughJson(coverage.toJSON()));
        for (const query of QUERIES) {
          expect(loaded.search(query, 50)).toEqual(built.search(query, 50));
          const got = loadedCoverage.query(query);
          const want = coverage.query(query);
          expect({ ...got, minus: undefined }).toEqual({ ...want, minus: undefined });
          for (let a = 0; a < 5; a++) expect(loadedCoverage.coverage(got, `a${a}`)).toBe(coverage.coverage(want, `a${a}`));
        }
        // A hot reload after a restart revises what was read back.
        const removed = documents.filter((_, i) => removedFlags[i] === true);
        const added = addedTexts.map((t, i) => ({ id: 1000 + i, articleId: `a${i % 7}`, language: 'en', text: t }));
        const after = [...documents.filter((d) => !removed.includes(d)), ...added];
        const fromBuilt = built.revise(removed, added, ownersOf(after));
        const fromLoaded = loaded.revise(removed, added, ownersOf(after));
        const changed = new Set([...removed, ...added].map((d) => d.articleId));
        const revisedCoverage = loadedCoverage.revise(changed, after.filter((d) => changed.has(d.articleId)));
        const rebuiltCoverage = new TermCoverage(after);
        for (const query of QUERIES) {
          expect(canonical(fromLoaded.search(query, 50))).toEqual(canonical(fromBuilt.search(query, 50)));
          expect(revisedCoverage.query(query).weights).toEqual(rebuiltCoverage.query(query).weights);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a revised keyword index (its MiniSearch holds passages it does not know) and a coverage whose parts do not fit', () => {
    const documents = [{ id: 1, articleId: 'printer', language: 'en', text: 'printer toner' }];
    const first = new MiniSearchLexicalIndex(documents, undefined, { owners: ownersOf(documents) });
    first.revise(documents, [], new Map());
    expect(() => first.toJSON()).toThrow(/unrevised/);
    const saved = new TermCoverage(documents).toJSON();
    expect(() => TermCoverage.fromJSON({ ...saved, sorted: [...saved.sorted, 'extra'] })).toThrow(/differ in length/);
    expect(() => TermCoverage.fromJSON({ ...saved, articleWords: Buffer.from(new Uint32Array([7, 9]).buffer).toString('base64'), articleCounts: Buffer.from(new Uint32Array([1, 1]).buffer).toString('base64') })).toThrow(/out of bounds/);
  });
});

describe('a restart reads the keyword structures saved beside the index', () => {
  const articles = keywordArticles;
  const edited = articles.map((a) => (a.id === 'databases' ? { ...a, body: 'PostgreSQL and SQL Server are supported; Oracle is not.' } : a));
  const sync = syncKeywordKnowledge;
  const questions = ['new user settings', 'forgot password', 'adicionar colega', 'oracle database', 'sql server'];
  /** What the keyword structures answer: hits and coverage of every question. */
  const answers = (index: KnowledgeIndex) =>
    questions.map((question) => {
      const query = index.terms.query(question);
      return { hits: index.lexical.search(question, 20), coverage: ['reset-password', 'create-user', 'databases'].map((id) => index.terms.coverage(query, id)) };
    });

  it('when they were built from the same passages; otherwise it builds them again and saves those', async () => {
    const dir = tempDir();
    const first = await sync(dir, articles);
    expect(first.report.keywords).toBe('built');
    const restarted = await sync(dir, articles);
    expect(restarted.report.keywords).toBe('saved');
    expect(answers(restarted.index)).toEqual(answers(first.index));

    // Articles edited while stopped: built again for the new passages, and saved for the next start.
    const changed = await sync(dir, edited);
    expect(changed.report).toMatchObject({ keywords: 'built', embeddedArticles: ['en/databases'] });
    expect(changed.index.lexical.search('MySQL', 5)).toEqual([]);
    const next = await sync(dir, edited);
    expect(next.report.keywords).toBe('saved');
    expect(answers(next.index)).toEqual(answers(changed.index));
  });

  it('not after a hot reload revised them in place (the saved ones are for the passages before it)', async () => {
    const dir = tempDir();
    const first = await sync(dir, articles);
    const reloaded = await sync(dir, edited, { index: first.index, articles });
    expect(reloaded.report.keywords).toBe('revised');
    const restarted = await sync(dir, edited);
    expect(restarted.report.keywords).toBe('built');
    expect(answers(restarted.index)).toEqual(answers(reloaded.index));
  });

  it('and starts all the same when they cannot be saved (said in the report; no temporary file left)', async () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, KEYWORDS_FILE), { recursive: true }); // a folder where the file goes: every write fails
    const first = await sync(dir, articles);
    expect(first.report.keywords).toBe('built');
    expect(first.report.notSaved).toEqual([expect.stringMatching(/^keyword index: /)]);
    expect(first.index.lexical.search('PostgreSQL Oracle', 5)[0]?.articleId).toBe('databases');
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    rmSync(path.join(dir, KEYWORDS_FILE), { recursive: true });
    const next = await sync(dir, articles);
    expect(next.report).toMatchObject({ keywords: 'built' });
    expect(next.report.notSaved).toBeUndefined();
    expect((await sync(dir, articles)).report.keywords).toBe('saved');
  });

  it('and builds them again, with the same answers, when the saved file is damaged or from other passages', async () => {
    const dir = tempDir();
    const first = await sync(dir, articles);
    const file = path.join(dir, KEYWORDS_FILE);
    const saved = readFileSync(file, 'utf8');
    const snapshot = JSON.parse(saved) as { key: string; terms: { global: string }; lexical: { entries: unknown[][] } };
    const [row, ...rows] = snapshot.lexical.entries;
    for (const damaged of [
      saved.slice(0, saved.length / 2),
      JSON.stringify({ ...snapshot, key: 'other passages' }),
      JSON.stringify({ ...snapshot, terms: { ...snapshot.terms, global: '' } }),
      JSON.stringify({ ...snapshot, format: 0 }),
      // A term's documents that are not [id, frequency] pairs, and a term that is not text.
      JSON.stringify({ ...snapshot, lexical: { ...snapshot.lexical, entries: [[row![0], row![1], [1, 'x']], ...rows] } }),
      JSON.stringify({ ...snapshot, lexical: { ...snapshot.lexical, entries: [[7, ...row!.slice(1)], ...rows] } }),
    ]) {
      writeFileSync(file, damaged);
      const again = await sync(dir, articles);
      expect(again.report.keywords).toBe('built');
      expect(answers(again.index)).toEqual(answers(first.index));
      expect(readFileSync(file, 'utf8')).toBe(saved);
    }
  });
});

describe('the sample knowledge base restarted from its saved keyword structures', () => {
  it('gives every dev-set question the same keyword hits, to the last bit of every score, and the same coverage', async () => {
    const { articles } = await loadArticles(path.join(sampleKnowledgeDir, 'articles'));
    const dir = tempDir();
    const sync = () => KnowledgeIndex.sync({ articles, embedder: new HashingTestEmbedder(), indexFactory: hnswIndexFactory, indexDir: dir });
    const built = await sync();
    const restarted = await sync();
    expect([built.report.keywords, restarted.report.keywords]).toEqual(['built', 'saved']);
    const ids = [...new Set(articles.map((a) => a.id))];
    let questions = 0;
    for (const language of ['en', 'pt', 'pl']) {
      const dev = YAML.parse(readFileSync(path.join(sampleKnowledgeDir, 'eval', language, 'dev-set.yaml'), 'utf8')) as { items: { question: string }[] };
      for (const { question } of dev.items) {
        // Prefix and fuzzy matches summed in another order differ in the last bit: toEqual on the floats.
        expect(restarted.index.lexical.search(question, 24)).toEqual(built.index.lexical.search(question, 24));
        const got = restarted.index.terms.query(question);
        const want = built.index.terms.query(question);
        expect(ids.map((id) => restarted.index.terms.coverage(got, id))).toEqual(ids.map((id) => built.index.terms.coverage(want, id)));
        questions++;
      }
    }
    expect(questions).toBeGreaterThan(600);
  });
});
