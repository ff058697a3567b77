import MiniSearch from 'minisearch';
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
    .replace(/ł/g, 'l');
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

/** BM25 over passages with MiniSearch: diacritic-folded terms, prefix and light fuzzy matching for typos. */
export class MiniSearchLexicalIndex implements LexicalIndex {
  private readonly mini: MiniSearch<LexicalDocument>;
  /** Remembered prefix and fuzzy expansions of query terms (the index never changes after construction). */
  readonly expansions: TermExpansionCache;
  /** Where a hit's article and language are, when MiniSearch does not store them (see the constructor). */
  private readonly owners: ReadonlyMap<number, { articleId: string; language: string }> | undefined;

  /**
   * `build.folding`: remembered foldings to use while the documents are added (queries fold
   * afresh: no growth with traffic). `build.onKeywords`: called after each document is added with
   * its keywords as indexed (`keywordTerms(document.text)`, in order), so the term coverage of the
   * same passages needs no second tokenizing and folding (~0.7 s of a 10,000-article sync).
   * `build.owners`: each document's article and language, kept elsewhere already (the knowledge
   * index's passage labels); MiniSearch then stores no fields of its own (8 MB at 10,000 articles).
   */
  constructor(
    documents: readonly LexicalDocument[],
    limits: TermExpansionLimits = EXPANSION_LIMITS,
    build: {
      folding?: KeywordFolding;
      onKeywords?: (document: LexicalDocument, keywords: readonly string[]) => void;
      owners?: ReadonlyMap<number, { articleId: string; language: string }>;
    } = {},
  ) {
    this.owners = build.owners;
    let building: KeywordFolding | undefined = build.folding ?? new KeywordFolding();
    let keywords: string[] | undefined;
    this.mini = new MiniSearch<LexicalDocument>({
      fields: ['text'],
      storeFields: build.owners === undefined ? ['articleId', 'language'] : [],
      processTerm: (token) => {
        if (building === undefined) return keywordTerm(token);
        const term = building.term(token);
        if (term !== null) keywords?.push(term);
        return term;
      },
      searchOptions: {
        prefix: (term) => term.length >= 4,
        fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
        weights: { fuzzy: 0.4, prefix: 0.6 },
        combineWith: 'OR',
      },
    });
    // MiniSearch tokenizes the one field with the same split as `keywordTerms` and calls
    // `processTerm` on each token in order, so what it kept of one document is its keywords.
    for (const document of documents) {
      keywords = build.onKeywords === undefined ? undefined : [];
      this.mini.add(document);
      if (keywords !== undefined) build.onKeywords!(document, keywords);
    }
    keywords = undefined;
    building = undefined;
    this.expansions = memoizeTermExpansions(this.mini, limits);
  }

  search(text: string, limit: number, exclude?: (id: number) => boolean): LexicalHit[] {
    const results = this.mini.search(text, exclude === undefined ? {} : { filter: (r) => !exclude(r.id as number) });
    return results.slice(0, limit).map((r) => {
      const id = r.id as number;
      const owner = this.owners?.get(id);
      return {
        id,
        articleId: owner?.articleId ?? (r['articleId'] as string),
        language: owner?.language ?? (r['language'] as string),
        score: r.score,
      };
    });
  }
}
