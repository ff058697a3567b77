import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DenseIdMap, denseWhenCompact, SingleFieldLengths } from '../src/search/dense-id-map.js';
import { MiniSearchLexicalIndex, type LexicalDocument } from '../src/search/lexical-index.js';

/** An operation on a map of small integer keys. */
const operation = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key: fc.nat(60), value: fc.string() }),
  fc.record({ op: fc.constant('delete' as const), key: fc.nat(60) }),
  fc.record({ op: fc.constant('clear' as const) }),
);

describe('DenseIdMap', () => {
  it('answers like a Map, iterating in key order', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 80 }), fc.array(fc.integer({ min: -2, max: 70 }), { maxLength: 20 }), (operations, probes) => {
        const dense = new DenseIdMap<string>();
        const map = new Map<number, string>();
        for (const step of operations) {
          if (step.op === 'set') {
            expect(dense.set(step.key, step.value)).toBe(dense);
            map.set(step.key, step.value);
          } else if (step.op === 'delete') {
            expect(dense.delete(step.key)).toBe(map.delete(step.key));
          } else {
            dense.clear();
            map.clear();
          }
        }
        const sorted = [...map].sort((a, b) => a[0] - b[0]);
        expect(dense.size).toBe(map.size);
        expect([...dense]).toEqual(sorted);
        expect([...dense.keys()]).toEqual(sorted.map(([key]) => key));
        expect([...dense.values()]).toEqual(sorted.map(([, value]) => value));
        const visited: [number, string][] = [];
        dense.forEach((value, key) => visited.push([key, value]));
        expect(visited).toEqual(sorted);
        for (const key of probes) {
          expect(dense.get(key)).toBe(map.get(key));
          expect(dense.has(key)).toBe(map.has(key));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('refuses keys that are not ids and undefined values, with a clear error', () => {
    const dense = new DenseIdMap<string>();
    expect(() => dense.set(-1, 'a')).toThrow(/not a non-negative integer/);
    expect(() => dense.set(1.5, 'a')).toThrow(/not a non-negative integer/);
    expect(() => dense.set(2 ** 31, 'a')).toThrow(/not a non-negative integer/);
    expect(() => dense.set(3, undefined as unknown as string)).toThrow(/undefined/);
    expect(dense.size).toBe(0);
    expect(dense.get(-1)).toBeUndefined();
    expect(dense.has(Number.NaN)).toBe(false);
  });

  it('is used only where the keys are dense ids: sparse or other keys keep their Map', () => {
    const dense = new Map(Array.from({ length: 500 }, (_, i) => [i * 2, `v${i}`] as const));
    expect(denseWhenCompact(dense)).toBeInstanceOf(DenseIdMap);
    expect([...denseWhenCompact(dense)]).toEqual([...dense]);
    const sparse = new Map([
      [0, 'a'],
      [1_000_000, 'b'],
    ]);
    expect(denseWhenCompact(sparse)).toBe(sparse);
    const strings = new Map<unknown, string>([['x', 'a']]) as unknown as Map<number, string>;
    expect(denseWhenCompact(strings)).toBe(strings);
    // Ids are never reused: one that became spread thin goes back to a Map, with the same entries.
    const thinned = DenseIdMap.from(Array.from({ length: 3000 }, (_, i) => [i, `v${i}`] as const));
    expect(denseWhenCompact(thinned)).toBe(thinned);
    for (let i = 0; i < 2990; i++) thinned.delete(i);
    const back = denseWhenCompact(thinned);
    expect(back).toBeInstanceOf(Map);
    expect([...back]).toEqual([...thinned]);
  });
});

describe('SingleFieldLengths', () => {
  it('gives MiniSearch its field lengths back, also for documents added after it was made compact', () => {
    const lengths = SingleFieldLengths.from(
      new Map([
        [0, [3]],
        [2, [7]],
      ]),
    )!;
    expect(lengths.get(2)).toEqual([7]);
    expect(lengths.get(1)).toBeUndefined();
    // What MiniSearch's addFieldLength does for a new document: set an empty array, then fill it.
    const added: number[] = [];
    lengths.set(5, added);
    added[0] = 11;
    expect(lengths.get(5)).toEqual([11]);
    lengths.compact();
    expect(lengths.get(5)).toEqual([11]);
    expect(lengths.delete(0)).toBe(true);
    expect([...lengths]).toEqual([
      [2, [7]],
      [5, [11]],
    ]);
    // Two fields, a length that is not an integer, or ids spread thin: kept as MiniSearch made them.
    expect(SingleFieldLengths.from(new Map([[0, [1, 2]]]))).toBeNull();
    expect(SingleFieldLengths.from(new Map([[0, [1.5]]]))).toBeNull();
    expect(SingleFieldLengths.from(new Map([[5000, [1]]]))).toBeNull();
    expect(lengths.sparse).toBe(false);
    lengths.set(100_000, [4]);
    expect(lengths.sparse).toBe(true);
  });
});

/** MiniSearch's per-passage maps inside a keyword index. */
interface MiniSearchMaps {
  _documentIds: Map<number, unknown>;
  _idToShortId: Map<unknown, number>;
  _fieldLength: Map<number, number[]>;
}
const mapsOf = (index: MiniSearchLexicalIndex) => (index as unknown as { mini: MiniSearchMaps }).mini;

/** The same index with MiniSearch's maps put back into plain Maps: the reference. */
function withPlainMaps(index: MiniSearchLexicalIndex): void {
  const mini = mapsOf(index);
  mini._documentIds = new Map(mini._documentIds);
  mini._idToShortId = new Map(mini._idToShortId);
  mini._fieldLength = new Map(mini._fieldLength);
}

const WORDS = ['printer', 'printing', 'toner', 'invoice', 'invoices', 'senha', 'acesso', 'hasło', 'refund', 'delivery', 'parcel', 'the'];
const QUERIES = ['printer toner', 'invoices refund', 'senha acesso', 'printin', 'the delivery parcel'];
const text = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 8 }).map((words) => words.join(' '));
const ownersOf = (documents: readonly LexicalDocument[]) => new Map(documents.map((d) => [d.id, { articleId: d.articleId, language: d.language }]));
const hits = (index: MiniSearchLexicalIndex) => QUERIES.map((query) => index.search(query, 100).map((hit) => [hit.id, hit.score]));

