/**
 * HNSW recall@10 of the vector search graph on the REAL vectors it holds (titles and alternative
 * questions, `inSearchGraph`), exact search as truth, for a few (M, efConstruction, efSearch):
 * what `EF_SEARCH`, `PROJECTED_EF_SEARCH` and `M` in src/search/hnsw-index.ts are chosen by. `bench/ten-k.ts` runs it
 * after its build; on its own it measures a saved index (the 10,000 articles of
 * `bench/ten-k-server.ts`, whose paraphrased questions it asks):
 *
 *   KNOWLEDGE_DIR=bench/.cache/ten-k-server-10000/knowledge DATA_DIR=bench/.cache/ten-k-server-10000/data \
 *     MODEL_DIR=../shared/models npx tsx bench/graph-recall.ts [--eval-dir knowledge/eval]
 *
 * --eval-dir: asks the dev sets' questions instead (the sample knowledge base has no generated
 * articles; at 10,000 articles its articles are a small island among the generated ones, where the
 * graph finds least).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import hnswlib from 'hnswlib-node';
import YAML from 'yaml';
import { inSearchGraph, type KnowledgeIndex } from '../src/knowledge/knowledge-index.js';
import { dot, type Embedder } from '../src/search/embedder.js';
import { EF_SEARCH, efSearchFor, HnswVectorIndex, M as SHIPPED_M } from '../src/search/hnsw-index.js';
import type { VectorIndexFactory } from '../src/search/vector-index.js';
import { median } from './start-memory.js';
import { generatedArticle } from './ten-k.js';
import { markdownTable } from '../src/markdown-table.js';

export interface GraphRecall {
  passages: number;
  /** recall@10 of the index's own search (the shipped graph: of projections past `SEARCH_PROJECTION.from`) at its own efSearch, and how often it found the exact best. */
  shippedSearch: { recall: string; best: string; projection: string; efSearch: number };
  /** The index's own search at other efSearch values: efSearch, recall@10, exact best in top 10, search p50 ms. */
  searchRows: (string | number)[][];
  /** M, efConstruction, efSearch, recall@10, exact best in top 10, search p50 ms, build s. */
  rows: (string | number)[][];
  /** recall@10 at the shipped M and efSearch. */
  shipped: string;
}

export const GRAPH_RECALL_HEADERS = ['M', 'efConstruction', 'efSearch', 'recall@10', 'exact best in top 10', 'search p50 ms', 'build s'];
export const SEARCH_RECALL_HEADERS = ['efSearch', 'recall@10', 'exact best in top 10', 'search p50 ms'];

/** 200 paraphrased questions about the generated articles 0 .. count − 1 (as `bench/ten-k-server.ts` asks them). */
export function paraphrasedQuestions(count: number): string[] {
  return Array.from({ length: 200 }, (_, n) => {
    const a = generatedArticle((n * 7919) % count);
    return `I need to ${a.questions[0]!.replace('how do I ', '')}, what are the steps?`;
  });
}

/** Remembers the graphs an index factory makes, so a bench can set their efSearch. */
export function watchedHnswFactory(): { factory: VectorIndexFactory; graphs: HnswVectorIndex[] } {
  const graphs: HnswVectorIndex[] = [];
  const kept = (graph: HnswVectorIndex) => (graphs.push(graph), graph);
  return {
    graphs,
    factory: { create: (dimension, projection) => kept(HnswVectorIndex.create(dimension, projection)), load: async (file, dimension) => kept(await HnswVectorIndex.load(file, dimension)) },
  };
}

/**
 * Recall of the index's own search, and of graphs built from its searchable vectors, against exact
 * search over the same vectors. `graph`: the index's graph (from `watchedHnswFactory`), whose
 * efSearch is swept and set back.
 */
