import { setFlagsFromString } from 'node:v8';

/**
 * `npm start` caps V8's old-generation growth (`--heap-growing-percent=20`, see docs/performance.md,
 * "V8's heap"): under steady load it keeps the heap near what is live instead of letting garbage grow
 * it to several times that. Loading the knowledge is the one time the heap grows on purpose (the
 * keyword index, labels, manifest and articles: at 10,000 articles a few hundred MB allocated,
 * most of it kept), and with the cap V8 ran a full collection each time the heap grew by a fifth:
 * about a third of the main thread's start. So the entry lifts the cap while the knowledge loads
 * (V8's own growth heuristics) and puts the configured value back once the first load is done,
 * before the collections that follow it, which then size the heap with the cap again.
 *
 * V8 reads the flag at every collection, so setting it while running takes effect at the next
 * one. Without the option on node's command line, nothing is changed.
 *
 * Returns the function that puts the configured value back (idempotent).
 */
export function liftHeapGrowthCapWhileLoading(execArgv: readonly string[] = process.execArgv, setFlags: (flags: string) => void = setFlagsFromString): () => void {
  const configured = [...execArgv].reverse().find((option) => /^--heap[-_]growing[-_]percent=\d+$/.test(option));
  if (configured === undefined) return () => undefined;
  setFlags('--heap-growing-percent=0');
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    setFlags(configured);
  };
}
