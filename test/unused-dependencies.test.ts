import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/test-app.js';

const modelDir = path.resolve(repoRoot, process.env.MODEL_DIR ?? '../shared/models');

/**
 * Loads the embedder in a fresh node process (a test worker may already have imported
 * transformers.js for another file) and reports what got loaded: whether libvips (sharp's native
 * library) and onnxruntime-web were, and a real embedding.
 */
function loadInFreshProcess(skip: boolean): { libvips: boolean; ortWeb: boolean; stubbed: string[]; dimension: number; norm: number } {
  const script = `
    import { readFileSync } from 'node:fs';
    import { createRequire } from 'node:module';
    import { skipUnusedTransformersDependencies } from './src/runtime/unused-dependencies.ts';
    // Without: transformers.js imported first, as any other code could (the embedder's own call is then a no-op).
    const stubbed = ${skip ? 'skipUnusedTransformersDependencies()' : "(await import('@xenova/transformers'), skipUnusedTransformersDependencies())"};
    const { TransformersEmbedder } = await import('./src/search/transformers-embedder.ts');
    const embedder = await TransformersEmbedder.create({ modelId: 'Xenova/all-MiniLM-L6-v2', modelDir: ${JSON.stringify(modelDir)} });
    const [vector] = await embedder.embed(['How do I reset my password?'], 'query');
    const require = createRequire(createRequire(import.meta.url).resolve('@xenova/transformers/package.json'));
    const ortWeb = require.cache[require.resolve('onnxruntime-web')];
    console.log(JSON.stringify({
      libvips: readFileSync('/proc/self/maps', 'utf8').includes('libvips'),
      ortWeb: ortWeb !== undefined && Object.keys(ortWeb.exports).length > 0,
      stubbed,
      dimension: embedder.dimension,
      norm: Math.hypot(...vector),
    }));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as ReturnType<typeof loadInFreshProcess>;
}

describe.runIf(process.platform === 'linux')('transformers.js without the packages tierdesk never uses', () => {
  it('embeds with sharp (libvips) and onnxruntime-web left unloaded, which a plain import loads', () => {
    const skipped = loadInFreshProcess(true);
    expect(skipped.stubbed.sort()).toEqual(['onnxruntime-web', 'sharp']);
    expect(skipped.libvips).toBe(false);
    expect(skipped.ortWeb).toBe(false);
    expect(skipped.dimension).toBe(384);
    expect(skipped.norm).toBeCloseTo(1, 5);

    // The same load without the stand-ins maps libvips and loads onnxruntime-web: the check above can fail.
    const plain = loadInFreshProcess(false);
    expect(plain.stubbed).toEqual([]);
    expect(plain.libvips).toBe(true);
    expect(plain.ortWeb).toBe(true);
  }, 60_000);
});
