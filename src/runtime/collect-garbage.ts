import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/**
 * One full garbage collection, now. Called once when the knowledge has loaded with the real model:
 * loading leaves about 190 MB of array buffers (the model file's bytes, handed to onnxruntime,
 * which keeps its own copy) and 90 MB of dead heap that V8, with no allocation pressure on an idle
 * or lightly loaded server, may not collect for a long time — measured: RSS 720 MB at /ready
 * without it, 450 MB with it (bench/results/*-round2.md). The server would otherwise report and
 * hold that memory until load happens to trigger a major GC.
 *
 * Uses `global.gc` when node runs with --expose-gc; otherwise exposes it for this one call through
 * V8's flag (the documented `vm` way), so operators need no extra node option.
 */
export function collectGarbage(): void {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed !== undefined) collect = exposed;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
      setFlagsFromString('--no-expose-gc');
    }
  }
  collect();
}

/**
 * `collectGarbage` once the current event-loop turn is done: called when the knowledge has just
 * loaded, so a pending `/ready` (or first turn) is answered before the ~0.1 s pause instead of
 * after it. The memory is returned either way (RSS a few seconds after /ready is the same).
 */
export function collectGarbageSoon(): void {
  setImmediate(collectGarbage);
}
