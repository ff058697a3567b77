import { existsSync } from 'node:fs';
import path from 'node:path';
import { EmbedderLoadError, normalize, type Embedder, type EmbedderFingerprint, type EmbeddingRole } from './embedder.js';
import { modelSpec, type ModelSpec } from './model-registry.js';

export interface TransformersEmbedderOptions {
  /** Model id as in EMBEDDING_MODEL, e.g. `intfloat/multilingual-e5-small` (see model-registry.ts). */
  modelId: string;
  /** Local model root laid out as `<root>/<org>/<name>/...`; when set, nothing is downloaded. */
  modelDir?: string | undefined;
  /** How many texts go through the model at once (memory vs. throughput). */
  batchSize?: number;
  /** Where downloaded models are cached (online use). */
  cacheDir?: string | undefined;
  /** int8 `model_quantized.onnx` or float `model.onnx`; default: the registry's choice for the model. */
  quantized?: boolean | undefined;
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
    const transformers = await import('@xenova/transformers');
    const { env, pipeline } = transformers;
    if (modelDir !== undefined) {
      env.localModelPath = modelDir.endsWith(path.sep) ? modelDir : modelDir + path.sep;
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
    } else {
      env.allowRemoteModels = true;
      if (options.cacheDir !== undefined) env.cacheDir = options.cacheDir;
    }
    let extract: FeatureExtractor;
    try {
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
    patchAstralCodePoints(extract.tokenizer);
    const probe = await extract(['dimension probe'], { pooling: 'mean', normalize: true });
    const dimension = probe.dims[probe.dims.length - 1] ?? 0;
    return new TransformersEmbedder(spec.id, dimension, fingerprintOf(spec, file), extract, options.batchSize ?? 16);
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
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize).map((text) => prefix + text);
      const output = await this.extract(batch, { pooling: 'mean', normalize: true });
      for (let i = 0; i < batch.length; i++) {
        vectors.push(normalize(Float32Array.from(output.data.subarray(i * this.dimension, (i + 1) * this.dimension))));
      }
    }
    return vectors;
  }
}

function fingerprintOf(spec: ModelSpec, file: string): EmbedderFingerprint {
  return { file, queryPrefix: spec.queryPrefix, passagePrefix: spec.passagePrefix, passageRoles: spec.passageRoles };
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
