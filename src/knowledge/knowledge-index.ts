import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { createHash } from 'node:crypto';
import { evenlySpaced } from '../evenly-spaced.js';
import { LruMap } from '../lru-map.js';
import { ArticleClassifier, classifierJsonSchema } from '../search/article-classifier.js';
import { ClassifierTrainer } from '../search/classifier-training.js';
import { DenseIdMap, denseWhenCompact } from '../search/dense-id-map.js';
import type { Embedder, EmbedderFingerprint } from '../search/embedder.js';
import { MiniSearchLexicalIndex, type LexicalDocument, type LexicalIndex } from '../search/lexical-index.js';
import { Projection } from '../search/projection.js';
import { StoredEmbeddings } from '../search/stored-embeddings.js';
import { TermCoverage } from '../search/term-coverage.js';
import type { VectorHit, VectorIndex, VectorIndexFactory } from '../search/vector-index.js';
import { writeFileAtomically } from '../storage/atomic-file.js';
import { base64ToFloat32, base64ToFloat64, floatsToBase64 } from '../storage/float-base64.js';
import { articleKey, articleLanguage, articlePassages, articleSourceHash, headPassages, passageKey, passagesHash, type Article, type Passage } from './article.js';
import { bodyVectorsSchema, type BodyVectors } from './body-vectors.js';
import { keywordSnapshotKey, readKeywordSnapshot, writeKeywordSnapshot, type KeywordStructures } from './keyword-snapshot.js';

export type { BodyVectors } from './body-vectors.js';

const passageKindSchema = z.enum(['title', 'question', 'body']);
const roleSchema = z.enum(['query', 'passage']);

/** What is persisted beside the vectors: which label belongs to which article, and content hashes. */
const manifestSchema = z.object({
  /** 2: entries keyed by language and id ("pt/change-password"), classifier beside the vectors. */
  version: z.literal(2),
  modelId: z.string(),
  dimension: z.number().int().positive(),
  /** Model file, prefixes and passage roles the vectors were made with (EmbedderFingerprint): any change rebuilds. */
  embedding: z.object({
    file: z.string(),
    queryPrefix: z.string(),
    passagePrefix: z.string(),
    passageRoles: z.object({ title: roleSchema, question: roleSchema, body: roleSchema }),
  }),
  nextLabel: z.number().int().nonnegative(),
  /** Vector file this manifest belongs to; a new generation gets a new name, so a crash never mixes them. */
  vectorsFile: z.string().regex(/^vectors-\d+\.hnsw$/),
  /** By `articleKey` ("en/change-password"): one entry per language version of an article. */
  articles: z.record(
    z.string(),
    z.object({
      articleId: z.string(),
      language: z.string(),
      hash: z.string(),
      /** `articleSourceHash` of the indexed article: the same source, the same passages (absent in indexes written before it). */
      source: z.string().optional(),
      /**
       * `vector: false`: a body chunk kept only in the keyword index (see `BodyVectors`); absent = it has a vector.
       * `text`: a hash of the passage's kind and text (`passageKey`), so an edited article's unchanged
       * passages keep their vectors; absent in indexes written before it (their passages are re-embedded once).
       */
      passages: z.array(z.object({ label: z.number().int().nonnegative(), kind: passageKindSchema, vector: z.literal(false).optional(), text: z.string().optional() })),
    }),
  ),
  /** Which body chunks got vectors (`BodyVectors`); absent in indexes from before the option: `all`. */
  bodyVectors: bodyVectorsSchema.optional(),
  /**
   * What the vector search graph holds (see `SEARCH_GRAPH`); absent in indexes from before body
   * chunks left it: the graph is rebuilt once from the stored vectors, without the model.
   */
  graph: z.literal('titles-and-questions').optional(),
  /**
   * How many titles and questions the graph's projection was fitted on (see `REFIT_GROWTH`); absent
   * without a projection, and in indexes saved before it was noted (then taken as the count at load).
   */
  projection: z.object({ fittedOn: z.number().int().positive() }).optional(),
  /** The per-knowledge-base article classifier: retrained only when what it learns from changed. */
  classifier: z.object({ file: z.string().regex(/^classifier-\d+\.json$/), hash: z.string() }).optional(),
});

type Manifest = z.infer<typeof manifestSchema>;

/**
 * Only titles and alternative questions are searchable by vector; body chunks' vectors are stored
 * (the index's file) and scored when their article is a candidate. The graph only proposes
 * candidates, beside the keyword index and the classifier, and it is where the memory is: at
 * 10,000 articles its 29,717 body chunks were ~50 MB of its ~129 MB. Candidates from titles and
 * questions alone moved `npm run eval` by at most one question per set (sample and bike shop;
 * bench/results/2026-12-07-round18.md).
 */
const SEARCH_GRAPH = 'titles-and-questions';

/**
 * From how many searchable vectors (titles and questions) on the graph holds their projections onto
 * `dimension` main directions instead of the vectors (`Projection`; hits are scored again on the
 * stored vectors): at 10,000 articles its 50,997 points take ~33 instead of ~85 MB, and candidates
 * from 128 dimensions ranked the dev questions first as often as from 384. Below (the sample's
 * 997, ~1.7 MB as full vectors) the memory is not worth the approximation.
 */
export const SEARCH_PROJECTION = { from: 4096, dimension: 128 };

/** Searchable vectors a projection is fitted on, evenly spread over them (the main directions of 8,192 are those of all). */
const PROJECTION_SAMPLE = 8192;

/**
 * Labels are never reused (a hit's label always means the passage it was given to), so every edit
 * leaves its old labels behind: the file of stored vectors keeps a slot of 1.5 KB for each label
 * ever given out, and the label maps turn sparse. Once the labels given out exceed twice the
 * passages by this many (6 MB of slots), a sync renumbers the passages from 0 and rebuilds the
 * graph from the stored vectors, without the model (as the migration of old graphs does: ~20–40 s
 * at 10,000 articles, so after about a whole knowledge base's worth of edits, not at every one).
 * A graph of projections gets its projection fitted again then, on the knowledge base as it is now.
 */
export const LABEL_SLACK = 4096;

/**
 * A projection is fitted on the titles and questions there are when the graph first switches to
 * projections (~800 articles). A knowledge base that keeps growing brings topics whose directions
 * that fit may have missed, so once the searchable vectors are this many times those it was fitted
 * on, a sync fits it again and rebuilds the graph as the renumbering does: at 4,096, 8,192, 16,384…
 * titles and questions, a handful of rebuilds over a knowledge base's life.
 */
const REFIT_GROWTH = 2;

/** Whether a passage's vector goes into the search graph (`SEARCH_GRAPH`). */
export const inSearchGraph = (kind: Passage['kind']) => kind !== 'body';

/** Which article (language version) and kind of text a vector label belongs to. */
export interface PassageOwner {
  articleId: string;
  language: string;
  kind: Passage['kind'];
}

/** A passage hit resolved to its article. */
export interface PassageHit extends VectorHit, PassageOwner {}

/**
 * Articles whose passages go to the embedder together (progress is reported per group). 64: body
 * chunks sorted by length among ~190 of them pad 5–7 % of their tokens, among ~48 (16 articles) 12 %
 * (measured on bench/ten-k.ts's articles with e5's tokenizer).
 */
