import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../src/runtime/collect-garbage.js';
import { returnFreedMemory } from '../src/runtime/return-freed-memory.js';

const rssMb = () => process.memoryUsage().rss / 1e6;

/** Full collections until V8's array-buffer sweeper (it may free backing stores on a helper thread) is done. */
async function collectAll(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('returnFreedMemory (glibc malloc_trim through koffi)', () => {
  // The suite runs on Linux (Debian's chromium and PostgreSQL); elsewhere returnFreedMemory returns false.
  it('gives back the C heap that freed buffers left between live ones, which the collector alone does not', async () => {
    // 160 MB of query-vector-sized buffers, one in 50 kept: what a calibration's rankings leave in an arena.
    let buffers: Float32Array[] | undefined = Array.from({ length: 100_000 }, () => new Float32Array(384).fill(1));
    const kept = buffers.filter((_, i) => i % 50 === 0);
    buffers = undefined;
    await collectAll();
    const afterCollection = rssMb();
    expect(returnFreedMemory()).toBe(true);
    const afterTrim = rssMb();
    expect(kept.every((vector) => vector[383] === 1)).toBe(true);
    expect(afterCollection - afterTrim).toBeGreaterThan(80);
    // Bound once, callable again (after every load and calibration).
    expect(returnFreedMemory()).toBe(true);
  });
});
