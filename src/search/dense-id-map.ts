/**
 * Maps keyed by passage ids, in a plain array indexed by the id instead of a hash table.
 *
 * The knowledge index and MiniSearch keep several maps with one entry per passage: passage label
 * → article (ours), and MiniSearch's short id → id, id → short id, short id → field lengths. At
 * 10,000 articles (80,714 passages) each `Map` table was 3.5 MB and the field lengths another
 * 80,714 one-element arrays (~4.5 MB): ~19 MB of heap for four lookups by a small integer
 * (heap snapshot, bench/results/2026-12-07-round17.md). An array slot is 8 bytes.
 *
 * Keys are the passage labels (`manifest.nextLabel++`) and MiniSearch's short ids (`_nextId++`):
 * dense non-negative integers. `denseWhenCompact` keeps a `Map` when they are not (a key that is
 * no such integer, or more than three quarters of the slots would be holes).
 */

/** True when `key` can be a slot of a dense map. */
function isSlot(key: unknown): key is number {
  return typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < 2 ** 31;
}

/**
 * A `Map<number, V>` over an array indexed by key: the same answers as a `Map` to every method,
 * except that iteration is in key order rather than insertion order (the maps it replaces are
 * filled in key order, or only looked up). `undefined` is not a value it can hold.
 */
export class DenseIdMap<V> implements Map<number, V> {
  private slots: (V | undefined)[] = [];
  private count = 0;

  /** The entries of `entries`; throws on a key that is not a non-negative integer below 2³¹ or an undefined value. */
  static from<V>(entries: Iterable<readonly [number, V]>): DenseIdMap<V> {
    const map = new DenseIdMap<V>();
    for (const [key, value] of entries) map.set(key, value);
    return map;
  }

  get size(): number {
    return this.count;
  }

  /** Slots in use: one past the largest key set since the last `clear` (holes included). */
  get span(): number {
    return this.slots.length;
  }

  get [Symbol.toStringTag](): string {
    return 'DenseIdMap';
  }

  get(key: number): V | undefined {
    return isSlot(key) ? this.slots[key] : undefined;
  }

  has(key: number): boolean {
    return isSlot(key) && this.slots[key] !== undefined;
  }

  set(key: number, value: V): this {
    if (!isSlot(key)) throw new Error(`DenseIdMap: key ${String(key)} is not a non-negative integer below 2^31`);
    if (value === undefined) throw new Error('DenseIdMap: undefined is not a value it holds');
    // Grown one slot at a time: an index far past the end would turn the array into a dictionary.
    while (this.slots.length <= key) this.slots.push(undefined);
    if (this.slots[key] === undefined) this.count++;
    this.slots[key] = value;
    return this;
  }

  delete(key: number): boolean {
    if (!this.has(key)) return false;
    this.slots[key] = undefined;
    this.count--;
    return true;
  }

  clear(): void {
    this.slots = [];
    this.count = 0;
  }

  forEach(callback: (value: V, key: number, map: Map<number, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this) callback.call(thisArg, value, key, this);
  }

  *entries(): MapIterator<[number, V]> {
    const { slots } = this;
    for (let key = 0; key < slots.length; key++) {
      const value = slots[key];
      if (value !== undefined) yield [key, value];
    }
  }

  *keys(): MapIterator<number> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[number, V]> {
    return this.entries();
  }
}

/** Whether ids up to `largest` are dense enough among `count` entries for an array (a quarter of its slots or more). */
function denseEnough(largest: number, count: number): boolean {
  return largest + 1 <= 4 * count + 1024;
}

/**
 * `map` as a `DenseIdMap` when its keys are dense non-negative integers (at least a quarter of the
 * slots up to the largest key used), otherwise as a `Map`. Ids are never reused (a passage label,
 * a MiniSearch short id): after many edits the live ones can be spread thin, and an array would
 * then hold mostly holes; a `DenseIdMap` that has become so sparse is turned back into a `Map`.
 */
export function denseWhenCompact<V>(map: ReadonlyMap<number, V>): ReadonlyMap<number, V> {
  if (map instanceof DenseIdMap) return denseEnough(map.span - 1, map.size) ? map : new Map(map);
  let largest = -1;
  for (const [key, value] of map) {
    if (!isSlot(key) || value === undefined) return map;
    if (key > largest) largest = key;
  }
  return denseEnough(largest, map.size) ? DenseIdMap.from(map) : map;
}

/**
 * MiniSearch's short id → field lengths (`_fieldLength`, one number per field), for an index of one
 * field: a length is held as a number in a `DenseIdMap` slot, not as an array of its own.
 *
 * MiniSearch reads `get(id)[field]` at once, so `get` hands out one reused array for a stored
 * number. When it adds a document it sets a new empty array and fills it after (`addFieldLength`):
 * such arrays are kept as given until `compact()` turns them into numbers.
 */
export class SingleFieldLengths implements Map<number, number[]> {
  private readonly lengths = new DenseIdMap<number | number[]>();
  /** What `get` returns for a length stored as a number: read at once by MiniSearch, never kept. */
  private readonly scratch: number[] = [0];

  /**
   * MiniSearch's `_fieldLength` as read or built; null when a document has other than one integer
   * length or the ids are spread thin (`denseWhenCompact`): then keep a Map.
   */
  static from(map: ReadonlyMap<number, readonly number[]>): SingleFieldLengths | null {
    const lengths = new SingleFieldLengths();
    let largest = -1;
    for (const [key, value] of map) {
      if (!isSlot(key) || value.length !== 1 || !isSlot(value[0])) return null;
      if (key > largest) largest = key;
    }
    if (!denseEnough(largest, map.size)) return null;
    for (const [key, value] of map) lengths.lengths.set(key, value[0]!);
    return lengths;
  }

  /** Whether the ids have become spread thin (see `denseWhenCompact`): then a Map holds them better. */
  get sparse(): boolean {
    return !denseEnough(this.lengths.span - 1, this.lengths.size);
  }

  /** Arrays set since `from` or the last `compact` that hold one integer length become numbers. */
  compact(): void {
    for (const [key, value] of this.lengths) {
      if (Array.isArray(value) && value.length === 1 && isSlot(value[0])) this.lengths.set(key, value[0]);
    }
  }

  get size(): number {
    return this.lengths.size;
  }

  get [Symbol.toStringTag](): string {
    return 'SingleFieldLengths';
  }

  get(key: number): number[] | undefined {
    const value = this.lengths.get(key);
    if (typeof value !== 'number') return value;
    this.scratch[0] = value;
    return this.scratch;
  }

  has(key: number): boolean {
    return this.lengths.has(key);
  }

  set(key: number, value: number[]): this {
    this.lengths.set(key, value);
    return this;
  }

  delete(key: number): boolean {
    return this.lengths.delete(key);
  }

  clear(): void {
    this.lengths.clear();
  }

  forEach(callback: (value: number[], key: number, map: Map<number, number[]>) => void, thisArg?: unknown): void {
    for (const [key, value] of this) callback.call(thisArg, value, key, this);
  }

  /** Fresh arrays: what iterates (MiniSearch's `toJSON`) may keep them. */
  *entries(): MapIterator<[number, number[]]> {
    for (const [key, value] of this.lengths) yield [key, typeof value === 'number' ? [value] : value];
  }

  keys(): MapIterator<number> {
    return this.lengths.keys();
  }

  *values(): MapIterator<number[]> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[number, number[]]> {
    return this.entries();
  }
}
