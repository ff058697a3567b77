import { LruMap } from '../lru-map.js';
import { KeywordFolding, keywordTerms } from './lexical-index.js';

/**
 * Query terms whose known-word matches are remembered (see `TermCoverage.matchesOf`). Each entry
 * is a few short strings and two numbers (the prefix run is kept as a range of the sorted
 * vocabulary, not copied), so the bound holds well under 1 MB whatever the knowledge base.
 */
const EXPANSION_CACHE = 4096;

/**
 * The known words a query term can match: the term itself and its known prefixes of four letters
 * or more, up to three letters shorter (`words`), and the known words it is a prefix of, as the
 * range `from`..`to` of the sorted vocabulary (the term itself excluded from the range).
 */
export interface TermMatches {
  words: readonly string[];
  from: number;
  to: number;
}

/** Passages to leave out of the counts (leave-one-out calibration): single texts, or whole articles. */
export interface TermExclusion {
  passages?: readonly { articleId: string; text: string }[];
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

interface Minus {
  global: Map<string, number>;
  byArticle: Map<string, Map<string, number>>;
}

/**
 * Which of a question's keywords occur in which article. Two signals the similarity scores miss:
 * a question whose rare words appear in no article at all ("does it integrate with Slack") is
 * likely about something the knowledge base does not cover, and an article that contains the
 * question's rare words is likelier to be the one meant. A word matches a known word it is a
 * prefix of (four letters or more: "instal" → "installation") or that is a prefix of it with up to
 * three more letters ("passwords" → "password"), so plain inflections count.
 */
export class TermCoverage {
  /** Per article id: keyword → number of its passages (all languages) containing it. */
  private readonly byArticle = new Map<string, Map<string, number>>();
  /** Keyword → number of passages containing it. */
  private readonly global = new Map<string, number>();
  /** All keywords, sorted, for prefix lookups. */
  private readonly sorted: string[];
  private readonly passages: number;
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
   * A passage's `keywords`, when given, are `keywordTerms(text)` already (the keyword index's, see
   * MiniSearchLexicalIndex); `folding`: remembered token foldings for the others.
   */
  constructor(passages: Iterable<{ articleId: string; text: string; keywords?: readonly string[] }>, options: { expansionCache?: number; folding?: KeywordFolding } = {}) {
    this.expansions = new LruMap(options.expansionCache ?? EXPANSION_CACHE);
    const folding = options.folding ?? new KeywordFolding();
    let count = 0;
    for (const { articleId, text, keywords } of passages) {
      count++;
      let counts = this.byArticle.get(articleId);
      if (counts === undefined) this.byArticle.set(articleId, (counts = new Map()));
      for (const term of new Set(keywords ?? folding.terms(text))) {
        counts.set(term, (counts.get(term) ?? 0) + 1);
        this.global.set(term, (this.global.get(term) ?? 0) + 1);
      }
    }
    this.passages = count;
    this.sorted = [...this.global.keys()].sort();
  }

  /** The question's keywords, their weights and how many the knowledge base does not know. */
  query(text: string, exclusion?: TermExclusion): QueryTerms {
    const minus = this.minusOf(exclusion);
    const terms = [...new Set(keywordTerms(text))];
    const weights = terms.map((term) => Math.log(1 + this.passages / (1 + Math.max(0, (this.global.get(term) ?? 0) - (minus.global.get(term) ?? 0)))));
    const matches = terms.map((term) => this.matchesOf(term));
    let total = 0;
    let unknown = 0;
    let unknownCount = 0;
    terms.forEach((_, i) => {
      total += weights[i]!;
      if (!this.known(matches[i]!, this.global, minus.global)) {
        unknown += weights[i]!;
        unknownCount++;
      }
    });
    return { terms, weights, unknownShare: total === 0 ? 0 : unknown / total, unknownCount, minus, matches };
  }

  /** Share of the question's keyword weight (0..1) that occurs in the article's passages. */
  coverage(query: QueryTerms, articleId: string): number {
    const counts = this.byArticle.get(articleId);
    if (counts === undefined || query.terms.length === 0) return 0;
    const minus = query.minus.byArticle.get(articleId);
    let total = 0;
    let covered = 0;
    query.terms.forEach((_, i) => {
      total += query.weights[i]!;
      if (this.known(query.matches[i]!, counts, minus)) covered += query.weights[i]!;
    });
    return total === 0 ? 0 : covered / total;
  }

  /**
   * Whether any of a term's matching known words has a passage left in `counts` after `minus`.
   * Every word of an article's counts (and of `minus`) is in the vocabulary, so the
   * vocabulary's matches of the term are all the words that can be present.
   */
  private known({ words, from, to }: TermMatches, counts: ReadonlyMap<string, number>, minus: ReadonlyMap<string, number> | undefined): boolean {
    for (const word of words) if ((counts.get(word) ?? 0) - (minus?.get(word) ?? 0) > 0) return true;
    for (let i = from; i < to; i++) {
      const word = this.sorted[i]!;
      if ((counts.get(word) ?? 0) - (minus?.get(word) ?? 0) > 0) return true;
    }
    return false;
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
    const words = this.global.has(term) ? [term] : [];
    if (term.length < 4) return { words, from: 0, to: 0 };
    // A known word that is a prefix of the term, up to three letters shorter.
    for (let length = Math.max(4, term.length - 3); length < term.length; length++) {
      const prefix = term.slice(0, length);
      if (this.global.has(prefix)) words.push(prefix);
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
    return { words, from, to };
  }

  private minusOf(exclusion: TermExclusion | undefined): Minus {
    const global = new Map<string, number>();
    const byArticle = new Map<string, Map<string, number>>();
    if (exclusion === undefined) return { global, byArticle };
    for (const articleId of exclusion.articles ?? []) {
      const counts = this.byArticle.get(articleId);
      if (counts === undefined) continue;
      byArticle.set(articleId, new Map(counts));
      for (const [term, n] of counts) global.set(term, (global.get(term) ?? 0) + n);
    }
    for (const { articleId, text } of exclusion.passages ?? []) {
      if (exclusion.articles?.has(articleId)) continue;
      let counts = byArticle.get(articleId);
      if (counts === undefined) byArticle.set(articleId, (counts = new Map()));
      for (const term of new Set(keywordTerms(text))) {
        counts.set(term, (counts.get(term) ?? 0) + 1);
        global.set(term, (global.get(term) ?? 0) + 1);
      }
    }
    return { global, byArticle };
  }
}
