import { describe, expect, it } from 'vitest';
import { EmbedderLoadError } from '../src/search/embedder.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';
import { tempDir } from './support/test-app.js';

describe('transformers.js embedder', () => {
  it('explains the offline setting when the model is not in MODEL_DIR (and downloads nothing)', async () => {
    const modelDir = tempDir('tierdesk-models-');
    const attempt = TransformersEmbedder.create({ modelId: 'Xenova/all-MiniLM-L6-v2', modelDir });
    await expect(attempt).rejects.toThrow(EmbedderLoadError);
    await expect(attempt).rejects.toThrow(/not found under MODEL_DIR=.*Copy the model there/);
  });
});
