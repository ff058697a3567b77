import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Embedder } from '../search/embedder.js';
import type { VectorHit, VectorIndex, VectorIndexFactory } from '../search/vector-index.js';
import { articlePassages, passagesHash, type Article, type Passage } from './article.js';

const passageKindSchema = z.enum(['title', 'question', 'body']);

/** What is persisted beside the vectors: which label belongs to which article, and content hashes. */
const manifestSchema = z.object({
  version: z.literal(1),
  modelId: z.string(),
  dimension: z.number().int().positive(),
  nextLabel: z.number().int().nonnegative(),
  /** Vector file this manifest belongs to; a new generation gets a new name, so a crash never mixes them. */
  vectorsFile: z.string().regex(/^vectors-\d+\.hnsw$/),
  articles: z.record(
    z.string(),
    z.object({
      hash: z.string(),
      passages: z.array(z.object({ label: z.number().int().nonnegative(), kind: passageKindSchema })),
    }),
  ),
});

type Manifest = z.infer<typeof manifestSchema>;

/** A passage hit resolved to its article. */
export interface PassageHit extends VectorHit {
  articleId: string;
  kind: Passage['kind'];
}

/** What a sync did; printed by `npm run ingest` and asserted by tests. */
export interface SyncReport {
  /** Why the whole index was rebuilt, or undefined when it was updated in place. */
  rebuiltBecause: string | undefined;
  embeddedArticles: string[];
  removedArticles: string[];
  unchangedArticles: number;
  passages: number;
}

export interface SyncOptions {
  articles: readonly Article[];
  embedder: Embedder;
  indexFactory: VectorIndexFactory;
  /** Folder holding `manifest.json` and `vectors.hnsw`. */
  indexDir: string;
  /** Called after each article is embedded (for progress bars). */
  onProgress?: (done: number, total: number) => void;
}

/** Vectors for all article passages plus the label → article map needed to read search hits. */
export class KnowledgeIndex {
  private constructor(
    private readonly vectors: VectorIndex,
    private readonly labels: ReadonlyMap<number, { articleId: string; kind: Passage['kind'] }>,
  ) {}

  /** Best-matching passages for a query vector, best first. */
  search(query: Float32Array, k: number): PassageHit[] {
    return this.vectors.search(query, k).flatMap((hit) => {
      const owner = this.labels.get(hit.label);
      return owner === undefined ? [] : [{ ...hit, ...owner }];
    });
  }

  get passageCount(): number {
    return this.vectors.size;
  }

  /**
   * Loads the persisted index and brings it up to date with `articles`: only new or changed
   * articles are embedded, removed ones are deleted, and a model or dimension change (or a
   * missing/corrupt index) forces a full rebuild. Saves atomically when anything changed.
   */
  static async sync(options: SyncOptions): Promise<{ index: KnowledgeIndex; report: SyncReport }> {
    const { articles, embedder, indexFactory, indexDir } = options;
    const { manifest, vectors, rebuiltBecause } = await openIndex(indexDir, embedder, indexFactory);

    const wanted = new Map(articles.map((article) => [article.id, article]));
    const removedArticles: string[] = [];
    for (const [articleId, entry] of Object.entries(manifest.articles)) {
      const article = wanted.get(articleId);
      if (article !== undefined && passagesHash(articlePassages(article)) === entry.hash) continue;
      for (const passage of entry.passages) vectors.remove(passage.label);
      delete manifest.articles[articleId];
      if (article === undefined) removedArticles.push(articleId);
    }

    const toEmbed = articles.filter((article) => manifest.articles[article.id] === undefined);
    const embeddedArticles: string[] = [];
    for (const article of toEmbed) {
      const passages = articlePassages(article);
      const embedded = await embedder.embed(passages.map((passage) => passage.text));
      const stored = passages.map((passage, i) => {
        const label = manifest.nextLabel++;
        vectors.add(label, embedded[i]!);
        return { label, kind: passage.kind };
      });
      manifest.articles[article.id] = { hash: passagesHash(passages), passages: stored };
      embeddedArticles.push(article.id);
      options.onProgress?.(embeddedArticles.length, toEmbed.length);
    }

    if (rebuiltBecause !== undefined || embeddedArticles.length > 0 || removedArticles.length > 0) {
      await saveIndex(indexDir, manifest, vectors);
    }

    const labels = new Map<number, { articleId: string; kind: Passage['kind'] }>();
    for (const [articleId, entry] of Object.entries(manifest.articles)) {
      for (const passage of entry.passages) labels.set(passage.label, { articleId, kind: passage.kind });
    }
    return {
      index: new KnowledgeIndex(vectors, labels),
      report: {
        rebuiltBecause,
        embeddedArticles,
        removedArticles,
        unchangedArticles: articles.length - embeddedArticles.length,
        passages: vectors.size,
      },
    };
  }
}

interface OpenedIndex {
  manifest: Manifest;
  vectors: VectorIndex;
  rebuiltBecause: string | undefined;
}

/** Loads the saved manifest and vectors, or starts empty and says why a rebuild is needed. */
async function openIndex(indexDir: string, embedder: Embedder, indexFactory: VectorIndexFactory): Promise<OpenedIndex> {
  const empty = (rebuiltBecause: string): OpenedIndex => ({
    manifest: {
      version: 1,
      modelId: embedder.modelId,
      dimension: embedder.dimension,
      nextLabel: 0,
      vectorsFile: 'vectors-0.hnsw',
      articles: {},
    },
    vectors: indexFactory.create(embedder.dimension),
    rebuiltBecause,
  });
  const saved = await readManifest(path.join(indexDir, MANIFEST_FILE));
  if (saved.manifest === undefined) return empty(saved.reason);
  const { manifest } = saved;
  if (manifest.modelId !== embedder.modelId) {
    return empty(`embedding model changed from ${manifest.modelId} to ${embedder.modelId}`);
  }
  if (manifest.dimension !== embedder.dimension) {
    return empty(`dimension changed from ${manifest.dimension} to ${embedder.dimension}`);
  }
  try {
    const vectors = await indexFactory.load(path.join(indexDir, manifest.vectorsFile), embedder.dimension);
    return { manifest, vectors, rebuiltBecause: undefined };
  } catch (error) {
    return empty(`the vector file could not be read (${(error as Error).message})`);
  }
}

/**
 * Writes the vectors under a new generation name, then swaps the manifest in with an atomic
 * rename, then removes the old vector file: a crash at any point leaves a consistent pair.
 */
async function saveIndex(indexDir: string, manifest: Manifest, vectors: VectorIndex): Promise<void> {
  await mkdir(indexDir, { recursive: true });
  const oldVectorsFile = manifest.vectorsFile;
  const generation = Number(/\d+/.exec(oldVectorsFile)?.[0] ?? 0) + 1;
  manifest.vectorsFile = `vectors-${generation}.hnsw`;
  await vectors.save(path.join(indexDir, manifest.vectorsFile));
  const manifestFile = path.join(indexDir, MANIFEST_FILE);
  await writeFile(`${manifestFile}.tmp`, JSON.stringify(manifest));
  await rename(`${manifestFile}.tmp`, manifestFile);
  await rm(path.join(indexDir, oldVectorsFile), { force: true });
}

const MANIFEST_FILE = 'manifest.json';

async function readManifest(file: string): Promise<{ manifest?: Manifest; reason: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { reason: 'no index was built yet' };
  }
  try {
    const result = manifestSchema.safeParse(JSON.parse(text));
    return result.success ? { manifest: result.data, reason: '' } : { reason: 'the index manifest is invalid' };
  } catch {
    return { reason: 'the index manifest is not valid JSON' };
  }
}
