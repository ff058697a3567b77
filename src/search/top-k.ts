/**
 * The `limit` best of a stream of scored ids, best first: higher score, then higher `tie`, then
 * offered earlier. The same as a stable sort by `tie`, then a stable sort by score, cut to
 * `limit`, without keeping or sorting everything offered: a keyword query reaches thousands of
 * passages and the classifier scores every article, and ranking keeps a few dozen of them.
 */
export class TopK {
  private readonly ids: number[] = [];
  private readonly scores: number[] = [];
  private readonly ties: number[] = [];

  constructor(private readonly limit: number) {}

  offer(id: number, score: number, tie = 0): void {
    const { ids, scores, ties, limit } = this;
    if (limit <= 0) return;
    const full = ids.length === limit;
    if (full && !(score > scores[limit - 1]! || (score === scores[limit - 1]! && tie > ties[limit - 1]!))) return;
    let i = full ? limit - 1 : ids.length;
    while (i > 0 && (score > scores[i - 1]! || (score === scores[i - 1]! && tie > ties[i - 1]!))) {
      ids[i] = ids[i - 1]!;
      scores[i] = scores[i - 1]!;
      ties[i] = ties[i - 1]!;
      i--;
    }
    ids[i] = id;
    scores[i] = score;
    ties[i] = tie;
  }

  hits(): { id: number; score: number }[] {
    return this.ids.map((id, i) => ({ id, score: this.scores[i]! }));
  }
}
