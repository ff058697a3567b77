import fc from 'fast-check';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MiniSearchLexicalIndex, type LexicalDocument, type LexicalHit } from '../src/search/lexical-index.js';
import { TermCoverage } from '../src/search/term-coverage.js';
import { collectGarbage } from '../src/runtime/collect-garbage.js';
import { keywordArticle, keywordArticles, syncKeywordKnowledge } from './support/keyword-knowledge.js';
import { tempDir } from './support/test-app.js';

// A small vocabulary, so words repeat across passages (document frequencies, common terms, prefixes).
const WORDS = ['printer', 'printing', 'toner', 'cartridge', 'invoice', 'invoices', 'senha', 'acesso', 'zalogować', 'hasło', 'refund', 'refunds', 'delivery', 'parcel', 'account', 'the', 'how'];
const text = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 8 }).map((words) => words.join(' '));
const QUERIES = ['printer toner', 'invoices refund', 'senha acesso', 'zalogowac haslo', 'printin cartrige', 'account delivery parcel', 'the how'];

/** Hits in a canonical order (equal scores may come in either order from two differently built indexes). */
const canonical = (hits: LexicalHit[]) =>
  hits.map((hit) => ({ ...hit, score: Number(hit.score.toPrecision(12)) })).sort((a, b) => b.score - a.score || a.id - b.id);

const ownersOf = (documents: readonly LexicalDocument[]) => new Map(documents.map((d) => [d.id, { articleId: d.articleId, language: d.language }]));

describe('revising the keyword index for a hot reload', () => {
  it('gives the same hits and scores as building it again over the resulting passages', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 30 }), fc.array(fc.boolean(), { maxLength: 30 }), fc.array(text, { maxLength: 10 }), (texts, removedFlags, addedTexts) => {
        const documents = texts.map((t, i) => ({ id: i, articleId: `a${i % 5}`, language: 'en', text: t }));
        const removed = documents.filter((_, i) => removedFlags[i] === true);
        const added = addedTexts.map((t, i) => ({ id: 1000 + i, articleId: `a${i % 7}`, language: 'pt', text: t }));
        const after = [...documents.filter((d) => !removed.includes(d)), ...added];
        // A low cutoff, so the common-term path (which reads the revised postings) is taken.
        const common = { share: 0.3, minPostings: 2 };
        const old = new MiniSearchLexicalIndex(documents, undefined, { owners: ownersOf(documents), common });
        for (const query of QUERIES) old.search(query, 50); // remembered expansions, which the revision must forget
        const revised = old.revise(removed, added, ownersOf(after));
        const fresh = new MiniSearchLexicalIndex(after, undefined, { owners: ownersOf(after), common });
        for (const query of QUERIES) expect(canonical(revised.search(query, 50))).toEqual(canonical(fresh.search(query, 50)));
      }),
      { numRuns: 150 },
    );
  });

  it('leaves the old index answering only with passages it knows, and refuses to revise it twice', () => {
    const documents = [
      { id: 1, articleId: 'printer', language: 'en', text: 'printer toner cartridge' },
      { id: 2, articleId: 'invoice', language: 'en', text: 'download the invoice' },
    ];
    const old = new MiniSearchLexicalIndex(documents, undefined, { owners: ownersOf(documents) });
    const added = [{ id: 3, articleId: 'printer', language: 'en', text: 'printer jams and toner streaks' }];
    const revised = old.revise([documents[0]!], added, ownersOf([documents[1]!, ...added]));
    expect(revised.search('printer toner', 10).map((hit) => hit.id)).toEqual([3]);
    expect(old.search('printer toner', 10)).toEqual([]);
    expect(old.search('invoice', 10).map((hit) => hit.id)).toEqual([2]);
    expect(old.revised).toBe(true);
    expect(() => old.revise([], [], ownersOf(documents))).toThrow(/revised already/);
    expect(() => new MiniSearchLexicalIndex(documents).revise([], [], ownersOf(documents))).toThrow(/owners/);
  });

  it('does not keep the index it was revised from alive (the MiniSearch they share does not hold it)', async () => {
    const documents = [{ id: 1, articleId: 'printer', language: 'en', text: 'printer toner cartridge' }];
    // Built and revised in a function of its own, so no local of this test holds the first index.
    const revise = () => {
      const first = new MiniSearchLexicalIndex(documents, undefined, { owners: ownersOf(documents) });
      const added = [{ id: 2, articleId: 'printer', language: 'en', text: 'printer jams' }];
      return { ref: new WeakRef(first), revised: first.revise(documents, added, ownersOf(added)) };
    };
    const { ref, revised } = revise();
    await new Promise((resolve) => setTimeout(resolve, 0));
    collectGarbage();
    expect(ref.deref()).toBeUndefined();
    expect(revised.search('printer', 5).map((hit) => hit.id)).toEqual([2]);
  });
});

