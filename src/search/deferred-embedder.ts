import type { Embedder, EmbedderFingerprint, EmbeddingRole } from './embedder.js';

/** What decides which vectors a model makes: vectors of two spaces must never be mixed in one index. */
export interface VectorSpace {
  modelId: string;
  dimension: number;
  fingerprint: EmbedderFingerprint;
}

/** Names the first difference between a saved index's vector space and a model's, or undefined when they are the same. */
export function vectorSpaceChange(saved: VectorSpace, current: VectorSpace): string | undefined {
  if (saved.modelId !== current.modelId) return `embedding model changed from ${saved.modelId} to ${current.modelId}`;
  if (saved.dimension !== current.dimension) return `dimension changed from ${saved.dimension} to ${current.dimension}`;
  const [a, b] = [saved.fingerprint, current.fingerprint];
  const setting =
    a.file !== b.file
      ? `model file ${a.file} → ${b.file}`
      : a.queryPrefix !== b.queryPrefix
        ? `query prefix "${a.queryPrefix}" → "${b.queryPrefix}"`
        : a.passagePrefix !== b.passagePrefix
          ? `passage prefix "${a.passagePrefix}" → "${b.passagePrefix}"`
          : (['title', 'question', 'body'] as const).flatMap((kind) => (a.passageRoles[kind] !== b.passageRoles[kind] ? [`${kind} passages embedded as ${a.passageRoles[kind]} → ${b.passageRoles[kind]}`] : []))[0];
  return setting === undefined ? undefined : `embedding settings changed: ${setting}`;
}

/** The model that finished loading is not the one a saved index was built with (see DeferredEmbedder). */
export class VectorSpaceChangedError extends Error {
  constructor(readonly change: string) {
    super(`the model loaded is not the one the index was built with: ${change}`);
    this.name = 'VectorSpaceChangedError';
  }
}

/**
 * Stands for a model that is still loading, in the vector space a saved index names, so the
 * index (vectors, keyword index, classifier: ~2–3 s at 10,000 articles, on the main thread) is
 * loaded while the model loads in its own thread (~1.3–1.8 s) rather than after it. Only what
 * needs vectors waits: `embed` waits for the model and refuses to mix spaces
 * (VectorSpaceChangedError), so a changed model still rebuilds the index.
 */
export class DeferredEmbedder implements Embedder {
  constructor(
    private readonly space: VectorSpace,
    private readonly model: Promise<Embedder>,
  ) {}

  get modelId(): string {
    return this.space.modelId;
  }

  get dimension(): number {
    return this.space.dimension;
  }

  get fingerprint(): EmbedderFingerprint {
    return this.space.fingerprint;
  }

  async embed(texts: readonly string[], role: EmbeddingRole): Promise<Float32Array[]> {
    const model = await this.model;
    const change = vectorSpaceChange(this.space, model);
    if (change !== undefined) throw new VectorSpaceChangedError(change);
    return model.embed(texts, role);
  }
}
