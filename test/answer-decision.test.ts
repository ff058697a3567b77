import { describe, expect, it } from 'vitest';
import { decideAnswer, OFFER_RATIO, offerFloor, rankArticles } from '../src/search/answer-decision.js';

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

  it('with probability scores, also offers the runners-up at least a tenth as likely as the top one', () => {
    const probabilities = { answer: 0.7, suggest: 0.3, closeMargin: 0, offerRatio: OFFER_RATIO };
    const ranked = [
      { articleId: 'a', score: 0.5 },
      { articleId: 'b', score: 0.12 },
      { articleId: 'c', score: 0.06 },
      { articleId: 'd', score: 0.04 },
    ];
    // b and c are below `suggest` but at least 0.05 (a tenth of 0.5); d is not.
    const decision = decideAnswer(ranked, probabilities);
    expect(decision.kind === 'did-you-mean' && decision.candidates.map((c) => c.articleId)).toEqual(['a', 'b', 'c']);
    // Similarity scores (no offerRatio): only what cleared `suggest`.
    const { offerRatio: _, ...similarity } = probabilities;
    const plain = decideAnswer(ranked, similarity);
    expect(plain.kind === 'did-you-mean' && plain.candidates.map((c) => c.articleId)).toEqual(['a']);
    // The ratio never hides an article that cleared `suggest`: the floor is the lower of the two.
    expect(offerFloor(0.9, { ...probabilities, suggest: 0.05 })).toBe(0.05);
    // It changes neither answers nor "not confident".
    expect(decideAnswer([{ articleId: 'a', score: 0.8 }, { articleId: 'b', score: 0.15 }], probabilities)).toEqual({ kind: 'answer', article: { articleId: 'a', score: 0.8 } });
    expect(decideAnswer([{ articleId: 'a', score: 0.29 }, { articleId: 'b', score: 0.2 }], probabilities).kind).toBe('not-confident');
  });

  it('offers at most three choices', () => {
    const ranked = ['a', 'b', 'c', 'd'].map((articleId) => ({ articleId, score: 0.7 }));
    const decision = decideAnswer(ranked, thresholds);
    expect(decision.kind === 'did-you-mean' && decision.candidates.map((c) => c.articleId)).toEqual(['a', 'b', 'c']);
  });
});
