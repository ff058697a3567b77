/**
 * HNSW recall@10 of the vector search graph on the REAL vectors it holds (titles and alternative
 * questions, `inSearchGraph`), exact search as truth, for a few (M, efConstruction, efSearch):
 * what `EF_SEARCH` and `M` in src/search/hnsw-index.ts are chosen by. `bench/ten-k.ts` runs it
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
import { EF_SEARCH, M as SHIPPED_M } from '../src/search/hnsw-index.js';
import { generatedArticle } from './ten-k.js';

export interface GraphRecall {
  passages: number;
  /** recall@10 of the index's own search (the shipped graph: of projections past `SEARCH_PROJECTION.from`), and how often it found the exact best. */
  shippedSearch: { recall: string; best: string; projection: string };
  /** M, efConstruction, efSearch, recall@10, exact best in top 10, search p50 ms, build s. */
  rows: (string | number)[][];
  /** recall@10 at the shipped M and efSearch. */
  shipped: string;
}

export const GRAPH_RECALL_HEADERS = ['M', 'efConstruction', 'efSearch', 'recall@10', 'exact best in top 10', 'search p50 ms', 'build s'];

/** 200 paraphrased questions about the generated articles 0 .. count − 1 (as `bench/ten-k-server.ts` asks them). */
export function paraphrasedQuestions(count: number): string[] {
  return Array.from({ length: 200 }, (_, n) => {
    const a = generatedArticle((n * 7919) % count);
    return `I need to ${a.questions[0]!.replace('how do I ', '')}, what are the steps?`;
  });
}

/** Recall of graphs built from the index's searchable vectors against exact search over the same vectors. */
export async function graphRecall(index: KnowledgeIndex, embedder: Embedder, questions: readonly string[]): Promise<GraphRecall> {
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
  let shippedHit = 0;
  let shippedBest = 0;
  queries.forEach((q, k) => {
    const found = new Set(index.search(q, 10).map((hit) => hit.label));
    shippedHit += truth[k]!.filter((label) => found.has(label)).length;
    if (found.has(truth[k]![0]!)) shippedBest++;
  });
  const projection = index.vectorProjection;
  const shippedSearch = {
    recall: (shippedHit / (queries.length * 10)).toFixed(4),
    best: (shippedBest / queries.length).toFixed(3),
    projection: projection === undefined ? 'full vectors' : `projections onto ${projection.dimension} dimensions`,
  };
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
      times.sort((a, b) => a - b);
      const recall = (hit / (queries.length * 10)).toFixed(4);
      if (m === SHIPPED_M && ef === EF_SEARCH) shipped = recall;
      rows.push([m, efConstruction, ef, recall, (bestFound / queries.length).toFixed(3), times[Math.floor(times.length / 2)]!.toFixed(3), addS.toFixed(1)]);
    }
  }
  return { passages: labels.length, rows, shipped, shippedSearch };
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
  const { hnswIndexFactory } = await import('../src/search/hnsw-index.js');
  const { TransformersEmbedder } = await import('../src/search/transformers-embedder.js');
  loadDotEnv();
  const config = loadConfig();
  const embedder = await TransformersEmbedder.create(configuredModel(config));
  const articles = requireValidArticles(await loadArticles(path.join(config.knowledgeDir, 'articles')));
  const { index } = await KnowledgeIndex.sync({ articles, embedder, indexFactory: hnswIndexFactory, indexDir: path.join(config.dataDir, 'knowledge-index'), bodyVectors: config.knowledgeBodyVectors });
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
  const result = await graphRecall(index, embedder, questions);
  console.log(`HNSW recall@10 on the search graph's real vectors (${result.passages} passages, ${questions.length} ${evalDir === undefined ? 'paraphrased questions' : `dev-set questions of ${evalDir}`}; exact search = truth)\n`);
  console.log(`The index's own search (a graph of ${result.shippedSearch.projection}): recall@10 ${result.shippedSearch.recall}, exact best found ${result.shippedSearch.best}.\n\nGraphs of the full vectors:\n`);
  const cells = [GRAPH_RECALL_HEADERS, ...result.rows.map((r) => r.map(String))];
  const widths = GRAPH_RECALL_HEADERS.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
