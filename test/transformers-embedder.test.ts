import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbedderLoadError, dot } from '../src/search/embedder.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';
import { repoRoot, tempDir } from './support/test-app.js';

/** The real models (../shared/models): these tests are about what the model sees, not plumbing. */
const modelDir = path.resolve(repoRoot, process.env.MODEL_DIR ?? '../shared/models');
/** Loaded once for the tests below (a load takes seconds). */
let e5: Promise<TransformersEmbedder> | undefined;
const defaultModel = () => (e5 ??= TransformersEmbedder.create({ modelId: 'intfloat/multilingual-e5-small', modelDir, batchSize: 16 }));

describe('transformers.js embedder', () => {
  it('explains the offline setting when the model is not in MODEL_DIR (and downloads nothing)', async () => {
    const emptyDir = tempDir('tierdesk-models-');
    const attempt = TransformersEmbedder.create({ modelId: 'Xenova/all-MiniLM-L6-v2', modelDir: emptyDir });
    await expect(attempt).rejects.toThrow(EmbedderLoadError);
    await expect(attempt).rejects.toThrow(/not found under MODEL_DIR=.*Copy the model there/);
  });

  it('loads the multilingual default with its prefixes and file, and emoji do not become <unk>', async () => {
    const embedder = await defaultModel();
    expect(embedder.dimension).toBe(384);
    expect(embedder.fingerprint).toMatchObject({ file: 'onnx/model.onnx', queryPrefix: 'query: ', passagePrefix: 'passage: ' });
    const unk = embedder.unknownTokenId;
    expect(unk).toBe(3);
    const ids = embedder.tokenIds('ok 👍');
    expect(ids.length).toBeGreaterThan(3);
    expect(ids).not.toContain(unk);
    expect(embedder.tokenIds('Jak utworzyć nowego użytkownika? 🙂🚀')).not.toContain(unk);
  }, 60_000);

  it('gives a text the same vector alone and inside a batch of texts of other lengths (float model: batching cannot move a score)', async () => {
    const embedder = await defaultModel();
    const texts = [
      'ok',
      'Como posso solicitar minha senha?',
      'Jak utworzyć nowego użytkownika w systemie, jeśli nie mam uprawnień administratora i potrzebuję pomocy?',
      'Which databases are supported?',
      'Our April invoice lists the Business plan but we are still on Standard, please correct it and send a new one 👍',
    ];
    const batched = await embedder.embed(texts, 'query');
    for (const [i, text] of texts.entries()) {
      const [alone] = await embedder.embed([text], 'query');
      expect(dot(alone!, batched[i]!)).toBeGreaterThan(0.99999);
    }
  }, 60_000);

  it('applies the query and passage prefixes: the same text embeds differently per role', async () => {
    const embedder = await defaultModel();
    const [query] = await embedder.embed(['Como posso solicitar minha senha?'], 'query');
    const [passage] = await embedder.embed(['Como posso solicitar minha senha?'], 'passage');
    const [again] = await embedder.embed(['Como posso solicitar minha senha?'], 'query');
    expect(dot(query!, again!)).toBeCloseTo(1, 5);
    expect(dot(query!, passage!)).toBeLessThan(0.99);
  }, 60_000);
});
