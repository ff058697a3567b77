import { largestIn, narrowed, widened, type Counts } from './narrow-counts.js';

/**
 * One term's postings in MiniSearch's term index (passage id → term frequency) in two typed
 * arrays instead of a `Map`: MiniSearch 7.x keeps a `Map` per term and field, ~35 bytes per
 * posting, and at 10,000 articles its 1.5 million postings held ~52 MB of heap that every full
 * garbage collection walked. Here a posting is 8 bytes, outside the collector's object graph.
 *
 * It answers what MiniSearch asks of those Maps (`size`, `get`, `has`, `set`, `delete`, `keys`,
 * iteration in insertion order, which sets the order its queries reach passages in, and so the
 * order of tied hits): the same answers in the same order. Reading is what it is built for: `get`
 * of the key `keys()` just gave (MiniSearch's scoring loop) is O(1), any other look-up, `set` of a
 * new key and `delete` are O(n) — a hot reload changes a few articles' postings, a fresh build adds
 * to Maps and compacts them once at the end (`compactTermIndex`).
 *
 * Frequencies sit in the narrowest array that holds them (narrow-counts.ts): a posting is 5 bytes
 * where no passage has the term 256 times or more, which is every term of real articles.
 */
export class CompactPostings implements Iterable<[number, number]> {
  private ids: Uint32Array;
  private frequencies: Counts;
  private count: number;
  /** Position of the key `keys()` yielded last (`get` checks it first). */
  private cursor = 0;

  private constructor(ids: Uint32Array, frequencies: Counts, count: number) {
    this.ids = ids;
    this.frequencies = frequencies;
    this.count = count;
  }

  /** The postings of a Map, in its order; throws on an id or frequency that is not a uint32 (as the Map is MiniSearch's, never). */
  static from(entries: Iterable<readonly [number, number]>, size: number): CompactPostings {
    const ids = new Uint32Array(size);
    const frequencies = new Uint32Array(size);
    let count = 0;
    for (const [id, frequency] of entries) {
      if (!isUint32(id) || !isUint32(frequency) || count === size) throw new Error('keyword index: a posting is not a passage id and a count');
      ids[count] = id;
      frequencies[count] = frequency;
      count++;
    }
    return new CompactPostings(ids, narrowed(frequencies), count);
  }

  get size(): number {
    return this.count;
  }

  get(id: number): number | undefined {
    const at = this.positionOf(id);
    return at < 0 ? undefined : this.frequencies[at];
  }

  has(id: number): boolean {
    return this.positionOf(id) >= 0;
  }

  set(id: number, frequency: number): this {
    if (!isUint32(id) || !isUint32(frequency)) throw new Error('keyword index: a posting is not a passage id and a count');
    if (frequency > largestIn(this.frequencies)) this.frequencies = widened(this.frequencies, this.frequencies.length, frequency);
    const at = this.positionOf(id);
    if (at >= 0) {
      this.frequencies[at] = frequency;
      return this;
    }
    if (this.count === this.ids.length) {
      const length = Math.max(4, this.ids.length * 2);
      const ids = new Uint32Array(length);
      ids.set(this.ids);
      this.ids = ids;
      this.frequencies = widened(this.frequencies, length, largestIn(this.frequencies));
    }
    this.ids[this.count] = id;
    this.frequencies[this.count] = frequency;
    this.count++;
    return this;
  }

  delete(id: number): boolean {
    const at = this.positionOf(id);
    if (at < 0) return false;
    this.ids.copyWithin(at, at + 1, this.count);
    this.frequencies.copyWithin(at, at + 1, this.count);
    this.count--;
    return true;
  }

  *keys(): IterableIterator<number> {
    for (let i = 0; i < this.count; i++) {
      this.cursor = i;
      yield this.ids[i]!;
    }
  }

  *values(): IterableIterator<number> {
    for (let i = 0; i < this.count; i++) yield this.frequencies[i]!;
  }

  *entries(): IterableIterator<[number, number]> {
    for (let i = 0; i < this.count; i++) yield [this.ids[i]!, this.frequencies[i]!];
  }

  [Symbol.iterator](): IterableIterator<[number, number]> {
    return this.entries();
  }

  forEach(callback: (frequency: number, id: number, postings: this) => void): void {
    for (let i = 0; i < this.count; i++) callback(this.frequencies[i]!, this.ids[i]!, this);
  }

  private positionOf(id: number): number {
    if (this.cursor < this.count && this.ids[this.cursor] === id) return this.cursor;
    for (let i = 0; i < this.count; i++) if (this.ids[i] === id) return i;
    return -1;
  }
}

function isUint32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

/** Replaces every postings `Map` of MiniSearch's term index (term → field id → postings) by `CompactPostings`; those already compact stay. */
export function compactTermIndex(index: Iterable<[string, Map<number, unknown>]>): void {
  for (const [, fields] of index) {
    for (const [field, postings] of fields) {
      if (postings instanceof Map) fields.set(field, CompactPostings.from(postings as Map<number, number>, postings.size));
    }
  }
}
