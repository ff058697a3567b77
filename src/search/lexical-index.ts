import MiniSearch from 'minisearch';
import { LruMap } from '../lru-map.js';
import { CompactPostings, compactTermIndex } from './compact-postings.js';
import { denseWhenCompact, SingleFieldLengths } from './dense-id-map.js';
import { narrowed, type Counts } from './narrow-counts.js';
import { indexOfSorted } from './sorted-ids.js';
import { TopK } from './top-k.js';
import { memoizeTermExpansions, type TermExpansionCache, type TermExpansionLimits } from './term-expansions.js';

/**
 * Query terms whose prefix and fuzzy expansions are remembered (term-expansions.ts). A day's
 * questions use a few thousand distinct keywords; the match bound keeps the cache to a few MB
 * however large the knowledge base's vocabulary (an entry holds references to index data).
 */
const EXPANSION_LIMITS: TermExpansionLimits = { maxTerms: 4096, maxMatches: 32_768 };

/** A text to index lexically: one passage of one language version of an article. */
export interface LexicalDocument {
  /** Unique per passage (the vector label, so both indexes name a passage the same way). */
  id: number;
  articleId: string;
  language: string;
  text: string;
}

export interface LexicalHit {
  id: number;
  articleId: string;
  language: string;
  /** BM25 score (unbounded, grows with matched rare words). */
  score: number;
}

/**
 * Keyword search over the same passages the vector index holds. An interface so MiniSearch can
 * be replaced (e.g. by PostgreSQL full-text search) without touching fusion or decision code.
 */
export interface LexicalIndex {
  /** Up to `limit` passages, best first; `exclude` drops passages (leave-one-out calibration). */
  search(text: string, limit: number, exclude?: (id: number) => boolean): LexicalHit[];
}

/** Lower case without diacritics: customers type "senha"/"usuario"/"zalogowac" without accents. */
export function foldTerm(term: string): string {
  return term
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/\u0142/g, 'l'); // ł
}

/**
 * Words that carry no topic in support questions, in the three shipped languages (folded). BM25
 * already weighs frequent words down; dropping them keeps "how do I" from matching everything.
 */
const STOP_WORDS = new Set(
  [
    'a an and are as at be but by can could do does for from have how i if in is it me my of on or our please should so that the there this to was we what when where which who why will with would you your',
    'a as o os e em um uma uns umas de do da dos das no na nos nas para pra por com como que se meu minha meus minhas eu voce e ao aos mais mas ou nao sim sao esta estao isso esse essa ele ela tem ter qual quais onde quando porque pelo pela',
    'a i w z na do o od po za ze sie nie jak jest czy to ten ta co mi mnie moj moja moje jestem mam dla przez oraz lub ale juz tak by gdzie kiedy dlaczego ktory ktora ktore',
  ]
    .join(' ')
    .split(' '),
);

/** A folded keyword of the text, or null for a stop word or a one-letter token (MiniSearch's `processTerm`). */
function keywordTerm(term: string): string | null {
  const folded = foldTerm(term);
  return folded.length < 2 || STOP_WORDS.has(folded) ? null : folded;
}

/** MiniSearch's default tokenizer: splits on whitespace and punctuation. */
const SPACE_OR_PUNCTUATION = /[\n\r\p{Z}\p{P}]+/u;

/** The keywords of a text as the keyword index sees them (folded, stop words dropped); `term` folds one token. */
export function keywordTerms(text: string, term: (token: string) => string | null = keywordTerm): string[] {
  const terms: string[] = [];
  for (const token of text.split(SPACE_OR_PUNCTUATION)) {
    const folded = term(token);
    if (folded !== null) terms.push(folded);
  }
  return terms;
}

/**
 * `keywordTerm` remembered per distinct token, for indexing a whole knowledge base: its passages
 * repeat a small vocabulary (10,000 generated articles: ~80,000 passages, ~2.5 million tokens),
 * and folding each token afresh (lower case, NFD, a Unicode regex) was the largest single cost of
 * building the keyword index and the term coverage on every sync (`foldTerm` 12 % of the CPU
 * profile of a 10,000-article sync). A pure function remembered: the same terms. Unbounded, so
 * it lives as long as one build (one sync's keyword index and term coverage share it), not longer.
 */
