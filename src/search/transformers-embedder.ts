import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { EmbedderLoadError, normalize, type Embedder, type EmbedderFingerprint, type EmbeddingRole } from './embedder.js';
import { DEFAULT_EMBEDDING_BATCH_SIZE, modelSpec, type ModelSpec } from './model-registry.js';
import { skipUnusedTransformersDependencies } from '../runtime/unused-dependencies.js';
import { derivedModelRoot, WordTable, withWordTable, type WordTableManifest } from './external-word-table.js';
import { markedPath, openByPathCache } from './open-by-path.js';
import { PieceIds } from './piece-ids.js';
import { DEFAULT_SESSION_OPTIONS, type SessionOptions } from './session-options.js';

export interface TransformersEmbedderOptions {
  /** Model id as in EMBEDDING_MODEL, e.g. `intfloat/multilingual-e5-small` (see model-registry.ts). */
  modelId: string;
  /** Local model root laid out as `<root>/<org>/<name>/...`; when set, nothing is downloaded. */
  modelDir?: string | undefined;
  /** How many texts go through the model at once (default `DEFAULT_EMBEDDING_BATCH_SIZE`). */
  batchSize?: number;
  /** Where downloaded models are cached (online use). */
  cacheDir?: string | undefined;
  /** int8 `model_quantized.onnx` or float `model.onnx`; default: the registry's choice for the model. */
  quantized?: boolean | undefined;
  /**
   * Replace transformers.js's per-character trie of the tokenizer's pieces by a set lookup
   * (default true). Same token ids; the trie costs ~200 MB for e5's 250,002 pieces. `false` only
   * for measurements (bench) and the equivalence test.
   */
  leanTokenizer?: boolean;
  /** onnxruntime session options (threads, memory arena); see `DEFAULT_SESSION_OPTIONS`. */
  sessionOptions?: SessionOptions;
  /**
   * Read the word-embedding table from the model file per call instead of keeping it in the
   * session (default true; e5's 4-bit table is 54 MB, see external-word-table.ts). Needs a local
   * model (`modelDir`) and `cacheDir` for the derived model; `false` for measurements and tests.
   */
  externalWordTable?: boolean;
}

type FeatureExtractor = ((
  texts: string[],
  options: { pooling: 'mean'; normalize: boolean },
) => Promise<{ data: Float32Array; dims: number[] }>) & { tokenizer: unknown };

/** ONNX file transformers.js loads for a given choice. */
export function modelFile(quantized: boolean): string {
  return quantized ? 'onnx/model_quantized.onnx' : 'onnx/model.onnx';
}

/**
 * The product's embedder: a sentence-transformer run in-process by transformers.js (ONNX),
 * mean-pooled and normalised, with the model's own query/passage prefixes applied here so no
 * caller has to know them. Loaded once by `create`, which also probes the dimension.
 */
export class TransformersEmbedder implements Embedder {
  private constructor(
    readonly modelId: string,
    readonly dimension: number,
    readonly fingerprint: EmbedderFingerprint,
    private readonly extract: FeatureExtractor,
    private readonly batchSize: number,
  ) {}

