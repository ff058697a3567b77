import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ArticleProbabilities } from '../src/search/article-classifier.js';
import { foldTerm, KeywordFolding, keywordTerms, MiniSearchLexicalIndex } from '../src/search/lexical-index.js';
import { fuseEvidence, reciprocalRank } from '../src/search/rank-fusion.js';

describe('rank fusion', () => {
  it('adds the classifier and keyword evidence to the dense similarity and re-sorts', () => {
    const fused = fuseEvidence(
      [
        { articleId: 'billing-address', dense: 0.84, lexicalRank: undefined, classifier: 0.05 },
        { articleId: 'download-invoice', dense: 0.83, lexicalRank: 0, classifier: 0.7 },
      ],
      { classifier: 0.1, lexical: 0.02 },
    );
    expect(fused.map((a) => a.articleId)).toEqual(['download-invoice', 'billing-address']);
    expect(fused[0]!.score).toBeCloseTo(0.83 + 0.07 + 0.02, 6);
    expect(fused[1]!.score).toBeCloseTo(0.84 + 0.005, 6);
  });

  it('with zero weights is plain dense ranking', () => {
    const fused = fuseEvidence(
      [
        { articleId: 'a', dense: 0.5, lexicalRank: 0, classifier: 1 },
        { articleId: 'b', dense: 0.6, lexicalRank: undefined, classifier: 0 },
      ],
      { classifier: 0, lexical: 0 },
    );
    expect(fused).toEqual([
      { articleId: 'b', score: 0.6 },
      { articleId: 'a', score: 0.5 },
    ]);
  });

  it('gives the first keyword hit the most and nothing without a hit', () => {
    expect(reciprocalRank(0)).toBe(1);
    expect(reciprocalRank(1)).toBeLessThan(1);
    expect(reciprocalRank(5)).toBeLessThan(reciprocalRank(1));
    expect(reciprocalRank(undefined)).toBe(0);
  });
});

describe('lexical index', () => {
  const index = new MiniSearchLexicalIndex([
    { id: 1, articleId: 'request-new-password', language: 'pt', text: 'Como solicito uma nova senha de acesso?' },
    { id: 2, articleId: 'create-new-user', language: 'pl', text: 'Jak utworzyć nowego użytkownika?' },
    { id: 3, articleId: 'download-invoice', language: 'en', text: 'Where can I download my invoice as PDF?' },
  ]);

  it('matches without diacritics and with a typo', () => {
    expect(foldTerm('Użytkownika')).toBe('uzytkownika');
    expect(index.search('jak utworzyc nowego uzytkownika', 3)[0]?.articleId).toBe('create-new-user');
    expect(index.search('donwload invoice', 3)[0]?.articleId).toBe('download-invoice');
    expect(index.search('esqueci a senha', 3)[0]?.articleId).toBe('request-new-password');
  });

  it('can leave passages out (held-out calibration questions)', () => {
    expect(index.search('invoice pdf', 3, (id) => id === 3)).toEqual([]);
  });

  it('ignores stop words alone', () => {
    expect(index.search('how do I', 3)).toEqual([]);
  });
});