export class KeywordFolding {
  private readonly folded = new Map<string, string | null>();

  /** `keywordTerm(token)`. */
  term(token: string): string | null {
    let term = this.folded.get(token);
    if (term === undefined) this.folded.set(token, (term = keywordTerm(token)));
    return term;
  }

  /** `keywordTerms(text)`. */
  terms(text: string): string[] {
    return keywordTerms(text, (token) => this.term(token));
  }
}

/**
 * When a query term counts as common: in more than `share` of the passages AND more than
 * `minPostings` of them. See `MiniSearchLexicalIndex.search`.
 */
export interface CommonTermCutoff {
  share: number;
  minPostings: number;
}

/**
 * 5 %: such a term weighs at most ln(20) ≈ 3 in BM25 against ~10 for a word of one article at
 * 10,000 articles. 2,000 postings: below that a term costs little to score (~3 ms), so small
 * knowledge bases (the 48-article sample has 1,313 passages) keep plain BM25, to the bit.
 */
export const COMMON_TERMS: CommonTermCutoff = { share: 0.05, minPostings: 2000 };

/**
 * Query terms whose scores on every passage are remembered (`TermScores`), and the most passages
 * they may hold in all: 4,096 terms, 1.5 million passages (14 bytes each for a term in up to
 * 65,536 passages: ≤ 21 MB, within the 24 MB the common terms alone had before; at 10,000
 * articles a term and its prefix and fuzzy matches reach 1,000–30,000 passages, on the sample a
 * few dozen).
 */
const TERM_SCORES = { terms: 4096, passages: 1_500_000 };

/** One query term's BM25 score (prefix and fuzzy matches included) on each passage that has it. */
interface TermScores {
  /** Passage ids ascending, and each one's score. */
  ids: Uint32Array;
  scores: Float64Array;
  /**
   * Positions in `ids` in the order MiniSearch reached the passages: a query visits them in this
   * order (ties keep it). In the narrowest array that holds them (narrow-counts.ts): two bytes a
   * passage for any term in fewer than 65,537 passages.
   */
  reached: Counts;
}

/** How `MiniSearchLexicalIndex` is built (see its constructor). */
export interface LexicalBuildOptions {
  folding?: KeywordFolding;
  onKeywords?: (document: LexicalDocument, keywords: readonly string[]) => void;
  owners?: ReadonlyMap<number, { articleId: string; language: string }>;
  common?: CommonTermCutoff;
}

/** What MiniSearchLexicalIndex's `processTerm` needs while documents are added (see `indexing`). */
interface Indexing {
  building: { folding: KeywordFolding; keywords: string[]; countedIn: Map<string, number>; added: number } | undefined;
}

/** Folds an indexed or a query token; while documents are added, also notes it as the document's keyword. */
function processTerm(indexing: Indexing, token: string): string | null {
  const { building } = indexing;
  if (building === undefined) return keywordTerm(token);
  const term = building.folding.term(token);
  if (term !== null) building.keywords.push(term);
  return term;
}

/** Passed by `build` only: the constructor then leaves the index open for more documents. */
const OPEN: unique symbol = Symbol('open for documents');
/** Passed by `fromJSON` only: the constructor then loads the MiniSearch and postings of a saved index. */
const SAVED: unique symbol = Symbol('saved index');

/**
 * A saved keyword index (`toJSON`): MiniSearch's own serialisation (`MiniSearch.toJSON`, read
 * back with the same options) with its term index in flat rows, and the postings per term. What the index was built from is the
 * caller's to check (the knowledge index keys it by its passages and labels).
 */
