import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PieceIds } from '../src/search/piece-ids.js';
import { repoRoot } from './support/test-app.js';

const modelDir = path.resolve(repoRoot, process.env.MODEL_DIR ?? '../shared/models');

/** A small deterministic random generator (the cases are the same on every run). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('the piece → id table', () => {
  it('answers get, has and size as the Map it is built from, with duplicate pieces, added tokens and later sets', () => {
    const next = random(7);
    const alphabet = ['a', 'b', 'ą', 'ł', '▁', '日', '👍', 'é'];
    const word = () => Array.from({ length: 1 + Math.floor(next() * 4) }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    const vocab = Array.from({ length: 3000 }, word); // many duplicates: the Map keeps the last id of each
    const map = new Map(vocab.map((piece, id) => [piece, id]));
    // Tokens a tokenizer adds after the model: an id past the vocabulary, and a piece whose id points at another piece.
    map.set('<mask>', 5000);
    map.set('<extra>', 3);
    const table = new PieceIds(vocab, map);
    expect(table.size).toBe(map.size);
    const probes = [...vocab, '<mask>', '<extra>', ...Array.from({ length: 3000 }, word), '', 'zzz'];
    for (const piece of probes) {
      expect(table.get(piece), piece).toBe(map.get(piece));
      expect(table.has(piece), piece).toBe(map.has(piece));
    }
    // A later set wins, as in a Map.
    const again = vocab[10]!;
    map.set(again, 4242);
    table.set(again, 4242);
    expect(table.get(again)).toBe(4242);
    expect(new Map(table)).toEqual(map);
  });

  it("gives every one of e5's 250,002 pieces the id transformers.js's Map gives", () => {
    const tokenizer = JSON.parse(readFileSync(path.join(modelDir, 'intfloat', 'multilingual-e5-small', 'tokenizer.json'), 'utf8')) as { model: { vocab: [string, number][] } };
    const vocab = tokenizer.model.vocab.map(([piece]) => piece);
    expect(vocab.length).toBe(250_002);
    const map = new Map(vocab.map((piece, id) => [piece, id]));
    const table = new PieceIds(vocab, map);
    expect(table.size).toBe(map.size);
    expect([...map].filter(([piece, id]) => table.get(piece) !== id)).toEqual([]);
    for (const piece of ['▁password', '▁hasło', '▁senha', 'not-a-piece-at-all', '▁👍👍']) expect(table.get(piece)).toBe(map.get(piece));
  });
});
