import { articleLanguage, type Article } from '../knowledge/article.js';
import type { KnowledgeIndex } from '../knowledge/knowledge-index.js';
import type { ArticleClassifier } from './article-classifier.js';
import { decideAnswer, type AnswerDecision, type ScoredArticle, type Thresholds } from './answer-decision.js';
import { dotAt, type Embedder } from './embedder.js';
import { answerFeatures, type QueryEvidence } from './answer-features.js';
import type { AnswerModel } from './answer-model.js';
import { DEFAULT_FUSION, fuseEvidence, type ArticleEvidence, type FusionWeights } from './rank-fusion.js';
import type { TermExclusion } from './term-coverage.js';
import { normalizeQuestion } from './embedding-cache.js';
import { LruMap } from '../lru-map.js';

/** Passages fetched per question from each retriever before collapsing to articles. */
const PASSAGES_PER_QUERY = 24;
/** Classifier candidates added to the fused list (articles the passages may have missed). */
const CLASSIFIER_CANDIDATES = 8;
/**
 * Bounds of the ranked-question cache: questions kept, and ranked articles summed over them
 * (~100 bytes each: at most ~5 MB).
 */
const RANKED_QUESTIONS = 2000;
const RANKED_ARTICLES = 50_000;

export interface KnowledgeAnswer {
  decision: AnswerDecision;
  /** Top articles with scores, kept on tickets so staff see what the bot tried. */
  ranked: ScoredArticle[];
  /** The language the thresholds and preference were applied for. */
  language: string;
}

/** Thresholds per customer language, with a fallback for languages without their own. */
export interface LanguageThresholds {
  fallback: Thresholds;
  byLanguage: Readonly<Record<string, Thresholds>>;
}

/** What ranking a question needs besides its text; the extra fields serve leave-one-out calibration. */
export interface RankInput {
  text: string;
  vector: Float32Array;
  /** The customer's language (primary subtag); its article versions are preferred. */
  language: string;
  /** Passages to ignore (the held-out question itself). */
  exclude?: ReadonlySet<number>;
  /** Classifier to use instead of the index's (one trained without the held-out questions). */
  classifier?: ArticleClassifier;
  /** Articles to leave out entirely (calibration's "article removed" questions). */
  excludeArticles?: ReadonlySet<string>;
}

/** Everything the retrievers found for one question, before it is scored. */
export interface QuestionEvidence {
  articles: ArticleEvidence[];
  query: QueryEvidence;
}

export interface KnowledgeSearchOptions {
  thresholds: LanguageThresholds;
  /** Language assumed when a caller passes none (DEFAULT_LANGUAGE). */
  defaultLanguage?: string;
  fusion?: FusionWeights;
  /** Subtracted from the similarity of passages in another language than the customer's. */
  crossLanguagePenalty?: number;
}

/** Measured with `npm run eval` (see README "Answer quality"). */
export const DEFAULT_CROSS_LANGUAGE_PENALTY = 0;

/**
 * Level-0 self-help: embeds a question, asks three retrievers (nearest passages, keyword BM25,
 * the per-knowledge-base classifier), fuses them into one score per article and decides answer /
 * ask / abstain with the thresholds of the customer's language.
 *
 * Languages: an article id is one article in several languages. Every language's passages are
 * searched (e5 matches across languages), and the version shown is the customer's language when
 * it exists; otherwise the default language's (else the one that matched), flagged with `fromLanguage`.
 */
export class KnowledgeSearch {
  /** Article id → language → article. */
  private readonly versions = new Map<string, Map<string, Article>>();
  readonly defaultLanguage: string;
  readonly fusion: FusionWeights;
  readonly crossLanguagePenalty: number;
  private thresholds: LanguageThresholds;
  private answerModel: AnswerModel | undefined;
  /**
   * Recent questions' rankings (normalised text and language → ranked articles). Customers ask
   * the same few questions over and over; a repeat then skips the three retrievers (~2.5 ms of
   * the main thread on the sample base, ~50 ms at 10,000 articles) as well as the model. Valid
   * for this index (a reload makes a new KnowledgeSearch) and answer model (cleared when it
   * changes); thresholds are applied after it, so changing them keeps it.
   */
  private readonly ranked = new LruMap<string, readonly ScoredArticle[]>(RANKED_QUESTIONS, RANKED_ARTICLES);

  constructor(
    private readonly embedder: Embedder,
    readonly index: KnowledgeIndex,
    articles: readonly Article[],
    options: KnowledgeSearchOptions,
  ) {
    for (const article of articles) {
      const byLanguage = this.versions.get(article.id) ?? new Map<string, Article>();
      byLanguage.set(articleLanguage(article), article);
      this.versions.set(article.id, byLanguage);
    }
    this.defaultLanguage = options.defaultLanguage ?? 'en';
    this.fusion = options.fusion ?? DEFAULT_FUSION;
    this.crossLanguagePenalty = options.crossLanguagePenalty ?? DEFAULT_CROSS_LANGUAGE_PENALTY;
    this.thresholds = options.thresholds;
  }

