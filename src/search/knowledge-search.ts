import type { Article } from '../knowledge/article.js';
import type { KnowledgeIndex } from '../knowledge/knowledge-index.js';
import { decideAnswer, rankArticles, type AnswerDecision, type ScoredArticle, type Thresholds } from './answer-decision.js';
import type { Embedder } from './embedder.js';

/** Passages fetched per question before collapsing to articles: enough for a few articles' worth. */
const PASSAGES_PER_QUERY = 24;

export interface KnowledgeAnswer {
  decision: AnswerDecision;
  /** Top articles with scores, kept on tickets so staff see what the bot tried. */
  ranked: ScoredArticle[];
}

/** Level-0 self-help: embeds a question, searches article passages, decides answer / ask / abstain. */
export class KnowledgeSearch {
  private readonly byId: ReadonlyMap<string, Article>;

  constructor(
    private readonly embedder: Embedder,
    private readonly index: KnowledgeIndex,
    articles: readonly Article[],
    private readonly thresholds: Thresholds,
  ) {
    this.byId = new Map(articles.map((article) => [article.id, article]));
  }

  article(id: string): Article | undefined {
    return this.byId.get(id);
  }

  get articleCount(): number {
    return this.byId.size;
  }

  /** Ranked articles for a question, without deciding (used by eval and calibration). */
  async rank(question: string): Promise<ScoredArticle[]> {
    const [vector] = await this.embedder.embed([question]);
    if (vector === undefined) return [];
    return rankArticles(this.index.search(vector, PASSAGES_PER_QUERY)).filter((a) => this.byId.has(a.articleId));
  }

  async answer(question: string): Promise<KnowledgeAnswer> {
    const ranked = await this.rank(question);
    return { decision: decideAnswer(ranked, this.thresholds), ranked: ranked.slice(0, 5) };
  }
}
