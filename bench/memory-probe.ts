/**
 * One measurement per process (RSS is per process): `node --expose-gc dist/bench/memory-probe.js <stage>
 * <model> <quantized: true|false|default> <lean>` prints JSON with RSS before and after loading, after 10 queries
 * and after a GC. Stages: `tokenizer` (AutoTokenizer only) and `pipeline` (tokenizer + model
 * session). bench/run.ts spawns it once per configuration and subtracts.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { projectRoot } from '../src/project-root.js';
import { skipUnusedTransformersDependencies } from '../src/runtime/unused-dependencies.js';
import type { SessionOptions } from '../src/search/session-options.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';

const [stage = 'pipeline', modelId = 'intfloat/multilingual-e5-small', quantized = 'false', lean = 'true'] = process.argv.slice(2);
const modelDir = path.resolve(projectRoot(), process.env.MODEL_DIR ?? '../shared/models');
const mb = () => process.memoryUsage().rss / 1024 / 1024;
/** Two full collections, as the server runs after loading (src/runtime/collect-garbage.ts). */
const gc = () => {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
};

async function main(): Promise<void> {
  // As the server loads it (src/search/transformers-embedder.ts).
  skipUnusedTransformersDependencies();
  await import('@xenova/transformers');
  gc();
  const before = mb();
  const started = performance.now();
  const queries = Array.from({ length: 10 }, (_, i) => `How do I reset the password of user number ${i}? Como posso solicitar minha senha? 👍`);
  let loadMs = 0;
  let queryMs: number[] = [];
  if (stage === 'tokenizer') {
    const { AutoTokenizer, env } = await import('@xenova/transformers');
    env.localModelPath = modelDir + path.sep;
    env.allowRemoteModels = false;
    // Go through the embedder's patching by creating nothing else: load the tokenizer directly.
    if (lean === 'true') await (await import('../src/search/transformers-embedder.js')).prepareTokenizerLookup(true);
    const tokenizer = await AutoTokenizer.from_pretrained(modelId);
    if (lean === 'true') (await import('../src/search/transformers-embedder.js')).slimTokenizer(tokenizer);
    loadMs = performance.now() - started;
    for (const q of queries) (tokenizer as unknown as { encode(t: string): number[] }).encode(q);
  } else {
    const embedder = await TransformersEmbedder.create({ modelId, modelDir, leanTokenizer: lean === 'true',
      // The server's model cache (DATA_DIR/models), where the derived model without the word table already is (external-word-table.ts).
      ...(process.env.PROBE_CACHE_DIR === undefined ? {} : { cacheDir: process.env.PROBE_CACHE_DIR }),
      // 'default': the file the model registry chooses (what the server loads).
      ...(quantized === 'default' ? {} : { quantized: quantized === 'true' }),
      ...(process.env.PROBE_SESSION === undefined ? {} : { sessionOptions: JSON.parse(process.env.PROBE_SESSION) as SessionOptions }),
    });
    loadMs = performance.now() - started;
    for (const q of queries) {
      const t = performance.now();
      await embedder.embed([q], 'query');
      queryMs.push(performance.now() - t);
    }
    queryMs = queryMs.slice(2);
  }
  const afterLoad = mb();
  gc();
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.PROBE_WAIT_MS ?? 2000)));
  gc();
  const afterGc = mb();
  const heap = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({ stage, modelId, quantized, lean, before, afterLoad, afterGc, heapUsed: heap.heapUsed / 1048576, external: heap.external / 1048576, loadMs, queryMs }) + '\n',
  );
}

await main();
