import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbedderLoadError, dot } from '../src/search/embedder.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';
import { repoRoot, tempDir } from './support/test-app.js';

/** The real models (../shared/models): these tests are about what the model sees, not plumbing. */
const modelDir = path.resolve(repoRoot, process.env.MODEL_DIR ?? '../shared/models');

describe('transformers.js embedder', () => {
  it('explains the offline setting when the model is not in MODEL_DIR (and downloads nothing)', async () => {
    const emptyDir = tempDir('tierdesk-models-');
    const attempt = TransformersEmbedder.create({ modelId: 'Xenova/all-MiniLM-L6-v2', modelDir: emptyDir });
    await expect(attempt).rejects.toThrow(EmbedderLoadError);
    await expect(attempt).rejects.toThrow(/not found under MODEL_DIR=.*Copy the model there/);
  });

  it('loads the multilingual default with its prefixes and file, and emoji do not become <unk>', async () => {
    const embedder = await TransformersEmbedder.create({ modelId: 'intfloat/multilingual-e5-small', modelDir });
    expect(embedder.dimension).toBe(384);
    expect(embedder.fingerprint).toMatchObject({ file: 'onnx/model.onnx', queryPrefix: 'query: ', passagePrefix: 'passage: ' });
    const unk = embedder.unknownTokenId;
    expect(unk).toBe(3);
    const ids = embedder.tokenIds('ok 👍');
    expect(ids.length).toBeGreaterThan(3);
    expect(ids).not.toContain(unk);
    expect(embedder.tokenIds('Jak utworzyć nowego użytkownika? 🙂🚀')).not.toContain(unk);
  }, 60_000);

  it('applies the query and passage prefixes: the same text embeds differently per role', async () => {
    const embedder = await TransformersEmbedder.create({ modelId: 'intfloat/multilingual-e5-small', modelDir });
    const [query] = await embedder.embed(['Como posso solicitar minha senha?'], 'query');
    const [passage] = await embedder.embed(['Como posso solicitar minha senha?'], 'passage');
    const [again] = await embedder.embed(['Como posso solicitar minha senha?'], 'query');
    expect(dot(query!, again!)).toBeCloseTo(1, 5);
    expect(dot(query!, passage!)).toBeLessThan(0.99);
  }, 60_000);
});