describe('remembered keyword folding', () => {
  it('gives the same keywords as folding each token afresh, the second time too', () => {
    const folding = new KeywordFolding();
    const texts = ['Jak utworzyć nowego UŻYTKOWNIKA? Użytkownika!', 'Esqueci a SENHA, senha... você?', 'How do I reset my password', '', '  --  '];
    for (const text of [...texts, ...texts]) expect(folding.terms(text)).toEqual(keywordTerms(text));
    expect(folding.term('the')).toBeNull();
  });

  it('builds the same keyword index with a shared folding as without', () => {
    const documents = [
      { id: 1, articleId: 'a', language: 'pl', text: 'Jak utworzyć nowego użytkownika?' },
      { id: 2, articleId: 'b', language: 'pl', text: 'Użytkownik nie może się zalogować' },
      { id: 3, articleId: 'c', language: 'pt', text: 'Como solicito uma nova senha de acesso?' },
    ];
    const keywords: [number, readonly string[]][] = [];
    const shared = new MiniSearchLexicalIndex(documents, undefined, { folding: new KeywordFolding(), onKeywords: (d, terms) => keywords.push([d.id, terms]) });
    const plain = new MiniSearchLexicalIndex(documents);
    for (const query of ['uzytkownika', 'Użytkownik zalogowac', 'nova senha', 'senhas']) expect(shared.search(query, 5)).toEqual(plain.search(query, 5));
    // What the build reports per document is exactly its keywords, in order.
    expect(keywords).toEqual(documents.map((d) => [d.id, keywordTerms(d.text)]));
  });

  it('names a hit\u2019s article and language from the owners it is given (the index\u2019s labels) instead of storing them', () => {
    const documents = [
      { id: 1, articleId: 'a', language: 'pl', text: 'Jak utworzyć nowego użytkownika?' },
      { id: 2, articleId: 'b', language: 'pt', text: 'Como solicito uma nova senha de acesso?' },
    ];
    const owners = new Map(documents.map((d) => [d.id, { articleId: d.articleId, language: d.language }] as const));
    const withOwners = new MiniSearchLexicalIndex(documents, undefined, { owners });
    const plain = new MiniSearchLexicalIndex(documents);
    for (const query of ['uzytkownika', 'nova senha']) expect(withOwners.search(query, 5)).toEqual(plain.search(query, 5));
    // The owners are what it reports: a label moved to another article is reported there.
    owners.set(2, { articleId: 'moved', language: 'pt' });
    expect(withOwners.search('nova senha', 5)[0]).toMatchObject({ id: 2, articleId: 'moved', language: 'pt' });
  });
});

describe('keyword search from remembered term scores', () => {
  // Passages with repeated texts (exact ties), prefix matches ("print" → "printer", "printing") and typos.
  const texts = ['printer offline after update', 'printing a test page', 'printer driver download', 'reset the printer', 'download the invoice', 'invoice address change', 'printer offline after update', 'change the paper tray', 'scanner offline', 'invoices and receipts'];
  const documents = Array.from({ length: 60 }, (_, i) => ({ id: 1000 - i * 7, articleId: `a${i % 9}`, language: 'en', text: `${texts[i % texts.length]!} ${i % 4 === 0 ? 'printer' : ''}` }));
  const queries = ['printer offline', 'print invoice', 'printr ofline', 'printer printer download', 'the', 'change invoice address printer', 'tray scanner invoices receipts'];
  /** MiniSearch's own query on the same index: the reference, to the bit and in its order. */
  const reference = (index: MiniSearchLexicalIndex, query: string, exclude?: (id: number) => boolean) =>
    ((index as unknown as { mini: { search(q: string): { id: number; score: number }[] } }).mini.search(query))
      .filter((r) => exclude === undefined || !exclude(r.id))
      .map((r) => [r.id, r.score]);

  it('gives MiniSearch\'s own hits, scores and order, whether the terms are remembered or not', () => {
    const index = new MiniSearchLexicalIndex(documents);
    for (let round = 0; round < 2; round++) {
      for (const query of queries) {
        expect(index.search(query, 1000).map((h) => [h.id, h.score])).toEqual(reference(index, query));
        expect(index.search(query, 5).map((h) => [h.id, h.score])).toEqual(reference(index, query).slice(0, 5));
      }
    }
    const hidden = (id: number) => id % 3 === 0;
    expect(index.search('printer offline', 1000, hidden).map((h) => [h.id, h.score])).toEqual(reference(index, 'printer offline', hidden));
  });

  it('forgets remembered scores when a revision changes the passages', () => {
    const owners = new Map(documents.map((d) => [d.id, { articleId: d.articleId, language: d.language }]));
    const index = new MiniSearchLexicalIndex(documents, undefined, { owners });
    index.search('printer offline', 10);
    const removed = documents.filter((d) => d.text.startsWith('printer offline'));
    const added = [{ id: 5000, articleId: 'new', language: 'en', text: 'printer offline forever' }];
    const nextOwners = new Map([...owners].filter(([id]) => !removed.some((d) => d.id === id)));
    nextOwners.set(5000, { articleId: 'new', language: 'en' });
    const revised = index.revise(removed, added, nextOwners);
    const fresh = new MiniSearchLexicalIndex([...documents.filter((d) => !removed.includes(d)), ...added], undefined, { owners: nextOwners });
    expect(revised.search('printer offline', 10).map((h) => h.id)).toEqual(fresh.search('printer offline', 10).map((h) => h.id));
    expect(revised.search('printer offline forever', 1)[0]!.articleId).toBe('new');
  });
});