export async function graphRecall(index: KnowledgeIndex, embedder: Embedder, questions: readonly string[], graph?: HnswVectorIndex): Promise<GraphRecall> {
  const labels = [...index.labels].filter(([label, owner]) => inSearchGraph(owner.kind) && index.passageVector(label) !== undefined).map(([label]) => label);
  const vectors = labels.map((label) => index.passageVector(label)!);
  const queries = await embedder.embed(questions, 'query');
  const truth = queries.map((q) =>
    labels
      .map((label, j) => ({ label, s: dot(q, vectors[j]!) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 10)
      .map((x) => x.label),
  );
  const ownSearch = () => {
    let hit = 0;
    let best = 0;
    const times: number[] = [];
    queries.forEach((q, k) => {
      const t0 = performance.now();
      const found = new Set(index.search(q, 10).map((h) => h.label));
      times.push(performance.now() - t0);
      hit += truth[k]!.filter((label) => found.has(label)).length;
      if (found.has(truth[k]![0]!)) best++;
    });
    return { recall: (hit / (queries.length * 10)).toFixed(4), best: (best / queries.length).toFixed(3), p50: median(times).toFixed(3) };
  };
  const projection = index.vectorProjection;
  const efSearch = efSearchFor(projection);
  const shipped0 = ownSearch();
  const shippedSearch = { ...shipped0, efSearch, projection: projection === undefined ? 'full vectors' : `projections onto ${projection.dimension} dimensions` };
  const searchRows: (string | number)[][] = [];
  if (graph !== undefined) {
    for (const ef of [128, 256, 384, 512, 768]) {
      graph.efSearch = ef;
      const row = ef === efSearch ? shipped0 : ownSearch();
      searchRows.push([ef === efSearch ? `${ef} (shipped)` : ef, row.recall, row.best, row.p50]);
    }
    graph.efSearch = efSearch;
  }
  const rows: (string | number)[][] = [];
  let shipped = '';
  const { HierarchicalNSW } = hnswlib;
  for (const [m, efConstruction] of [[16, 200], [32, 200]] as const) {
    const h = new HierarchicalNSW('cosine', embedder.dimension);
    h.initIndex(labels.length, m, efConstruction, 100, true);
    const t = performance.now();
    labels.forEach((label, j) => h.addPoint(Array.from(vectors[j]!), label));
    const addS = (performance.now() - t) / 1000;
    for (const ef of [64, 128, 256, 512]) {
      h.setEf(ef);
      let hit = 0;
      let bestFound = 0;
      const times: number[] = [];
      queries.forEach((q, k) => {
        const t0 = performance.now();
        const found = new Set(h.searchKnn(Array.from(q), 10).neighbors);
        times.push(performance.now() - t0);
        hit += truth[k]!.filter((label) => found.has(label)).length;
        if (found.has(truth[k]![0]!)) bestFound++;
      });
      const recall = (hit / (queries.length * 10)).toFixed(4);
      if (m === SHIPPED_M && ef === EF_SEARCH) shipped = recall;
      rows.push([m, efConstruction, ef, recall, (bestFound / queries.length).toFixed(3), median(times).toFixed(3), addS.toFixed(1)]);
    }
  }
  return { passages: labels.length, rows, shipped, shippedSearch, searchRows };
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const { loadConfig, loadDotEnv } = await import('../src/config.js');
  const { loadArticles, requireValidArticles } = await import('../src/knowledge/load-articles.js');
  const { KnowledgeIndex } = await import('../src/knowledge/knowledge-index.js');
  const { configuredModel } = await import('../src/search/create-embedder.js');
  const { TransformersEmbedder } = await import('../src/search/transformers-embedder.js');
  loadDotEnv();
  const config = loadConfig();
  const embedder = await TransformersEmbedder.create(configuredModel(config));
  const articles = requireValidArticles(await loadArticles(path.join(config.knowledgeDir, 'articles')));
  const watched = watchedHnswFactory();
  const { index } = await KnowledgeIndex.sync({ articles, embedder, indexFactory: watched.factory, indexDir: path.join(config.dataDir, 'knowledge-index'), bodyVectors: config.knowledgeBodyVectors });
  // --eval-dir: the dev sets' questions (every language); else paraphrases of the generated articles' questions.
  const evalDir = option('--eval-dir');
  let questions: string[];
  if (evalDir !== undefined) {
    questions = readdirSync(evalDir)
      .filter((d) => /^[a-z]{2,3}$/.test(d))
      .sort()
      .flatMap((language) => (YAML.parse(readFileSync(path.join(evalDir, language, 'dev-set.yaml'), 'utf8')) as { items: { question: string }[] }).items.map((item) => item.question));
  } else {
    const generated = readdirSync(path.join(config.knowledgeDir, 'articles'), { recursive: true }).filter((f) => /gen-\d+\.md$/.test(String(f))).length;
    if (generated === 0) throw new Error(`no generated articles (gen-N.md) under ${config.knowledgeDir} and no --eval-dir: make them with bench/ten-k-server.ts`);
    questions = paraphrasedQuestions(generated);
  }
  const result = await graphRecall(index, embedder, questions, watched.graphs.at(-1));
  const print = (headers: string[], rows: (string | number)[][]) => console.log(markdownTable(headers, rows));
  console.log(`HNSW recall@10 on the search graph's real vectors (${result.passages} passages, ${questions.length} ${evalDir === undefined ? 'paraphrased questions' : `dev-set questions of ${evalDir}`}; exact search = truth)\n`);
  console.log(`The index's own search (a graph of ${result.shippedSearch.projection}, efSearch ${result.shippedSearch.efSearch}): recall@10 ${result.shippedSearch.recall}, exact best found ${result.shippedSearch.best}.\n`);
  print(SEARCH_RECALL_HEADERS, result.searchRows);
  console.log('\nGraphs of the full vectors:\n');
  print(GRAPH_RECALL_HEADERS, result.rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
