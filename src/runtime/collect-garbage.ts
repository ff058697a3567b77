import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { returnFreedMemory } from './return-freed-memory.js';

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
 * Two full collections once the current event-loop turn is done: called when the knowledge has
 * just loaded, so a pending `/ready` (or first turn) is answered before the pause (~0.1 s each)
 * instead of after it. Two, because the first one frees the load's garbage but leaves the pages
 * that held it fragmented around what survives (the tokenizer's 250,002 piece strings among the
 * parsed tokenizer.json, for one); the second moves the survivors off the pages the first found
 * sparse and returns those pages. Measured with the e5 default (bench/results/*-round3-start.md):
 * RSS 3 s after /ready 374 → 355–361 MB; a third collection gained 1 MB more. Then the C heap's
 * free pages go back to the kernel (`returnFreedMemory`): the collections free the array buffers,
 * glibc keeps what it cannot trim from an arena's top.
 */
export function collectGarbageSoon(): void {
  setImmediate(() => {
    collectGarbage();
    collectGarbage();
    returnFreedMemory();
  });
}
