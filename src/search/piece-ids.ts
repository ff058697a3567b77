/**
 * A tokenizer's piece → id look-up for a large vocabulary, in place of transformers.js's
 * `tokens_to_ids` Map: e5's 250,002 pieces cost 7.0 MB of heap in a Map, here 2 MB.
 *
 * Why it can be small: the pieces are already held by the model's `vocab` array (id → piece),
 * which decoding needs anyway, so the table only has to find an id: an open-addressing hash
 * table of ids (Int32Array, linear probing) whose entries are confirmed against `vocab[id]`.
 * Entries whose id does not point back at the same piece in `vocab` (tokens a tokenizer adds
 * after the model: `<mask>` and the like) are kept in a small Map, as is anything `set` later.
 * Answers exactly as the Map it is built from (test/piece-ids.test.ts).
 */
export class PieceIds {
  /** id + 1 per slot, 0 when empty. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Entries the table cannot hold (see above); looked up first, so a later `set` wins as in a Map. */
  private readonly others = new Map<string, number>();
  private inTable = 0;

  /** `entries`: the Map (or pairs) to answer as; `vocab`: id → piece, kept by the caller. */
  constructor(
    private readonly vocab: readonly string[],
    entries: Iterable<readonly [string, number]>,
  ) {
    let capacity = 1024;
    while (capacity < vocab.length * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (const [piece, id] of entries) {
      // A Map's pieces are distinct, so no piece is inserted twice.
      if (vocab[id] === piece) this.insert(piece, id);
      else this.others.set(piece, id);
    }
  }

  get size(): number {
    return this.inTable + this.others.size;
  }

  get(piece: string): number | undefined {
    const other = this.others.get(piece);
    if (other !== undefined) return other;
    const id = this.find(piece);
    return id < 0 ? undefined : id;
  }

  has(piece: string): boolean {
    return this.others.has(piece) || this.find(piece) >= 0;
  }

  /** As Map.set: `piece` now gives `id`. */
  set(piece: string, id: number): this {
    this.others.set(piece, id);
    return this;
  }

  /** Every piece and its id (table entries in slot order, then the others). */
  *entries(): IterableIterator<[string, number]> {
    for (const slot of this.slots) {
      if (slot === 0) continue;
      const piece = this.vocab[slot - 1]!;
      if (!this.others.has(piece)) yield [piece, slot - 1];
    }
    yield* this.others;
  }

  [Symbol.iterator](): IterableIterator<[string, number]> {
    return this.entries();
  }

  /** The id the table holds for `piece`, or −1. */
  private find(piece: string): number {
    const { slots, mask, vocab } = this;
    for (let at = hash(piece) & mask; ; at = (at + 1) & mask) {
      const slot = slots[at]!;
      if (slot === 0) return -1;
      if (vocab[slot - 1] === piece) return slot - 1;
    }
  }

  private insert(piece: string, id: number): void {
    const { slots, mask } = this;
    let at = hash(piece) & mask;
    while (slots[at] !== 0) at = (at + 1) & mask;
    slots[at] = id + 1;
    this.inTable++;
  }
}

/** FNV-1a over the UTF-16 code units, mixed so that short pieces spread over the table. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  return Math.imul(h, 0x7feb352d) >>> 0;
}
