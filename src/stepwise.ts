/**
 * Work written once as a generator that yields between its steps, run either at once (`runAll`)
 * or with a pause at each yield (`runPausing`). A calibration in the server's background runs
 * beside customers' turns: its answer-model training (25 Newton steps) and threshold searches
 * (one per language) each held the event loop ~0.5 s on the sample knowledge base in one piece.
 * The same code, with the same arithmetic, gives the same result either way.
 */
export type Stepwise<T> = Generator<void, T, void>;

/** Runs every step at once. */
export function runAll<T>(steps: Stepwise<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/** Runs the steps, awaiting `pause` at each yield (e.g. a turn of the event loop and an abort check). */
export async function runPausing<T>(steps: Stepwise<T>, pause: () => Promise<void>): Promise<T> {
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    await pause();
  }
}
