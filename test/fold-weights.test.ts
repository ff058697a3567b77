import { describe, expect, it } from 'vitest';
import { foldDequantizedWeights, halfToFloat, type FoldGraph, type FoldTensor } from '../src/search/fold-weights.js';

const FLOAT = 1;
const INT8 = 3;
const INT64 = 7;
const FLOAT16 = 10;

function int64s(values: number[]): Uint8Array {
  const bytes = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => bytes.writeBigInt64LE(BigInt(v), i * 8));
  return new Uint8Array(bytes);
}

/** A graph with one expanded matrix: W = Reshape(Cast(q) × Cast(s), [4, 3]) with q: int8 [2, 2, 3], s: fp16 [2, 1, 3]. */
function graph(extraReaderOfQ = false): FoldGraph {
  const q = new Int8Array([-8, -1, 0, 1, 7, 3, 2, -5, 6, -7, 4, -2]);
  // fp16 bits of 0.5, 0.125, 2 and 0.0078125, 1.5, 0.25.
  const s = new Uint16Array([0x3800, 0x3000, 0x4000, 0x2000, 0x3e00, 0x3400]);
  return {
    node: [
      { opType: 'Cast', input: ['q'], output: ['qf'], attribute: [{ name: 'to', i: FLOAT }] },
      { opType: 'Cast', input: ['s'], output: ['sf'], attribute: [{ name: 'to', i: FLOAT }] },
      { opType: 'Mul', input: ['qf', 'sf'], output: ['w3'] },
      { opType: 'Reshape', input: ['w3', 'shape'], output: ['w'] },
      { opType: 'MatMul', input: ['x', 'w'], output: ['y'] },
      ...(extraReaderOfQ ? [{ opType: 'Identity', input: ['q'], output: ['q2'] }] : []),
    ],
    initializer: [
      { name: 'q', dataType: INT8, dims: [2, 2, 3], rawData: new Uint8Array(q.buffer) },
      { name: 's', dataType: FLOAT16, dims: [2, 1, 3], rawData: new Uint8Array(s.buffer) },
      { name: 'shape', dataType: INT64, dims: [2], rawData: int64s([4, 3]) },
    ],
    output: [{ name: 'y' }],
  };
}

describe('foldDequantizedWeights', () => {
  it('stores the expanded matrix as one float32 initializer with the values the graph computed', () => {
    const g = graph();
    expect(foldDequantizedWeights(g, (t: FoldTensor) => t)).toBe(1);
    expect(g.node.map((n) => n.opType)).toEqual(['MatMul']);
    expect(g.initializer.map((t) => t.name)).toEqual(['w']);
    const w = g.initializer[0]!;
    expect(w.dataType).toBe(FLOAT);
    expect(w.dims).toEqual([4, 3]);
    const values = Array.from(new Float32Array(w.rawData!.buffer, w.rawData!.byteOffset, 12));
    // value × its column's scale in its block (block 0: 0.5, 0.125, 2; block 1: 2⁻⁷, 1.5, 0.25).
    expect(values).toEqual([-4, -0.125, 0, 0.5, 0.875, 6, 2 / 128, -7.5, 1.5, -7 / 128, 6, -0.5]);
  });

  it('leaves the graph alone when an input is read elsewhere too', () => {
    const g = graph(true);
    expect(foldDequantizedWeights(g, (t: FoldTensor) => t)).toBe(0);
    expect(g.node).toHaveLength(6);
    expect(g.initializer).toHaveLength(3);
  });

  it('reads float16 exactly', () => {
    expect([0x3c00, 0xc000, 0x0001, 0x7bff].map(halfToFloat)).toEqual([1, -2, 2 ** -24, 65504]);
  });
});
