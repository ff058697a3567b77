import type { Counts } from './narrow-counts.js';

/**
 * Where `id` is in `ids[start..end)`, ascending ids, by binary search; -1 when it is not there.
 * The flat lookup tables of the keyword search (a query term's scores by passage) and of the
 * term coverage (an article's word ids) keep their ids this way instead of in Maps.
 */
export function indexOfSorted(ids: Counts, id: number, start = 0, end = ids.length): number {
  let low = start;
  let high = end;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (ids[mid]! < id) low = mid + 1;
    else high = mid;
  }
  return low < end && ids[low] === id ? low : -1;
}
