import type { EmbedderFingerprint } from './embedder.js';

/** Level-0 and tier thresholds that suit one model's score distribution (cosine similarity). */
export interface ModelThresholds {
  answer: number;
  suggest: number;
  closeMargin: number;
  tierThreshold: number;
  tierMargin: number;
}

/**
 * Everything tierdesk needs to know about one embedding model. Models differ in three ways that
 * matter for answers: the instruction prefixes they were trained with (e5 needs `query: ` and
 * `passage: `; leaving them out or swapping them costs accuracy), which ONNX file is worth
 * loading, and where their cosine scores sit (so thresholds tuned for one model do not carry over).
 */
export interface ModelSpec {
  /** The id operators write in EMBEDDING_MODEL, and the folder under MODEL_DIR (`<org>/<name>`). */
  id: string;
  /** Hugging Face id transformers.js downloads when MODEL_DIR is not set (an ONNX export). */
  onlineId: string;
  queryPrefix: string;
  passagePrefix: string;
  /** Titles and alternative questions are questions themselves: their role is measured per model with `npm run eval`. */
  passageRoles: EmbedderFingerprint['passageRoles'];
  /** `true`: onnx/model_quantized.onnx (int8); `false`: onnx/model.onnx (float compute). */
  quantized: boolean;
  /** Defaults used when the operator sets no ANSWER_THRESHOLD etc. (measured with `npm run eval`). */
  thresholds: ModelThresholds;
  /** Short note for the README and `npm run bench`. */
  languages: string;
}

/** The product default: multilingual (pt, pl, en and ~90 more), 384 dimensions, MIT. */
export const MULTILINGUAL_E5_SMALL: ModelSpec = {
  id: 'intfloat/multilingual-e5-small',
  onlineId: 'Xenova/multilingual-e5-small',
  queryPrefix: 'query: ',
  passagePrefix: 'passage: ',
  // Measured (bench/model-eval.ts, model.onnx, exact search): titles and questions as `passage`
  // 83.0 % top-1 on the English dev set against 74.8 % as `query`; Portuguese 74.4 % vs 73.1 %.
  passageRoles: { title: 'passage', question: 'passage', body: 'passage' },
  quantized: false,
  thresholds: { answer: 0.87, suggest: 0.83, closeMargin: 0.02, tierThreshold: 0.8, tierMargin: 0.004 },
  languages: 'multilingual (en, pt, pl, …)',
};

/** English-only, smaller and faster; selectable with EMBEDDING_MODEL=Xenova/all-MiniLM-L6-v2. */
export const ALL_MINILM_L6_V2: ModelSpec = {
  id: 'Xenova/all-MiniLM-L6-v2',
  onlineId: 'Xenova/all-MiniLM-L6-v2',
  queryPrefix: '',
  passagePrefix: '',
  passageRoles: { title: 'passage', question: 'passage', body: 'passage' },
  quantized: true,
  thresholds: { answer: 0.55, suggest: 0.45, closeMargin: 0.03, tierThreshold: 0.35, tierMargin: 0.02 },
  languages: 'English only',
};

export const DEFAULT_MODEL_ID = MULTILINGUAL_E5_SMALL.id;

/**
 * Texts per model call when many are embedded at once (an index build; EMBEDDING_BATCH_SIZE). Small
 * calls are faster on these CPUs, not slower: a call's activations outgrow the caches as it grows
 * (e5 float, 640 passages of generated articles, two workers with one onnxruntime thread each:
 * 60–62/s at 1, 63–68/s at 2 and 4, 57–60/s at 8, 48–54/s at 16; `npm run ingest` of 1,144 articles,
 * alternating runs: 197–201 s at 4 against 210–225 s at 16). And in the server, where the
 * customers' questions share the one model thread with a reload's batches, a question waits for
 * the batch in hand: ~0.6 s for 4 body chunks, ~3 s for 16 (bench/reload-while-serving.ts).
 */
export const DEFAULT_EMBEDDING_BATCH_SIZE = 4;

const KNOWN: readonly ModelSpec[] = [MULTILINGUAL_E5_SMALL, ALL_MINILM_L6_V2];

/**
 * The spec for a model id (either its local or its online id). An unknown model is used as
 * given: no prefixes, the quantized file, and MiniLM-like thresholds the operator should
 * calibrate with `npm run eval`.
 */
export function modelSpec(modelId: string): ModelSpec {
  const known = KNOWN.find((spec) => spec.id === modelId || spec.onlineId === modelId);
  if (known !== undefined) return known;
  return { ...ALL_MINILM_L6_V2, id: modelId, onlineId: modelId, languages: 'unknown (not in the registry)' };
}

/** Whether tierdesk ships measured defaults for this model. */
export function isKnownModel(modelId: string): boolean {
  return KNOWN.some((spec) => spec.id === modelId || spec.onlineId === modelId);
}
