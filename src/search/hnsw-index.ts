import { closeSync, copyFileSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import hnswlib from 'hnswlib-node';
import { evenlySpaced } from '../evenly-spaced.js';
import { dot } from './embedder.js';
import { Projection } from './projection.js';
import type { VectorHit, VectorIndex, VectorIndexFactory } from './vector-index.js';

const { HierarchicalNSW } = hnswlib;
type Hnsw = InstanceType<typeof HierarchicalNSW>;

const INITIAL_CAPACITY = 1024;
export const M = 16;
const EF_CONSTRUCTION = 200;
/**
 * Measured on real e5 vectors, exact search as truth. When the graph held every passage: 2,391
 * passages (300 articles) recall@10 0.994 at efSearch 64, 1.000 at 128 (0.08 ms per search); all
 * 79,401 passages of 10,000 generated articles, whose bodies are near-duplicates (near ties), 0.961
 * at 128 and 0.989 at 256 (0.51 → 0.84 ms, bench/results/2026-12-06-10k.md). Now that it holds
 * titles and questions only (bench/graph-recall.ts, bench/results/2026-12-07-round18.md): the
 * 50,997 of 10,144 articles, 1.000 at 64 for paraphrases of the generated questions; for the
 * sample's 721 dev-set questions (en, pl, pt), whose articles are a small island among 10,000
 * generated English ones, 0.862 at 128, 0.922 at 256 and 0.966 at 512 (0.39 / 0.66 / 1.22 ms;
 * with body chunks in the graph 0.894 at 256). The graph only proposes candidates beside the
 * keyword index and the classifier: exact search instead ranked the same share of those questions
 * first (306 against 307 of 355). 256 keeps most of the recall for half of 512's time. A graph
 * past `SEARCH_PROJECTION.from` vectors now holds projections and uses `PROJECTED_EF_SEARCH`; the
 * graphs left to this value are small (the sample's 997: 0.998 at 64, 1.000 at 256).
 */
export const EF_SEARCH = 256;

/** Points put into a graph of projections between two turns of the event loop (~0.3 s). */
const PROJECTED_SLICE = 1024;

/** Hits a graph of projections is asked for per hit wanted, before they are scored on the full vectors (see `graphOf`). */
const PROJECTED_OVERFETCH = 4;
/**
 * The fewest hits a graph of projections is asked for: a search for 10 scores as many candidates
 * as the product's search for 24 does, so its top 10 are as good (the graph's walk costs the same,
 * it is bounded by efSearch; only the extra full vectors are read and scored).
 */
const PROJECTED_CANDIDATES = 96;
/**
 * efSearch of a graph of projections. The sample's 721 dev-set questions asked of 10,000 articles
 * (bench/graph-recall.ts), recall@10 of the index's own search, exact search over the full vectors
 * as truth: 0.976 at 256, 0.990 at 384, 0.993 at 512 (0.86 / 1.00 / 1.18 ms per search). A graph of
 * full vectors is small (under `SEARCH_PROJECTION.from` vectors) and keeps `EF_SEARCH`.
 */
export const PROJECTED_EF_SEARCH = 384;

/** The efSearch a graph walks with: `PROJECTED_EF_SEARCH` for a graph of projections, else `EF_SEARCH`. */
export function efSearchFor(projection: Projection | undefined): number {
  return projection === undefined ? EF_SEARCH : PROJECTED_EF_SEARCH;
}

/** Saved labels whose sidecar vector is compared with the graph's when an index is loaded. */
const SPOT_CHECKS = 8;
/** Vectors per write when a sidecar is saved (~1.5 MB at 384 dimensions). */
const WRITE_BATCH = 1024;

/** Closes a sidecar's file when its index is garbage-collected (a reload drops the old index without closing it). */
const sidecarFiles = new FinalizationRegistry<number>((fd) => closeSync(fd));

/**
 * The stored vectors of a saved index in a file of their own ("vectors-3.hnsw.f32"): label n's
 * vector at byte n × dimension × 4, NaN where no live vector has that label. Why: hnswlib-node's
 * `getPoint` builds a JS array element by element (~31 µs a vector, plus a copy and ~3 KB of
 * garbage), and ranking reads the vectors of every candidate article's passages (~250 per
 * question at 10,000 articles: ~10 ms of the main thread and much of its garbage collection).
 * One read from the file costs a few µs and keeps nothing in memory: the pages stay in the
 * operating system's file cache, outside the process's RSS. Keeping a copy in memory instead
 * would cost ~125 MB at 10,000 articles.
 */
interface Sidecar {
  fd: number;
  /** Labels the file covers (0 .. slots − 1). */
  slots: number;
  path: string;
}

/**
 * VectorIndex over hnswlib-node (HNSW graph of the vectors, cosine space, or of their projections,
 * see `useProjection`); grows its capacity as needed. Vectors
 * added as not searchable are kept out of the graph: until the next save in `stored`, then only in
 * the sidecar, which is then their one copy (a graph keeps a vector and ~M × 2 links per point:
 * ~1.7 KB at 384 dimensions, the body chunks' ~50 MB of ~129 MB at 10,000 articles).
 */
export class HnswVectorIndex implements VectorIndex {
  /** Live points of the graph (what `search` can return). */
  private live: number;
  /** Labels added or removed since the sidecar was written: read from `stored` or the graph. */
  private readonly changed = new Set<number>();
  /** Vectors added as not searchable since the sidecar was written (normalised as the graph would). */
  private readonly stored = new Map<number, Float32Array>();

  private constructor(
    private index: Hnsw,
    readonly dimension: number,
    private sidecar: Sidecar | undefined = undefined,
    /**
     * When set, the graph holds each searchable vector's projection (Euclidean space) and every
     * full vector is stored like a not-searchable one: the sidecar is their only copy after a save.
     */
    private projected: Projection | undefined = undefined,
  ) {
    index.setEf(efSearchFor(projected));
    this.live = index.getCurrentCount() - countDeleted(index);
    if (sidecar !== undefined) sidecarFiles.register(this, sidecar.fd, this);
  }

  static create(dimension: number, projection?: Projection): HnswVectorIndex {
    if (projection !== undefined) checkProjection(projection, dimension);
    const index = graphOf(dimension, projection);
    index.initIndex(INITIAL_CAPACITY, M, EF_CONSTRUCTION, 100, true);
    return new HnswVectorIndex(index, dimension, undefined, projection);
  }

  /** Throws when a projected graph's projection or stored vectors are missing or damaged (its full vectors are in no other place). */
  static async load(file: string, dimension: number): Promise<HnswVectorIndex> {
    const projection = existsSync(projectionFile(file)) ? Projection.fromBytes(readFileSync(projectionFile(file))) : undefined;
    if (projection !== undefined) checkProjection(projection, dimension);
    const index = graphOf(dimension, projection);
    await index.readIndex(file, true);
    const sidecar = openSidecar(index, sidecarFile(file), dimension, projection);
    if (projection !== undefined && sidecar === undefined) throw new Error(`the stored vectors of a projected graph are missing or damaged (${sidecarFile(file)})`);
    return new HnswVectorIndex(index, dimension, sidecar, projection);
  }

  get size(): number {
    return this.live;
  }

  add(label: number, vector: Float32Array, searchable = true): void {
    if (vector.length !== this.dimension) {
      throw new Error(`Vector has ${vector.length} dimensions, the index expects ${this.dimension}`);
    }
    if (!Number.isInteger(label) || label < 0) throw new Error(`Label ${label} is not a non-negative integer`);
    if (!searchable || this.projected !== undefined) {
      const full = normalized(vector);
      this.stored.set(label, full);
      this.changed.add(label);
      if (!searchable) return;
      vector = this.projected!.project(full);
    }
    if (this.index.getCurrentCount() >= this.index.getMaxElements()) {
      this.index.resizeIndex(this.index.getMaxElements() * 2);
    }
    this.index.addPoint(Array.from(vector), label, true);
    this.changed.add(label);
    this.live++;
  }

  get projection(): Projection | undefined {
    return this.projected;
  }

  /** Sets the graph walk's efSearch until the next load (`efSearchFor` otherwise): bench/graph-recall.ts sweeps it. */
  set efSearch(ef: number) {
    this.index.setEf(ef);
  }

  /**
   * Makes the graph hold the searchable vectors' projections: a new graph is built from them, and
   * full vectors the graph alone had are kept in `stored` until the next save writes them to the
   * sidecar. Once, when a knowledge base has grown large (~20 s at 10,000 articles): the event
   * loop runs between slices of points (a server re-indexing keeps answering from its index in use).
   */
  async useProjection(projection: Projection): Promise<void> {
    if (this.projected !== undefined) throw new Error('The graph already holds projections');
    checkProjection(projection, this.dimension);
    const labels = this.index.getIdsList();
    const graph = graphOf(this.dimension, projection);
    graph.initIndex(Math.max(INITIAL_CAPACITY, labels.length), M, EF_CONSTRUCTION, 100, true);
    graph.setEf(efSearchFor(projection));
    let live = 0;
    for (const label of labels) {
      const inSidecar = this.sidecar !== undefined && !this.changed.has(label);
      const full = this.vector(label);
      if (full === undefined) continue; // removed
      if (!inSidecar) {
        this.stored.set(label, full);
        this.changed.add(label);
      }
      graph.addPoint(Array.from(projection.project(full)), label, true);
      if (++live % PROJECTED_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.index = graph;
    this.projected = projection;
    this.live = live;
  }

  /** Removes a label, searchable or not (an unknown label: nothing to do). */
  remove(label: number): void {
    this.changed.add(label);
    // Kept in `stored` and the graph when the graph holds projections.
    if (this.stored.delete(label) && this.projected === undefined) return;
    try {
      this.index.markDelete(label);
      this.live--;
    } catch {
      // Not in the graph: a vector stored in the sidecar only (its slot is emptied at the next save), or none.
    }
  }

  vector(label: number): Float32Array | undefined {
    const added = this.stored.get(label);
    if (added !== undefined) return added;
    const sidecar = this.sidecar;
    if (sidecar !== undefined && !this.changed.has(label)) {
      if (!Number.isInteger(label) || label < 0 || label >= sidecar.slots) return undefined;
      try {
        const vector = readVector(sidecar, label, this.dimension);
        if (vector !== undefined) return Number.isNaN(vector[0]) ? undefined : vector;
      } catch {
        // A failing disk read: the graph still has the vector.
      }
    }
    return this.graphVector(label);
  }

  /**
   * One read of the sidecar per run of consecutive labels (an article's passages were labelled
   * one after the other), instead of one per label: ranking reads every candidate article's
   * passages, ~200 vectors per question at 10,000 articles, and a read is a system call (~2 µs).
   * The vectors are views of one buffer per run.
   */
  vectors(labels: readonly number[]): (Float32Array | undefined)[] {
    const sidecar = this.sidecar;
    const D = this.dimension;
    const result: (Float32Array | undefined)[] = new Array(labels.length);
    let i = 0;
    while (i < labels.length) {
      const first = labels[i]!;
      let end = i + 1;
      while (end < labels.length && labels[end] === first + (end - i)) end++;
      const count = end - i;
      const readable = sidecar !== undefined && count > 1 && Number.isInteger(first) && first >= 0 && first + count <= sidecar.slots;
      let run: Float32Array | undefined;
      if (readable) {
        try {
          run = new Float32Array(count * D);
          // A short read (a file cut short since it was checked) is no run either.
          if (readSync(sidecar.fd, new Uint8Array(run.buffer), 0, run.byteLength, first * D * 4) !== run.byteLength) run = undefined;
        } catch {
          // A failing disk read: each label is read on its own below (the graph still has them).
          run = undefined;
        }
      }
      for (let k = 0; k < count; k++) {
        const label = first + k;
        if (run === undefined || this.changed.has(label)) result[i + k] = this.vector(label);
        else {
          const vector = run.subarray(k * D, (k + 1) * D);
          result[i + k] = Number.isNaN(vector[0]) ? undefined : vector;
        }
      }
      i = end;
    }
    return result;
  }

  /** The vector as the graph holds it (undefined for a removed or unknown label, and for every label of a projected graph). */
  private graphVector(label: number): Float32Array | undefined {
    if (this.projected !== undefined) return undefined;
    const point = graphPoint(this.index, label);
    return point === undefined ? undefined : Float32Array.from(point);
  }

  /** A projected graph's hits are scored again on their stored vectors (and ordered by those scores). */
  search(query: Float32Array, k: number): VectorHit[] {
    const projection = this.projected;
    // Projections rank approximately: more hits, scored on the full vectors, keep the best k.
    const wanted = Math.min(projection === undefined ? k : Math.max(PROJECTED_OVERFETCH * k, PROJECTED_CANDIDATES), this.live);
    if (wanted <= 0 || k <= 0) return [];
    const { distances, neighbors } = this.index.searchKnn(Array.from(projection === undefined ? query : projection.project(query)), wanted);
    const hits = neighbors.map((label, i) => ({ label, score: 1 - (distances[i] ?? 1) }));
    if (projection === undefined) return hits;
    // A hit whose full vector cannot be read (a file damaged since the load) cannot be scored: left out.
    const stored = this.vectors(hits.map((hit) => hit.label));
    return hits
      .flatMap((hit, i) => {
        const vector = stored[i];
        return vector === undefined ? [] : [{ label: hit.label, score: dot(query, vector) }];
      })
      .sort((a, b) => b.score - a.score || a.label - b.label)
      .slice(0, k);
  }

  /**
   * Writes the graph and its sidecar (see `Sidecar`), then reads vectors from the new sidecar.
   * After a load or an earlier save, the previous sidecar is copied and only the labels changed
   * since are written (a hot reload of a few articles does not rewrite 125 MB).
   */
  async save(file: string): Promise<void> {
    await this.index.writeIndex(file);
    this.writeSidecar(sidecarFile(file));
    if (this.projected !== undefined) writeFileSync(projectionFile(file), this.projected.toBytes());
    else rmSync(projectionFile(file), { force: true });
  }

  async completeSaved(file: string): Promise<boolean> {
    if (this.sidecar !== undefined || this.changed.size > 0) return false;
    this.writeSidecar(sidecarFile(file));
    return true;
  }

  private writeSidecar(target: string): void {
    // Stored-only labels are not in the graph's list: the previous file and `stored` have them.
    const slots = Math.max(slotCount(this.index.getIdsList()), slotCount([...this.stored.keys()]), this.sidecar?.slots ?? 0);
    const D = this.dimension;
    const temporary = `${target}.tmp`;
    const previous = this.sidecar;
    let from = previous === undefined || previous.path === target ? undefined : previous;
    try {
      if (from !== undefined) copyFileSync(from.path, temporary);
    } catch {
      // The previous file is gone (another process sharing the folder removed an old generation):
      // write every vector (the open descriptor still reads the previous one).
      from = undefined;
    }
    const fd = openSync(temporary, from === undefined ? 'w' : 'r+');
    try {
      ftruncateSync(fd, slots * D * 4);
      const rewrite = from === undefined ? [] : [...this.changed].filter((label) => label < Math.min(from.slots, slots));
      const write = (first: number, count: number, vectorOf: (label: number) => Float32Array | undefined) => {
        const batch = new Float32Array(count * D).fill(Number.NaN);
        for (let i = 0; i < count; i++) {
          // Undefined for a removed label and for one never added: NaN in the file.
          const vector = vectorOf(first + i);
          if (vector !== undefined) batch.set(vector, i * D);
        }
        writeSync(fd, new Uint8Array(batch.buffer), 0, batch.byteLength, first * D * 4);
      };
      for (const label of rewrite) write(label, 1, (l) => this.stored.get(l) ?? this.graphVector(l));
      for (let start = from === undefined ? 0 : from.slots; start < slots; start += WRITE_BATCH) {
        write(start, Math.min(WRITE_BATCH, slots - start), (l) => this.vector(l));
      }
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
    this.sidecar = { fd: openSync(target, 'r'), slots, path: target };
    if (previous !== undefined) {
      sidecarFiles.unregister(this);
      closeSync(previous.fd);
    }
    sidecarFiles.register(this, this.sidecar.fd, this);
    this.changed.clear();
    this.stored.clear();
  }

  deleteSaved(file: string): void {
    rmSync(file, { force: true });
    rmSync(sidecarFile(file), { force: true });
    rmSync(projectionFile(file), { force: true });
  }
}

/** hnswlib-node's getPoint, undefined for a removed or unknown label (it throws for those). */
function graphPoint(index: Hnsw, label: number): number[] | undefined {
  // hnswlib-node would read 1.5 as label 1.
  if (!Number.isInteger(label) || label < 0) return undefined;
  try {
    return index.getPoint(label);
  } catch {
    return undefined;
  }
}

const sidecarFile = (file: string) => `${file}.f32`;

/** Throws unless `projection` takes vectors of the index's `dimension`. */
function checkProjection(projection: Projection, dimension: number): void {
  if (projection.from !== dimension) throw new Error(`The projection takes ${projection.from} dimensions, the index has ${dimension}`);
}

/** Where a projected graph's `Projection` is saved; absent for a graph of full vectors. */
const projectionFile = (file: string) => `${file}.projection`;

/**
 * An empty graph for full vectors (cosine) or for their projections (Euclidean: measured on the
 * 50,997 titles and questions of 10,000 articles and the sample's dev questions, 96 hits rescored
 * on the full vectors kept 0.960 of the true 24 nearest and the nearest itself 0.983 of the time
 * with Euclidean distance, 0.961 / 0.976 with cosine, 0.896 / 0.847 with the inner product; the
 * graph of full vectors 0.943 / 0.879).
 */
function graphOf(dimension: number, projection: Projection | undefined): Hnsw {
  return projection === undefined ? new HierarchicalNSW('cosine', dimension) : new HierarchicalNSW('l2', projection.dimension);
}

/**
 * The vector scaled to unit length as hnswlib-node's cosine space stores it (normalizePoint: a
 * float32 sum of squares, each component divided by its square root), so a vector reads back the
 * same bits whether it is in the graph or stored only.
 */
function normalized(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum = Math.fround(sum + Math.fround(vector[i]! * vector[i]!));
  const norm = Math.fround(Math.sqrt(Math.abs(sum)));
  return norm > 0 ? vector.map((x) => x / norm) : Float32Array.from(vector);
}

/** Slots a sidecar needs for these labels: one past the highest. */
const slotCount = (labels: readonly number[]) => labels.reduce((max, label) => Math.max(max, label + 1), 0);

/** The sidecar's vector of a label; undefined on a short read (a file cut short since it was checked). */
function readVector(sidecar: Sidecar, label: number, dimension: number): Float32Array | undefined {
  const vector = new Float32Array(dimension);
  return readSync(sidecar.fd, new Uint8Array(vector.buffer), 0, dimension * 4, label * dimension * 4) === dimension * 4 ? vector : undefined;
}

/**
 * The saved index's sidecar, when it is the one written with this graph: whole vectors, at least
 * as many as the graph's labels need (more when the highest labels are stored only), and a few
 * labels spread over the graph hold exactly the graph's vectors. Otherwise (missing, truncated,
 * from another save) undefined: vectors are read from the graph, as before sidecars, and vectors
 * stored only in the file are gone (the knowledge index checks for them and re-embeds).
 */
function openSidecar(index: Hnsw, file: string, dimension: number, projection: Projection | undefined): Sidecar | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  const labels = index.getIdsList().sort((a, b) => a - b);
  const size = fstatSync(fd).size;
  const sidecar = { fd, slots: Math.floor(size / (dimension * 4)), path: file };
  const checked = evenlySpaced(labels, SPOT_CHECKS);
  const matches =
    size === sidecar.slots * dimension * 4 &&
    sidecar.slots >= slotCount(labels) &&
    checked.every((label) => {
      const saved = readVector(sidecar, label, dimension);
      const graph = graphPoint(index, label);
      if (saved === undefined) return false;
      // A removed label (still listed by getIdsList) is NaN in the sidecar.
      if (graph === undefined) return Number.isNaN(saved[0]);
      if (projection === undefined) return graph.length === dimension && graph.every((x, i) => Math.fround(x) === saved[i]);
      // The graph holds the saved vector's projection (as computed when it was added).
      const projected = projection.project(saved);
      return graph.length === projection.dimension && graph.every((x, i) => Math.abs(x - projected[i]!) <= 1e-6);
    });
  if (matches) return sidecar;
  closeSync(fd);
  return undefined;
}

/**
 * Meant as the number of removed labels; hnswlib-node's getIdsList lists removed labels too, so
 * this is 0 and `size` after a load counts them (search is unaffected: hnswlib then returns fewer hits).
 */
function countDeleted(index: Hnsw): number {
  return index.getCurrentCount() - index.getIdsList().length;
}

export const hnswIndexFactory: VectorIndexFactory = {
  create: (dimension, projection) => HnswVectorIndex.create(dimension, projection),
  load: (file, dimension) => HnswVectorIndex.load(file, dimension),
};