  static async create(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    const { modelDir } = options;
    const spec = modelSpec(options.modelId);
    const quantized = options.quantized ?? spec.quantized;
    const file = modelFile(quantized);
    // Offline the folder is the model's own id; online transformers.js needs an ONNX export's id.
    const loadId = modelDir !== undefined ? spec.id : spec.onlineId;
    if (modelDir !== undefined && !existsSync(path.join(modelDir, loadId, file))) {
      throw new EmbedderLoadError(
        `Embedding model "${loadId}" was not found under MODEL_DIR=${modelDir} ` +
          `(expected ${path.join(modelDir, loadId, 'config.json')}, tokenizer.json and ${file}). ` +
          'Copy the model there, or unset MODEL_DIR to download it from Hugging Face.',
      );
    }
    // transformers.js imports sharp and onnxruntime-web at its top level; tierdesk uses neither (12–19 MB of RSS).
    skipUnusedTransformersDependencies();
    const transformers = await import('@xenova/transformers');
    const { env, pipeline } = transformers;
    if (options.leanTokenizer ?? true) await useLeanPieceLookup();
    else await restorePieceTrie();
    await setSessionOptions(options.sessionOptions ?? DEFAULT_SESSION_OPTIONS);
    if (modelDir !== undefined) {
      env.localModelPath = modelDir.endsWith(path.sep) ? modelDir : modelDir + path.sep;
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      // The derived e5 model is opened by its path (setSessionOptions): transformers.js gets a marker instead of
      // reading its 86 MB (open-by-path.ts). Not for other local models: MiniLM measured 5 MB more RSS at
      // /ready + 3 s without the read (190.6 → 196 MB), for 19 ms of CPU.
      env.useFSCache = false;
      env.useCustomCache = true;
      env.customCache = openByPathCache(() => (wordTableInUse === undefined ? undefined : modelFileInUse));
    } else {
      env.allowRemoteModels = true;
      // Downloads are cached on disk (transformers.js's own file cache).
      env.useFSCache = true;
      env.useCustomCache = false;
      if (options.cacheDir !== undefined) env.cacheDir = options.cacheDir;
    }
    let extract: FeatureExtractor;
    try {
      const derived =
        modelDir !== undefined && options.cacheDir !== undefined && (options.externalWordTable ?? true)
          ? await derivedModelRoot(modelDir, loadId, file, options.cacheDir, (root, manifest) => sameOutputs(modelDir, root, loadId, file, manifest))
          : undefined;
      if (derived !== undefined) env.localModelPath = derived.root + path.sep;
      wordTableInUse = derived === undefined ? undefined : new WordTable(derived.manifest);
      modelFileInUse = modelDir === undefined ? undefined : path.join(derived?.root ?? modelDir, loadId, file);
      // The pipeline's declared type is a wide union; feature-extraction returns a Tensor with data/dims.
      extract = (await pipeline('feature-extraction', loadId, { quantized })) as unknown as FeatureExtractor;
    } catch (cause) {
      const hint =
        modelDir === undefined
          ? 'Without internet access, set MODEL_DIR to a local model folder (see README, "Running offline").'
          : `Check the files under ${path.join(modelDir, loadId)}.`;
      throw new EmbedderLoadError(`Could not load embedding model "${loadId}": ${(cause as Error).message}. ${hint}`, {
        cause,
      });
    }
    if (options.leanTokenizer ?? true) slimTokenizer(extract.tokenizer);
    else patchAstralCodePoints(extract.tokenizer);
    const probe = await extract(['dimension probe'], { pooling: 'mean', normalize: true });
    const dimension = probe.dims[probe.dims.length - 1] ?? 0;
    return new TransformersEmbedder(spec.id, dimension, fingerprintOf(spec, file), extract, options.batchSize ?? DEFAULT_EMBEDDING_BATCH_SIZE);
  }

  /** The model's token ids for a text (with the special tokens, without a prefix): for tests and diagnostics. */
  tokenIds(text: string): number[] {
    return (this.extract.tokenizer as { encode(text: string): number[] }).encode(text);
  }

  /** Id of `<unk>`, or undefined for a tokenizer without one. */
  get unknownTokenId(): number | undefined {
    return (this.extract.tokenizer as { model?: { unk_token_id?: number } }).model?.unk_token_id;
  }

  async embed(texts: readonly string[], role: EmbeddingRole): Promise<Float32Array[]> {
    const prefix = role === 'query' ? this.fingerprint.queryPrefix : this.fingerprint.passagePrefix;
    // A batch is padded to its longest text: batching texts of similar length (a title with
    // titles, a body chunk with body chunks) avoids computing hundreds of padding tokens. Vectors
    // go back in the callers' order. (The float model gives the same vector in any batch.)
    const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length || a - b);
    const vectors: Float32Array[] = new Array<Float32Array>(texts.length);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const positions = order.slice(start, start + this.batchSize);
      const output = await this.extract(
        positions.map((i) => prefix + texts[i]!),
        { pooling: 'mean', normalize: true },
      );
      positions.forEach((position, i) => {
        vectors[position] = normalize(Float32Array.from(output.data.subarray(i * this.dimension, (i + 1) * this.dimension)));
      });
    }
    return vectors;
  }
}

function fingerprintOf(spec: ModelSpec, file: string): EmbedderFingerprint {
  return { file, queryPrefix: spec.queryPrefix, passagePrefix: spec.passagePrefix, passageRoles: spec.passageRoles };
}

let sessionOptionsInUse: SessionOptions = DEFAULT_SESSION_OPTIONS;
let originalCreate: OrtModule['InferenceSession']['create'] | undefined;
/** The table the next session created from a derived model reads its word embeddings from. */
let wordTableInUse: WordTable | undefined;
/** The local ONNX file transformers.js is about to hand over as bytes (see `setSessionOptions`). */
let modelFileInUse: string | undefined;

interface OrtModule {
  InferenceSession: { create(source: string | Uint8Array, options?: object): Promise<OrtSession> };
  Tensor: new (type: string, data: Float32Array | BigInt64Array, dims: readonly number[]) => unknown;
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: ArrayLike<number> }>>;
}

async function onnxRuntime(): Promise<OrtModule> {
  const ort = (await import('onnxruntime-node' as string)) as OrtModule & { default?: OrtModule };
  return ort.default ?? ort;
}

