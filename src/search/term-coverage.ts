import { z } from 'zod';
import { LruMap } from '../lru-map.js';
import { base64ToUint32, floatsToBase64 } from '../storage/float-base64.js';
import { KeywordFolding, keywordTerms } from './lexical-index.js';
import { narrowed, type Counts } from './narrow-counts.js';
import { indexOfSorted } from './sorted-ids.js';

/**
 * Query terms whose known-word matches are remembered (see `TermCoverage.matchesOf`). Each entry
 * is a few short strings and two numbers (the prefix run is kept as a range of the sorted
 * vocabulary, not copied), so the bound holds well under 1 MB whatever the knowledge base.
 */
const EXPANSION_CACHE = 4096;

/**
 * The known words a query term can match: the term itself and its known prefixes of four letters
 * or more, up to three letters shorter (`words`, and `ids`: their places in the sorted
 * vocabulary), and the known words it is a prefix of, as the range `from`..`to` of the sorted
 * vocabulary (the term itself excluded from the range).
 */
export interface TermMatches {
  words: readonly string[];
  ids: readonly number[];
  from: number;
  to: number;
}

/** Passages to leave out of the counts (leave-one-out calibration): single texts, or whole articles. */
export interface TermExclusion {
  passages?: readonly { articleId: string; text: string }[];
  /** Not modified once passed: what it removes is remembered per set (`removedCounts`). */
  articles?: ReadonlySet<string>;
}

/** What the words of one question say about the knowledge base (see `TermCoverage.query`). */
export interface QueryTerms {
  terms: readonly string[];
  /** Inverse document frequency of each term (rare words weigh more). */
  weights: readonly number[];
  /** Share of the question's keyword weight that no passage of the knowledge base contains. */
  unknownShare: number;
  /** Number of keywords no passage contains. */
  unknownCount: number;
  /** Counts to subtract for this question (excluded passages). */
  minus: Minus;
  /** The known words each term can match (same order as `terms`), looked up once per question. */
  matches: readonly TermMatches[];
}

/** Passage counts to subtract, by word id (place in the sorted vocabulary); unknown words cannot match and are left out. */
interface Minus {
  global: Map<number, number>;
  byArticle: Map<string, Map<number, number>>;
}

/** A saved term coverage (`TermCoverage.toJSON`): the counts as base64 of their uint32s. */
export const termCoverageJsonSchema = z.object({
  passages: z.number().int().nonnegative(),
  sorted: z.array(z.string()),
  global: z.string(),
  articleIds: z.array(z.string()),
  /** Per article (same order as `articleIds`): start, end, passages. */
  articles: z.string(),
  articleWords: z.string(),
  articleCounts: z.string(),
});

export type TermCoverageJson = z.infer<typeof termCoverageJsonSchema>;

/**
 * Which of a question's keywords occur in which article. Two signals the similarity scores miss:
 * a question whose rare words appear in no article at all ("does it integrate with Slack") is
 * likely about something the knowledge base does not cover, and an article that contains the
 * question's rare words is likelier to be the one meant. A word matches a known word it is a
 * prefix of (four letters or more: "instal" → "installation") or that is a prefix of it with up to
 * three more letters ("passwords" → "password"), so plain inflections count.
 */
export class TermCoverage {
  /** All keywords, sorted, for prefix lookups; a word's id is its place here. */
  private sorted: string[];
  /** Keyword → id. */
  private ids: Map<string, number>;
  /** Per word id: number of passages containing it. */
  private global: Uint32Array;
  /**
   * Per article id: the range `start`..`end` of `articleWords` / `articleCounts`, which hold the
   * ids of the words its passages (all languages) contain, ascending, and how many passages
   * contain each. Two flat arrays instead of a Map per article: at 10,000 articles ~1.5 million
   * entries, 37 MB of JS Maps, ~12 MB here (bench/results/2026-12-06-round7.md); each in the
   * narrowest array that holds its values (narrow-counts.ts: word ids in two bytes while the
   * vocabulary has at most 65,536 words, counts in one below 256), ~2 MB at 10,000 articles.
   */
  private byArticle = new Map<string, { start: number; end: number }>();
  private articleWords: Counts;
  private articleCounts: Counts;
  private passages: number;
  /** Per article id: its passages (all languages), so `revise` can take them out of `passages`. */
  private passagesByArticle = new Map<string, number>();
  /** The bound of `expansions` (a revised coverage gets the same). */
  private readonly expansionCache: number;
  /**
   * Query term → the known words it matches (`TermMatches`). The vocabulary is fixed for the
   * lifetime of a TermCoverage (a new index builds a new one), so the binary search and prefix
   * slices are done once per distinct term instead of once per term and candidate article
   * (a median of 23 candidates per question on the sample knowledge base). With the keyword
   * index's remembered expansions, one question's retrieval went from ~3.1–3.4 to ~2.3 ms CPU
   * (bench/results/2026-12-06-round5-turn.md).
   */
  private readonly expansions: LruMap<string, TermMatches>;
  /**
   * The counts of a set of removed articles, per set. Calibration ranks ~600 questions with the
   * same fifth of the articles removed: at 10,000 articles, subtracting those ~2,000 articles'
   * counts again for each question made ~2,000 maps per question (8.7 s of a 96 s calibration, and
   * the garbage that grew the heap by ~250 MB). Keyed weakly: gone with the calibration's set.
   */
  private readonly removedCounts = new WeakMap<ReadonlySet<string>, Minus>();

