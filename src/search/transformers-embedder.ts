import { existsSync } from 'node:fs';
import path from 'node:path';
import { EmbedderLoadError, normalize, type Embedder } from './embedder.js';

export interface TransformersEmbedderOptions {
  /** Hugging Face model id, e.g. `Xenova/all-MiniLM-L6-v2`. */
  modelId: string;
  /** Local model root laid out as `<root>/<org>/<name>/...`; when set, nothing is downloaded. */
  modelDir?: string | undefined;
  /** How many texts go through the model at once (memory vs. throughput). */
  batchSize?: number;
  /** Where downloaded models are cached (online use). */
  cacheDir?: string | undefined;
}

type FeatureExtractor = (
  texts: string[],
  options: { pooling: 'mean'; normalize: boolean },
) => Promise<{ data: Float32Array; dims: number[] }>;

/**
 * The product's embedder: a sentence-transformer run in-process by transformers.js (ONNX),
 * mean-pooled and normalised. Loaded once by `create`, which also probes the dimension.
 */
export class TransformersEmbedder implements Embedder {
  private constructor(
    readonly modelId: string,
    readonly dimension: number,
    private readonly extract: FeatureExtractor,
    private readonly batchSize: number,
  ) {}

  static async create(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    const { modelId, modelDir } = options;
    if (modelDir !== undefined && !existsSync(path.join(modelDir, modelId, 'config.json'))) {
      throw new EmbedderLoadError(
        `Embedding model "${modelId}" was not found under MODEL_DIR=${modelDir} ` +
          `(expected ${path.join(modelDir, modelId, 'config.json')} and onnx/model_quantized.onnx). ` +
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
      extract = (await pipeline('feature-extraction', modelId, { quantized: true })) as unknown as FeatureExtractor;
    } catch (cause) {
      const hint =
        modelDir === undefined
          ? 'Without internet access, set MODEL_DIR to a local model folder (see README, "Running offline").'
          : `Check the files under ${path.join(modelDir, modelId)}.`;
      throw new EmbedderLoadError(
        `Could not load embedding model "${modelId}": ${(cause as Error).message}. ${hint}`,
        { cause },
      );
    }
    const probe = await extract(['dimension probe'], { pooling: 'mean', normalize: true });
    const dimension = probe.dims[probe.dims.length - 1] ?? 0;
    return new TransformersEmbedder(modelId, dimension, extract, options.batchSize ?? 16);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      const batch = texts.slice(start, start + this.batchSize);
      const output = await this.extract([...batch], { pooling: 'mean', normalize: true });
      for (let i = 0; i < batch.length; i++) {
        vectors.push(normalize(Float32Array.from(output.data.subarray(i * this.dimension, (i + 1) * this.dimension))));
      }
    }
    return vectors;
  }
}