const ARTICLES_PER_CALL = 64;

/**
 * Articles per slice of the keyword index build (~1,000 passages, tens of milliseconds): between
 * slices the event loop answers customers and hands the model thread its next batch.
 */
const ARTICLES_PER_KEYWORD_SLICE = 128;

/**
 * What a sync derives from an article's text, remembered per `Article` object: a hot reload gets
 * the unchanged files' articles back as the same objects (`ParsedArticles`), and chunking and
 * hashing 10,000 bodies only to find them unchanged was ~0.6 s of a reload. Hashes, not the
 * passages: those are large and needed only for what a sync indexes. Each is made when first asked.
 */
const articleDigests = new WeakMap<Article, { passages?: string; head?: string; source?: string }>();

function digestOf(article: Article): { passages?: string; head?: string; source?: string } {
  let digest = articleDigests.get(article);
  if (digest === undefined) articleDigests.set(article, (digest = {}));
  return digest;
}

/** `passagesHash` of the article's passages: what decides whether it is embedded again. */
function passagesDigest(article: Article, passagesFor: (article: Article) => Passage[]): string {
  const digest = digestOf(article);
  return (digest.passages ??= passagesHash(passagesFor(article)));
}

/** A hash of its title and questions: what the article classifier learns from it. */
function headDigest(article: Article): string {
  const digest = digestOf(article);
  return (digest.head ??= hashOf(headPassages(article).map((p) => `${p.kind}:${p.text}`)));
}

/** `articleSourceHash`: equal to a manifest entry's `source`, the article's passages are those indexed, without chunking it. */
function sourceDigest(article: Article): string {
  const digest = digestOf(article);
  return (digest.source ??= articleSourceHash(article));
}

/**
 * Articles whose passage vectors are kept in JS memory (as one block each) for exact scores of
 * fused candidates. Bounded: an unbounded cache ends up holding a second copy of every vector
 * (10,000 articles ≈ 80,000 passages ≈ 125 MB) beside the HNSW graph's own. A block not cached
 * is one read of the index's sidecar file per language version (`VectorIndex.vectors`), so a
 * miss is cheap: at 10,000 articles, 256 blocks (~4.5 MB) instead of 1,024 (~14 MB, all of it held
 * under load) cost the same per question (dense rows 0.66 ms against 0.45–0.73 ms; with one
 * read per passage, 128 blocks had cost 1.03 ms; bench/results/2026-12-07-round17.md).
 */
const ARTICLE_BLOCK_CACHE = 256;

/**
 * One article's passages (all languages) with vectors, as one row-major block: what a
 * candidate's exact similarities are computed from. One cache lookup per candidate and a scan of
 * contiguous memory, instead of a cache lookup and an owner lookup per passage (measured: the
 * per-passage version was ~0.6 ms of a turn's ~1 ms retrieval on the sample knowledge base).
 */
export interface ArticleBlock {
  labels: readonly number[];
  owners: readonly PassageOwner[];
  /** `labels.length` rows of `dimension` floats. */
  vectors: Float32Array;
}

/** Bump when training changes, so every index retrains its classifier once. */
const CLASSIFIER_VERSION = 'softmax-query-v2';

/** What a sync did; printed by `npm run ingest` and asserted by tests. */
export interface SyncReport {
  /** Why the whole index was rebuilt, or undefined when it was updated in place. */
  rebuiltBecause: string | undefined;
  embeddedArticles: string[];
  removedArticles: string[];
  unchangedArticles: number;
  passages: number;
  /** Passages of re-indexed articles whose text had not changed: their vectors were kept, not embedded again. */
  keptVectors: number;
  /** Whether the article classifier was (re)trained in this sync (false: the saved one was reused). */
  classifierTrained: boolean;
  /**
   * Whether the vector search graph was rebuilt from the stored vectors, without the model: for an
   * index saved with body chunks in it, or to hold projections once past `SEARCH_PROJECTION.from`.
   */
  graphRebuilt: boolean;
  /**
   * The passages' labels were renumbered from 0 (`LABEL_SLACK`): `from` labels had been given out,
   * `to` passages hold one. The graph was rebuilt then (`graphRebuilt`), its projection fitted again.
   */
  labelsCompacted?: { from: number; to: number };
  /** The graph's projection was fitted again because the titles and questions grew `REFIT_GROWTH` times (`from` → `to` of them). */
  projectionRefitted?: { from: number; to: number };
  /** The keyword index and term coverage: read back as saved for these passages, built, or revised from the previous index (a hot reload). */
  keywords: 'saved' | 'built' | 'revised';
  /** What could not be saved that only spares the next start work (the index in use is complete): why, per item. */
  notSaved?: string[];
}

export interface SyncOptions {
  articles: readonly Article[];
  embedder: Embedder;
  indexFactory: VectorIndexFactory;
  /** Folder holding `manifest.json` and `vectors.hnsw`. */
  indexDir: string;
  /** Called after each article is embedded (for progress bars). */
  onProgress?: (done: number, total: number) => void;
  /** Which body chunks get vectors (default `all`); changing it re-embeds every article. */
  bodyVectors?: BodyVectors;
  /** When the graph starts holding projections (default `SEARCH_PROJECTION`; tests make it small). */
  searchProjection?: { from: number; dimension: number };
  /** Labels given out beyond twice the passages before a sync renumbers them (default `LABEL_SLACK`; tests make it small). */
  labelSlack?: number;
  /**
   * The index in use and the articles it was built from (a hot reload): when the saved index is
   * still the one it was made from, its keyword index and term coverage are revised for the
   * changed articles instead of built again. It is left answering from the revised keyword index
   * (see `MiniSearchLexicalIndex.revise`): swap the result in.
   */
  previous?: { index: KnowledgeIndex; articles: readonly Article[] };
}

/** Vectors for all article passages plus the label → article map needed to read search hits. */
export class KnowledgeIndex {
  private readonly blockCache = new LruMap<string, ArticleBlock>(ARTICLE_BLOCK_CACHE);

  private constructor(
    private readonly vectors: VectorIndex,
    /** Every live passage label and its owner. */
    readonly labels: ReadonlyMap<number, PassageOwner>,
    /** Labels of each article id, over all its languages. */
    private readonly labelsByArticle: ReadonlyMap<string, readonly number[]>,
    /** BM25 over the same passages, under the same labels. */
    readonly lexical: LexicalIndex,
    /**
     * The text of every live title and alternative question (held-out questions for
     * calibration). Body chunks are not kept: they are most of the text, and only the keyword
     * index (which has its own copy of their terms) needs them.
     */
    readonly texts: ReadonlyMap<number, string>,
    /** Trained on the titles and alternative questions of every language. */
    readonly classifier: ArticleClassifier,
    /** Changes whenever the indexed passages change (calibration is cached under it). */
    readonly contentHash: string,
    /** Which keywords occur in which article (all passages, bodies included). */
    readonly terms: TermCoverage,
    /** Labels of body chunks with no vector (keyword index only; see `BodyVectors`). */
    private readonly keywordOnly: ReadonlySet<number>,
    /** `query` vectors of titles and questions, for classifier training (see `classifierExamples`). */
    private readonly trainingVectors: TrainingVectors,
    /** The saved manifest this index matches (`manifestKey`): a later sync may revise it only if that is still the saved one. */
    private readonly manifestKey: string,
  ) {}

