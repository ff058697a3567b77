/**
 * Float arrays in JSON files as base64 of their bytes instead of number arrays: a fraction of the
 * size, parsed without a JS array per value (the article classifier's weights at 10,000 articles:
 * 87 MB of JSON numbers and ~150 MB of transient heap, 20 MB as base64), and the same values to
 * the bit. Used by the index's classifier file, the tier head cache and the stored embeddings;
 * the saved term coverage's counts (Uint32Array) go the same way.
 */
export function floatsToBase64(values: Float32Array | Float64Array | Uint32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

/** The float32 values of `floatsToBase64` (a copy: aligned whatever Buffer's pool offset). Throws on a length that is not whole floats. */
export function base64ToFloat32(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The float64 values of `floatsToBase64`. Throws on a length that is not whole floats. */
export function base64ToFloat64(text: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The uint32 values of `floatsToBase64` given a Uint32Array. Throws on a length that is not whole values. */
export function base64ToUint32(text: string): Uint32Array {
  const bytes = Buffer.from(text, 'base64');
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
