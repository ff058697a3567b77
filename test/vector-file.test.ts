import { describe, expect, it } from 'vitest';
import { decodeVectorFile, encodeVectorFile } from '../src/storage/vector-file.js';

describe('vector file (stored query vectors)', () => {
  const texts = ['Como posso solicitar minha senha?', 'Jak utworzyć użytkownika?', 'ok 👍'];
  const all = Float32Array.from({ length: 3 * 4 }, (_, i) => Math.fround(Math.sin(i) * 1e-3 * (i + 1)));

  it('gives back the texts and every float to the bit, also from bytes that are not 4-aligned', () => {
    const file = encodeVectorFile(texts, all, 4);
    const back = decodeVectorFile(file, 4)!;
    expect(back.texts).toEqual(texts);
    expect(Buffer.from(back.all.buffer, back.all.byteOffset, back.all.byteLength)).toEqual(Buffer.from(all.buffer));
    const shifted = Buffer.alloc(file.length + 1);
    file.copy(shifted, 1);
    expect([...decodeVectorFile(shifted.subarray(1), 4)!.all]).toEqual([...all]);
  });

  it('refuses another dimension, another format and a file cut short, and rows that do not fit the texts', () => {
    const file = encodeVectorFile(texts, all, 4);
    expect(decodeVectorFile(file, 3)).toBeUndefined();
    expect(decodeVectorFile(Buffer.from('{"texts":[],"vectors":""}'), 4)).toBeUndefined();
    expect(decodeVectorFile(file.subarray(0, file.length - 1), 4)).toBeUndefined();
    expect(decodeVectorFile(file.subarray(0, 10), 4)).toBeUndefined();
    expect(() => encodeVectorFile(texts, all.subarray(1), 4)).toThrow(/3 texts need 12 floats, not 11/);
  });
});