  /**
   * Scores candidates with a learned model (self-calibration trains one per knowledge base)
   * instead of the fixed fusion; `undefined` goes back to the fusion. Thresholds must be on the
   * same scale, so they are set together (see self-calibration.ts `applyCalibration`).
   */
  setAnswerModel(model: AnswerModel | undefined): void {
    this.answerModel = model;
    this.ranked.clear();
  }

  get scoredByModel(): boolean {
    return this.answerModel !== undefined;
  }

  /**
   * The article in the given language; without one (or when it has no such translation) the
   * default language's version, else any version.
   */
  article(id: string, language?: string): Article | undefined {
    const byLanguage = this.versions.get(id);
    if (byLanguage === undefined) return undefined;
    return byLanguage.get(language ?? this.defaultLanguage) ?? byLanguage.get(this.defaultLanguage) ?? byLanguage.values().next().value;
  }

  /** Languages an article exists in. */
  articleLanguages(id: string): string[] {
    return [...(this.versions.get(id)?.keys() ?? [])].sort();
  }

  /** Number of distinct article ids (one article in three languages counts once). */
  get articleCount(): number {
    return this.versions.size;
  }

  /** Languages with at least one article. */
  get languages(): string[] {
    return [...new Set([...this.versions.values()].flatMap((v) => [...v.keys()]))].sort();
  }

  thresholdsFor(language: string): Thresholds {
    return this.thresholds.byLanguage[language] ?? this.thresholds.fallback;
  }

  get allThresholds(): LanguageThresholds {
    return this.thresholds;
  }

  /** Replaces the thresholds (after a calibration). */
  setThresholds(thresholds: LanguageThresholds): void {
    this.thresholds = thresholds;
  }

  async embedQuestions(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embedder.embed(texts, 'query');
  }

  /**
   * Ranked articles for a question, without deciding. Normalised-identical questions (see
   * normalizeQuestion) in the same language get the remembered ranking; it is the same
   * ranking, since embedding and keywords see the normalised text alike.
   */
  async rank(question: string, language = this.defaultLanguage): Promise<ScoredArticle[]> {
    const text = normalizeQuestion(question);
    const lang = normalizeLanguage(language);
    const key = `${lang}\n${text}`;
    let ranked = this.ranked.get(key);
    if (ranked === undefined) {
      const [vector] = await this.embedder.embed([text], 'query');
      if (vector === undefined) return [];
      // Synchronous from here on: an answer model set while the question was embedded is used, never a stale one.
      ranked = this.rankVector({ text, vector, language: lang });
      this.ranked.set(key, ranked, Math.max(1, ranked.length));
    }
    // Copies: the caller may change what it gets. (Not frozen objects: V8 gave each frozen one a
    // hidden class of its own, ~3× the memory of the ranking itself.)
    return ranked.map((article) => ({ ...article }));
  }

  /** Ranked articles for an already embedded question: the answer model's probability, or the fused score before one is trained. */
  rankVector(input: RankInput): ScoredArticle[] {
    const evidence = this.evidence(input);
    const matched = new Map(evidence.articles.map((e) => [e.articleId, e.matchedLanguage]));
    return this.score(evidence).map((article) => this.withLanguage(article, input.language, matched.get(article.articleId)));
  }

  /** One score per candidate article, best first (without the language version to show). */
  score({ articles, query }: QuestionEvidence, model = this.answerModel): ScoredArticle[] {
    if (model === undefined) return fuseEvidence(articles, this.fusion);
    const rows = answerFeatures(articles, query);
    return articles
      .map((e, i) => ({ articleId: e.articleId, score: model.probability(rows[i]!) }))
      .sort((a, b) => b.score - a.score || a.articleId.localeCompare(b.articleId));
  }