/**
 * Whether the derived model (word table read by tierdesk) gives the original's outputs to the
 * bit, on token ids spread over the whole table and a padded batch. Runs once, when the derived
 * model is made.
 */
async function sameOutputs(modelDir: string, derivedRoot: string, modelId: string, file: string, manifest: WordTableManifest): Promise<boolean> {
  const ort = await onnxRuntime();
  const original = await ort.InferenceSession.create(path.join(modelDir, modelId, file));
  const table = new WordTable(manifest);
  try {
    const derived = withWordTable(await ort.InferenceSession.create(path.join(derivedRoot, modelId, file)), table, (data, dims) => new ort.Tensor('float32', data, dims));
    const sequence = 9;
    const ids = BigInt64Array.from({ length: 2 * sequence }, (_, i) => BigInt(i === 0 || i === sequence ? 0 : i === sequence - 1 ? 2 : Math.floor(((i * 7919) % 997) / 997 * (manifest.rows - 1))));
    const mask = BigInt64Array.from({ length: 2 * sequence }, (_, i) => (i >= 2 * sequence - 3 ? 0n : 1n));
    const feeds: Record<string, unknown> = { input_ids: new ort.Tensor('int64', ids, [2, sequence]), attention_mask: new ort.Tensor('int64', mask, [2, sequence]) };
    if (original.inputNames.includes('token_type_ids')) feeds['token_type_ids'] = new ort.Tensor('int64', new BigInt64Array(2 * sequence), [2, sequence]);
    const [a, b] = [await original.run(feeds), await derived.run(feeds)];
    const name = original.outputNames[0]!;
    const x = a[name]!.data;
    const y = b[name]?.data;
    if (y === undefined || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  } finally {
    table.close();
  }
}

/**
 * transformers.js 2.17 creates its onnxruntime session with execution providers only; this
 * wraps `InferenceSession.create` once so tierdesk's options are merged in.
 */
async function setSessionOptions(options: SessionOptions): Promise<void> {
  sessionOptionsInUse = options;
  if (originalCreate !== undefined) return;
  // The same class object transformers.js took from onnxruntime-node (it calls the static method at load time).
  const { InferenceSession: session, Tensor } = await onnxRuntime();
  const create = session.create.bind(session);
  originalCreate = create;
  session.create = async (bytes, given) => {
    // onnxruntime-node 1.14 ignores the options of a session created from bytes (threads, arena:
    // measured, see embedding-workers.ts), so a local model file is opened by its path instead.
    const file = modelFileInUse;
    // A marker from openByPathCache names the file; otherwise bytes of the same size as the local file are that file.
    const marked = typeof bytes === 'string' ? undefined : markedPath(bytes);
    const source = marked ?? (typeof bytes !== 'string' && file !== undefined && existsSync(file) && statSync(file).size === bytes.byteLength ? file : bytes);
    // transformers.js lists ['cpu', 'wasm']; onnxruntime-node checks the list only for a path, and knows no 'wasm'.
    const options = typeof source === 'string' ? { ...given, executionProviders: ['cpu'], ...sessionOptionsInUse } : { ...given, ...sessionOptionsInUse };
    const created = await create(source, options);
    const table = wordTableInUse;
    return table === undefined ? created : withWordTable(created, table, (data, dims) => new Tensor('float32', data, dims));
  };
}

interface CharTrieClass {
  prototype: {
    extend(texts: string[]): void;
    push(text: string): void;
    commonPrefixSearch(text: string): Generator<string>;
  };
}

let trieClass: CharTrieClass | undefined;
let originalTrie: CharTrieClass['prototype'] | undefined;

async function charTrie(): Promise<CharTrieClass> {
  if (trieClass === undefined) {
    // Deep import of the module tokenizers.js itself uses (same file, so the same class object).
    const module = (await import('@xenova/transformers/src/utils/data-structures.js' as string)) as { CharTrie: CharTrieClass };
    trieClass = module.CharTrie;
    originalTrie = {
      extend: trieClass.prototype.extend,
      push: trieClass.prototype.push,
      commonPrefixSearch: trieClass.prototype.commonPrefixSearch,
    };
  }
  return trieClass;
}

/** State of a lean lookup: the pieces and the longest piece in code points. */
interface PieceSet {
  /**
   * Only `has` is used: the model's own piece → id table once `slimTokenizer` ran, else a Set made
   * from `pending` at the first search.
   */
  pieces?: Pick<Set<string>, 'has'>;
  /** The piece lists given to `extend`/`push` (the model's own arrays, not copies) while no lookup exists. */
  pending?: (readonly string[])[];
  longest: number;
}

/**
 * transformers.js's Unigram tokenizer (XLM-R/e5) finds the vocabulary pieces that start at each
 * position with a trie of one Map per character: ~1.5 million Maps, ~200 MB for 250,002 pieces.
 * A set of the pieces, probed for each prefix up to the longest piece's length, gives the same
 * pieces in the same order (shortest first) for ~10 MB, and it searches by code point, which
 * also keeps emoji from becoming `<unk>` (see `patchAstralCodePoints`). Patched on the class
 * before the tokenizer is built, so the trie is never allocated. Building only notes the pieces
 * and their longest length: the set searched is the model's own piece → id Map (`slimTokenizer`,
 * right after loading), so no Set of the 250,002 strings is built at start (measured: 228 ms of
 * CPU with the Set, 32 ms without); a tokenizer used without `slimTokenizer` makes its Set at
 * its first search.
 */
async function useLeanPieceLookup(): Promise<void> {
  const CharTrie = await charTrie();
  CharTrie.prototype.extend = function (this: Partial<PieceSet> & { root?: unknown }, texts: string[]) {
    this.root = undefined;
    let longest = this.longest ?? 0;
    for (const text of texts) {
      let length = 0;
      for (const _ of text) length++;
      if (length > longest) longest = length;
    }
    this.longest = longest;
    if (this.pieces === undefined) (this.pending ??= []).push(texts);
    else for (const text of texts) (this.pieces as Set<string>).add(text);
  };
  CharTrie.prototype.push = function (this: Partial<PieceSet>, text: string) {
    CharTrie.prototype.extend.call(this, [text]);
  };
  CharTrie.prototype.commonPrefixSearch = function* (this: Partial<PieceSet>, text: string) {
    if (this.pieces === undefined && this.pending !== undefined) {
      this.pieces = new Set(this.pending.flat());
      delete this.pending;
    }
    const pieces = this.pieces;
    if (pieces === undefined) return;
    const longest = this.longest ?? 0;
    let prefix = '';
    let length = 0;
    for (const ch of text) {
      prefix += ch;
      if (pieces.has(prefix)) yield prefix;
      if (++length >= longest) return;
    }
  };
}

/**
 * After a Unigram tokenizer is built with the lean lookup: the model's piece → id Map becomes a
 * `PieceIds` table over its own `vocab` array (7.0 → 2 MB for e5's 250,002 pieces, same answers),
 * the lookup searches that instead of a Set of its own, and the parsed `[piece, score]` pairs the
 * model keeps in its config are dropped (they are copied into `vocab` and `scores`): ~25 MB of
 * heap in all.
 */
export function slimTokenizer(tokenizer: unknown): void {
  const model = (tokenizer as { model?: { trie?: Partial<PieceSet>; tokens_to_ids?: Map<string, number> | PieceIds; vocab?: unknown; config?: { vocab?: unknown } } }).model;
  const trie = model?.trie;
  if (trie?.longest === undefined || model?.tokens_to_ids === undefined) return;
  if (Array.isArray(model.vocab) && model.tokens_to_ids instanceof Map) model.tokens_to_ids = new PieceIds(model.vocab as string[], model.tokens_to_ids);
  trie.pieces = model.tokens_to_ids;
  delete trie.pending;
  if (model.config !== undefined) delete model.config.vocab;
}

/** Chooses the tokenizer lookup before a tokenizer is built outside `create` (bench/memory-probe.ts). */
export async function prepareTokenizerLookup(lean: boolean): Promise<void> {
  if (lean) await useLeanPieceLookup();
  else await restorePieceTrie();
}

/** Puts the library's own trie back (measurements and the equivalence test only). */
async function restorePieceTrie(): Promise<void> {
  const CharTrie = await charTrie();
  Object.assign(CharTrie.prototype, originalTrie);
}

interface TrieNode {
  isLeaf: boolean;
  children: Map<string, TrieNode>;
}

/**
 * transformers.js 2.17 builds its Unigram tokenizer trie per code point but searches it per
 * UTF-16 unit, so every character outside the Basic Multilingual Plane (emoji, rare CJK)
 * becomes `<unk>` ("ok 👍" then embeds like "ok <unk>"). Searching by code point, as the trie was
 * built, gives the reference token ids (models README). Tokenizers without a trie (MiniLM's
 * WordPiece) are left alone.
 */
export function patchAstralCodePoints(tokenizer: unknown): void {
  const trie = (tokenizer as { model?: { trie?: { root: TrieNode } } } | undefined)?.model?.trie;
  if (trie === undefined) return;
  const proto = Object.getPrototypeOf(trie) as { commonPrefixSearch: (text: string) => Generator<string> };
  proto.commonPrefixSearch = function* (this: { root: TrieNode }, text: string) {
    let node: TrieNode | undefined = this.root;
    let prefix = '';
    for (const ch of text) {
      prefix += ch;
      node = node.children.get(ch);
      if (node === undefined) return;
      if (node.isLeaf) yield prefix;
    }
  };
}