  /**
   * Every title and alternative question with its `query` vector and passage label: what the
   * article classifier learns from, and what calibration trains its ten held-out classifiers on
   * and ranks every question with (a question's `query` vector is what the customer's own words
   * would get). Read from the file beside the index, not kept in memory afterwards.
   */
  titleAndQuestionVectors(): Promise<TrainingPassage[]> {
    return titleAndQuestionVectors(this.trainingVectors, this.labels, this.texts);
  }

  /** What the vector search graph holds instead of full vectors, if anything (`SEARCH_PROJECTION`). */
  get vectorProjection(): Projection | undefined {
    return this.vectors.projection;
  }

  /** Best-matching passages for a query vector, best first. */
  search(query: Float32Array, k: number): PassageHit[] {
    return this.vectors.search(query, k).flatMap((hit) => {
      const owner = this.labels.get(hit.label);
      return owner === undefined ? [] : [{ ...hit, ...owner }];
    });
  }

  /** The stored vector of one passage, undefined for a body chunk kept only in the keyword index. */
  passageVector(label: number): Float32Array | undefined {
    return this.keywordOnly.has(label) ? undefined : this.vectors.vector(label);
  }

  /** An article's passages with vectors as one block (see `ArticleBlock`); the most recently used ones are cached. */
  articleBlock(articleId: string): ArticleBlock {
    let block = this.blockCache.get(articleId);
    if (block !== undefined) return block;
    const labels: number[] = [];
    const owners: PassageOwner[] = [];
    const rows: Float32Array[] = [];
    const all = this.articleLabels(articleId);
    const stored = this.vectors.vectors(all);
    for (let i = 0; i < all.length; i++) {
      const label = all[i]!;
      const vector = this.keywordOnly.has(label) ? undefined : stored[i];
      const owner = this.labels.get(label);
      if (vector === undefined || owner === undefined) continue;
      labels.push(label);
      owners.push(owner);
      rows.push(vector);
    }
    const vectors = new Float32Array(rows.reduce((n, row) => n + row.length, 0));
    let offset = 0;
    for (const row of rows) {
      vectors.set(row, offset);
      offset += row.length;
    }
    block = { labels, owners, vectors };
    this.blockCache.set(articleId, block);
    return block;
  }

  /** Every passage label of an article id (all languages). */
  articleLabels(articleId: string): readonly number[] {
    return this.labelsByArticle.get(articleId) ?? [];
  }

  /** Passages with a vector (counted from the labels: an HNSW file reloaded after removals still counts removed slots). */
  get passageCount(): number {
    return this.labels.size - this.keywordOnly.size;
  }

