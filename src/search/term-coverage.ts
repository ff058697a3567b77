import { keywordTerms } from './lexical-index.js';

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

  constructor(passages: Iterable<{ articleId: string; text: string }>) {
    let count = 0;
    for (const { articleId, text } of passages) {
      count++;
      let counts = this.byArticle.get(articleId);
      if (counts === undefined) this.byArticle.set(articleId, (counts = new Map()));
      for (const term of new Set(keywordTerms(text))) {
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
    let total = 0;
    let unknown = 0;
    let unknownCount = 0;
    terms.forEach((term, i) => {
      total += weights[i]!;
      if (!this.known(term, this.global, minus.global)) {
        unknown += weights[i]!;
        unknownCount++;
      }
    });
    return { terms, weights, unknownShare: total === 0 ? 0 : unknown / total, unknownCount, minus };
  }

  /** Share of the question's keyword weight (0..1) that occurs in the article's passages. */
  coverage(query: QueryTerms, articleId: string): number {
    const counts = this.byArticle.get(articleId);
    if (counts === undefined || query.terms.length === 0) return 0;
    const minus = query.minus.byArticle.get(articleId);
    let total = 0;
    let covered = 0;
    query.terms.forEach((term, i) => {
      total += query.weights[i]!;
      if (this.known(term, counts, minus)) covered += query.weights[i]!;
    });
    return total === 0 ? 0 : covered / total;
  }

  private known(term: string, counts: ReadonlyMap<string, number>, minus: ReadonlyMap<string, number> | undefined): boolean {
    const present = (word: string) => (counts.get(word) ?? 0) - (minus?.get(word) ?? 0) > 0;
    if (present(term)) return true;
    if (term.length < 4) return false;
    // A known word that is a prefix of the term, up to three letters shorter.
    for (let length = Math.max(4, term.length - 3); length < term.length; length++) if (present(term.slice(0, length))) return true;
    // Known words the term is a prefix of: a contiguous run in the sorted list.
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.sorted[mid]! < term) low = mid + 1;
      else high = mid;
    }
    for (let i = low; i < this.sorted.length && this.sorted[i]!.startsWith(term); i++) if (present(this.sorted[i]!)) return true;
    return false;
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
