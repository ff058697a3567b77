/**
 * A Map bounded to `maxEntries`, least recently used out first: a read moves the entry to the
 * end (a Map iterates in insertion order), a write past the bound drops the oldest. The caches
 * that must not grow with traffic or knowledge (query embeddings, passage vectors, Bot Framework
 * clients, remembered term expansions) share it.
 *
 * With `maxWeight`, entries also carry a weight (given to `set`, 1 by default) and the oldest
 * are dropped until the total is within it too; an entry heavier than the whole bound is not
 * kept. Used where one entry can hold many items (a term's expansions: hundreds of words).
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, { value: V; weight: number }>();
  private total = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxWeight = Infinity,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Sum of the weights of the entries held. */
  get weight(): number {
    return this.total;
  }

  /** The value, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V, weight = 1): void {
    if (weight > this.maxWeight) return;
    this.delete(key);
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.total <= this.maxWeight) break;
      this.entries.delete(oldest);
      this.total -= entry.weight;
    }
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.total -= entry.weight;
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