  /**
   * What the three retrievers (nearest passages, keyword BM25, the classifier) and the
   * question's keywords say about every candidate article. `exclude` / `excludeArticles` hide
   * passages and articles (leave-one-out calibration), including their words.
   */
  evidence(input: RankInput): QuestionEvidence {
    const { index } = this;
    const excluded = input.exclude ?? new Set<number>();
    const excludedArticles = input.excludeArticles;
    const hiding = excluded.size > 0 || excludedArticles !== undefined;
    const hidden = (label: number) => excluded.has(label) || (excludedArticles !== undefined && excludedArticles.has(index.labels.get(label)?.articleId ?? ''));
    const candidates = new Set<string>();
    const extra = excluded.size + (excludedArticles === undefined ? 0 : 4 * PASSAGES_PER_QUERY);
    for (const hit of index.search(input.vector, PASSAGES_PER_QUERY + extra)) {
      if (!hidden(hit.label)) candidates.add(hit.articleId);
    }
    const lexicalRank = new Map<string, number>();
    const lexicalScore = new Map<string, number>();
    for (const hit of index.lexical.search(input.text, PASSAGES_PER_QUERY, hiding ? hidden : undefined)) {
      if (!lexicalRank.has(hit.articleId)) {
        lexicalRank.set(hit.articleId, lexicalRank.size);
        lexicalScore.set(hit.articleId, hit.score);
      }
      candidates.add(hit.articleId);
    }
    const probabilities = (input.classifier ?? index.classifier).predict(input.vector);
    for (const [articleId] of probabilities.top(CLASSIFIER_CANDIDATES)) candidates.add(articleId);

    const exclusion: TermExclusion | undefined = hiding
      ? {
          articles: excludedArticles,
          passages: [...excluded].flatMap((label) => {
            const owner = index.labels.get(label);
            const text = index.texts.get(label);
            return owner === undefined || text === undefined ? [] : [{ articleId: owner.articleId, text }];
          }),
        }
      : undefined;
    const query = index.terms.query(input.text, exclusion);
    const articles: ArticleEvidence[] = [];
    for (const articleId of candidates) {
      if (!this.versions.has(articleId) || excludedArticles?.has(articleId)) continue;
      let dense = -1;
      let secondDense = -1;
      let matchedLanguage: string | undefined;
      const byKind = { title: -1, question: -1, body: -1 };
      const byLanguage = new Map<string, number>();
      const block = index.articleBlock(articleId);
      const dimension = input.vector.length;
      for (let row = 0; row < block.labels.length; row++) {
        if (excluded.size > 0 && excluded.has(block.labels[row]!)) continue;
        const owner = block.owners[row]!;
        const score = dotAt(input.vector, block.vectors, row * dimension) - (owner.language === input.language ? 0 : this.crossLanguagePenalty);
        if (score > dense) {
          secondDense = dense;
          dense = score;
          matchedLanguage = owner.language;
        } else if (score > secondDense) secondDense = score;
        if (score > byKind[owner.kind]) byKind[owner.kind] = score;
        if (score > (byLanguage.get(owner.language) ?? -Infinity)) byLanguage.set(owner.language, score);
      }
      let languageSum = 0;
      for (const best of byLanguage.values()) languageSum += best;
      articles.push({
        articleId,
        dense,
        secondDense,
        titleDense: byKind.title,
        questionDense: byKind.question,
        bodyDense: byKind.body,
        languageMeanDense: byLanguage.size === 0 ? dense : languageSum / byLanguage.size,
        lexicalRank: lexicalRank.get(articleId),
        lexicalScore: lexicalScore.get(articleId) ?? 0,
        classifier: probabilities.get(articleId) ?? 0,
        coverage: index.terms.coverage(query, articleId),
        matchedLanguage,
      });
    }
    return { articles, query: { unknownShare: query.unknownShare, unknownCount: query.unknownCount } };
  }

  /**
   * The language version to show: the customer's when it exists, else flagged with `fromLanguage`.
   * Object literals, not `{ ...scored, language }`: V8 11 (Node 20) gives every object spread from
   * one with a fractional number field plus a new property a hidden class of its own, and the
   * ranking cache holds up to 50,000 of these (heap snapshot after 3,600 turns: 48,069 such
   * classes, ~10 MB of maps, descriptors and property arrays; test/ranked-questions.test.ts).
   */
  private withLanguage({ articleId, score }: ScoredArticle, language: string, matched: string | undefined): ScoredArticle {
    const available = this.versions.get(articleId)!;
    if (available.has(language)) return { articleId, score, language };
    // Not in the customer's language: the default language (the one most customers can read,
    // and the original the translations come from), else the version that matched.
    const shown = available.has(this.defaultLanguage) ? this.defaultLanguage : matched !== undefined && available.has(matched) ? matched : [...available.keys()][0]!;
    return { articleId, score, language: shown, fromLanguage: shown };
  }

  /**
   * Answers a question in the customer's language (primary subtag or full tag; defaults to
   * DEFAULT_LANGUAGE). An answer from another language's article carries `fromLanguage`.
   */
  async answer(question: string, language = this.defaultLanguage): Promise<KnowledgeAnswer> {
    const lang = normalizeLanguage(language);
    const ranked = await this.rank(question, lang);
    return { decision: decideAnswer(ranked, this.thresholdsFor(lang)), ranked: ranked.slice(0, 5), language: lang };
  }
}

/** "pt-BR" → "pt". */
export function normalizeLanguage(language: string): string {
  return language.split(/[-_]/)[0]!.toLowerCase();
}
