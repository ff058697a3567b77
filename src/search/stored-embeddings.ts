import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Embedder, EmbedderFingerprint, EmbeddingRole } from './embedder.js';
import { writeFileAtomically } from '../storage/atomic-file.js';
import { base64ToFloat32 } from '../storage/float-base64.js';
import { decodeVectorFile, encodeVectorFile, type VectorRows } from '../storage/vector-file.js';

/**
 * Keeps the vectors of bulk `query` calls (the tier examples, embedded at every start) in a file
 * under DATA_DIR, so a restart embeds only examples that are new: on 2 cores the ~400 examples of
 * three languages cost several seconds of model time, most of a cold start. One file per model
 * and fingerprint (another model never reads them). Single texts pass through. A file keeps the
 * texts of the bulk calls made through this object in this process, so wrap only the embedder of
 * the caller whose texts it is to keep (`loadTierClassifier`), never one that customers'
 * questions pass through: their words are not written to disk.
 *
 * File: texts and float32 rows in vector-file.ts's binary format, written to a temporary name and
 * renamed (a crash leaves the old file or none; an unreadable file is ignored and rebuilt). The
 * JSON file of earlier versions (`{ texts, vectors: base64 }`) is read when there is no binary
 * one yet, and removed once the binary one is written.
 */
export class StoredEmbeddings implements Embedder {
  /** The file's vectors, read once (calls that start together share the one read). */
  private loaded: Promise<Map<string, Float32Array>> | undefined;
  /** Texts of bulk calls in this process: what the file keeps (examples no longer used drop out). */
  private readonly used = new Set<string>();
  /** Whether a write has dropped the texts no bulk call of this process used (once is enough: every write keeps only used ones). */
  private pruned = false;
  /** The last write of the vectors file (writes go one after another). */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly inner: Embedder,
    private readonly dir: string,
  ) {}

  get modelId(): string {
    return this.inner.modelId;
  }

  get dimension(): number {
    return this.inner.dimension;
  }

  get fingerprint(): EmbedderFingerprint {
    return this.inner.fingerprint;
  }

  private get file(): string {
    return path.join(this.dir, `query-vectors-${this.key}.bin`);
  }

  /** Where versions before the binary file kept the vectors (read once, then replaced). */
  private get jsonFile(): string {
    return path.join(this.dir, `query-vectors-${this.key}.json`);
  }

  private get key(): string {
    return createHash('sha256').update(JSON.stringify([this.modelId, this.dimension, this.fingerprint])).digest('hex').slice(0, 16);
  }

  async embed(texts: readonly string[], role: EmbeddingRole): Promise<Float32Array[]> {
    const { vectors, saved } = await this.embedThenSave(texts, role);
    await saved;
    return vectors;
  }

  /**
   * `embed`, but resolves as soon as the vectors are known; `saved` settles once the file holds
   * them (rejects if it could not be written). The index's classifier retraining starts its worker
   * thread before the file is written (at 10,000 articles: 100 MB, ~0.7 s of CPU on this thread).
   */
  async embedThenSave(texts: readonly string[], role: EmbeddingRole): Promise<{ vectors: Float32Array[]; saved: Promise<void> }> {
    if (role !== 'query' || texts.length < 2) return { vectors: await this.inner.embed(texts, role), saved: Promise.resolve() };
    const stored = await this.load();
    for (const text of texts) this.used.add(text);
    const missing = [...new Set(texts.filter((text) => !stored.has(text)))];
    let saved = Promise.resolve();
    // The file also holds texts no bulk call of this process used: written again once without
    // them (an upgrade's leftovers, e.g. customers' questions that versions before round 24 kept).
    const prune = !this.pruned && [...stored.keys()].some((text) => !this.used.has(text));
    if (missing.length > 0 || prune) {
      this.pruned = true;
      if (missing.length > 0) {
        const vectors = await this.inner.embed(missing, role);
        missing.forEach((text, i) => stored.set(text, vectors[i]!));
      }
      saved = this.save(stored);
      saved.catch(() => undefined); // the caller awaits it; a failure before then is not "unhandled"
    }
    return { vectors: texts.map((text) => stored.get(text)!), saved };
  }

  /** The texts (of `texts`, each once) the file has no vector for: what the next bulk `query` call of them would embed. */
  async missing(texts: readonly string[]): Promise<string[]> {
    const stored = await this.load();
    return [...new Set(texts.filter((text) => !stored.has(text)))];
  }

  /** The stored vectors of texts (undefined where the file has none), without embedding anything. */
  async stored(texts: readonly string[]): Promise<(Float32Array | undefined)[]> {
    const stored = await this.load();
    return texts.map((text) => stored.get(text));
  }

  private load(): Promise<Map<string, Float32Array>> {
    this.loaded ??= this.read();
    return this.loaded;
  }

  private async read(): Promise<Map<string, Float32Array>> {
    const map = new Map<string, Float32Array>();
    const rows = (await this.readBinary()) ?? (await this.readJson());
    if (rows !== undefined) {
      // Views of the one array, not a copy per text (50,000 titles and questions at 10,000
      // articles: 77 MB copied in 50,000 pieces on every sync that retrains).
      rows.texts.forEach((text, i) => map.set(text, rows.all.subarray(i * this.dimension, (i + 1) * this.dimension)));
    }
    return map;
  }

  private async readBinary(): Promise<VectorRows | undefined> {
    try {
      return decodeVectorFile(await readFile(this.file), this.dimension);
    } catch {
      return undefined; // no file yet: start empty (it is written after the next bulk call)
    }
  }

  private async readJson(): Promise<VectorRows | undefined> {
    try {
      const data = JSON.parse(await readFile(this.jsonFile, 'utf8')) as { texts?: unknown; vectors?: unknown };
      if (!Array.isArray(data.texts) || !data.texts.every((text) => typeof text === 'string') || typeof data.vectors !== 'string') return undefined;
      const all = base64ToFloat32(data.vectors);
      return all.length === data.texts.length * this.dimension ? { texts: data.texts as string[], all } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Writes the texts bulk calls used in this process (older, no longer used texts are dropped). */
  private save(stored: Map<string, Float32Array>): Promise<void> {
    // One write at a time (they share the temporary file); each writes what is stored by then.
    const write = this.writing.then(() => this.write(stored));
    this.writing = write.catch(() => undefined);
    return write;
  }

  private async write(stored: Map<string, Float32Array>): Promise<void> {
    // Another call may still be embedding texts it marked as used: those are saved by that call.
    const texts = [...this.used].filter((text) => stored.has(text));
    const all = new Float32Array(texts.length * this.dimension);
    texts.forEach((text, i) => all.set(stored.get(text)!, i * this.dimension));
    await writeFileAtomically(this.file, encodeVectorFile(texts, all, this.dimension));
    await rm(this.jsonFile, { force: true });
  }
}
