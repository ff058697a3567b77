import { ArticleClassifier } from '../search/article-classifier.js';
import type { Embedder } from '../search/embedder.js';
import type { Classification, Tier } from '../tickets/ticket.js';
import { decideTier, scoreTiers, TIERS, type TierDecision, type TierExample, type TierThresholds } from './tier-scoring.js';
import { matchRule, type TierRule } from './tier-rules.js';
import { trainedHead } from './tier-head-cache.js';

/** Result for the dialogs: a tier with how it was chosen, or "ask the customer". */
export type TierRouting = { kind: 'tier'; classification: Classification } | { kind: 'ask'; decision: TierDecision };

/**
 * Weight of the linear head's probability added to each tier's nearest-example score. Measured
 * with `npm run eval` on the multilingual default (tier sets en/pt/pl): 0 → 89.6 / 83.3 / 95.8 %,
 * 0.02 → 92.5 / 95.8 / 100 %, 0.05 → 91.0 / 95.8 / 97.9 %.
 */
const LINEAR_HEAD_WEIGHT = 0.02;

/**
 * Chooses the tier for a request level 0 could not answer: operator rules first (they
 * override the model), then nearest examples plus a linear head trained on the examples of all
 * languages (the same classifier as for articles, src/search/article-classifier.ts), abstaining
 * when unsure. The head learns what separates the tiers across sub-topics and languages where
 * the nearest examples of a Portuguese or Polish request can be a near-tie.
 */
export class TierClassifier {
  private constructor(
    private readonly embedder: Embedder,
    private readonly examples: readonly TierExample[],
    private readonly rules: readonly TierRule[],
    private readonly thresholds: TierThresholds,
    private readonly head: ArticleClassifier,
  ) {}

  /**
   * Embeds the labelled examples once. With `headFile`, the trained head is kept there and
   * reused while the examples and their vectors are the same (tier-head-cache.ts).
   */
  static async create(
    embedder: Embedder,
    examples: readonly { tier: Tier; text: string }[],
    rules: readonly TierRule[],
    thresholds: TierThresholds,
    options: { headFile?: string } = {},
  ): Promise<TierClassifier> {
    const vectors = await embedder.embed(examples.map((e) => e.text), 'query');
    const embedded = examples.map((e, i) => ({ ...e, vector: vectors[i]! }));
    const labelled = embedded.map((e) => ({ label: e.tier, vector: e.vector }));
    const head = options.headFile === undefined ? ArticleClassifier.train(labelled) : await trainedHead(labelled, options.headFile);
    return new TierClassifier(embedder, embedded, rules, thresholds, head);
  }

  /** The model's opinion only (rules ignored): used by the eval report. */
  async score(text: string): Promise<TierDecision> {
    const [vector] = await this.embedder.embed([text], 'query');
    const nearest = scoreTiers(vector!, this.examples);
    const probabilities = this.head.predict(vector!);
    const scores = Object.fromEntries(TIERS.map((tier) => [tier, nearest[tier] + LINEAR_HEAD_WEIGHT * (probabilities.get(tier) ?? 0)])) as Record<Tier, number>;
    return decideTier(scores, this.thresholds);
  }

  /** `language`: the conversation's, so language rules (tiers/<lang>/rules.yaml) apply to it. */
  async classify(text: string, language?: string): Promise<TierRouting> {
    const rule = matchRule(text, this.rules, language);
    if (rule !== undefined) {
      return { kind: 'tier', classification: { tier: rule.tier, source: 'rule', score: 1, margin: 1, scores: {} } };
    }
    const decision = await this.score(text);
    if (decision.kind === 'abstain') return { kind: 'ask', decision };
    return {
      kind: 'tier',
      classification: { tier: decision.tier, source: 'model', score: decision.score, margin: decision.margin, scores: decision.scores },
    };
  }
}
