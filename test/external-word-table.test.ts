import { execFile } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, utimesSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { derivedModelRoot, deriveWithoutTable, wordTableManifestSchema } from '../src/search/external-word-table.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';
import { tempDir } from './support/test-app.js';

/** The real models (../shared/models, there in CI too): the point is the model's own output. */
const modelDir = path.resolve(import.meta.dirname, '..', process.env.MODEL_DIR ?? '../shared/models');
const e5 = 'intfloat/multilingual-e5-small';

const texts = [
  'How do I request a new password?',
  'Como posso solicitar minha senha? 👍',
  'Jak utworzyć nowego użytkownika w systemie?',
  'ok',
  'Program jest blokowany przez mój antywirus, co teraz? ' + 'Długi opis problemu. '.repeat(20),
];

describe('word-embedding table read from the model file (real e5)', () => {
  it('gives the same vectors to the bit as the model that keeps its table, and reuses the derived model', async () => {
    const cacheDir = tempDir();
    // A model of the previous derivation (v1: matrices not expanded) is removed once v2 is in place.
    mkdirSync(path.join(cacheDir, 'word-table/v1', e5, 'onnx'), { recursive: true });
    const lean = await TransformersEmbedder.create({ modelId: e5, modelDir, cacheDir });
    expect(existsSync(path.join(cacheDir, 'word-table/v1'))).toBe(false);
    const manifestFile = path.join(cacheDir, 'word-table/v2', e5, 'onnx/word-table.json');
    const manifest = wordTableManifestSchema.parse(JSON.parse(readFileSync(manifestFile, 'utf8')));
    expect(manifest).toMatchObject({ rows: 250037, dimension: 384, input: 'word_embeds' });
    const derivedFile = path.join(cacheDir, 'word-table/v2', e5, 'onnx/model.onnx');
    // The derived model no longer holds the 54 MB table, and its layer matrices are stored expanded (fold-weights.ts).
    const { onnx } = createRequire(import.meta.url)('onnx-proto') as { onnx: { ModelProto: { decode(bytes: Uint8Array): { graph: { node: { opType: string }[]; initializer: { name: string; dataType: number }[] } } } } };
    const graph = onnx.ModelProto.decode(readFileSync(derivedFile)).graph;
    expect(graph.initializer.map((t) => t.name)).not.toContain('word_q4');
    expect(graph.initializer.filter((t) => t.dataType === 3)).toEqual([]);
    expect(graph.node.filter((n) => n.opType === 'Cast')).toHaveLength(1);
    // The tokenizer is written minified: the same JSON values, about half the bytes.
    const [derivedTokenizer, originalTokenizer] = [path.join(cacheDir, 'word-table/v2', e5, 'tokenizer.json'), path.join(modelDir, e5, 'tokenizer.json')];
    expect(statSync(derivedTokenizer).size).toBeLessThan(statSync(originalTokenizer).size * 0.6);
    expect(JSON.parse(readFileSync(derivedTokenizer, 'utf8'))).toEqual(JSON.parse(readFileSync(originalTokenizer, 'utf8')));

    const full = await TransformersEmbedder.create({ modelId: e5, modelDir, cacheDir, externalWordTable: false });
    for (const role of ['query', 'passage'] as const) {
      const [a, b] = [await lean.embed(texts, role), await full.embed(texts, role)];
      a.forEach((vector, i) => expect(Array.from(vector)).toEqual(Array.from(b[i]!)));
    }

    const made = statSync(derivedFile).mtimeMs;
    await TransformersEmbedder.create({ modelId: e5, modelDir, cacheDir });
    expect(statSync(derivedFile).mtimeMs).toBe(made);
  }, 120_000);

  it('lets two starts on one data folder derive at the same time (each renames its own files into place)', async () => {
    const cacheDir = tempDir();
    const module = pathToFileURL(path.resolve(import.meta.dirname, '../src/search/external-word-table.ts')).href;
    const script = `const { derivedModelRoot } = await import(${JSON.stringify(module)});
      const d = await derivedModelRoot(${JSON.stringify(modelDir)}, ${JSON.stringify(e5)}, 'onnx/model.onnx', ${JSON.stringify(cacheDir)}, async () => true);
      process.stdout.write(String(d?.root));`;
    const run = () =>
      new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: path.resolve(import.meta.dirname, '..') }, (error, stdout, stderr) =>
          error ? reject(new Error(stderr)) : resolve(stdout),
        ),
      );
    // Two processes, as two instances started together on one DATA_DIR.
    expect(await Promise.all([run(), run()])).toEqual([path.join(cacheDir, 'word-table/v2'), path.join(cacheDir, 'word-table/v2')]);
    const [a, b] = [await TransformersEmbedder.create({ modelId: e5, modelDir, cacheDir }), await TransformersEmbedder.create({ modelId: e5, modelDir, externalWordTable: false })];
    expect(Array.from((await a.embed(['onde baixo a fatura?'], 'query'))[0]!)).toEqual(Array.from((await b.embed(['onde baixo a fatura?'], 'query'))[0]!));
  }, 120_000);

  it('keeps the derived model when the original is touched but unchanged, and derives again when its bytes change', async () => {
    // A copy of the model folder: the test changes the file's time and bytes.
    const copyDir = tempDir();
    const folder = path.join(copyDir, e5);
    mkdirSync(path.join(folder, 'onnx'), { recursive: true });
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model.onnx']) {
      if (existsSync(path.join(modelDir, e5, file))) copyFileSync(path.join(modelDir, e5, file), path.join(folder, file));
    }
    const source = path.join(folder, 'onnx/model.onnx');
    const cacheDir = tempDir();
    let verified = 0;
    const derive = () => derivedModelRoot(copyDir, e5, 'onnx/model.onnx', cacheDir, async () => (verified++, true));
    const derivedFile = path.join(cacheDir, 'word-table/v2', e5, 'onnx/model.onnx');
    const manifestFile = path.join(cacheDir, 'word-table/v2', e5, 'onnx/word-table.json');
    expect((await derive())?.manifest.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
    const made = statSync(derivedFile).mtimeMs;

    // Copied again, as a rebuilt image or a synced folder does: same bytes, another time.
    const later = new Date(Date.now() + 60_000);
    utimesSync(source, later, later);
    expect((await derive())?.manifest.sourceMtimeMs).toBe(statSync(source).mtimeMs);
    expect(statSync(derivedFile).mtimeMs).toBe(made);
    expect(verified).toBe(1);
    expect(wordTableManifestSchema.parse(JSON.parse(readFileSync(manifestFile, 'utf8'))).sourceMtimeMs).toBe(statSync(source).mtimeMs);

    // One byte of the word table changed, same size and time: the hash no longer matches, so it is derived again.
    const manifest = wordTableManifestSchema.parse(JSON.parse(readFileSync(manifestFile, 'utf8')));
    const even = new Date(later.getTime() + 60_000);
    const fd = openSync(source, 'r+');
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, manifest.tableOffset + 10);
    byte[0] = byte[0]! ^ 0xff;
    writeSync(fd, byte, 0, 1, manifest.tableOffset + 10);
    closeSync(fd);
    utimesSync(source, even, even);
    const again = await derive();
    expect(verified).toBe(2);
    expect(again?.manifest.sourceSha256).not.toBe(manifest.sourceSha256);
  }, 120_000);

  it('finds nothing to cut in a model without a 4-bit table (MiniLM keeps its own)', () => {
    const minilm = path.join(modelDir, 'Xenova/all-MiniLM-L6-v2/onnx/model.onnx');
    expect(deriveWithoutTable(minilm, readFileSync(minilm), statSync(minilm))).toBeUndefined();
  });
});
