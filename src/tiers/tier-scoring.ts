import { dot } from '../search/embedder.js';
import type { Tier } from '../tickets/ticket.js';

export const TIERS: readonly Tier[] = ['L1', 'L2', 'L3', 'L4'];

/** A labelled example request, embedded. */
export interface TierExample {
  tier: Tier;
  text: string;
  vector: Float32Array;
}

export interface TierThresholds {
  /** Minimum tier score to decide at all. */
  threshold: number;
  /** Minimum lead of the best tier over the runner-up. */
  margin: number;
}

/** The classifier's verdict: a tier with its numbers, or an abstention (with the same numbers). */
export type TierDecision =
  | { kind: 'tier'; tier: Tier; score: number; margin: number; scores: Record<Tier, number> }
  | { kind: 'abstain'; best: Tier; score: number; margin: number; scores: Record<Tier, number> };

/** How many nearest examples of each tier are averaged into that tier's score. */
export const NEIGHBOURS_PER_TIER = 3;

/**
 * Scores each tier by the mean similarity of its `NEIGHBOURS_PER_TIER` nearest examples.
 *
 * Why per-tier nearest neighbours and not centroids: a tier covers several unrelated topics (L3 is
 * databases *and* regular expressions *and* API set-up), so its centroid sits between clusters
 * and matches none of them well; the nearest examples of each tier keep every sub-topic. Averaging
 * a few (not taking the single best) keeps one odd example from deciding alone.
 */
export function scoreTiers(query: Float32Array, examples: readonly TierExample[]): Record<Tier, number> {
  const similarities: Record<Tier, number[]> = { L1: [], L2: [], L3: [], L4: [] };
  for (const example of examples) similarities[example.tier].push(dot(query, example.vector));
  const scores = {} as Record<Tier, number>;
  for (const tier of TIERS) {
    const top = similarities[tier].sort((a, b) => b - a).slice(0, NEIGHBOURS_PER_TIER);
    scores[tier] = top.length === 0 ? -1 : top.reduce((sum, s) => sum + s, 0) / top.length;
  }
  return scores;
}

/** Picks the best tier, or abstains when it is weak or not clearly ahead of the runner-up. */
export function decideTier(scores: Record<Tier, number>, thresholds: TierThresholds): TierDecision {
  const [first, second] = [...TIERS].sort((a, b) => scores[b] - scores[a]);
  const best = first!;
  const score = scores[best];
  const margin = score - scores[second!];
  if (score < thresholds.threshold || margin < thresholds.margin) return { kind: 'abstain', best, score, margin, scores };
  return { kind: 'tier', tier: best, score, margin, scores };
}