  /**
   * Loads the persisted index and brings it up to date with `articles`: only new or changed
   * articles are embedded, removed ones are deleted, and a model or dimension change (or a
   * missing/corrupt index) forces a full rebuild. Saves atomically when anything changed.
   */
  static async sync(options: SyncOptions): Promise<{ index: KnowledgeIndex; report: SyncReport }> {
    const { articles, embedder, indexFactory, indexDir } = options;
    const bodyVectors = options.bodyVectors ?? 'all';
    const searchProjection = options.searchProjection ?? SEARCH_PROJECTION;
    const { manifest, vectors, rebuiltBecause, graphRebuilt: regraphed, labelsCompacted, projectionRefitted } = await openIndex(indexDir, embedder, indexFactory, bodyVectors, searchProjection, options.labelSlack ?? LABEL_SLACK);
    let graphRebuilt = regraphed;
    const { previous } = options;
    // The keyword structures of `previous` can be revised when it was made from this very manifest.
    let revisable =
      previous !== undefined &&
      rebuiltBecause === undefined &&
      previous.index.lexical instanceof MiniSearchLexicalIndex &&
      !previous.index.lexical.revised &&
      previous.index.manifestKey === manifestKey(manifest, contentHashOf(manifest, bodyVectors));
    const previousArticles = revisable ? new Map(previous!.articles.map((article) => [articleKey(article), article])) : new Map<string, Article>();
    // The passages of changed and removed articles as they were indexed (label, article, text).
    const dropped: LexicalDocument[] = [];

    const wanted = new Map(articles.map((article) => [articleKey(article), article]));
    // Chunking every body is a good part of a reload at 10,000 articles: once per article and sync.
    const passagesOf = new Map<Article, Passage[]>();
    const passagesFor = (article: Article): Passage[] => {
      let passages = passagesOf.get(article);
      if (passages === undefined) passagesOf.set(article, (passages = articlePassages(article)));
      return passages;
    };
    const removedArticles: string[] = [];
    // An edited article's passages that did not change (a corrected title leaves the questions and
    // body chunks as they were): their vectors, by `passageKey`, instead of the model's time again.
    const kept = new Map<string, Float32Array>();
    // An index written before passages carried their hash gets them for its unchanged articles
    // now (the manifest alone is rewritten), so their next edit keeps what it can too.
    let hashesAdded = false;
    for (const [key, entry] of Object.entries(manifest.articles)) {
      const article = wanted.get(key);
      if (article !== undefined && (entry.source === sourceDigest(article) || passagesDigest(article, passagesFor) === entry.hash)) {
        if (entry.source !== sourceDigest(article)) {
          // Indexed before entries had it, or the source changed without changing the passages.
          entry.source = sourceDigest(article);
          hashesAdded = true;
        }
        if (entry.passages.some((p) => p.vector !== false && p.text === undefined)) {
          const passages = passagesFor(article);
          entry.passages.forEach((p, i) => p.vector !== false && (p.text = passageKey(passages[i]!)));
          hashesAdded = true;
        }
        continue;
      }
      const before = revisable ? previousArticles.get(key) : undefined;
      if (before === undefined || passagesDigest(before, passagesFor) !== entry.hash) revisable = false;
      else dropped.push(...keywordDocuments(entry, passagesFor(before)));
      for (const passage of entry.passages) {
        if (passage.vector === false) continue;
        if (article !== undefined && passage.text !== undefined) {
          const vector = vectors.vector(passage.label);
          if (vector !== undefined) kept.set(passage.text, vector);
        }
        vectors.remove(passage.label);
      }
      delete manifest.articles[key];
      if (article === undefined) removedArticles.push(key);
    }

    const toEmbed = articles.filter((article) => manifest.articles[articleKey(article)] === undefined);
    const embeddedArticles: string[] = [];
    let keptVectors = 0;

    // The classifier learns from titles and alternative questions: retrain when they changed (not
    // when only a body did: retraining takes ~45 s of CPU at 10,000 articles).
    const classifierHash = hashOf([
      CLASSIFIER_VERSION,
      ...[...wanted]
        .map(([key, article]) => `${key}:${headDigest(article)}`)
        .sort(),
    ]);
    const retrainClassifier = manifest.classifier?.hash !== classifierHash;
    // Started now, a large knowledge base's training worker loads while this thread embeds and
    // gathers the training examples (see ClassifierTrainer); closed below if an error comes first.
    // (An unreadable saved classifier is retrained too: it gets its trainer when found so, below.)
    const articleCount = new Set(articles.map((article) => article.id)).size;
    let trainer = retrainClassifier ? ClassifierTrainer.start(articleCount) : undefined;
    try {
      // The `query` vectors a retraining will need and the store beside the index lacks (a fresh
      // build: every title and question) are embedded with the articles' passages, so the model
      // works on them under the progress bar instead of in one long call after it.
      const queryVectors = new Map<string, Float32Array>();
      const trainingStore = classifierTrainingStore(embedder, indexDir, queryVectors);
      const missingQueries = retrainClassifier && trainingStore !== undefined && toEmbed.length > 0
        ? new Set(await trainingStore.missing(toEmbed.flatMap((article) => passagesFor(article).flatMap((p) => (p.kind === 'body' ? [] : [p.text])))))
        : new Set<string>();

      // Labels first (in article and passage order, as the model's vectors will be added), so the
      // keyword index is built on this thread while the model thread embeds.
      const planned = toEmbed.map((article) => {
        const passages = passagesFor(article);
        const withVector = passages.map((_, i) => getsVector(passages, i, bodyVectors));
        const stored = passages.map((passage, i) =>
          withVector[i] ? { label: manifest.nextLabel++, kind: passage.kind, text: passageKey(passage) } : { label: manifest.nextLabel++, kind: passage.kind, vector: false as const },
        );
        manifest.articles[articleKey(article)] = { articleId: article.id, language: articleLanguage(article), hash: passagesDigest(article, passagesFor), source: sourceDigest(article), passages: stored };
        return { article, passages, withVector, stored };
      });

      // By label in an array (dense-id-map.ts), one owner object per article version and kind of
      // passage: a Map of an object per passage was ~6 MB of heap at 10,000 articles.
      const ownersByLabel = new DenseIdMap<PassageOwner>();
      const labelsByArticle = new Map<string, number[]>();
      const keywordOnly = new Set<number>();
      for (const entry of Object.values(manifest.articles)) {
        let ofArticle = labelsByArticle.get(entry.articleId);
        if (ofArticle === undefined) labelsByArticle.set(entry.articleId, (ofArticle = []));
        const owners = new Map<Passage['kind'], PassageOwner>();
        for (const passage of entry.passages) {
          let owner = owners.get(passage.kind);
          if (owner === undefined) owners.set(passage.kind, (owner = { articleId: entry.articleId, language: entry.language, kind: passage.kind }));
          ownersByLabel.set(passage.label, owner);
          ofArticle.push(passage.label);
          if (passage.vector === false) keywordOnly.add(passage.label);
        }
      }
      // Labels are never reused: after many edits an array would hold mostly holes (then a Map).
      const labels = denseWhenCompact(ownersByLabel);
      const contentHash = contentHashOf(manifest, bodyVectors);
      // The texts of titles and questions by label (the classifier's examples, the evidence of an answer).
      const textsByLabel = new DenseIdMap<string>();
      for (const article of articles) {
        const entry = manifest.articles[articleKey(article)]!;
        headPassages(article).forEach((passage, i) => textsByLabel.set(entry.passages[i]!.label, passage.text));
      }
      const texts = denseWhenCompact(textsByLabel);
      // The classifier: read back, or trained (on a worker thread for a large knowledge base) once
      // the `query` vectors of every title and question are at hand.
      const trainingVectors = classifierTrainingVectors(embedder, indexDir, vectors, queryVectors);
      const startClassifier = async () => {
        const classifier = !retrainClassifier ? await readClassifier(path.join(indexDir, manifest.classifier!.file)) : undefined;
        let training: Promise<{ classifier: ArticleClassifier; sums: ClassifierSums }> | undefined;
        if (classifier === undefined) {
          trainer ??= ClassifierTrainer.start(articleCount);
          const lastSums = manifest.classifier === undefined ? undefined : await readClassifierSums(path.join(indexDir, manifest.classifier.file));
          ({ training } = await startClassifierTraining(labels, texts, trainingStore, trainingVectors, lastSums, trainer));
          training.catch(() => undefined); // awaited below; a failure before then is not "unhandled"
        }
        return { classifier, classifierTrained: classifier === undefined, training };
      };
      let classifying: ReturnType<typeof startClassifier> | undefined;
      if (trainingStore !== undefined && toEmbed.length <= ARTICLES_PER_CALL) {
        // A few articles to embed (a hot reload): their titles and questions go to the model first,
        // so the retraining (seconds at 10,000 articles) runs while their body chunks are embedded
        // instead of after. (A large build embeds them with each group, under its progress bar.)
        const queries = [...missingQueries];
        missingQueries.clear();
        const queried = queries.length > 0 ? await embedder.embed(queries, 'query') : [];
        queries.forEach((text, i) => queryVectors.set(text, queried[i]!));
        classifying = startClassifier();
        classifying.catch(() => undefined); // awaited below; a failure before then is not "unhandled"
      }
      // Keyword structures: revised (a hot reload), read back (saved for these very passages), or built.
      const keywordKey = revisable ? undefined : keywordSnapshotKey(manifest.articles);
      const savedKeywords = keywordKey === undefined ? undefined : await readKeywordSnapshot(indexDir, keywordKey, labels);
      const keywordsBuilt = revisable || savedKeywords !== undefined ? undefined : buildKeywordIndex(articles, (article) => manifest.articles[articleKey(article)]!, passagesFor, labels, toEmbed.length > 0);
      keywordsBuilt?.catch(() => undefined); // awaited below; a failure before then is not "unhandled"

      // Many articles per model call: the embedder groups their passages by length, so short titles
      // and questions are not padded to the length of body chunks, and body chunks meet others of
      // nearly their length (labels stay in article order).
      const groups: (typeof planned)[] = [];
      for (let start = 0; start < planned.length; start += ARTICLES_PER_CALL) groups.push(planned.slice(start, start + ARTICLES_PER_CALL));
      const embedGroup = (group: (typeof groups)[number]) => {
        const queries = [...new Set(group.flatMap((c) => c.passages.flatMap((p) => (p.kind !== 'body' && missingQueries.has(p.text) ? [p.text] : []))))];
        const wantVectors = group.flatMap((c) => c.passages.filter((_, i) => c.withVector[i]));
        const embedded = Promise.all([
          embedUnlessKept(embedder, wantVectors, kept),
          queries.length > 0 ? embedder.embed(queries, 'query') : Promise.resolve([]),
        ]).then(([vectors, queried]) => {
          queries.forEach((text, i) => queryVectors.set(text, queried[i]!));
          return vectors;
        });
        embedded.catch(() => undefined); // awaited below, in order; a failure before then is not "unhandled"
        return embedded;
      };
      // Two groups with the embedder at any time: while the last batches of one are computed, the
      // other's wait in line, so no worker waits for this loop.
      const inFlight = groups.slice(0, 2).map(embedGroup);
      for (let g = 0; g < groups.length; g++) {
        const embedded = await inFlight.shift()!;
        if (g + 2 < groups.length) inFlight.push(embedGroup(groups[g + 2]!));
        let offset = 0;
        for (const { article, stored } of groups[g]!) {
          for (const passage of stored) {
            if (passage.vector === false) continue;
            if (kept.has(passage.text)) keptVectors++;
            vectors.add(passage.label, embedded[offset++]!, inSearchGraph(passage.kind));
          }
          embeddedArticles.push(articleKey(article));
        }
        options.onProgress?.(embeddedArticles.length, toEmbed.length);
        // onnxruntime computes on this thread and its promises chain without a macrotask: let timers
        // and I/O run between groups (progress bars redraw, a server re-indexing keeps answering).
        await new Promise<void>((resolve) => setImmediate(resolve));
      }

      // Grown past SEARCH_PROJECTION (a large build, or an index saved before projections): the
      // graph is rebuilt over projections, in place (what holds `vectors` keeps reading it).
      const projection = projectionFor(manifest, vectors, searchProjection);
      if (projection !== undefined) {
        await vectors.useProjection(projection);
        graphRebuilt = true;
      }

      classifying ??= startClassifier();
      let { classifier, classifierTrained, training } = await classifying;
      queryVectors.clear(); // in the file beside the index now (StoredEmbeddings)
      // The keyword structures, begun before the embedding, are finished while a large knowledge
      // base's classifier trains on a worker thread (classifier-training.ts).
      const built = savedKeywords ?? (await keywordsBuilt);
      let classifierSums: ClassifierSums | undefined;
      if (training !== undefined) ({ classifier, sums: classifierSums } = await training);
      if (classifier === undefined) throw new Error('unreachable: no classifier was read or trained');

      const changed = rebuiltBecause !== undefined || graphRebuilt || embeddedArticles.length > 0 || removedArticles.length > 0;
      // What only saves the next start some work (hashes noted, keyword structures) must not fail
      // this one (a full disk): it is reported, and the next start tries again.
      const notSaved: string[] = [];
      const cacheOnly = async (what: string, save: () => Promise<void>) => {
        try {
          await save();
        } catch (error) {
          notSaved.push(`${what}: ${(error as Error).message}`);
        }
      };
      if (changed || classifierTrained) {
        await saveIndex(indexDir, manifest, vectors, changed, classifierTrained ? { classifier, hash: classifierHash, sums: classifierSums } : undefined);
      } else {
        if (hashesAdded) await cacheOnly('manifest hashes', () => saveIndex(indexDir, manifest, vectors, false, undefined));
        // An index saved before the vector file had its companion (hnsw-index.ts `Sidecar`) gets it once.
        await cacheOnly('stored vectors', async () => {
          await vectors.completeSaved(path.join(indexDir, manifest.vectorsFile));
        });
      }
      if (keywordsBuilt !== undefined) await cacheOnly('keyword index', () => writeKeywordSnapshot(indexDir, keywordKey!, built!));
      // Revised last, once nothing can fail: from here `previous` answers from the revised keyword index.
      const { lexical, terms } =
        built ?? reviseKeywords(previous!.index, dropped, planned.flatMap(({ article, passages }) => keywordDocuments(manifest.articles[articleKey(article)]!, passages)), articles, labels, passagesFor);

      return {
        index: new KnowledgeIndex(vectors, labels, labelsByArticle, lexical, texts, classifier, contentHash, terms, keywordOnly, trainingVectors, manifestKey(manifest, contentHash)),
        report: {
          rebuiltBecause,
          embeddedArticles,
          removedArticles,
          unchangedArticles: articles.length - embeddedArticles.length,
          passages: labels.size - keywordOnly.size,
          keptVectors,
          classifierTrained,
          graphRebuilt,
          ...(labelsCompacted !== undefined ? { labelsCompacted } : {}),
          ...(projectionRefitted !== undefined ? { projectionRefitted } : {}),
          keywords: savedKeywords !== undefined ? 'saved' : keywordsBuilt !== undefined ? 'built' : 'revised',
          ...(notSaved.length > 0 ? { notSaved } : {}),
        },
      };
    } finally {
      trainer?.close();
    }
  }
}