describe('the keyword index with compact per-passage maps', () => {
  it('holds MiniSearch\'s per-passage maps compact after a build, a read-back and a revision, with the same hits and scores as plain Maps', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 25 }), fc.array(fc.boolean(), { maxLength: 25 }), fc.array(text, { maxLength: 8 }), (texts, removedFlags, addedTexts) => {
        const documents = texts.map((t, i) => ({ id: i * 3, articleId: `a${i % 4}`, language: 'en', text: t }));
        const removed = documents.filter((_, i) => removedFlags[i] === true);
        const added = addedTexts.map((t, i) => ({ id: 200 + i, articleId: `b${i % 3}`, language: 'en', text: t }));
        const after = [...documents.filter((d) => !removed.includes(d)), ...added];
        const common = { share: 0.3, minPostings: 2 };

        const built = new MiniSearchLexicalIndex(documents, undefined, { owners: ownersOf(documents), common });
        const read = MiniSearchLexicalIndex.fromJSON(JSON.parse(JSON.stringify(built.toJSON())), ownersOf(documents));
        const revised = new MiniSearchLexicalIndex(documents, undefined, { owners: ownersOf(documents), common }).revise(removed, added, ownersOf(after));
        for (const index of [built, read, revised]) {
          const mini = mapsOf(index);
          expect(mini._documentIds).toBeInstanceOf(DenseIdMap);
          expect(mini._idToShortId).toBeInstanceOf(DenseIdMap);
          expect(mini._fieldLength).toBeInstanceOf(SingleFieldLengths);
        }
        expect(JSON.stringify(read.toJSON())).toBe(JSON.stringify(built.toJSON()));

        const plainBuilt = new MiniSearchLexicalIndex(documents, undefined, { owners: ownersOf(documents), common });
        withPlainMaps(plainBuilt);
        expect(hits(built)).toEqual(hits(plainBuilt));
        expect(hits(read)).toEqual(hits(plainBuilt));
        expect(JSON.stringify(plainBuilt.toJSON())).toBe(JSON.stringify(built.toJSON()));

        const plainOld = new MiniSearchLexicalIndex(documents, undefined, { owners: ownersOf(documents), common });
        withPlainMaps(plainOld);
        const plainRevised = plainOld.revise(removed, added, ownersOf(after));
        withPlainMaps(plainRevised);
        expect(hits(revised)).toEqual(hits(plainRevised));
      }),
      { numRuns: 100 },
    );
  });
});

describe('the keyword index revised many times', () => {
  it('goes back to Maps once its short ids are spread thin, and answers as a fresh build', () => {
    const common = { share: 0.3, minPostings: 2 };
    const documentsOf = (round: number) => Array.from({ length: 40 }, (_, i) => ({ id: i, articleId: `a${i % 5}`, language: 'en', text: `${WORDS[(i + round) % WORDS.length]} ${WORDS[(i * 3 + round) % WORDS.length]} ${WORDS[i % WORDS.length]}` }));
    let documents = documentsOf(0);
    let index = new MiniSearchLexicalIndex(documents, undefined, { owners: ownersOf(documents), common });
    // Every revision replaces all 40 passages: MiniSearch gives the new ones new short ids.
    for (let round = 1; round <= 40; round++) {
      const next = documentsOf(round);
      index = index.revise(documents, next, ownersOf(next));
      documents = next;
    }
    const mini = mapsOf(index);
    expect(mini._documentIds).toBeInstanceOf(Map);
    expect(mini._fieldLength).toBeInstanceOf(Map);
    expect(mini._fieldLength).not.toBeInstanceOf(SingleFieldLengths);
    const fresh = new MiniSearchLexicalIndex(documents, undefined, { owners: ownersOf(documents), common });
    expect(hits(index)).toEqual(hits(fresh));
  });
});
