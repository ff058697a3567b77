import { describe, expect, it } from 'vitest';
import { AnswerModel } from '../src/search/answer-model.js';
import { runAll, runPausing, type Stepwise } from '../src/stepwise.js';

describe('work in steps (stepwise.ts)', () => {
  function* counting(log: string[]): Stepwise<number> {
    for (let i = 0; i < 3; i++) {
      log.push(`step ${i}`);
      yield;
    }
    return 42;
  }

  it('runs every step at once, or lets the event loop turn between steps, with the same result', async () => {
    const atOnce: string[] = [];
    expect(runAll(counting(atOnce))).toBe(42);
    const paused: string[] = [];
    // A timer set before the run fires between its steps, not after the last one.
    setImmediate(() => paused.push('other work'));
    const result = await runPausing(counting(paused), () => new Promise<void>((resolve) => setImmediate(resolve)));
    expect(result).toBe(42);
    expect(paused).toEqual(['step 0', 'other work', 'step 1', 'step 2']);
    expect(paused.filter((line) => line !== 'other work')).toEqual(atOnce);
  });

  it('stops where a pause throws (a calibration aborted between two steps)', async () => {
    const log: string[] = [];
    await expect(runPausing(counting(log), async () => Promise.reject(new Error('stopped')))).rejects.toThrow('stopped');
    expect(log).toEqual(['step 0']);
  });

  it('trains the same answer model step by step as at once', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => [Math.sin(i), (i % 7) / 7, i % 2]);
    const labels = rows.map((row) => row[0]! + row[2]! > 0.8);
    const stepwise = await runPausing(AnswerModel.trainSteps(rows, labels), () => new Promise<void>((resolve) => setImmediate(resolve)));
    expect(stepwise.toJSON()).toEqual(AnswerModel.train(rows, labels).toJSON());
  });
});