/**
 * The keyword index and the term coverage of every passage. With `besideModel` (articles are being
 * embedded), built in slices of articles with the event loop running between them
 * (ARTICLES_PER_KEYWORD_SLICE), so the model thread gets its next batches meanwhile. Without, in
 * one go: at a start with nothing to embed, yielding only let other start-up work and the garbage
 * collector in between (10,000 articles, alternating cold starts: 9.1 s and 636 MB with slices,
 * 7.6 s and 621 MB without). The term coverage takes each passage's keywords from the keyword
 * index's build (no second tokenizing and folding).
 */
async function buildKeywordIndex(
  articles: readonly Article[],
  entryOf: (article: Article) => Manifest['articles'][string],
  passagesFor: (article: Article) => Passage[],
  owners: ReadonlyMap<number, PassageOwner>,
  besideModel: boolean,
): Promise<KeywordStructures> {
  const coverage: { articleId: string; text: string; keywords: readonly string[] }[] = [];
  async function* slices(): AsyncGenerator<LexicalDocument[]> {
    for (let start = 0; start < articles.length; start += ARTICLES_PER_KEYWORD_SLICE) {
      if (start > 0 && besideModel) await new Promise<void>((resolve) => setImmediate(resolve));
      yield articles.slice(start, start + ARTICLES_PER_KEYWORD_SLICE).flatMap((article) => keywordDocuments(entryOf(article), passagesFor(article)));
    }
  }
  const lexical = await MiniSearchLexicalIndex.build(slices(), undefined, {
    owners,
    onKeywords: (document, keywords) => coverage.push({ articleId: document.articleId, text: document.text, keywords }),
  });
  return { lexical, terms: new TermCoverage(coverage) };
}

/** The keyword index's documents for an article's passages, under the labels of its manifest entry. */
function keywordDocuments(entry: Manifest['articles'][string], passages: readonly Passage[]): LexicalDocument[] {
  return passages.map((passage, i) => ({ id: entry.passages[i]!.label, articleId: entry.articleId, language: entry.language, text: passage.text }));
}

/**
 * `previous`'s keyword index and term coverage with the `dropped` passages (changed and removed
 * articles, as indexed) replaced by the `added` ones (new and changed articles).
 */
function reviseKeywords(
  previous: KnowledgeIndex,
  dropped: readonly LexicalDocument[],
  added: readonly LexicalDocument[],
  articles: readonly Article[],
  owners: ReadonlyMap<number, PassageOwner>,
  passagesFor: (article: Article) => Passage[],
): KeywordStructures {
  const changed = new Set([...dropped, ...added].map((d) => d.articleId));
  const lexical = (previous.lexical as MiniSearchLexicalIndex).revise(dropped, added, owners);
  const terms = previous.terms.revise(
    changed,
    articles.filter((article) => changed.has(article.id)).flatMap((article) => passagesFor(article).map((passage) => ({ articleId: article.id, text: passage.text }))),
  );
  return { lexical, terms };
}

/**
 * Changes whenever the indexed passages change (calibration is cached under it). Which body chunks
 * have vectors changes rankings (so calibration reruns); `all` keeps older indexes' hash.
 */
function contentHashOf(manifest: Manifest, bodyVectors: BodyVectors): string {
  return hashOf([`graph: ${SEARCH_GRAPH}`, ...(bodyVectors === 'all' ? [] : [`body vectors: ${bodyVectors}`]), ...Object.entries(manifest.articles).map(([key, entry]) => `${key}:${entry.hash}`).sort()]);
}

