import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calibrateLanguages } from '../src/search/self-calibration.js';
import { calibrateThresholds, calibrationRates, type CalibrationCase } from '../src/search/threshold-calibration.js';

const articleIds = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

/** A case: scores for a few distinct articles (sorted like search output) and the expected one. */
const caseArbitrary: fc.Arbitrary<CalibrationCase> = fc
  .record({
    scores: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 0, maxLength: 7 }),
    expected: fc.constantFrom(...articleIds, 'none'),
    order: fc.shuffledSubarray(articleIds, { minLength: 7, maxLength: 7 }),
  })
  .map(({ scores, expected, order }) => ({
    expected,
    ranked: [...scores].sort((x, y) => y - x).map((score, i) => ({ articleId: order[i]!, score })),
  }));

describe('threshold calibration', () => {
  it('reports exactly what the answer decision gives at the thresholds it chose', () => {
    fc.assert(
      fc.property(fc.array(caseArbitrary, { minLength: 1, maxLength: 40 }), fc.double({ min: 0, max: 0.3, noNaN: true }), fc.constantFrom(undefined, 0.1, 0.5), (cases, maxWrongRate, offerRatio) => {
        const calibration = calibrateThresholds(cases, { maxWrongRate, offerRatio });
        expect(calibration.thresholds.offerRatio).toBe(offerRatio);
        expect(calibration.rates).toEqual(calibrationRates(cases, calibration.thresholds));
        if (calibration.metTarget) {
          expect(calibration.rates.wrongInScope).toBeLessThanOrEqual(maxWrongRate);
          expect(calibration.rates.wrongOutOfScope).toBeLessThanOrEqual(maxWrongRate);
        }
        expect(calibration.thresholds.suggest).toBeLessThanOrEqual(calibration.thresholds.answer);
      }),
      { numRuns: 60 },
    );
  });

  it('separates well-scored right answers from low-scored off-topic questions', () => {
    const cases: CalibrationCase[] = [
      ...Array.from({ length: 20 }, (_, i) => ({ expected: 'a', ranked: [{ articleId: 'a', score: 0.9 + i * 0.001 }, { articleId: 'b', score: 0.7 }] })),
      ...Array.from({ length: 10 }, (_, i) => ({ expected: 'none', ranked: [{ articleId: 'c', score: 0.6 + i * 0.001 }, { articleId: 'd', score: 0.55 }] })),
    ];
    const calibration = calibrateThresholds(cases, { maxWrongRate: 0 });
    expect(calibration.metTarget).toBe(true);
    expect(calibration.rates).toMatchObject({ right: 1, wrongInScope: 0, wrongOutOfScope: 0, outOfScopeRecognised: 1 });
    expect(calibration.thresholds.answer).toBeGreaterThan(0.609);
    expect(calibration.thresholds.answer).toBeLessThanOrEqual(0.9);
  });

  it('keeps thresholds the operator fixed and calibrates the others', () => {
    const cases: CalibrationCase[] = [{ expected: 'a', ranked: [{ articleId: 'a', score: 0.8 }] }];
    const calibration = calibrateThresholds(cases, { maxWrongRate: 0.03, fixed: { answer: 0.75, closeMargin: 0.01 } });
    expect(calibration.thresholds.answer).toBe(0.75);
    expect(calibration.thresholds.closeMargin).toBe(0.01);
  });

  it('gives a language its own thresholds only with enough questions to see the wrong-answer target as several events', () => {
    const inScope = (n: number, score: number): CalibrationCase[] =>
      Array.from({ length: n }, (_, i) => ({ expected: 'a', ranked: [{ articleId: 'a', score: score + i * 1e-4 }, { articleId: 'b', score: 0.01 }] }));
    const offTopic = (n: number, score: number): CalibrationCase[] => Array.from({ length: n }, (_, i) => ({ expected: 'none', ranked: [{ articleId: 'c', score: score + i * 1e-4 }] }));
    const cases = { en: [...inScope(120, 0.8), ...offTopic(40, 0.2)], pt: [...inScope(60, 0.5), ...offTopic(40, 0.45)] };
    const at3 = calibrateLanguages(cases, { maxWrongRate: 0.03 });
    // 120 questions at 3 %: 3.6 wrong answers can be seen, English is calibrated on its own; 60 (1.8) cannot: pooled.
    expect(Object.keys(at3.byLanguage)).toEqual(['en']);
    expect(at3.pooled.inScope).toBe(180);
    // At a 5 % target 60 questions show 3 wrong answers: Portuguese gets its own thresholds too.
    expect(Object.keys(calibrateLanguages(cases, { maxWrongRate: 0.05 }).byLanguage).sort()).toEqual(['en', 'pt']);
  });
});