  /**
   * A passage's `keywords`, when given, are `keywordTerms(text)` already (the keyword index's, see
   * MiniSearchLexicalIndex); `folding`: remembered token foldings for the others.
   */
  constructor(passages: Iterable<{ articleId: string; text: string; keywords?: readonly string[] }>, options: { expansionCache?: number; folding?: KeywordFolding } = {}) {
    this.expansionCache = options.expansionCache ?? EXPANSION_CACHE;
    this.expansions = new LruMap(this.expansionCache);
    const folding = options.folding ?? new KeywordFolding();
    const counting = new Map<string, Map<string, number>>();
    const global = new Map<string, number>();
    let count = 0;
    for (const { articleId, text, keywords } of passages) {
      count++;
      this.passagesByArticle.set(articleId, (this.passagesByArticle.get(articleId) ?? 0) + 1);
      let counts = counting.get(articleId);
      if (counts === undefined) counting.set(articleId, (counts = new Map()));
      for (const term of new Set(keywords ?? folding.terms(text))) {
        counts.set(term, (counts.get(term) ?? 0) + 1);
        global.set(term, (global.get(term) ?? 0) + 1);
      }
    }
    this.passages = count;
    this.sorted = [...global.keys()].sort();
    this.ids = new Map(this.sorted.map((word, id) => [word, id]));
    this.global = Uint32Array.from(this.sorted, (word) => global.get(word)!);
    let entries = 0;
    for (const counts of counting.values()) entries += counts.size;
    const articleWords = new Uint32Array(entries);
    const articleCounts = new Uint32Array(entries);
    let start = 0;
    for (const [articleId, counts] of counting) {
      const words = [...counts.keys()].map((word) => this.ids.get(word)!).sort((a, b) => a - b);
      words.forEach((id, i) => {
        articleWords[start + i] = id;
        articleCounts[start + i] = counts.get(this.sorted[id]!)!;
      });
      this.byArticle.set(articleId, { start, end: start + words.length });
      start += words.length;
    }
    this.articleWords = narrowed(articleWords);
    this.articleCounts = narrowed(articleCounts);
  }

  /**
   * This coverage with the articles in `changed` counted again from `passages` (all the passages,
   * every language, those ids have now: an id without any is gone), for a hot reload that changed a
   * few articles: the same counts as a fresh build over the resulting passages, without tokenizing
   * the rest again. The unchanged articles' word lists are carried over with their ids renumbered
   * (a sorted vocabulary's order is kept by any subset of it, so they stay ascending).
   */
  revise(changed: ReadonlySet<string>, passages: Iterable<{ articleId: string; text: string; keywords?: readonly string[] }>): TermCoverage {
    const fresh = new TermCoverage(passages, { expansionCache: this.expansionCache });
    const totals = new Map<string, number>();
    this.sorted.forEach((word, id) => totals.set(word, this.global[id]!));
    let count = this.passages + fresh.passages;
    for (const articleId of changed) {
      count -= this.passagesByArticle.get(articleId) ?? 0;
      const range = this.byArticle.get(articleId);
      if (range === undefined) continue;
      for (let i = range.start; i < range.end; i++) {
        const word = this.sorted[this.articleWords[i]!]!;
        totals.set(word, totals.get(word)! - this.articleCounts[i]!);
      }
    }
    fresh.sorted.forEach((word, id) => totals.set(word, (totals.get(word) ?? 0) + fresh.global[id]!));
    const revised = new TermCoverage([], { expansionCache: this.expansionCache });
    revised.passages = count;
    revised.sorted = [...totals.keys()].filter((word) => totals.get(word)! > 0).sort();
    revised.ids = new Map(revised.sorted.map((word, id) => [word, id]));
    revised.global = Uint32Array.from(revised.sorted, (word) => totals.get(word)!);
    const kept = [...this.byArticle].filter(([articleId]) => !changed.has(articleId));
    let entries = fresh.articleWords.length;
    for (const [, range] of kept) entries += range.end - range.start;
    const articleWords = new Uint32Array(entries);
    const articleCounts = new Uint32Array(entries);
    let start = 0;
    // Word id in `from` → word id in `revised` (every word an article of `from` that is carried over has is still there).
    const renumbering = (from: TermCoverage) => Int32Array.from(from.sorted, (word) => revised.ids.get(word) ?? -1);
    const renumbered = new Map([this, fresh].map((from) => [from, renumbering(from)]));
    const copy = (from: TermCoverage, articleId: string, range: { start: number; end: number }) => {
      const newId = renumbered.get(from)!;
      for (let i = range.start; i < range.end; i++) {
        articleWords[start + i - range.start] = newId[from.articleWords[i]!]!;
        articleCounts[start + i - range.start] = from.articleCounts[i]!;
      }
      revised.byArticle.set(articleId, { start, end: start + range.end - range.start });
      revised.passagesByArticle.set(articleId, from.passagesByArticle.get(articleId)!);
      start += range.end - range.start;
    };
    for (const [articleId, range] of kept) copy(this, articleId, range);
    for (const [articleId, range] of fresh.byArticle) copy(fresh, articleId, range);
    revised.articleWords = narrowed(articleWords);
    revised.articleCounts = narrowed(articleCounts);
    return revised;
  }