/**
 * Names the saved state of an index: its vector file (a new one per save that changed vectors),
 * next label and passages (`contentHashOf`). A sync revises the keyword structures of an index
 * only if the saved manifest it opens is the one that index was made from (same labels for the
 * same passages).
 */
function manifestKey(manifest: Manifest, contentHash: string): string {
  return hashOf([manifest.vectorsFile, String(manifest.nextLabel), contentHash]);
}

interface OpenedIndex {
  manifest: Manifest;
  vectors: VectorIndex;
  rebuiltBecause: string | undefined;
  /** The saved graph held body chunks, or the labels were renumbered: `vectors` is a new one made from its stored vectors (to be saved). */
  graphRebuilt: boolean;
  labelsCompacted?: { from: number; to: number };
  projectionRefitted?: { from: number; to: number };
}

/** Loads the saved manifest and vectors, or starts empty and says why a rebuild is needed. */
async function openIndex(
  indexDir: string,
  embedder: Embedder,
  indexFactory: VectorIndexFactory,
  bodyVectors: BodyVectors,
  searchProjection: { from: number; dimension: number },
  labelSlack: number,
): Promise<OpenedIndex> {
  const empty = (rebuiltBecause: string): OpenedIndex => ({
    manifest: {
      version: 2,
      modelId: embedder.modelId,
      dimension: embedder.dimension,
      embedding: embedder.fingerprint,
      nextLabel: 0,
      vectorsFile: 'vectors-0.hnsw',
      articles: {},
      bodyVectors,
      graph: SEARCH_GRAPH,
    },
    vectors: indexFactory.create(embedder.dimension),
    rebuiltBecause,
    graphRebuilt: false,
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
  const changed = fingerprintChange(manifest.embedding, embedder.fingerprint);
  if (changed !== undefined) return empty(`embedding settings changed: ${changed}`);
  if ((manifest.bodyVectors ?? 'all') !== bodyVectors) return empty(`body vectors changed from ${manifest.bodyVectors ?? 'all'} to ${bodyVectors}`);
  let vectors: VectorIndex;
  try {
    vectors = await indexFactory.load(path.join(indexDir, manifest.vectorsFile), embedder.dimension);
  } catch (error) {
    return empty(`the vector file could not be read (${(error as Error).message})`);
  }
  if (manifest.graph !== undefined && !storedVectorsPresent(manifest, vectors)) {
    return empty(`the stored vectors of body chunks are missing or damaged (${manifest.vectorsFile}.f32)`);
  }
  const passages = Object.values(manifest.articles).reduce((sum, entry) => sum + entry.passages.length, 0);
  const relabel = manifest.nextLabel > 2 * passages + labelSlack;
  // A graph of projections holds exactly the searchable vectors: its size is their count.
  const searchable = vectors.projection === undefined ? 0 : vectors.size;
  if (vectors.projection === undefined) delete manifest.projection;
  else manifest.projection ??= { fittedOn: searchable };
  const fittedOn = manifest.projection?.fittedOn;
  const grown = fittedOn !== undefined && searchable >= REFIT_GROWTH * fittedOn;
  if (manifest.graph !== undefined && !relabel && !grown) return { manifest, vectors, rebuiltBecause: undefined, graphRebuilt: false };
  const from = manifest.nextLabel;
  let rebuilt: VectorIndex;
  try {
    rebuilt = await searchGraphOf(manifest, vectors, indexFactory, searchProjection, relabel);
  } catch (error) {
    return empty(`the search graph could not be rebuilt from the stored vectors (${(error as Error).message})`);
  }
  manifest.graph = SEARCH_GRAPH;
  return {
    manifest,
    vectors: rebuilt,
    rebuiltBecause: undefined,
    graphRebuilt: true,
    ...(relabel ? { labelsCompacted: { from, to: manifest.nextLabel } } : {}),
    ...(grown && manifest.projection !== undefined ? { projectionRefitted: { from: fittedOn!, to: manifest.projection.fittedOn } } : {}),
  };
}

/** Vectors copied per turn of the event loop while a graph is rebuilt (~0.6 ms an insert: ~0.6 s). */
const REGRAPH_SLICE = 1024;

/**
 * A new index holding `saved`'s vectors, only titles and questions searchable (`SEARCH_GRAPH`), as
 * projections when there are enough of them (`projectionFor`; built so at once, not rebuilt a second
 * time by the sync): once, for an index saved when the graph held body chunks too (a graph cannot
 * give back a point's memory; ~20–30 s at 10,000 articles, against half an hour of the model), and
 * with `relabel` when the labels given out have run far past the passages (`LABEL_SLACK`): the
 * passages get the labels 0, 1, … in manifest order (the manifest is changed only once every
 * vector was copied), or when the titles and questions have grown `REFIT_GROWTH` times since the
 * projection was fitted. Every such graph gets a projection fitted anew on the vectors as they are
 * (when there are enough). The event loop runs between slices (a server's health checks answer).
 */
async function searchGraphOf(manifest: Manifest, saved: VectorIndex, indexFactory: VectorIndexFactory, searchProjection: { from: number; dimension: number }, relabel: boolean): Promise<VectorIndex> {
  const rebuilt = indexFactory.create(saved.dimension, projectionFor(manifest, saved, searchProjection, true));
  const entries = Object.values(manifest.articles);
  const renumbered: number[][] = [];
  let next = 0;
  let copied = 0;
  for (const entry of entries) {
    const labels = entry.passages.map((p) => (relabel ? next++ : p.label));
    renumbered.push(labels);
    const withVector = entry.passages.flatMap((p, i) => (p.vector === false ? [] : [i]));
    const stored = saved.vectors(withVector.map((i) => entry.passages[i]!.label));
    withVector.forEach((i, j) => {
      const vector = stored[j];
      if (vector === undefined) throw new Error(`label ${entry.passages[i]!.label} has no stored vector`);
      rebuilt.add(labels[i]!, vector, inSearchGraph(entry.passages[i]!.kind));
    });
    copied += withVector.length;
    if (copied >= REGRAPH_SLICE) {
      copied = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (relabel) {
    entries.forEach((entry, e) => entry.passages.forEach((passage, i) => (passage.label = renumbered[e]![i]!)));
    manifest.nextLabel = next;
  }
  return rebuilt;
}

/** Labels of the passages with a vector that are (or are not) in the search graph, in manifest order. */
function vectorLabels(manifest: Manifest, searchable: boolean): number[] {
  return Object.values(manifest.articles).flatMap((entry) => entry.passages.flatMap((p) => (p.vector !== false && inSearchGraph(p.kind) === searchable ? [p.label] : [])));
}

/**
 * A projection fitted on the searchable vectors when there are at least `setting.from` of them and
 * the graph does not hold projections yet (or `forNewGraph`: for a graph being built); otherwise undefined.
 * Notes in the manifest how many it was fitted on (or that there is none).
 */
function projectionFor(manifest: Manifest, vectors: VectorIndex, setting: { from: number; dimension: number }, forNewGraph = false): Projection | undefined {
  if (vectors.projection !== undefined && !forNewGraph) return undefined;
  const labels = vectorLabels(manifest, true);
  if (labels.length < setting.from || setting.dimension >= vectors.dimension) {
    delete manifest.projection;
    return undefined;
  }
  const sampled = vectors.vectors(evenlySpaced(labels, PROJECTION_SAMPLE)).filter((vector): vector is Float32Array => vector !== undefined);
  manifest.projection = { fittedOn: labels.length };
  return Projection.fit(sampled, vectors.dimension, setting.dimension);
}

/** Body chunks kept per check that their stored vectors came back with the index (the file beside the graph is their only copy). */
const STORED_CHECKS = 16;

/** Whether body chunks' vectors can be read: a few spread over the labels, and the highest (a file cut short loses the last). */
function storedVectorsPresent(manifest: Manifest, vectors: VectorIndex): boolean {
  const labels = vectorLabels(manifest, false);
  if (labels.length === 0) return true;
  const highest = labels.reduce((max, label) => Math.max(max, label), 0);
  const checked = [...evenlySpaced(labels, STORED_CHECKS), highest];
  return vectors.vectors(checked).every((vector) => vector !== undefined);
}

/**
 * Writes the vectors under a new generation name, then swaps the manifest in with an atomic
 * rename, then removes the old vector file: a crash at any point leaves a consistent pair.
 */
async function saveIndex(
  indexDir: string,
  manifest: Manifest,
  vectors: VectorIndex,
  vectorsChanged: boolean,
  classifier: { classifier: ArticleClassifier; hash: string; sums: ClassifierSums | undefined } | undefined,
): Promise<void> {
  await mkdir(indexDir, { recursive: true });
  const oldVectorsFile = manifest.vectorsFile;
  const oldClassifierFile = manifest.classifier?.file;
  const generation = Math.max(Number(/\d+/.exec(oldVectorsFile)?.[0] ?? 0), Number(/\d+/.exec(oldClassifierFile ?? '')?.[0] ?? 0)) + 1;
  if (vectorsChanged) {
    manifest.vectorsFile = `vectors-${generation}.hnsw`;
    await vectors.save(path.join(indexDir, manifest.vectorsFile));
  }
  if (classifier !== undefined) {
    manifest.classifier = { file: `classifier-${generation}.json`, hash: classifier.hash };
    const { json, weights } = classifier.classifier.toJSONParts();
    const sums = classifier.sums;
    const stored: StoredClassifier = {
      ...json,
      weightsFloat32: floatsToBase64(weights),
      ...(sums === undefined ? {} : { examples: sums.examples, gramFloat64: floatsToBase64(sums.gram) }),
    };
    await writeFile(path.join(indexDir, manifest.classifier.file), JSON.stringify(stored));
  }
  const manifestFile = path.join(indexDir, MANIFEST_FILE);
  await writeFileAtomically(manifestFile, JSON.stringify(manifest));
  if (vectorsChanged && oldVectorsFile !== manifest.vectorsFile) vectors.deleteSaved(path.join(indexDir, oldVectorsFile));
  if (oldClassifierFile !== undefined && oldClassifierFile !== manifest.classifier?.file) await rm(path.join(indexDir, oldClassifierFile), { force: true });
}

/** Names the first setting that differs between the saved vectors' fingerprint and the embedder's. */
function fingerprintChange(saved: EmbedderFingerprint, current: EmbedderFingerprint): string | undefined {
  if (saved.file !== current.file) return `model file ${saved.file} → ${current.file}`;
  if (saved.queryPrefix !== current.queryPrefix) return `query prefix "${saved.queryPrefix}" → "${current.queryPrefix}"`;
  if (saved.passagePrefix !== current.passagePrefix) return `passage prefix "${saved.passagePrefix}" → "${current.passagePrefix}"`;
  for (const kind of ['title', 'question', 'body'] as const) {
    if (saved.passageRoles[kind] !== current.passageRoles[kind]) {
      return `${kind} passages embedded as ${saved.passageRoles[kind]} → ${current.passageRoles[kind]}`;
    }
  }
  return undefined;
}

/** Whether passage `i` of an article gets a vector under `bodyVectors` (titles and questions always do). */
function getsVector(passages: readonly Passage[], i: number, bodyVectors: BodyVectors): boolean {
  const passage = passages[i]!;
  if (passage.kind !== 'body' || bodyVectors === 'all') return true;
  return bodyVectors === 'first' && passages.findIndex((p) => p.kind === 'body') === i;
}

/**
 * `embedPassages`, but a passage whose `passageKey` is in `kept` gets that vector (read back from
 * the index: hnswlib stores it normalised, so it may differ from the model's output in the last
 * bit of a component, far below the quantized model's batch-to-batch differences).
 */
async function embedUnlessKept(embedder: Embedder, passages: readonly Passage[], kept: ReadonlyMap<string, Float32Array>): Promise<Float32Array[]> {
  if (kept.size === 0) return embedPassages(embedder, passages);
  const found = passages.map((passage) => kept.get(passageKey(passage)));
  const fresh = await embedPassages(embedder, passages.filter((_, i) => found[i] === undefined));
  let next = 0;
  return found.map((vector) => vector ?? fresh[next++]!);
}

/** Embeds an article's passages, each kind with the role the embedder's fingerprint gives it, in the original order. */
async function embedPassages(embedder: Embedder, passages: readonly Passage[]): Promise<Float32Array[]> {
  const result: Float32Array[] = new Array<Float32Array>(passages.length);
  for (const role of ['query', 'passage'] as const) {
    const indexes = passages.flatMap((passage, i) => (embedder.fingerprint.passageRoles[passage.kind] === role ? [i] : []));
    if (indexes.length === 0) continue;
    const vectors = await embedder.embed(indexes.map((i) => passages[i]!.text), role);
    indexes.forEach((i, j) => (result[i] = vectors[j]!));
  }
  return result;
}

/** Gives the `query` vectors of title and question passages (label, text). */
type TrainingVectors = (passages: readonly (readonly [number, string])[]) => Promise<Float32Array[]>;

/** Whether the vector index itself holds the `query` vectors of titles and questions (MiniLM: no prefixes; or titles and questions embedded as `query`). */
function indexHasTrainingVectors(embedder: Embedder): boolean {
  const { passageRoles, queryPrefix, passagePrefix } = embedder.fingerprint;
  return queryPrefix === passagePrefix || (passageRoles.title === 'query' && passageRoles.question === 'query');
}

/**
 * The file of `query` vectors beside the index (StoredEmbeddings), when the index does not hold
 * them (e5: `passage: ` in the index); texts in `ready` (embedded during this sync) are taken from
 * there instead of the model.
 */
function classifierTrainingStore(embedder: Embedder, indexDir: string, ready: ReadonlyMap<string, Float32Array> = new Map()): StoredEmbeddings | undefined {
  if (indexHasTrainingVectors(embedder)) return undefined;
  const model: Embedder = {
    modelId: embedder.modelId,
    dimension: embedder.dimension,
    fingerprint: embedder.fingerprint,
    embed: async (texts, role) => {
      const rest = role === 'query' ? texts.filter((text) => !ready.has(text)) : texts;
      const embedded = rest.length > 0 ? await embedder.embed(rest, role) : [];
      const byText = new Map(rest.map((text, i) => [text, embedded[i]!]));
      return texts.map((text) => (role === 'query' ? ready.get(text) : undefined) ?? byText.get(text)!);
    },
  };
  return new StoredEmbeddings(model, indexDir);
}

/**
 * Where classifier training vectors come from. When titles and questions are already stored
 * as `query` vectors (or the model has no prefixes, so both roles embed alike: MiniLM), the
 * vector index has them. Otherwise (e5: `passage: ` in the index) they are embedded as `query`
 * and kept in a file in the index folder (StoredEmbeddings), so retraining after an article
 * changed embeds only its texts; a fresh instance per use, so they are not held in memory.
 */
function classifierTrainingVectors(embedder: Embedder, indexDir: string, vectors: VectorIndex, ready?: ReadonlyMap<string, Float32Array>): TrainingVectors {
  if (indexHasTrainingVectors(embedder)) return async (passages) => passages.map(([label]) => vectors.vector(label) ?? new Float32Array(embedder.dimension));
  return (passages) =>
    classifierTrainingStore(embedder, indexDir, ready)!.embed(
      passages.map(([, text]) => text),
      'query',
    );
}

/** A title or alternative question with its `query` vector. */
export interface TrainingPassage {
  label: number;
  articleId: string;
  vector: Float32Array;
}

/** Every title and question in `texts` (label → text) with its `query` vector, in label order. */
async function titleAndQuestionVectors(trainingVectors: TrainingVectors, labels: ReadonlyMap<number, PassageOwner>, texts: ReadonlyMap<number, string>): Promise<TrainingPassage[]> {
  const wanted = [...texts].filter(([label]) => labels.has(label)).sort((a, b) => a[0] - b[0]);
  const vectors = await trainingVectors(wanted);
  return wanted.map(([label], i) => ({ label, articleId: labels.get(label)!.articleId, vector: vectors[i]! }));
}

/**
 * The classifier file: the classifier's JSON with its weights (articles × dimension floats, 3.8
 * million at 10,000 articles) as base64 of float32 instead of a JSON number array. As numbers
 * that file was 87 MB at 10,000 articles and parsing it took ~150 MB of transient heap, which
 * stayed in the server's RSS; as base64 it is 20 MB. Same values: the classifier keeps float32.
 */
const storedClassifierSchema = classifierJsonSchema.omit({ weights: true }).extend({
  weightsFloat32: z.string(),
  /** The training examples ("articleId\u0001text", one per title and question) and Σ v vᵀ of their vectors: see `trainClassifier`. */
  examples: z.array(z.string()).optional(),
  gramFloat64: z.string().optional(),
});
type StoredClassifier = z.infer<typeof storedClassifierSchema>;

/** What a retraining needs from the last one: its examples and the sum of their outer products (ArticleClassifier.trainWithGram). */
interface ClassifierSums {
  examples: string[];
  gram: Float64Array;
}

/** The saved examples and sums of the classifier file, when it has them. */
async function readClassifierSums(file: string): Promise<ClassifierSums | undefined> {
  try {
    const stored = storedClassifierSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!stored.success || stored.data.examples === undefined || stored.data.gramFloat64 === undefined) return undefined;
    const gram = base64ToFloat64(stored.data.gramFloat64);
    return gram.length === stored.data.dimension * stored.data.dimension ? { examples: stored.data.examples, gram } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts training the article classifier on every title and question; resolves once the examples
 * are gathered and the training is under way (`training`: on a worker thread for a large knowledge
 * base, see ClassifierTrainer). When the last training's sums are
 * saved and the `query` vectors of the examples that left are still in the store beside the index
 * (their file is rewritten only by this training), XᵀX is updated by the examples that left and
 * came instead of summed over all of them (ArticleClassifier.trainWithGram: N × D² → changes × D²
 * multiply-adds; the same classifier up to rounding). Otherwise, and always on a fresh index, it
 * is the full training.
 */
async function startClassifierTraining(
  labels: ReadonlyMap<number, PassageOwner>,
  texts: ReadonlyMap<number, string>,
  store: StoredEmbeddings | undefined,
  trainingVectors: TrainingVectors,
  previous: ClassifierSums | undefined,
  trainer: ClassifierTrainer,
): Promise<{ training: Promise<{ classifier: ArticleClassifier; sums: ClassifierSums }> }> {
  const wanted = [...texts].filter(([label]) => labels.has(label)).sort((a, b) => a[0] - b[0]);
  const keys = wanted.map(([label, text]) => `${labels.get(label)!.articleId}\u0001${text}`);
  let update: { gram: Float64Array; left: Float32Array[]; came: number[] } | undefined;
  if (previous !== undefined && store !== undefined) {
    // Multiset difference of the example keys: what left since the last training, what came.
    const count = new Map<string, number>();
    for (const key of keys) count.set(key, (count.get(key) ?? 0) + 1);
    const left: string[] = [];
    for (const key of previous.examples) {
      const n = count.get(key) ?? 0;
      if (n > 0) count.set(key, n - 1);
      else left.push(key);
    }
    // A key still counted came since (the same key is the same text: any of its copies will do).
    const came = keys.flatMap((key, i) => {
      const n = count.get(key) ?? 0;
      if (n === 0) return [];
      count.set(key, n - 1);
      return [i];
    });
    if (left.length + came.length < keys.length / 2) {
      const vectors = await store.stored(left.map((key) => key.slice(key.indexOf('\u0001') + 1)));
      if (vectors.every((v) => v !== undefined)) update = { gram: Float64Array.from(previous.gram), left: vectors as Float32Array[], came };
    }
  }
  // The store's file is written while the classifier trains (`saved` is awaited with the training).
  const { vectors, saved } = store !== undefined ? await store.embedThenSave(wanted.map(([, text]) => text), 'query') : { vectors: await trainingVectors(wanted), saved: Promise.resolve() };
  const examples = wanted.map(([label], i) => ({ label: labels.get(label)!.articleId, vector: vectors[i]! }));
  if (update !== undefined) {
    // Out: the examples that left; in: every current example beyond what the last training had.
    ArticleClassifier.updateGram(update.gram, update.left, -1);
    ArticleClassifier.updateGram(
      update.gram,
      update.came.map((i) => examples[i]!.vector),
      1,
    );
  }
  const training = trainer.train(examples, update?.gram);
  return { training: Promise.all([training, saved]).then(([{ classifier, gram }]) => ({ classifier, sums: { examples: keys, gram } })) };
}

/** Reads a saved classifier (also the older all-JSON form); undefined when missing or unreadable (it is retrained). */
async function readClassifier(file: string): Promise<ArticleClassifier | undefined> {
  try {
    const data: unknown = JSON.parse(await readFile(file, 'utf8'));
    const stored = storedClassifierSchema.safeParse(data);
    if (stored.success) {
      const { weightsFloat32, examples: _examples, gramFloat64: _gram, ...rest } = stored.data;
      return ArticleClassifier.fromJSONParts(rest, base64ToFloat32(weightsFloat32));
    }
    const parsed = classifierJsonSchema.safeParse(data);
    return parsed.success ? ArticleClassifier.fromJSON(parsed.data) : undefined;
  } catch {
    return undefined;
  }
}

function hashOf(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part}\u0001`);
  return hash.digest('hex');
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
