/**
 * Counts (term frequencies, passages per word) and small ids (word ids of a vocabulary) in the
 * narrowest typed array that holds them. Most counts of real articles stay below 256, so a count
 * is one byte instead of four: at 10,000 articles the keyword postings' frequencies went
 * 5.9 → 1.5 MB and the term coverage's counts and word ids 7.0 → 2.6 MB
 * (bench/results/2026-12-07-round17.md).
 */
export type Counts = Uint8Array | Uint16Array | Uint32Array;

/** The narrowest array of `length` that holds counts up to `largest`. */
export function countsFor(length: number, largest: number): Counts {
  return largest <= 0xff ? new Uint8Array(length) : largest <= 0xffff ? new Uint16Array(length) : new Uint32Array(length);
}

/** The largest count `counts` can hold. */
export function largestIn(counts: Counts): number {
  return counts instanceof Uint8Array ? 0xff : counts instanceof Uint16Array ? 0xffff : 0xffffffff;
}

/** `counts` copied into an array of `length` that holds `largest` too. */
export function widened(counts: Counts, length: number, largest: number): Counts {
  const wider = countsFor(length, Math.max(largest, largestIn(counts)));
  wider.set(counts);
  return wider;
}

/** `counts` in the narrowest array that holds its values (the same array when that is its type). */
export function narrowed(counts: Uint32Array): Counts {
  let largest = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i]! > largest) largest = counts[i]!;
  if (largest > 0xffff) return counts;
  const narrow = countsFor(counts.length, largest);
  narrow.set(counts);
  return narrow;
}