  /** The counts, for saving beside the keyword index (see `MiniSearchLexicalIndex.toJSON`). */
  toJSON(): TermCoverageJson {
    const articleIds = [...this.byArticle.keys()];
    const articles = new Uint32Array(articleIds.length * 3);
    articleIds.forEach((articleId, i) => {
      const { start, end } = this.byArticle.get(articleId)!;
      articles.set([start, end, this.passagesByArticle.get(articleId) ?? 0], i * 3);
    });
    return {
      passages: this.passages,
      sorted: this.sorted,
      global: floatsToBase64(this.global),
      articleIds,
      articles: floatsToBase64(articles),
      // Saved as uint32 whatever the arrays in memory, so files read the same either way.
      articleWords: floatsToBase64(Uint32Array.from(this.articleWords)),
      articleCounts: floatsToBase64(Uint32Array.from(this.articleCounts)),
    };
  }

  /** A coverage saved with `toJSON`; throws when its parts do not fit together. */
  static fromJSON(json: TermCoverageJson, options: { expansionCache?: number } = {}): TermCoverage {
    const coverage = new TermCoverage([], options);
    const global = base64ToUint32(json.global);
    const articles = base64ToUint32(json.articles);
    const articleWords = base64ToUint32(json.articleWords);
    const articleCounts = base64ToUint32(json.articleCounts);
    if (global.length !== json.sorted.length || articles.length !== 3 * json.articleIds.length || articleWords.length !== articleCounts.length) {
      throw new Error('saved term coverage: its parts differ in length');
    }
    for (const id of articleWords) if (id >= global.length) throw new Error('saved term coverage: a word id is out of bounds');
    coverage.passages = json.passages;
    coverage.sorted = json.sorted;
    coverage.ids = new Map(json.sorted.map((word, id) => [word, id]));
    coverage.global = global;
    coverage.articleWords = narrowed(articleWords);
    coverage.articleCounts = narrowed(articleCounts);
    json.articleIds.forEach((articleId, i) => {
      const [start, end, passages] = [articles[i * 3]!, articles[i * 3 + 1]!, articles[i * 3 + 2]!];
      if (start > end || end > articleWords.length) throw new Error('saved term coverage: an article range is out of bounds');
      coverage.byArticle.set(articleId, { start, end });
      coverage.passagesByArticle.set(articleId, passages);
    });
    return coverage;
  }

  /** The question's keywords, their weights and how many the knowledge base does not know. */
  query(text: string, exclusion?: TermExclusion): QueryTerms {
    const minus = this.minusOf(exclusion);
    const terms = [...new Set(keywordTerms(text))];
    const weights = terms.map((term) => {
      const id = this.ids.get(term);
      const passages = id === undefined ? 0 : this.global[id]! - (minus.global.get(id) ?? 0);
      return Math.log(1 + this.passages / (1 + Math.max(0, passages)));
    });
    const matches = terms.map((term) => this.matchesOf(term));
    const inAll = (id: number) => this.global[id]!;
    let total = 0;
    let unknown = 0;
    let unknownCount = 0;
    terms.forEach((_, i) => {
      total += weights[i]!;
      if (!this.known(matches[i]!, inAll, minus.global)) {
        unknown += weights[i]!;
        unknownCount++;
      }
    });
    return { terms, weights, unknownShare: total === 0 ? 0 : unknown / total, unknownCount, minus, matches };
  }