export interface LexicalIndexJson {
  /** MiniSearch's serialisation without its term index (`index: []`): that is in `entries`. */
  mini: unknown;
  /**
   * MiniSearch's term index, one row per term in MiniSearch's order: the term, then per field its
   * id and its documents as [id, frequency, id, frequency, …] (in the order MiniSearch's own
   * serialisation lists them). MiniSearch saves each term's documents as an object keyed by id,
   * which `loadJS` turns back into a Map key by key with `parseInt`; flat arrays of numbers read
   * back ~2.5× faster (at 10,000 articles ~0.65 → ~0.27 s, bench/results/2026-12-06-round12.md).
   */
  entries: unknown[];
  postings: [string, number][];
  common: CommonTermCutoff;
}

/** MiniSearch's term → field id → document id → frequency tree, as `loadJS` fills it (minisearch 7.x). */
interface TermIndex extends Iterable<[string, Map<number, unknown>]> {
  set(term: string, fields: Map<number, unknown>): unknown;
}

/** MiniSearch's term index; throws when this MiniSearch version has none (written for minisearch 7.x). */
function termIndexOf(mini: MiniSearch<LexicalDocument>): TermIndex {
  const index = (mini as unknown as { _index?: TermIndex })._index;
  if (index === undefined || typeof index.set !== 'function') throw new Error('this MiniSearch version has no _index (written for minisearch 7.x)');
  return index;
}

/** MiniSearch's serialised term index (`toJSON().index`) as the flat rows of `LexicalIndexJson.entries`. */
function flatEntries(index: readonly [string, Readonly<Record<string, Readonly<Record<string, number>>>>][]): unknown[] {
  return index.map(([term, fields]) => {
    const row: unknown[] = [term];
    for (const field of Object.keys(fields)) {
      const documents = fields[field]!;
      const flat: number[] = [];
      for (const id of Object.keys(documents)) flat.push(Number(id), documents[id]!);
      row.push(Number(field), flat);
    }
    return row;
  });
}

/**
 * Puts flat rows (`flatEntries`) into a MiniSearch read back without its term index, term by term
 * in the saved order and each term's documents in the saved order, as `loadJS` would have: the
 * same tree and the same Map orders, so scores add up in the same order. Throws on a malformed row.
 */
function loadEntries(mini: MiniSearch<LexicalDocument>, entries: readonly unknown[]): void {
  const index = termIndexOf(mini);
  for (const row of entries) {
    if (!Array.isArray(row) || typeof row[0] !== 'string' || row.length % 2 !== 1) throw new Error('keyword index: malformed saved term');
    const fields = new Map<number, CompactPostings>();
    for (let f = 1; f < row.length; f += 2) {
      const field: unknown = row[f];
      const flat: unknown = row[f + 1];
      if (typeof field !== 'number' || !Array.isArray(flat) || flat.length % 2 !== 0) throw new Error('keyword index: malformed saved term');
      const pairs = function* (): Generator<[number, number]> {
        for (let i = 0; i < flat.length; i += 2) {
          const id: unknown = flat[i];
          const frequency: unknown = flat[i + 1];
          if (typeof id !== 'number' || typeof frequency !== 'number') throw new Error('keyword index: malformed saved term');
          yield [id, frequency];
        }
      };
      fields.set(field, CompactPostings.from(pairs(), flat.length / 2));
    }
    index.set(row[0], fields);
  }
}

/** MiniSearch's options: one field, folded terms, prefix and light fuzzy matching (a saved index is read back with the same). */
function miniSearchOptions(indexing: Indexing, storeOwners: boolean) {
  return {
    fields: ['text'],
    storeFields: storeOwners ? ['articleId', 'language'] : [],
    processTerm: (token: string) => processTerm(indexing, token),
    searchOptions: {
      prefix: (term: string) => term.length >= 4,
      fuzzy: (term: string) => (term.length >= 5 ? 0.2 : false),
      weights: { fuzzy: 0.4, prefix: 0.6 },
      combineWith: 'OR' as const,
    },
  };
}

/** The parts of a MiniSearch that `MiniSearchLexicalIndex.search` reads below its public API (minisearch 7.x). */
interface RawMiniSearch {
  /** A query's matches before `MiniSearch.search` makes results of them: internal id → BM25 sum and the query terms matched. */
  execute(query: string): Map<number, { score: number; terms: readonly string[] }>;
  /** A passage's id (the vector label) from MiniSearch's internal one. */
  externalId(internal: number): number;
  /** The article and language MiniSearch stores for a passage (an index built without `owners`). */
  stored(id: number): { articleId: string; language: string };
}

