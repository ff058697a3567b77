import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Keeps transformers.js from reading a local ONNX file that onnxruntime then opens by its path.
 *
 * Why: transformers.js 2.17 reads the model file into memory and hands the bytes to
 * `InferenceSession.create`, where tierdesk's wrapper opens the file by its path instead
 * (onnxruntime-node 1.14 ignores session options for a session made from bytes; see
 * transformers-embedder.ts), so the read was wasted: 86 MB for the derived e5 model (78 ms of CPU
 * measured, and 86 MB of buffer until the next GC). (Used for the derived model only: for MiniLM,
 * 23 MB and 19 ms, the server measured 5 MB more RSS at /ready + 3 s without the read.) transformers.js's
 * documented custom cache (`env.customCache`: `match` and `put` of the Web Cache API) answers for
 * that one file with a short marker naming it; the wrapper opens the named file. Every other file
 * (config, tokenizer) is not matched and is read from the model folder as before.
 */

const PREFIX = 'tierdesk:open-by-path:';

/** The bytes handed to `InferenceSession.create` in place of the file's content. */
export function pathMarker(file: string): Uint8Array {
  return new TextEncoder().encode(PREFIX + file);
}

/** The file a marker names, or undefined for real model bytes. */
export function markedPath(bytes: Uint8Array): string | undefined {
  // A real ONNX file is a protobuf of megabytes; a marker is a short path.
  if (bytes.byteLength > 4096 || bytes.byteLength < PREFIX.length) return undefined;
  const text = new TextDecoder().decode(bytes);
  return text.startsWith(PREFIX) ? text.slice(PREFIX.length) : undefined;
}

interface MarkerResponse {
  status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A transformers.js custom cache that answers only for `file()` (compared as resolved paths, and
 * only while the file exists), with its marker; anything else is a miss, so transformers.js reads
 * it from the local folder. `put` is never reached for local files and stores nothing.
 */
export function openByPathCache(file: () => string | undefined): { match(request: string): Promise<MarkerResponse | undefined>; put(): Promise<void> } {
  return {
    match: async (request) => {
      const wanted = file();
      if (wanted === undefined || path.resolve(request) !== path.resolve(wanted) || !existsSync(wanted)) return undefined;
      const marker = pathMarker(path.resolve(wanted));
      return { status: 200, arrayBuffer: async () => marker.buffer.slice(marker.byteOffset, marker.byteOffset + marker.byteLength) as ArrayBuffer };
    },
    put: async () => undefined,
  };
}
