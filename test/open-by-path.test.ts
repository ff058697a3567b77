import { promises as fsPromises } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { markedPath, openByPathCache, pathMarker } from '../src/search/open-by-path.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';
import { repoRoot, tempDir } from './support/test-app.js';

const modelDir = path.resolve(repoRoot, process.env.MODEL_DIR ?? '../shared/models');
const minilm = 'Xenova/all-MiniLM-L6-v2';
const e5 = 'intfloat/multilingual-e5-small';

describe('ONNX file opened by path, not read by transformers.js', () => {
  it('marks a path and reads it back; real model bytes are no marker', () => {
    expect(markedPath(pathMarker('/models/x/onnx/model.onnx'))).toBe('/models/x/onnx/model.onnx');
    expect(markedPath(new TextEncoder().encode('\x08\x07\x12\x0connx-model'))).toBeUndefined();
    expect(markedPath(new Uint8Array(1_000_000))).toBeUndefined();
  });

  it('answers only for the model file, and only while it exists', async () => {
    const file = path.join(modelDir, minilm, 'onnx/model_quantized.onnx');
    const cache = openByPathCache(() => file);
    const hit = await cache.match(path.join(modelDir, minilm, '.', 'onnx/model_quantized.onnx'));
    expect(markedPath(new Uint8Array(await hit!.arrayBuffer()))).toBe(file);
    expect(await cache.match(path.join(modelDir, minilm, 'tokenizer.json'))).toBeUndefined();
    expect(await openByPathCache(() => undefined).match(file)).toBeUndefined();
    expect(await openByPathCache(() => path.join(tempDir(), 'missing.onnx')).match(path.join(tempDir(), 'missing.onnx'))).toBeUndefined();
  });

  it('loads the derived e5 model without reading its ONNX file into memory; MiniLM is still read (the tokenizer always)', async () => {
    const cacheDir = tempDir();
    // Derive first (the derivation reads the original model itself), then count the reads of a load.
    await TransformersEmbedder.create({ modelId: e5, modelDir, cacheDir });
    const read = vi.spyOn(fsPromises, 'readFile');
    try {
      const embedder = await TransformersEmbedder.create({ modelId: e5, modelDir, cacheDir });
      const files = read.mock.calls.map(([file]) => String(file));
      expect(files.some((file) => file.endsWith('tokenizer.json'))).toBe(true);
      expect(files.filter((file) => file.endsWith('.onnx'))).toEqual([]);
      const [vector] = await embedder.embed(['Como redefino minha senha?'], 'query');
      expect(vector!.length).toBe(384);
      read.mockClear();
      await TransformersEmbedder.create({ modelId: minilm, modelDir });
      const minilmReads = read.mock.calls.map(([file]) => String(file)).filter((file) => file.endsWith('.onnx'));
      expect(minilmReads.length).toBeGreaterThan(0);
      expect(new Set(minilmReads)).toEqual(new Set([path.join(modelDir, minilm, 'onnx/model_quantized.onnx')]));
    } finally {
      read.mockRestore();
    }
  }, 120_000);
});
