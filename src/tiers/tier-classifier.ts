import type { Embedder } from '../search/embedder.js';
import type { Classification, Tier } from '../tickets/ticket.js';
import { decideTier, scoreTiers, type TierDecision, type TierExample, type TierThresholds } from './tier-scoring.js';
import { matchRule, type TierRule } from './tier-rules.js';

/** Result for the dialogs: a tier with how it was chosen, or "ask the customer". */
export type TierRouting = { kind: 'tier'; classification: Classification } | { kind: 'ask'; decision: TierDecision };

/**
 * Chooses the tier for a request level 0 could not answer: operator rules first (they
 * override the model), then nearest examples, abstaining when unsure.
 */
export class TierClassifier {
  private constructor(
    private readonly embedder: Embedder,
    private readonly examples: readonly TierExample[],
    private readonly rules: readonly TierRule[],
    private readonly thresholds: TierThresholds,
  ) {}

  /** Embeds the labelled examples once. */
  static async create(
    embedder: Embedder,
    examples: readonly { tier: Tier; text: string }[],
    rules: readonly TierRule[],
    thresholds: TierThresholds,
  ): Promise<TierClassifier> {
    const vectors = await embedder.embed(examples.map((e) => e.text), 'query');
    return new TierClassifier(
      embedder,
      examples.map((e, i) => ({ ...e, vector: vectors[i]! })),
      rules,
      thresholds,
    );
  }

  /** The model's opinion only (rules ignored): used by the eval report. */
  async score(text: string): Promise<TierDecision> {
    const [vector] = await this.embedder.embed([text], 'query');
    return decideTier(scoreTiers(vector!, this.examples), this.thresholds);
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