describe('common query terms at scale', () => {
  // 40 passages: "printer" in 30 of them (common at a 50 % cutoff), "toner", "cartridge" and "jam" in a few.
  const documents = Array.from({ length: 40 }, (_, i) => ({
    id: i + 1,
    articleId: `a${i % 8}`,
    language: 'en',
    text: [i < 30 ? 'printer settings page' : 'office settings', i % 7 === 0 ? 'toner cartridge' : '', i % 11 === 0 ? 'paper jam printing' : '', `note ${i}`].join(' '),
  }));
  const cutoff = { share: 0.5, minPostings: 5 };
  const withCutoff = new MiniSearchLexicalIndex(documents, undefined, { common: cutoff });
  const plain = new MiniSearchLexicalIndex(documents, undefined, { common: { share: 1, minPostings: Infinity } });

  it('scores common terms only where a rarer term matched, with the same scores as one plain query', () => {
    // A repeated common term ("printer … printer") adds its score twice but is one term matched.
    for (const query of ['printer toner', 'printer settings jam', 'toner cartridge printer, paper', 'printer printin', 'printer toner, printer jam', 'printer printer cartridge settings']) {
      const full = plain.search(query, 40);
      const fast = withCutoff.search(query, 40);
      // Passages with only common terms ("printer", "settings") drop out; the others keep their score and order.
      const rarer = keywordTerms(query).filter((t) => !['printer', 'settings'].includes(t));
      const matchedRarer = new Set(plain.search(rarer.join(' '), 40).map((hit) => hit.id));
      const expected = full.filter((hit) => matchedRarer.has(hit.id));
      expect(fast.map((h) => h.id)).toEqual(expected.map((h) => h.id));
      fast.forEach((hit, i) => expect(hit.score).toBeCloseTo(expected[i]!.score, 10));
      expect(fast.length).toBeLessThan(full.length);
    }
  });

  it('searches plainly when every term is common or the rarer ones match nothing, and keeps exclusions', () => {
    expect(withCutoff.search('printer settings', 40)).toEqual(plain.search('printer settings', 40));
    expect(withCutoff.search('printer zebra', 40)).toEqual(plain.search('printer zebra', 40));
    expect(withCutoff.search('printer jamm', 40)).toEqual(plain.search('printer jamm', 40)); // "jamm": no word starts with it
    const hidden = (id: number) => id === 1 || id === 8;
    const fast = withCutoff.search('printer toner', 40, hidden);
    expect(fast.map((h) => h.id)).not.toContain(1);
    expect(fast.map((h) => h.id)).not.toContain(8);
    expect(fast.map((h) => h.id)).toEqual(plain.search('printer toner', 40, hidden).filter((h) => documents[h.id - 1]!.text.includes('toner')).map((h) => h.id));
  });

  it('gives the same hits whether the common terms\' scores are remembered from earlier questions or not', () => {
    const queries = ['printer toner', 'printer settings jam', 'toner cartridge printer, paper', 'printer printer jam'];
    const cold = queries.map((query) => new MiniSearchLexicalIndex(documents, undefined, { common: cutoff }).search(query, 40));
    const warm = new MiniSearchLexicalIndex(documents, undefined, { common: cutoff });
    for (let round = 0; round < 2; round++) expect(queries.map((query) => warm.search(query, 40))).toEqual(cold);
  });

  it('keeps plain BM25 on small knowledge bases (the default cutoff needs more than 2,000 passages with the term)', () => {
    const small = new MiniSearchLexicalIndex(documents);
    for (const query of ['printer toner', 'printer settings jam']) expect(small.search(query, 40)).toEqual(plain.search(query, 40));
  });
});

describe('the classifier candidates (most probable labels)', () => {
  it('are what a stable sort of every entry cut to k gives, ties in label order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 40 }), fc.integer({ min: 0, max: 12 }), (values, k) => {
        // Few distinct values: many ties.
        const labels = values.map((_, i) => `a${i}`);
        const probabilities = new ArticleProbabilities(labels, new Map(labels.map((label, i) => [label, i])), Float64Array.from(values, (v) => v / 7));
        const entries = [...probabilities];
        expect(entries).toEqual(labels.map((label, i) => [label, values[i]! / 7]));
        expect(probabilities.top(k)).toEqual([...entries].sort((a, b) => b[1] - a[1]).slice(0, k));
      }),
      { numRuns: 300 },
    );
  });
});