describe('revising the term coverage for a hot reload', () => {
  it('counts as a fresh build over the resulting passages', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), text), { minLength: 1, maxLength: 30 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 8 }), text), { maxLength: 12 }), fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 4 }), (before, now, also) => {
        const passages = before.map(([a, t]) => ({ articleId: `a${a}`, text: t }));
        // The changed articles: those with new passages plus a few more (which may now have none: removed).
        const changed = new Set([...now.map(([a]) => `a${a}`), ...also.map((a) => `a${a}`)]);
        const fresh = now.map(([a, t]) => ({ articleId: `a${a}`, text: t }));
        const after = [...passages.filter((p) => !changed.has(p.articleId)), ...fresh];
        const revised = new TermCoverage(passages).revise(changed, fresh);
        const rebuilt = new TermCoverage(after);
        for (const query of QUERIES) {
          const got = revised.query(query);
          const want = rebuilt.query(query);
          expect({ ...got, minus: undefined }).toEqual({ ...want, minus: undefined });
          for (let a = 0; a <= 8; a++) expect(revised.coverage(got, `a${a}`)).toBe(rebuilt.coverage(want, `a${a}`));
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('a hot reload revises the keyword structures of the index in use', () => {
  const article = keywordArticle;
  const articles = keywordArticles;
  const edited = [
    articles[0]!,
    { ...articles[1]!, title: 'Invite a teammate', body: 'Administration, then invite by email; the invitation expires after 7 days.' },
    articles[2]!,
    article('printers', 'Add a network printer', 'Printers are added under devices with their IP address.', ['the printer is not found']),
  ];
  const sync = syncKeywordKnowledge;
  const questions = ['invite a teammate by email', 'printer not found', 'which databases', 'adicionar colega', 'new user settings', 'forgot password'];

  it('with the same keyword hits and term coverage as a reload that builds them again', async () => {
    const dir = tempDir();
    const first = await sync(dir, articles);
    const copy = path.join(tempDir(), 'index');
    cpSync(dir, copy, { recursive: true });

    const revised = await sync(dir, edited, { index: first.index, articles });
    const rebuilt = await sync(copy, edited);
    expect((first.index.lexical as MiniSearchLexicalIndex).revised).toBe(true);
    expect((rebuilt.index.lexical as MiniSearchLexicalIndex).revised).toBe(false);
    expect(revised.report.embeddedArticles).toEqual(rebuilt.report.embeddedArticles);
    for (const question of questions) {
      expect(canonical(revised.index.lexical.search(question, 20))).toEqual(canonical(rebuilt.index.lexical.search(question, 20)));
      const got = revised.index.terms.query(question);
      const want = rebuilt.index.terms.query(question);
      expect(got.weights).toEqual(want.weights);
      for (const id of ['reset-password', 'create-user', 'databases', 'printers']) expect(revised.index.terms.coverage(got, id)).toBe(rebuilt.index.terms.coverage(want, id));
    }
    // The removed article is gone from the keyword index, the new one is found.
    expect(revised.index.lexical.search('PostgreSQL Oracle', 5)).toEqual([]);
    expect(revised.index.lexical.search('network printer IP address', 5)[0]?.articleId).toBe('printers');

    // And the next reload revises the revised one.
    const again = await sync(dir, articles, { index: revised.index, articles: edited });
    expect((revised.index.lexical as MiniSearchLexicalIndex).revised).toBe(true);
    expect(again.index.lexical.search('PostgreSQL Oracle', 5)[0]?.articleId).toBe('databases');
  });

  it('builds them again when the saved index is no longer the one the index in use was made from', async () => {
    const dir = tempDir();
    const first = await sync(dir, articles);
    await sync(dir, edited); // another process (npm run ingest) re-indexed meanwhile
    const next = await sync(dir, articles, { index: first.index, articles });
    expect((first.index.lexical as MiniSearchLexicalIndex).revised).toBe(false);
    expect(next.index.lexical.search('PostgreSQL Oracle', 5)[0]?.articleId).toBe('databases');
    expect(next.index.lexical.search('network printer IP address', 5)).toEqual([]);
  });
});
