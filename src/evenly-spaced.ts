/**
 * At most `limit` items, evenly spread (all of them when there are fewer): samples that reach the
 * whole list (spot checks of a file, a projection's fitting vectors, calibration's questions).
 */
export function evenlySpaced<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]!);
}