/** `RawMiniSearch` over a MiniSearch; throws when this MiniSearch version lacks the parts (as `loadEntries` does). */
function rawMiniSearch(mini: MiniSearch<LexicalDocument>): RawMiniSearch {
  const inner = mini as unknown as {
    executeQuery?: (query: string) => Map<number, { score: number; terms: string[] }>;
    _documentIds?: Map<number, unknown>;
    _idToShortId?: Map<unknown, number>;
    _storedFields?: Map<number, Record<string, unknown> | undefined>;
  };
  const { executeQuery } = inner;
  if (typeof executeQuery !== 'function' || inner._documentIds === undefined || inner._idToShortId === undefined || inner._storedFields === undefined) {
    throw new Error('this MiniSearch version has no executeQuery or id maps (written for minisearch 7.x)');
  }
  // The maps are read at each call, not kept: `compactIdMaps` replaces them.
  return {
    execute: (query) => executeQuery.call(mini, query),
    externalId: (internal) => inner._documentIds!.get(internal) as number,
    stored: (id) => {
      const fields = inner._storedFields!.get(inner._idToShortId!.get(id) ?? -1) ?? {};
      return { articleId: fields['articleId'] as string, language: fields['language'] as string };
    },
  };
}

/**
 * MiniSearch's per-passage maps (short id ↔ id, field lengths) in arrays indexed by id instead of
 * `Map`s (dense-id-map.ts): ~14 MB less heap at 10,000 articles. Called when documents are in
 * (`finish`): after a build, a read-back or a revision, whose new documents MiniSearch added to
 * the maps already compact (their field lengths become numbers here). Maps whose keys are not
 * dense ids are left as they are, and compact ones whose ids have become spread thin (short ids
 * are never reused: every revision adds new ones) go back to being Maps.
 */
function compactIdMaps(mini: MiniSearch<LexicalDocument>): void {
  const inner = mini as unknown as { _documentIds: Map<number, unknown>; _idToShortId: Map<unknown, number>; _fieldLength: Map<number, number[]> };
  inner._documentIds = denseWhenCompact(inner._documentIds) as Map<number, unknown>;
  inner._idToShortId = denseWhenCompact(inner._idToShortId as ReadonlyMap<number, number>) as Map<unknown, number>;
  if (inner._fieldLength instanceof SingleFieldLengths) {
    if (inner._fieldLength.sparse) inner._fieldLength = new Map(inner._fieldLength);
    else inner._fieldLength.compact();
  } else inner._fieldLength = SingleFieldLengths.from(inner._fieldLength) ?? inner._fieldLength;
}

/** Passed by `revise` only: the constructor then takes the MiniSearch, postings and expansions of a revised index. */
const SHARED: unique symbol = Symbol('shared with a revised index');

/** What an index and the indexes revised from it share (`revise`). */
interface SharedParts {
  mini: MiniSearch<LexicalDocument>;
  postings: Map<string, number>;
  expansions: TermExpansionCache;
  termScores: LruMap<string, TermScores>;
  common: CommonTermCutoff;
}

