import type { Projection } from './projection.js';

/** One nearest-neighbour result: the label given at `add` and the cosine similarity to the query. */
export interface VectorHit {
  label: number;
  score: number;
}

/**
 * Approximate nearest-neighbour search over unit vectors by integer label. An interface so the
 * in-process HNSW index can be swapped for another engine without touching knowledge code.
 */
export interface VectorIndex {
  readonly dimension: number;
  /** What the search structure holds instead of full vectors (smaller, approximate), if anything. */
  readonly projection: Projection | undefined;
  /** Number of live (not removed) searchable vectors. */
  readonly size: number;
  /**
   * `searchable` false: the vector is kept (read back by `vector`, saved and reloaded) but never
   * returned by `search`. Why: a vector only ever read for a known label (a body chunk, scored
   * when its article is a candidate) need not cost memory in a search structure.
   */
  add(label: number, vector: Float32Array, searchable?: boolean): void;
  remove(label: number): void;
  /** The stored vector of a label (for training a classifier without re-embedding), if present. */
  vector(label: number): Float32Array | undefined;
  /** `vector` of each label, in order: an implementation may read consecutive labels at once (an article's passages have consecutive labels). */
  vectors(labels: readonly number[]): (Float32Array | undefined)[];
  /** Makes the search structure hold the searchable vectors' projections from now on (once; see `Projection`). */
  useProjection(projection: Projection): Promise<void>;
  /** Up to `k` best matches, best first (scored on the full vectors, also when the search structure holds projections). */
  search(query: Float32Array, k: number): VectorHit[];
  /** Writes the index to a file so a restart can skip re-embedding. */
  save(file: string): Promise<void>;
  /**
   * After a load, writes beside `file` what `save` would have written there and the load did not
   * find (an index saved by an older version); false when nothing was missing or the index has
   * changed since the load (then only `save` is right).
   */
  completeSaved(file: string): Promise<boolean>;
  /** Deletes a file `save` wrote, with whatever it wrote beside it. */
  deleteSaved(file: string): void;
}

/** Creates empty indexes and reloads saved ones of one implementation. */
export interface VectorIndexFactory {
  /** With a projection, the search structure holds searchable vectors' projections (see `Projection`). */
  create(dimension: number, projection?: Projection): VectorIndex;
  load(file: string, dimension: number): Promise<VectorIndex>;
}
