import { describe, expect, it } from 'vitest';
import { decideAnswer, rankArticles } from '../src/search/answer-decision.js';

const thresholds = { answer: 0.6, suggest: 0.45, closeMargin: 0.03 };

describe('level-0 answer decision', () => {
  it('ranks each article by its best passage', () => {
    const ranked = rankArticles([
      { articleId: 'a', score: 0.5 },
      { articleId: 'b', score: 0.7 },
      { articleId: 'a', score: 0.8 },
    ]);
    expect(ranked).toEqual([{ articleId: 'a', score: 0.8 }, { articleId: 'b', score: 0.7 }]);
  });

  it('answers when the top article is confident and clearly ahead', () => {
    expect(decideAnswer([{ articleId: 'a', score: 0.8 }, { articleId: 'b', score: 0.6 }], thresholds)).toEqual({
      kind: 'answer',
      article: { articleId: 'a', score: 0.8 },
    });
  });

  it('asks "did you mean" when two confident articles are within the margin', () => {
    const decision = decideAnswer([{ articleId: 'a', score: 0.8 }, { articleId: 'b', score: 0.78 }, { articleId: 'c', score: 0.5 }], thresholds);
    expect(decision).toEqual({ kind: 'did-you-mean', candidates: [{ articleId: 'a', score: 0.8 }, { articleId: 'b', score: 0.78 }] });
  });

  it('asks the customer to confirm when the best article is only plausible', () => {
    const decision = decideAnswer([{ articleId: 'a', score: 0.55 }, { articleId: 'b', score: 0.4 }], thresholds);
    expect(decision).toEqual({ kind: 'did-you-mean', candidates: [{ articleId: 'a', score: 0.55 }] });
  });

  it('is not confident below the suggestion threshold or with no results', () => {
    expect(decideAnswer([{ articleId: 'a', score: 0.44 }], thresholds)).toEqual({ kind: 'not-confident', best: { articleId: 'a', score: 0.44 } });
    expect(decideAnswer([], thresholds)).toEqual({ kind: 'not-confident', best: undefined });
  });

  it('offers at most three choices', () => {
    const ranked = ['a', 'b', 'c', 'd'].map((articleId) => ({ articleId, score: 0.7 }));
    const decision = decideAnswer(ranked, thresholds);
    expect(decision.kind === 'did-you-mean' && decision.candidates.map((c) => c.articleId)).toEqual(['a', 'b', 'c']);
  });
});