/** BM25 over passages with MiniSearch: diacritic-folded terms, prefix and light fuzzy matching for typos. */
export class MiniSearchLexicalIndex implements LexicalIndex {
  private readonly mini: MiniSearch<LexicalDocument>;
  /** The same MiniSearch's raw results and id maps (`search`). */
  private readonly raw: RawMiniSearch;
  /** Remembered prefix and fuzzy expansions of query terms (forgotten when `revise` changes the terms). */
  readonly expansions: TermExpansionCache;
  /** Where a hit's article and language are, when MiniSearch does not store them (see the constructor). */
  private readonly owners: ReadonlyMap<number, { articleId: string; language: string }> | undefined;
  /** Passages per indexed term (document frequency). */
  private readonly postings: Map<string, number>;
  /** Remembered scores of query terms (`search`). */
  private readonly termScores: LruMap<string, TermScores>;
  /** Per-passage sums of the question being searched (`eachMatch`). */
  private readonly sums = new PassageSums();
  /** When a term is common (`revise` passes it on). */
  private readonly common: CommonTermCutoff;
  /**
   * Revised since (`revise`): the MiniSearch this shares holds passages this index does not know
   * (their hits are left out) and no longer holds the revised articles' old ones.
   */
  private superseded = false;
  /** Postings above which a query term is common (`search`); set once the documents are in (`finish`). */
  private commonAbove = Infinity;
  /** Whether any indexed term is common: if none is (every small knowledge base), `search` skips looking. */
  private hasCommon = false;
  /**
   * While documents are added: the foldings in use, and the keywords of the document being added.
   * In an object of its own that MiniSearch's `processTerm` closure holds, not the index: a
   * MiniSearch shared by revised indexes (`revise`) must not keep the first one (and its passage
   * labels) alive.
   */
  private readonly indexing: Indexing;

  /**
   * `build.folding`: remembered foldings to use while the documents are added (queries fold
   * afresh: no growth with traffic). `build.onKeywords`: called after each document is added with
   * its keywords as indexed (`keywordTerms(document.text)`, in order), so the term coverage of the
   * same passages needs no second tokenizing and folding (~0.7 s of a 10,000-article sync).
   * `build.owners`: each document's article and language, kept elsewhere already (the knowledge
   * index's passage labels); MiniSearch then stores no fields of its own (8 MB at 10,000 articles).
   * `build.common`: when a query term is common (`search`).
   */
  constructor(
    documents: readonly LexicalDocument[],
    limits: TermExpansionLimits = EXPANSION_LIMITS,
    build: LexicalBuildOptions = {},
    internal?: typeof OPEN | { [SHARED]: SharedParts } | { [SAVED]: LexicalIndexJson },
  ) {
    this.owners = build.owners;
    if (typeof internal === 'object' && SHARED in internal) {
      ({ mini: this.mini, postings: this.postings, expansions: this.expansions, termScores: this.termScores, common: this.common } = internal[SHARED]);
      this.indexing = { building: undefined };
      this.raw = rawMiniSearch(this.mini);
      this.finish();
      return;
    }
    this.termScores = new LruMap(TERM_SCORES.terms, TERM_SCORES.passages);
    const saved = typeof internal === 'object' ? internal[SAVED] : undefined;
    this.postings = new Map(saved?.postings);
    this.common = saved?.common ?? build.common ?? COMMON_TERMS;
    this.indexing = { building: saved === undefined ? { folding: build.folding ?? new KeywordFolding(), keywords: [], countedIn: new Map(), added: 0 } : undefined };
    const options = miniSearchOptions(this.indexing, build.owners === undefined);
    if (saved === undefined) this.mini = new MiniSearch<LexicalDocument>(options);
    else {
      this.mini = MiniSearch.loadJS(saved.mini as Parameters<typeof MiniSearch.loadJS>[0], options);
      loadEntries(this.mini, saved.entries);
    }
    this.expansions = memoizeTermExpansions(this.mini, limits);
    this.raw = rawMiniSearch(this.mini);
    if (internal === OPEN) return;
    if (saved === undefined) this.add(documents, build.onKeywords);
    this.finish();
  }

  /**
   * The same index as the constructor's, built from slices of the documents that arrive while
   * the event loop runs between them: a server re-indexing its articles keeps answering, and
   * the model thread gets its next batch (at 10,000 articles the keyword index takes ~2.5 s of
   * this thread).
   */
  static async build(slices: AsyncIterable<readonly LexicalDocument[]>, limits: TermExpansionLimits = EXPANSION_LIMITS, build: LexicalBuildOptions = {}): Promise<MiniSearchLexicalIndex> {
    const index = new MiniSearchLexicalIndex([], limits, build, OPEN);
    for await (const slice of slices) index.add(slice, build.onKeywords);
    index.finish();
    return index;
  }

