import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { patchAstralCodePoints, prepareTokenizerLookup, slimTokenizer } from '../src/search/transformers-embedder.js';
import { repoRoot } from './support/test-app.js';

const modelDir = path.resolve(repoRoot, process.env.MODEL_DIR ?? '../shared/models');

type Tokenizer = { encode(text: string): number[] };

async function loadTokenizer(lean: boolean, slim = lean): Promise<Tokenizer> {
  await prepareTokenizerLookup(lean);
  const { AutoTokenizer, env } = await import('@xenova/transformers');
  env.localModelPath = modelDir + path.sep;
  env.allowRemoteModels = false;
  const tokenizer = (await AutoTokenizer.from_pretrained('intfloat/multilingual-e5-small')) as unknown as Tokenizer;
  if (slim) slimTokenizer(tokenizer);
  else if (!lean) patchAstralCodePoints(tokenizer);
  return tokenizer;
}

/** Real sentences in en, pt and pl from the bundled articles, plus emoji, CJK and odd spacing. */
function sentences(): string[] {
  const found: string[] = [];
  for (const language of ['en', 'pt', 'pl']) {
    const dir = path.join(repoRoot, 'knowledge', 'articles', language);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.md')).sort().slice(0, 25)) {
      const lines = readFileSync(path.join(dir, file), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.length > 3);
      found.push(...lines.slice(0, 8));
    }
  }
  const extra = ['ok 👍', 'Obrigado!! 🙏🙏', 'Dzięki 😀 działa', '🚀🚀🚀', 'password🔑reset', '日本語のテキスト 𠮷野家', 'Zażółć gęślą jaźń', 'ação, não, é', '  double  spaces\tand tabs ', 'TD-1042', 'e-mail: joão@example.com'];
  return [...found, ...extra, ...extra.map((e) => `query: ${e} ${found[0] ?? ''}`)];
}

describe('lean tokenizer lookup (e5, 250,002 pieces)', () => {
  it('gives exactly the token ids of transformers.js with the code-point trie, on en/pt/pl text with emoji', async () => {
    const texts = sentences();
    expect(texts.length).toBeGreaterThan(300);
    const reference = await loadTokenizer(false);
    const expected = texts.map((text) => reference.encode(text));
    const lean = await loadTokenizer(true);
    const actual = texts.map((text) => lean.encode(text));
    expect(actual).toEqual(expected);
    expect(lean.encode('ok 👍')).not.toContain(3); // 3 = <unk>
    // Without slimTokenizer the lean lookup makes its own set of the pieces at the first search: same ids.
    const unslimmed = await loadTokenizer(true, false);
    expect(texts.map((text) => unslimmed.encode(text))).toEqual(expected);
  }, 120_000);
});
