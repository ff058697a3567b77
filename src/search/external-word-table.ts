import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { LruMap } from '../lru-map.js';
import { writeFileAtomically } from '../storage/atomic-file.js';
import { foldDequantizedWeights, halfToFloat, type FoldTensor } from './fold-weights.js';

/**
 * The multilingual model's word-embedding table read from disk instead of held by onnxruntime.
 *
 * Why: e5's 250,037 × 384 table is stored 4-bit in the ONNX file (48 MB of nibbles + 6 MB of
 * fp16 block scales) and onnxruntime keeps all of it in the process for good, although a
 * question uses some twenty rows of it. Measured with `bench/memory-probe.ts`: the float session
 * costs ~147 MB, 54 MB of which is this table. Here the graph's table lookup (Gather → nibble
 * unpacking → scale) is cut off once into a derived model whose input is the word embeddings
 * themselves, and `WordTable` computes those rows per call with the same float32 operations,
 * reading them with `pread` from the original model file (the OS page cache holds the hot rows;
 * page cache is not the process's memory). A derived model is used only after it gave the same
 * vectors to the bit as the original on probe texts; otherwise the original model loads as before.
 */

/** Names the 4-bit table has in the shipped e5 exports (see ../shared/models/README.md). */
const TABLE = 'word_q4';
const SCALES = 'word_scale';
const OUTPUT = 'word_embeds';
/** Values per fp16 scale (Q4_0 blocks). */
const BLOCK = 32;
/**
 * Bump when the derivation changes, so derived models are made again (older versions' folders
 * are removed once the new one is in place). 2: the layer matrices are stored expanded to
 * float32 (fold-weights.ts: ~230 ms less CPU per start, the derived file 23 → 86 MB on disk)
 * and the tokenizer minified (`TOKENIZER`).
 */
const DERIVATION_VERSION = 2;

export const wordTableManifestSchema = z.object({
  version: z.literal(DERIVATION_VERSION),
  /** The original model file (absolute) and what identified it when the derived model was made. */
  source: z.string(),
  sourceSize: z.number().int().positive(),
  sourceMtimeMs: z.number(),
  /**
   * SHA-256 of the original's bytes (hex). A model file copied or touched again (a container image
   * rebuilt, a models folder synced) keeps its bytes but not its time: then the hash, ~0.1 s, tells
   * the derived model still fits, instead of deriving and verifying it again (~2–3 s of CPU at every
   * such start). Absent in manifests written before it: those are trusted on size and time only.
   */
  sourceSha256: z.string().optional(),
  rows: z.number().int().positive(),
  dimension: z.number().int().positive(),
  /** Byte offsets of the nibble table and of the fp16 scales inside the source file. */
  tableOffset: z.number().int().nonnegative(),
  scalesOffset: z.number().int().nonnegative(),
  /** The graph input that takes the rows (float32, [batch, sequence, dimension]). */
  input: z.string(),
});

export type WordTableManifest = z.infer<typeof wordTableManifestSchema>;

/** Rows kept dequantized in memory: the most frequent tokens (a row is 1.5 KB; 4,096 rows ≈ 6 MB). */
const ROW_CACHE = 4096;

/**
 * Rows of the 4-bit table, read from the model file and dequantized exactly as the graph did:
 * each byte holds two values (low nibble first in a block of 32, then the high nibbles), value =
 * (nibble − 8) × the block's fp16 scale. All of it is exact in float32, so the rows are the ones
 * onnxruntime computed.
 */
export class WordTable {
  private readonly fd: number;
  private readonly rowBytes: number;
  private readonly scaleBytes: number;
  private readonly cache = new LruMap<number, Float32Array>(ROW_CACHE);
  private readonly packed: Buffer;
  private readonly scales: Buffer;