  /**
   * Adds documents and counts their postings. MiniSearch tokenizes the one field with the same
   * split as `keywordTerms` and calls `processTerm` on each token in order, so what it kept of one
   * document is its keywords. A term repeated in a passage counts once (`countedIn`: the last
   * document each term was counted for). (`onKeywords` is passed
   * along, not kept: what it holds, the whole sync's keywords, 34 MB at 10,000 articles, must not
   * live as long as the index.)
   */
  private add(documents: readonly LexicalDocument[], onKeywords: LexicalBuildOptions['onKeywords']): void {
    const { building } = this.indexing;
    if (building === undefined) throw new Error('the keyword index is built already');
    const { countedIn } = building;
    for (const document of documents) {
      building.keywords = [];
      this.mini.add(document);
      const n = building.added;
      for (const term of building.keywords) {
        if (countedIn.get(term) === n) continue;
        countedIn.set(term, n);
        this.postings.set(term, (this.postings.get(term) ?? 0) + 1);
      }
      onKeywords?.(document, building.keywords);
      building.added++;
    }
  }

  /**
   * The index as saved by the knowledge index beside its vectors, so a restart reads it back
   * (`fromJSON`, ~0.3 s at 10,000 articles) instead of tokenizing every passage again (~2.5 s
   * and as much again in garbage collection). Not for an index revised since (`revise`): its
   * MiniSearch then holds passages this index does not know.
   */
  toJSON(): LexicalIndexJson {
    if (this.superseded || this.indexing.building !== undefined) throw new Error('only a finished, unrevised keyword index can be saved');
    const mini = this.mini.toJSON();
    // Terms in the order they were first indexed (the postings' order), not the radix tree's: read
    // back in that order they make the same tree, so prefix and fuzzy matches come in the same
    // order and their scores add up to the same floats, to the last bit.
    const order = new Map([...this.postings.keys()].map((term, i) => [term, i]));
    const place = (term: string) => order.get(term) ?? order.size;
    mini.index.sort((a, b) => place(a[0]) - place(b[0]));
    return { mini: { ...mini, index: [] }, entries: flatEntries(mini.index), postings: [...this.postings], common: this.common };
  }

  /** An index saved with `toJSON`; `owners` as given to the build (the saved MiniSearch stores no fields when it had them). */
  static fromJSON(json: LexicalIndexJson, owners?: ReadonlyMap<number, { articleId: string; language: string }>, limits: TermExpansionLimits = EXPANSION_LIMITS): MiniSearchLexicalIndex {
    return new MiniSearchLexicalIndex([], limits, owners === undefined ? {} : { owners }, { [SAVED]: json });
  }

  /** Whether `revise` made a newer index from this one (which then cannot be revised again). */
  get revised(): boolean {
    return this.superseded;
  }

  /**
   * This index with some passages replaced, for a hot reload that changed a few articles: the
   * MiniSearch is revised in place (`remove` takes a passage out exactly, as if it had never been
   * added: the same BM25 statistics as a fresh build) instead of built again (~3 s of this thread
   * and hundreds of MB of garbage at 10,000 articles). `removed` must be documents this index
   * holds, with the texts they were added with; `owners`: every passage of the result.
   *
   * The result shares the MiniSearch with this index, which from then on leaves out the hits it
   * does not know and no longer finds the removed passages: the caller swaps the result in for it.
   */
  revise(removed: readonly LexicalDocument[], added: readonly LexicalDocument[], owners: ReadonlyMap<number, { articleId: string; language: string }>): MiniSearchLexicalIndex {
    if (this.owners === undefined) throw new Error('only an index built with owners can be revised');
    if (this.superseded) throw new Error('this keyword index was revised already: revise the newer one');
    const count = (text: string, sign: 1 | -1) => {
      for (const term of new Set(keywordTerms(text))) {
        const n = (this.postings.get(term) ?? 0) + sign;
        if (n > 0) this.postings.set(term, n);
        else this.postings.delete(term);
      }
    };
    for (const document of removed) {
      this.mini.remove(document);
      count(document.text, -1);
    }
    for (const document of added) {
      this.mini.add(document);
      count(document.text, 1);
    }
    this.expansions.clear();
    this.termScores.clear();
    this.superseded = true;
    return new MiniSearchLexicalIndex([], undefined, { owners }, { [SHARED]: { mini: this.mini, postings: this.postings, expansions: this.expansions, termScores: this.termScores, common: this.common } });
  }

