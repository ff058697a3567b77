import { dot } from '../search/embedder.js';

/** One question that self-help did not resolve, and why. */
export interface GapQuestion {
  question: string;
  language: string | undefined;
  /** What happened: "not helpful" feedback, "none of these" in did-you-mean, or a ticket. */
  source: 'not-helpful' | 'none-chosen' | 'ticket';
  /** Articles the bot offered or answered with, which did not help. */
  offered: readonly string[];
  createdAt: string;
}

/** A topic customers ask about that the knowledge base does not answer well. */
export interface GapTopic {
  /** The most central question of the topic: a readable name for it. */
  topic: string;
  count: number;
  /** Up to five other questions of the topic (most central first). */
  examples: string[];
  bySource: Record<GapQuestion['source'], number>;
  languages: string[];
  /** Articles offered for these questions that did not help, most often first. */
  offeredArticles: { articleId: string; count: number }[];
  lastAskedAt: string;
}

const MAX_EXAMPLES = 5;

/**
 * Groups questions into topics by average-linkage agglomerative clustering over their embeddings:
 * two groups merge while the mean similarity between their questions is at least `threshold`.
 * Average linkage (not single) keeps a chain of loosely related questions from becoming one topic.
 * Quadratic in the number of questions, fine for the few thousand a report covers.
 */
export function clusterQuestions(questions: readonly GapQuestion[], vectors: readonly Float32Array[], threshold: number): GapTopic[] {
  const n = questions.length;
  const similarity = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : dot(vectors[i]!, vectors[j]!))));
  let clusters = questions.map((_, i) => [i]);
  // Pairwise mean similarity between clusters, updated on merge (Lance–Williams for average linkage).
  const link = similarity.map((row) => Float64Array.from(row));
  const alive = new Array<boolean>(n).fill(true);
  for (;;) {
    let best = -Infinity;
    let a = -1;
    let b = -1;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      for (let j = i + 1; j < n; j++) {
        if (alive[j] && link[i]![j]! > best) {
          best = link[i]![j]!;
          a = i;
          b = j;
        }
      }
    }
    if (a < 0 || best < threshold) break;
    const sizeA = clusters[a]!.length;
    const sizeB = clusters[b]!.length;
    for (let k = 0; k < n; k++) {
      if (!alive[k] || k === a || k === b) continue;
      const merged = (sizeA * link[a]![k]! + sizeB * link[b]![k]!) / (sizeA + sizeB);
      link[a]![k] = merged;
      link[k]![a] = merged;
    }
    clusters[a] = [...clusters[a]!, ...clusters[b]!];
    clusters[b] = [];
    alive[b] = false;
  }
  clusters = clusters.filter((members, i) => alive[i] && members.length > 0);

  return clusters
    .map((members) => {
      const centrality = members.map((i) => members.reduce((sum, j) => sum + similarity[i]![j]!, 0));
      const ordered = members.map((i, k) => ({ i, c: centrality[k]! })).sort((x, y) => y.c - x.c || x.i - y.i).map((x) => x.i);
      const bySource: GapTopic['bySource'] = { 'not-helpful': 0, 'none-chosen': 0, ticket: 0 };
      const offered = new Map<string, number>();
      for (const i of members) {
        const q = questions[i]!;
        bySource[q.source]++;
        for (const articleId of new Set(q.offered)) offered.set(articleId, (offered.get(articleId) ?? 0) + 1);
      }
      const distinct = [...new Set(ordered.map((i) => questions[i]!.question))];
      return {
        topic: distinct[0]!,
        count: members.length,
        examples: distinct.slice(1, 1 + MAX_EXAMPLES),
        bySource,
        languages: [...new Set(members.flatMap((i) => (questions[i]!.language === undefined ? [] : [questions[i]!.language!])))].sort(),
        offeredArticles: [...offered].map(([articleId, count]) => ({ articleId, count })).sort((x, y) => y.count - x.count || x.articleId.localeCompare(y.articleId)),
        lastAskedAt: members.map((i) => questions[i]!.createdAt).sort().at(-1)!,
      };
    })
    .sort((x, y) => y.count - x.count || (x.lastAskedAt < y.lastAskedAt ? 1 : -1));
}