  constructor(readonly manifest: WordTableManifest) {
    this.fd = openSync(manifest.source, 'r');
    this.rowBytes = manifest.dimension / 2;
    this.scaleBytes = (manifest.dimension / BLOCK) * 2;
    this.packed = Buffer.alloc(this.rowBytes);
    this.scales = Buffer.alloc(this.scaleBytes);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** One token's embedding row. */
  row(id: number): Float32Array {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    const { rows, dimension, tableOffset, scalesOffset } = this.manifest;
    if (!Number.isInteger(id) || id < 0 || id >= rows) throw new RangeError(`token id ${id} is outside the word table (${rows} rows)`);
    readSync(this.fd, this.packed, 0, this.rowBytes, tableOffset + id * this.rowBytes);
    readSync(this.fd, this.scales, 0, this.scaleBytes, scalesOffset + id * this.scaleBytes);
    const row = new Float32Array(dimension);
    const half = BLOCK / 2;
    for (let block = 0; block < dimension / BLOCK; block++) {
      const scale = halfToFloat(this.scales.readUInt16LE(block * 2));
      for (let j = 0; j < half; j++) {
        const byte = this.packed[block * half + j]!;
        const high = byte >> 4;
        row[block * BLOCK + j] = (byte - 16 * high - 8) * scale;
        row[block * BLOCK + half + j] = (high - 8) * scale;
      }
    }
    this.cache.set(id, row);
    return row;
  }

  /** Rows for a batch of token ids ([batch × sequence], row-major), as the derived model's input. */
  rows(ids: ArrayLike<bigint | number>): Float32Array {
    const { dimension } = this.manifest;
    const out = new Float32Array(ids.length * dimension);
    for (let i = 0; i < ids.length; i++) out.set(this.row(Number(ids[i]!)), i * dimension);
    return out;
  }
}

interface TensorProto {
  name: string;
  dataType: number;
  dims: (number | { toNumber(): number })[];
  rawData?: Uint8Array | null;
}
interface NodeProto {
  name: string;
  opType: string;
  input: string[];
  output: string[];
}
interface ValueInfoProto {
  name: string;
}
interface GraphProto {
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}
interface ModelProto {
  graph: GraphProto;
}
interface OnnxProto {
  ModelProto: { decode(buffer: Uint8Array): ModelProto; encode(model: ModelProto): { finish(): Uint8Array } };
  ValueInfoProto: { create(value: object): ValueInfoProto };
  TensorProto: { create(value: object): TensorProto };
  TypeProto: { create(value: object): object };
  TensorShapeProto: { create(value: object): object };
}

const FLOAT = 1;
const UINT8 = 2;
const FLOAT16 = 10;

/**
 * Cuts the table lookup out of a model: returns the derived model's bytes and the manifest, or
 * undefined when the model has no 4-bit table of the known shape (MiniLM, other exports).
 */
export function deriveWithoutTable(
  source: string,
  bytes: Buffer,
  identity: { size: number; mtimeMs: number },
): { model: Uint8Array; manifest: WordTableManifest } | undefined {
  const sourceSha256 = createHash('sha256').update(bytes).digest('hex');
  const require = createRequire(import.meta.url);
  const { onnx } = require('onnx-proto') as { onnx: OnnxProto };
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  const init = new Map(graph.initializer.map((t) => [t.name, t]));
  const table = init.get(TABLE);
  const scales = init.get(SCALES);
  const dims = (t: TensorProto) => t.dims.map((d) => (typeof d === 'number' ? d : d.toNumber()));
  if (table?.rawData == null || scales?.rawData == null || table.dataType !== UINT8 || scales.dataType !== FLOAT16) return undefined;
  const [rows, halfDimension] = dims(table);
  const [scaleRows, blocks] = dims(scales);
  if (rows === undefined || halfDimension === undefined || scaleRows !== rows || blocks === undefined || blocks * BLOCK !== halfDimension * 2) return undefined;
  const dimension = halfDimension * 2;
  // The raw data are views into `bytes` (protobufjs slices Node buffers): their offsets in the file.
  const tableOffset = table.rawData.byteOffset - bytes.byteOffset;
  const scalesOffset = scales.rawData.byteOffset - bytes.byteOffset;
  if (table.rawData.length !== rows * halfDimension || scales.rawData.length !== rows * blocks * 2) return undefined;

  // The nodes that compute OUTPUT from the table: walk back from its producer, stopping at graph
  // inputs and initializers. Every one of them must feed only that subgraph.
  const producer = new Map<string, NodeProto>();
  for (const node of graph.node) for (const output of node.output) producer.set(output, node);
  const cut = new Set<NodeProto>();
  const pending = [producer.get(OUTPUT)];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === undefined || cut.has(node)) continue;
    cut.add(node);
    for (const input of node.input) pending.push(producer.get(input));
  }
  if (cut.size === 0) return undefined;
  const usedOutside = new Set(graph.node.filter((n) => !cut.has(n)).flatMap((n) => n.input));
  for (const node of cut) for (const output of node.output) if (output !== OUTPUT && usedOutside.has(output)) return undefined;
  const cutInputs = new Set([...cut].flatMap((n) => n.input));
  if (!cutInputs.has(TABLE) || !cutInputs.has(SCALES)) return undefined;

  graph.node = graph.node.filter((n) => !cut.has(n));
  graph.initializer = graph.initializer.filter((t) => !cutInputs.has(t.name) || usedOutside.has(t.name));
  // The layer matrices' int8 → float32 expansion, done here once instead of at every session creation.
  foldDequantizedWeights(graph, (tensor: FoldTensor) => onnx.TensorProto.create(tensor) as FoldTensor);
  graph.input.push(
    onnx.ValueInfoProto.create({
      name: OUTPUT,
      type: onnx.TypeProto.create({
        tensorType: {
          elemType: FLOAT,
          shape: onnx.TensorShapeProto.create({ dim: [{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }, { dimValue: dimension }] }),
        },
      }),
    }),
  );
  return {
    model: onnx.ModelProto.encode(model).finish(),
    manifest: { version: DERIVATION_VERSION, source, sourceSize: identity.size, sourceMtimeMs: identity.mtimeMs, sourceSha256, rows, dimension, tableOffset, scalesOffset, input: OUTPUT },
  };
}

