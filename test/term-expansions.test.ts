import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { MiniSearchLexicalIndex } from '../src/search/lexical-index.js';
import { memoizeTermExpansions } from '../src/search/term-expansions.js';

const documents = [
  { id: 1, text: 'Install the server on Windows or Linux' },
  { id: 2, text: 'installation requirements for the installer' },
  { id: 3, text: 'Reset your password from the sign-in page' },
  { id: 4, text: 'passwords expire after ninety days; pasword typos happen' },
  { id: 5, text: 'Backups of the server database and restoring a backup' },
  { id: 6, text: 'Instalacja serwera i wymagania instalatora' },
];
// Typos (fuzzy), prefixes, a term that is both a prefix and a fuzzy match ("passwor"), repeats.
const queries = ['instal server', 'installaton', 'password', 'passwor reset', 'pasword', 'backups restor', 'instalacja', 'nothing here', 'instal server', 'password'];

function mini(): MiniSearch {
  const m = new MiniSearch({
    fields: ['text'],
    searchOptions: { prefix: (term) => term.length >= 4, fuzzy: (term) => (term.length >= 5 ? 0.2 : false), weights: { fuzzy: 0.4, prefix: 0.6 } },
  });
  m.addAll(documents);
  return m;
}

describe('remembered term expansions (MiniSearch prefix and fuzzy matches)', () => {
  it('returns exactly what the uncached index returns, in the same order, with the same scores', () => {
    const plain = mini();
    const expected = queries.map((q) => plain.search(q));
    const cached = mini();
    memoizeTermExpansions(cached, { maxTerms: 100, maxMatches: 1000 });
    for (const round of [1, 2, 3]) expect(queries.map((q) => cached.search(q)), `round ${round}`).toEqual(expected);
  });

  it('hands MiniSearch a copy of a fuzzy expansion (it deletes the prefix matches from it)', () => {
    // "passwor": "password" is both a prefix and a fuzzy match; without prefix matching it must come back as fuzzy.
    const plain = mini();
    const cached = mini();
    memoizeTermExpansions(cached, { maxTerms: 100, maxMatches: 1000 });
    expect(cached.search('passwor', { prefix: true })).toEqual(plain.search('passwor', { prefix: true }));
    const fuzzyOnly = cached.search('passwor', { prefix: false });
    expect(fuzzyOnly).toEqual(plain.search('passwor', { prefix: false }));
    expect(fuzzyOnly.map((r) => r.id)).toContain(3);
  });

  it('stays within its bounds on terms and matches, and stays exact while evicting', () => {
    const plain = mini();
    const expected = queries.map((q) => plain.search(q));
    const cached = mini();
    const cache = memoizeTermExpansions(cached, { maxTerms: 2, maxMatches: 3 });
    for (const round of [1, 2]) {
      queries.forEach((q, i) => {
        expect(cached.search(q), `round ${round}: ${q}`).toEqual(expected[i]);
        // Two kinds (prefix, fuzzy), each at most 2 terms and 3 matches.
        expect(cache.terms).toBeLessThanOrEqual(4);
        expect(cache.matches).toBeLessThanOrEqual(6);
      });
    }
    expect(cache.terms).toBeGreaterThan(0);
  });

  it('fails loudly on a MiniSearch without the term index it expects', () => {
    expect(() => memoizeTermExpansions({} as MiniSearch, { maxTerms: 1, maxMatches: 1 })).toThrow(/minisearch 7/);
  });

  it('is on in the keyword index, bounded', () => {
    const index = new MiniSearchLexicalIndex(documents.map((d) => ({ ...d, articleId: `a${d.id}`, language: 'en' })), { maxTerms: 3, maxMatches: 50 });
    const first = queries.map((q) => index.search(q, 5));
    expect(queries.map((q) => index.search(q, 5))).toEqual(first);
    expect(index.expansions.terms).toBeGreaterThan(0);
    expect(index.expansions.terms).toBeLessThanOrEqual(6);
  });
});
