import path from 'node:path';
import type { Thresholds } from '../search/answer-decision.js';
import type { Embedder } from '../search/embedder.js';
import { KnowledgeSearch } from '../search/knowledge-search.js';
import type { VectorIndexFactory } from '../search/vector-index.js';
import type { Logger } from '../logger.js';
import { TierClassifier } from '../tiers/tier-classifier.js';
import { loadTierExamples } from '../tiers/tier-examples.js';
import { loadTierRules } from '../tiers/tier-rules.js';
import type { TierThresholds } from '../tiers/tier-scoring.js';
import { KnowledgeIndex, type SyncReport } from './knowledge-index.js';
import { loadArticles, type ArticleProblem } from './load-articles.js';

export type KnowledgeState =
  | { state: 'loading' }
  | { state: 'ready'; search: KnowledgeSearch; classifier: TierClassifier; report: SyncReport; problems: ArticleProblem[] }
  | { state: 'failed'; error: string };

export interface KnowledgeServiceOptions {
  knowledgeDir: string;
  dataDir: string;
  thresholds: Thresholds;
  tiers: TierThresholds & { rulesFile: string };
  /** Loading the model can take a while (or fail offline); it happens in the background. */
  createEmbedder: () => Promise<Embedder>;
  indexFactory: VectorIndexFactory;
  logger: Logger;
}

/**
 * Owns the embedding-backed parts' lifecycle: loads the model, the articles, the persisted index
 * and the tier classifier in the
 * background, so the server answers /health at once and the bot can say "still loading"
 * (or "unavailable", with the reason in the log and /health) instead of failing to start.
 */
export class KnowledgeService {
  private current: KnowledgeState = { state: 'loading' };
  /** Settles when loading ends, either way (never rejects). */
  readonly ready: Promise<KnowledgeState>;

  constructor(private readonly options: KnowledgeServiceOptions) {
    this.ready = this.load();
  }

  get status(): KnowledgeState {
    return this.current;
  }

  private async load(): Promise<KnowledgeState> {
    const { logger } = this.options;
    try {
      const embedder = await this.options.createEmbedder();
      const { articles, problems } = await loadArticles(path.join(this.options.knowledgeDir, 'articles'));
      for (const problem of problems) logger.error('knowledge article skipped', { file: problem.file, reason: problem.reason });
      const { index, report } = await KnowledgeIndex.sync({
        articles,
        embedder,
        indexFactory: this.options.indexFactory,
        indexDir: path.join(this.options.dataDir, 'knowledge-index'),
      });
      logger.info('knowledge ready', {
        articles: articles.length,
        passages: report.passages,
        embedded: report.embeddedArticles.length,
        rebuiltBecause: report.rebuiltBecause,
      });
      const classifier = await TierClassifier.create(
        embedder,
        await loadTierExamples(path.join(this.options.knowledgeDir, 'tiers')),
        await loadTierRules(this.options.tiers.rulesFile),
        this.options.tiers,
      );
      this.current = {
        state: 'ready',
        search: new KnowledgeSearch(embedder, index, articles, this.options.thresholds),
        classifier,
        report,
        problems,
      };
    } catch (error) {
      logger.error('knowledge unavailable', { error: (error as Error).message });
      this.current = { state: 'failed', error: (error as Error).message };
    }
    return this.current;
  }
}