  /** Once the documents are in: when a term is common, given the passages indexed. */
  private finish(): void {
    // Postings in typed arrays from now on (see compact-postings.ts); a saved index was read so.
    compactTermIndex(termIndexOf(this.mini));
    compactIdMaps(this.mini);
    this.commonAbove = Math.max(this.common.share * this.mini.documentCount, this.common.minPostings);
    this.hasCommon = [...this.postings.values()].some((count) => count > this.commonAbove);
    this.indexing.building = undefined;
  }

  /**
   * A query term's scores on every passage that has it (a MiniSearch query of the term alone: its
   * score is the term's BM25 with prefix and fuzzy matches, nothing multiplied), remembered.
   * Customers reuse the same words, and scoring a term means visiting all of its postings and
   * those of its prefix and fuzzy matches, a result object per passage reached: at 10,000
   * articles ~10 ms of every question, of which MiniSearch's own `termResults` and the garbage
   * collection of its objects were three quarters. A remembered term costs a look-up per passage.
   */
  private scoresOf(term: string): TermScores {
    let table = this.termScores.get(term);
    if (table === undefined) {
      const found: number[] = [];
      const values: number[] = [];
      for (const [internal, { score }] of this.raw.execute(term)) {
        found.push(this.raw.externalId(internal));
        values.push(score);
      }
      const order = Array.from(found, (_, i) => i).sort((i, j) => found[i]! - found[j]!);
      const reached = new Uint32Array(found.length);
      order.forEach((i, position) => (reached[i] = position));
      table = { ids: Uint32Array.from(order, (i) => found[i]!), scores: Float64Array.from(order, (i) => values[i]!), reached: narrowed(reached) };
      this.termScores.set(term, table, found.length);
    }
    return table;
  }

  /**
   * Scoring a term visits every passage that has it, so at 10,000 articles a question with
   * "account" or "not working" cost ~110 ms of keyword search (tens of thousands of postings).
   * Like Elasticsearch's common terms query (cutoff_frequency), common terms then score only the
   * passages that matched a rarer term of the question: those get the same BM25 score as in
   * one query (MiniSearch: the sum over terms times the number of query terms matched), and
   * passages with common terms only, which rank low anyway, drop out. A question of common
   * terms only, or whose rarer terms match nothing, is searched plainly.
   *
   * Each term's scores come from `scoresOf` and are combined as MiniSearch combines a query's
   * terms, passage by passage in the order it would reach them: the same hits, scores and order
   * as a MiniSearch query of the text, to the bit (test/rank-fusion.test.ts).
   */
  search(text: string, limit: number, exclude?: (id: number) => boolean): LexicalHit[] {
    const terms = keywordTerms(text);
    const common = this.hasCommon ? terms.filter((term) => (this.postings.get(term) ?? 0) > this.commonAbove) : [];
    const best = new TopK(limit);
    let reached = 0;
    if (common.length > 0 && common.length < terms.length) {
      const tables = common.map((term, t) => ({ scores: this.scoresOf(term), repeat: common.indexOf(term) < t }));
      const rare = terms.filter((term) => !common.includes(term));
      reached = this.eachMatch(rare, exclude, (id, score, quality) => best.offer(id, withCommonTerms(id, score, quality, tables), score));
    }
    if (reached === 0) this.eachMatch(terms, exclude, (id, score) => best.offer(id, score));
    return best.hits().map(({ id, score }) => {
      const owner = this.owners?.get(id) ?? this.raw.stored(id);
      return { id, articleId: owner.articleId, language: owner.language, score };
    });
  }

