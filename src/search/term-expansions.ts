import type MiniSearch from 'minisearch';
import { LruMap } from '../lru-map.js';

/**
 * The two calls MiniSearch's search makes on its term index (a radix tree, `SearchableMap`) for
 * each query term with prefix or fuzzy matching on: every indexed term starting with the query
 * term, and every indexed term within an edit distance of it (a Levenshtein walk of the tree).
 */
interface TermTree {
  atPrefix(prefix: string): Iterable<[string, unknown]>;
  fuzzyGet(term: string, maxDistance: number): Map<string, [unknown, number]>;
}

export interface TermExpansionLimits {
  /** Query terms remembered, per kind of expansion (prefix, fuzzy). */
  maxTerms: number;
  /** Indexed terms held over all remembered expansions of one kind: the bound on memory. */
  maxMatches: number;
}

/** What the memoized index holds (for tests and the bench). */
export interface TermExpansionCache {
  readonly terms: number;
  readonly matches: number;
  /** Forgets every remembered expansion (the index's terms changed: MiniSearchLexicalIndex.revise). */
  clear(): void;
}

/**
 * Memoizes, on one MiniSearch instance, the prefix and fuzzy expansions of query terms (query
 * term → indexed terms it matches): MiniSearch walks its radix tree for them on every search,
 * and the fuzzy walk was most of a keyword search (retrieval profile on the sample knowledge base,
 * 1,442 dev-set questions: `recurse` of the Levenshtein walk 57 % of `lexical.search`, which
 * was ~1.05 ms of one question's ~3.1–3.4 ms retrieval; remembered: ~0.4 ms,
 * bench/results/2026-12-06-round5-turn.md). The indexed vocabulary does not change
 * after `addAll` (MiniSearchLexicalIndex never adds or removes documents; a new knowledge index
 * builds a new instance), so a remembered expansion is exactly what the walk would return: the
 * same terms in the same order, with the same index data. Search results are unchanged to the bit.
 *
 * Reaches into MiniSearch's private `_index` (minisearch 7.x): throws at construction if it is not
 * there, so an upgrade that changes it fails loudly in the tests instead of silently.
 */
export function memoizeTermExpansions<T>(mini: MiniSearch<T>, limits: TermExpansionLimits): TermExpansionCache {
  const tree = (mini as unknown as { _index?: Partial<TermTree> })._index;
  if (tree === undefined || typeof tree.atPrefix !== 'function' || typeof tree.fuzzyGet !== 'function') {
    throw new Error('memoizeTermExpansions: this MiniSearch version has no _index.atPrefix/fuzzyGet (written for minisearch 7.x)');
  }
  const atPrefix = tree.atPrefix.bind(tree);
  const fuzzyGet = tree.fuzzyGet.bind(tree);
  // Bounded in query terms and in the indexed terms they hold (a four-letter prefix can match
  // hundreds of words in a large knowledge base). The held values are references into the index,
  // so an entry costs little beyond its array or map: at the default limits, a few MB at most.
  const prefixes = new LruMap<string, [string, unknown][]>(limits.maxTerms, limits.maxMatches);
  const fuzzy = new LruMap<string, Map<string, [unknown, number]>>(limits.maxTerms, limits.maxMatches);

  // MiniSearch only iterates the prefix view (`for (const [term, data] of …)`): an array of its entries does the same.
  tree.atPrefix = (prefix: string) => {
    let entries = prefixes.get(prefix);
    if (entries === undefined) {
      entries = [...atPrefix(prefix)];
      prefixes.set(prefix, entries, entries.length);
    }
    return entries;
  };
  // MiniSearch deletes the terms that are also prefix matches from the map it gets: hand it a copy.
  tree.fuzzyGet = (term: string, maxDistance: number) => {
    const key = `${maxDistance} ${term}`;
    let matches = fuzzy.get(key);
    if (matches === undefined) {
      matches = fuzzyGet(term, maxDistance);
      fuzzy.set(key, new Map(matches), matches.size);
      return matches;
    }
    return new Map(matches);
  };

  return {
    get terms() {
      return prefixes.size + fuzzy.size;
    },
    get matches() {
      return prefixes.weight + fuzzy.weight;
    },
    clear() {
      prefixes.clear();
      fuzzy.clear();
    },
  };
}