  /** Share of the question's keyword weight (0..1) that occurs in the article's passages. */
  coverage(query: QueryTerms, articleId: string): number {
    const range = this.byArticle.get(articleId);
    if (range === undefined || query.terms.length === 0) return 0;
    const minus = query.minus.byArticle.get(articleId);
    const inArticle = (id: number) => this.articleCount(range.start, range.end, id);
    let total = 0;
    let covered = 0;
    query.terms.forEach((_, i) => {
      total += query.weights[i]!;
      if (this.known(query.matches[i]!, inArticle, minus)) covered += query.weights[i]!;
    });
    return total === 0 ? 0 : covered / total;
  }

  /**
   * Whether any of a term's matching known words has a passage left in `count` after `minus`.
   * Every word of an article (and of `minus`) is in the vocabulary, so the vocabulary's matches of
   * the term are all the words that can be present.
   */
  private known({ ids, from, to }: TermMatches, count: (id: number) => number, minus: ReadonlyMap<number, number> | undefined): boolean {
    for (const id of ids) if (count(id) - (minus?.get(id) ?? 0) > 0) return true;
    for (let id = from; id < to; id++) if (count(id) - (minus?.get(id) ?? 0) > 0) return true;
    return false;
  }

  /** Passages of one article (its range of the flat arrays) containing word `id`: a binary search of its ascending ids. */
  private articleCount(start: number, end: number, id: number): number {
    const at = indexOfSorted(this.articleWords, id, start, end);
    return at < 0 ? 0 : this.articleCounts[at]!;
  }

  /** Query terms whose matches are remembered (bounded by the `expansionCache` option). */
  get cachedTerms(): number {
    return this.expansions.size;
  }

  /** The known words a term can match (see the class comment), remembered per term. */
  matchesOf(term: string): TermMatches {
    let matches = this.expansions.get(term);
    if (matches === undefined) {
      matches = this.expand(term);
      this.expansions.set(term, matches);
    }
    return matches;
  }

  private expand(term: string): TermMatches {
    const words = this.ids.has(term) ? [term] : [];
    const ids = () => words.map((word) => this.ids.get(word)!);
    if (term.length < 4) return { words, ids: ids(), from: 0, to: 0 };
    // A known word that is a prefix of the term, up to three letters shorter.
    for (let length = Math.max(4, term.length - 3); length < term.length; length++) {
      const prefix = term.slice(0, length);
      if (this.ids.has(prefix)) words.push(prefix);
    }
    // Known words the term is a prefix of: a contiguous run in the sorted list.
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.sorted[mid]! < term) low = mid + 1;
      else high = mid;
    }
    // The term itself sorts first in its run; it is already in `words`.
    const from = low < this.sorted.length && this.sorted[low] === term ? low + 1 : low;
    let to = from;
    while (to < this.sorted.length && this.sorted[to]!.startsWith(term)) to++;
    return { words, ids: ids(), from, to };
  }

  private minusOf(exclusion: TermExclusion | undefined): Minus {
    if (exclusion?.articles !== undefined && (exclusion.passages ?? []).length === 0) {
      let minus = this.removedCounts.get(exclusion.articles);
      if (minus === undefined) this.removedCounts.set(exclusion.articles, (minus = this.countsOf(exclusion)));
      return minus;
    }
    return this.countsOf(exclusion);
  }

  /** What `exclusion` takes away: per word, in all and per article. Read only once made (`removedCounts` shares it). */
  private countsOf(exclusion: TermExclusion | undefined): Minus {
    const global = new Map<number, number>();
    const byArticle = new Map<string, Map<number, number>>();
    if (exclusion === undefined) return { global, byArticle };
    for (const articleId of exclusion.articles ?? []) {
      const range = this.byArticle.get(articleId);
      if (range === undefined) continue;
      const counts = new Map<number, number>();
      for (let i = range.start; i < range.end; i++) {
        const id = this.articleWords[i]!;
        const n = this.articleCounts[i]!;
        counts.set(id, n);
        global.set(id, (global.get(id) ?? 0) + n);
      }
      byArticle.set(articleId, counts);
    }
    for (const { articleId, text } of exclusion.passages ?? []) {
      if (exclusion.articles?.has(articleId)) continue;
      let counts = byArticle.get(articleId);
      if (counts === undefined) byArticle.set(articleId, (counts = new Map()));
      for (const term of new Set(keywordTerms(text))) {
        const id = this.ids.get(term);
        if (id === undefined) continue; // not in the vocabulary: no count to subtract from
        counts.set(id, (counts.get(id) ?? 0) + 1);
        global.set(id, (global.get(id) ?? 0) + 1);
      }
    }
    return { global, byArticle };
  }
}