/**
 * The tokenizer, written without the original's indentation: e5's 17.1 MB `tokenizer.json` is
 * 9.1 MB minified, and transformers.js decodes and parses it at every start (measured: UTF-8
 * decoding 126 ms and parsing 199 ms of CPU for the original, parsing 172 ms minified). The
 * same JSON values (JSON.stringify writes each number so that it parses back to the same double).
 */
const TOKENIZER = 'tokenizer.json';
/** Files the derived model folder needs beside the ONNX file (transformers.js reads them). */
const SIDE_FILES = ['config.json', TOKENIZER, 'tokenizer_config.json', 'special_tokens_map.json'];
const MANIFEST = 'word-table.json';

/**
 * A model folder laid out like the original (`<root>/<id>/...`) whose ONNX file takes word
 * embeddings instead of reading the table: made once from `<modelDir>/<id>/<file>` under
 * `cacheDir` and reused while the source file is unchanged. Undefined when the model has no such
 * table. `verify` runs both models on probe texts; a derived model that differs is not used.
 */
export async function derivedModelRoot(
  modelDir: string,
  modelId: string,
  file: string,
  cacheDir: string,
  verify: (derivedRoot: string, manifest: WordTableManifest) => Promise<boolean>,
): Promise<{ root: string; manifest: WordTableManifest } | undefined> {
  const source = path.resolve(modelDir, modelId, file);
  const root = path.join(cacheDir, 'word-table', `v${DERIVATION_VERSION}`);
  const folder = path.join(root, modelId);
  const manifestFile = path.join(folder, path.dirname(file), MANIFEST);
  const stat = statSync(source);
  try {
    const saved = wordTableManifestSchema.safeParse(JSON.parse(await readFile(manifestFile, 'utf8')));
    if (saved.success && saved.data.source === source && saved.data.sourceSize === stat.size && existsSync(path.join(folder, file))) {
      if (saved.data.sourceMtimeMs === stat.mtimeMs) return { root, manifest: saved.data };
      if (saved.data.sourceSha256 !== undefined && (await fileSha256(source)) === saved.data.sourceSha256) {
        // Same bytes under a new time: remember the time, so the next start skips the hash too.
        const manifest = { ...saved.data, sourceMtimeMs: stat.mtimeMs };
        await writeFileAtomically(manifestFile, JSON.stringify(manifest)).catch(() => undefined);
        return { root, manifest };
      }
    }
  } catch {
    // Not derived yet (or unreadable): derive below.
  }
  const derived = deriveWithoutTable(source, await readFile(source), stat);
  if (derived === undefined) return undefined;
  await mkdir(path.join(folder, path.dirname(file)), { recursive: true });
  // Two processes starting on one DATA_DIR may both derive: each writes its own temporary files and
  // renames them into place (atomic; both write the same bytes).
  const unique = `${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  for (const side of SIDE_FILES) {
    const from = path.join(modelDir, modelId, side);
    if (!existsSync(from)) continue;
    if (side === TOKENIZER) await writeFileAtomically(path.join(folder, side), JSON.stringify(JSON.parse(await readFile(from, 'utf8'))));
    else {
      await copyFile(from, path.join(folder, `${side}.${unique}`));
      await rename(path.join(folder, `${side}.${unique}`), path.join(folder, side));
    }
  }
  await writeFileAtomically(path.join(folder, file), derived.model);
  if (!(await verify(root, derived.manifest))) return undefined;
  // The manifest is written last: a derived model without one is made again.
  await writeFileAtomically(manifestFile, JSON.stringify(derived.manifest));
  // Models of older derivations are never read again (v1 held 40 MB per model).
  for (let version = 1; version < DERIVATION_VERSION; version++) await rm(path.join(cacheDir, 'word-table', `v${version}`), { recursive: true, force: true });
  return { root, manifest: derived.manifest };
}

/** SHA-256 (hex) of a file, streamed: the model file is not held in memory for it. */
async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface Tensor {
  data: ArrayLike<bigint | number>;
  dims: readonly number[];
}
interface RunnableSession {
  inputNames: readonly string[];
  run(feeds: Record<string, unknown>, ...rest: unknown[]): Promise<unknown>;
}

/**
 * The session as transformers.js sees it: without the word-embedding input (it feeds input ids
 * and the attention mask as for the original model), and each run given the rows for its ids.
 */
export function withWordTable<S extends RunnableSession>(session: S, table: WordTable, makeTensor: (data: Float32Array, dims: number[]) => unknown): S {
  const input = table.manifest.input;
  if (!session.inputNames.includes(input)) return session;
  const inputNames = session.inputNames.filter((name) => name !== input);
  return new Proxy(session, {
    get(target, property, receiver) {
      if (property === 'inputNames') return inputNames;
      if (property === 'run') {
        return (feeds: Record<string, unknown>, ...rest: unknown[]) => {
          const ids = feeds['input_ids'] as Tensor | undefined;
          if (ids === undefined) throw new Error('word table: the model was run without input_ids');
          const [batch = 1, sequence = ids.data.length] = ids.dims;
          return target.run({ ...feeds, [input]: makeTensor(table.rows(ids.data), [batch, sequence, table.manifest.dimension]) }, ...rest);
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
