import { describe, expect, it } from 'vitest';
import { collectGarbageSoon } from '../src/runtime/collect-garbage.js';

describe('post-load garbage collection', () => {
  it('returns at once and collects unreachable memory right after the current event-loop turn', async () => {
    // 8 MB nobody references any more, like the model file's bytes once onnxruntime has copied them.
    let bytes: Float64Array | undefined = new Float64Array(1 << 20);
    const ref = new WeakRef(bytes);
    bytes = undefined;

    collectGarbageSoon();
    // Not yet: the pause comes after what this turn is doing (a /ready answer, say).
    expect(ref.deref()).toBeDefined();

    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(ref.deref()).toBeUndefined();
  });
});