  /**
   * Calls `hit` for every passage that has one of `terms` and that `exclude` keeps, in the order
   * a MiniSearch query of the terms reaches them (the first term's passages, then the second's
   * not seen yet, …), with the score that query gives it: the sum of its terms' scores in query
   * order (a repeated term counted each time) times the distinct terms it has, its `quality`.
   * Returns how many passages `exclude` kept. The sums are kept per passage id in reused arrays
   * (`PassageSums`), a term at a time: at 10,000 articles a question's terms reach thousands of
   * passages, and looking each one up in every other term's table was ~10 % of the main thread.
   */
  private eachMatch(terms: readonly string[], exclude: ((id: number) => boolean) | undefined, hit: (id: number, score: number, quality: number) => void): number {
    const tables = terms.map((term) => this.scoresOf(term));
    const sums = this.sums.start(Math.max(0, ...tables.map(({ ids }) => (ids.length === 0 ? 0 : ids[ids.length - 1]! + 1))));
    const order: number[] = [];
    tables.forEach(({ ids, scores, reached }, t) => {
      const first = terms.indexOf(terms[t]!) === t;
      for (let k = 0; k < reached.length; k++) {
        const position = reached[k]!;
        if (sums.add(ids[position]!, scores[position]!, first)) order.push(ids[position]!);
      }
    });
    let kept = 0;
    for (const id of order) {
      if (exclude !== undefined && exclude(id)) continue;
      kept++;
      // Revised since: a passage this index does not know (see `superseded`).
      if (this.superseded && !this.owners!.has(id)) continue;
      const quality = sums.quality[id]!;
      hit(id, sums.sum[id]! * quality, quality);
    }
    return kept;
  }
}

/**
 * One question's keyword score sums per passage id, in arrays reused from question to question
 * (search is synchronous: one question at a time per index). A passage's entry is valid when its
 * stamp is the current question's, so nothing is cleared between questions.
 */
class PassageSums {
  private question = 0;
  private stamp = new Uint32Array(0);
  sum = new Float64Array(0);
  quality = new Uint16Array(0);

  /** A new question over passage ids below `size`. */
  start(size: number): this {
    if (size > this.stamp.length) {
      const length = Math.max(size, this.stamp.length * 2);
      this.stamp = new Uint32Array(length);
      this.sum = new Float64Array(length);
      this.quality = new Uint16Array(length);
      this.question = 0;
    }
    if (++this.question === 0xffffffff) {
      this.stamp.fill(0);
      this.question = 1;
    }
    return this;
  }

  /** Adds a term's score to the passage (`first`: the term's first occurrence in the question, a term matched); true when the passage is new to this question. */
  add(id: number, score: number, first: boolean): boolean {
    if (this.stamp[id] !== this.question) {
      this.stamp[id] = this.question;
      this.sum[id] = score;
      this.quality[id] = first ? 1 : 0;
      return true;
    }
    this.sum[id]! += score;
    if (first) this.quality[id]!++;
    return false;
  }
}

/**
 * A rare-term result's score with the common terms' scores added: what one MiniSearch query of
 * the common terms limited to those passages gives, to the bit. MiniSearch scores a query's
 * result as (sum of its terms' BM25, in query order, a repeated term counted each time) × (distinct
 * query terms matched): undone per part, then combined, in the same float operations as before.
 * `tables`: one per common term of the question in order, repeats included (`repeat`: the same
 * term came earlier, so it adds its score again but is not another term matched).
 */
function withCommonTerms(id: number, score: number, quality: number, tables: readonly { scores: TermScores; repeat: boolean }[]): number {
  let sum: number | undefined;
  let matched = 0;
  for (const { scores, repeat } of tables) {
    const common = scoreOf(scores, id);
    if (common === undefined) continue;
    sum = sum === undefined ? common : sum + common;
    if (!repeat) matched++;
  }
  if (sum === undefined) return score;
  const more = sum * matched;
  return (score / quality + more / matched) * (quality + matched);
}

/** A passage's score in a common term's table, or undefined. */
function scoreOf({ ids, scores }: TermScores, id: number): number | undefined {
  const at = indexOfSorted(ids, id);
  return at < 0 ? undefined : scores[at];
}
