import { describe, expect, it } from 'vitest';
import { liftHeapGrowthCapWhileLoading } from '../src/runtime/load-heap-growth.js';

describe('the heap growth cap while the knowledge loads', () => {
  it("is lifted when node was started with one, and put back as configured, once", () => {
    const set: string[] = [];
    const restore = liftHeapGrowthCapWhileLoading(['--max-semi-space-size=1', '--heap-growing-percent=35', '--heap_growing_percent=20', '--v8-pool-size=1'], (flags) => set.push(flags));
    expect(set).toEqual(['--heap-growing-percent=0']);
    restore();
    restore();
    // The last occurrence is the one V8 used.
    expect(set).toEqual(['--heap-growing-percent=0', '--heap_growing_percent=20']);
  });

  it('is left alone when node runs without one', () => {
    const set: string[] = [];
    const restore = liftHeapGrowthCapWhileLoading(['--max-semi-space-size=1'], (flags) => set.push(flags));
    restore();
    expect(set).toEqual([]);
  });
});
