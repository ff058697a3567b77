import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompactPostings, compactTermIndex } from '../src/search/compact-postings.js';

/** Mostly small counts, sometimes ones that need a wider array (one byte holds up to 255, two up to 65,535). */
const FREQUENCY = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 9 }), weight: 6 },
  { arbitrary: fc.integer({ min: 250, max: 300 }), weight: 1 },
  { arbitrary: fc.integer({ min: 65_530, max: 70_000 }), weight: 1 },
  { arbitrary: fc.constant(0xffffffff), weight: 1 },
);

describe('compact postings', () => {
  it('answers like the Map it replaces, in the same order, through any sequence of sets, deletes and reads', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id: fc.integer({ min: 0, max: 30 }), frequency: FREQUENCY }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 30 }) }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), FREQUENCY), { maxLength: 20 }), fc.array(operation, { maxLength: 40 }), (initial, operations) => {
        const map = new Map<number, number>(initial);
        const compact = CompactPostings.from(map, map.size);
        for (const op of operations) {
          if (op.kind === 'set') {
            map.set(op.id, op.frequency);
            compact.set(op.id, op.frequency);
          } else expect(compact.delete(op.id)).toBe(map.delete(op.id));
          expect(compact.size).toBe(map.size);
        }
        expect([...compact]).toEqual([...map]);
        expect([...compact.values()]).toEqual([...map.values()]);
        // MiniSearch's scoring loop: get() of each key as keys() yields it.
        for (const id of compact.keys()) expect(compact.get(id)).toBe(map.get(id));
        for (let id = 0; id <= 30; id++) {
          expect(compact.get(id)).toBe(map.get(id));
          expect(compact.has(id)).toBe(map.has(id));
        }
        expect(Object.fromEntries(compact)).toEqual(Object.fromEntries(map));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what is not a passage id and a count', () => {
    expect(() => CompactPostings.from([[-1, 1]], 1)).toThrow(/not a passage id/);
    expect(() => CompactPostings.from([[1, 0.5]], 1)).toThrow(/not a passage id/);
    expect(() => CompactPostings.from([[1, 1]], 1).set(2 ** 33, 1)).toThrow(/not a passage id/);
  });

  it('compacts every term of a term index, keeping the terms and fields', () => {
    const index = new Map<string, Map<number, unknown>>([
      ['printer', new Map([[0, new Map([[3, 1], [1, 2]])]])],
      ['toner', new Map([[0, new Map([[7, 1]])]])],
    ]);
    compactTermIndex(index);
    expect([...index.keys()]).toEqual(['printer', 'toner']);
    const printer = index.get('printer')!.get(0);
    expect(printer).toBeInstanceOf(CompactPostings);
    expect([...(printer as CompactPostings)]).toEqual([[3, 1], [1, 2]]);
  });
});
