import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

/**
 * A background calibration's classifier trains on a worker thread at the lowest CPU priority, so
 * that the threads answering customers get the cores first. What matters: the worker's priority
 * drops and the rest of the process (the main thread, the model's thread) keeps its own.
 */
describe('lowerThisThreadPriority', () => {
  it('lowers the calling worker thread to nice 19 and leaves the main thread as it was', async () => {
    const before = getPriority();
    const moduleUrl = new URL('../src/runtime/thread-priority.ts', import.meta.url).href;
    const source = `
      const { parentPort } = require('node:worker_threads');
      const { getPriority } = require('node:os');
      import('tsx/esm/api')
        .then((api) => api.tsImport(${JSON.stringify(moduleUrl)}, ${JSON.stringify(import.meta.url)}))
        .then((m) => parentPort.postMessage({ before: getPriority(), lowered: m.lowerThisThreadPriority(), after: getPriority() }))
        .catch((error) => parentPort.postMessage({ error: String(error) }));`;
    const worker = new Worker(source, { eval: true });
    const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(answer).toEqual({ before, lowered: true, after: 19 });
    expect(getPriority()).toBe(before);
    expect(getPriority(process.pid)).toBe(before);
  });
});
