import { promises as fsPromises } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { markedPath, openByPathCache, pathMarker } from '../src/search/open-by-path.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';
import { repoRoot, tempDir } from './support/test-app.js';

const modelDir = path.resolve(repoRoot, process.env.MODEL_DIR ?? '../shared/models');
const minilm = 'Xenova/all-MiniLM-L6-v2';

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

  it('loads a local model without reading its ONNX file into memory (the tokenizer is still read)', async () => {
    const read = vi.spyOn(fsPromises, 'readFile');
    try {
      const embedder = await TransformersEmbedder.create({ modelId: minilm, modelDir });
      const files = read.mock.calls.map(([file]) => String(file));
      expect(files.some((file) => file.endsWith('tokenizer.json'))).toBe(true);
      expect(files.filter((file) => file.endsWith('.onnx'))).toEqual([]);
      const [vector] = await embedder.embed(['How do I reset my password?'], 'query');
      expect(vector!.length).toBe(384);
    } finally {
      read.mockRestore();
    }
  }, 60_000);
});
