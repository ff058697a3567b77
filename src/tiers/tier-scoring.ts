import { dotEach } from '../search/embedder.js';
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
  // Every example's similarity (dotEach: bit for bit `dot`, four examples per pass), then each
  // tier's best few kept in order as they come instead of sorting all of them: the same numbers,
  // summed in the same (descending) order as a sort would give.
  const similarities = dotEach(
    query,
    examples.map((example) => example.vector),
  );
  const top: Record<Tier, number[]> = { L1: [], L2: [], L3: [], L4: [] };
  examples.forEach((example, i) => keepBest(top[example.tier], similarities[i]!, NEIGHBOURS_PER_TIER));
  const scores = {} as Record<Tier, number>;
  for (const tier of TIERS) {
    const best = top[tier];
    scores[tier] = best.length === 0 ? -1 : best.reduce((sum, s) => sum + s, 0) / best.length;
  }
  return scores;
}

/** Inserts `value` into `best` (descending, at most `size` long) if it is among the `size` largest. */
function keepBest(best: number[], value: number, size: number): void {
  if (best.length === size && !(value > best[size - 1]!)) return;
  let i = best.length < size ? best.length : size - 1;
  while (i > 0 && best[i - 1]! < value) {
    best[i] = best[i - 1]!;
    i--;
  }
  best[i] = value;
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
