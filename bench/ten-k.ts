/**
 * 10,000 generated articles of realistic size (title, 4 alternative questions, a 150–250-word
 * body) through the real model: index from scratch with a progress bar and ETA, change 10 and
 * re-index, reload in a fresh process (its RSS: model + index, as a server holds them), tokens
 * and passages per second per kind of passage, and HNSW recall@10 on the REAL vectors of the
 * search graph against exact search for a few (M, efConstruction, efSearch) choices (graph-recall.ts).
 *
 * `npm run bench -- --10k` runs it after the HTTP bench; on its own (writes
 * bench/results/<date>-10k-<settings>.md):
 *
 *   npx tsx bench/ten-k.ts [--10k-count N] [--workers N | --threads 1|2] [--body-vectors all|first|none] [--no-recall]
 *
 * --workers: embedding worker threads for the build, one onnxruntime thread each (default:
 * indexingWorkers(), as `npm run ingest` uses); --threads N: instead one session in this thread
 * with N intra-op threads (the previous way); --body-vectors: which body chunks get vectors.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import type { Article } from '../src/knowledge/article.js';
import { articlePassages } from '../src/knowledge/article.js';
import { KnowledgeIndex, type BodyVectors } from '../src/knowledge/knowledge-index.js';
import { EF_SEARCH, hnswIndexFactory, M as SHIPPED_M, PROJECTED_EF_SEARCH } from '../src/search/hnsw-index.js';
import { GRAPH_RECALL_HEADERS, graphRecall, paraphrasedQuestions } from './graph-recall.js';
import type { VectorIndex, VectorIndexFactory } from '../src/search/vector-index.js';
import { DEFAULT_SESSION_OPTIONS, INDEXING_SESSION_OPTIONS } from '../src/search/session-options.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';
import type { Embedder } from '../src/search/embedder.js';
import { EmbeddingWorkerPool, indexingWorkers } from '../src/search/embedding-workers.js';
import { writeResults } from './results-file.js';
import { evenlySpaced } from '../src/evenly-spaced.js';
import { markdownTable } from '../src/markdown-table.js';

const TOPICS = ['invoice', 'password', 'user account', 'database', 'backup', 'printer', 'license', 'report', 'email notification', 'mobile app', 'VPN', 'firewall', 'payroll', 'tax export', 'calendar', 'dashboard', 'API key', 'single sign-on', 'data import', 'audit log'];
const ACTIONS = ['set up', 'change', 'reset', 'export', 'delete', 'restore', 'share', 'rename', 'schedule', 'troubleshoot', 'enable', 'disable', 'move', 'archive', 'sync', 'update', 'verify', 'merge', 'limit', 'audit'];
const CONTEXTS = ['for a new branch office', 'after the last update', 'on a shared workstation', 'for external auditors', 'during month-end closing', 'in the web client', 'on the terminal server', 'for temporary staff', 'with two-factor sign-in', 'in the mobile app', 'for the accounting team', 'across several companies', 'behind a proxy', 'on macOS', 'on Windows 11', 'in read-only mode', 'for a large customer list', 'with limited permissions', 'in a second language', 'before a migration', 'for a single department', 'at the end of the year', 'from a CSV file', 'with a custom template', 'for guest users'];
const FILLER = 'Open the settings page and choose the section that matches your task. The system shows the current values and explains each option in a short help text. Change only what you need, then save; the change applies to everyone in the same company at once. If a step is greyed out, ask an administrator for the missing permission, because some options are reserved for the account owner. Large changes are processed in the background and you get an email when they are done. You can follow the progress on the activity page, where each step is listed with its time and the person who started it. When something fails, the message names the record that caused it, so you can correct it and try again without repeating the steps that already worked. Keep a copy of the old settings before you start, so you can go back if the result is not what you expected.'.split(' ');

/** Deterministic article n: distinct title and questions, body of 150–250 words. */
export function generatedArticle(n: number, revision = 0): Article {
  const topic = TOPICS[n % TOPICS.length]!;
  const action = ACTIONS[Math.floor(n / TOPICS.length) % ACTIONS.length]!;
  const context = CONTEXTS[Math.floor(n / (TOPICS.length * ACTIONS.length)) % CONTEXTS.length]!;
  const words = 150 + ((n * 37) % 101);
  const body = Array.from({ length: words }, (_, i) => FILLER[(i + n) % FILLER.length]).join(' ');
  return {
    id: `gen-${n}`,
    title: `How to ${action} the ${topic} ${context}${revision > 0 ? ` (revised ${revision})` : ''}`,
    language: 'en',
    tags: [topic],
    questions: [
      `how do I ${action} my ${topic} ${context}`,
      `${action} ${topic} ${context} not working`,
      `can I ${action} the ${topic} ${context}?`,
      `steps to ${action} a ${topic} ${context}`,
    ],
    body: `${body.slice(0, Math.floor(body.length / 2))}\n\n${body.slice(Math.floor(body.length / 2))} This applies to the ${topic} ${context}.`,
    file: `generated/gen-${n}.md`,
  };
}

/** An article as the Markdown file an author writes (front matter + body). */
export function articleFile(article: Article): string {
  const front = YAML.stringify({ id: article.id, title: article.title, language: article.language, tags: article.tags, questions: article.questions });
  return `---\n${front}---\n${article.body}\n`;
}

interface Reporter {
  modelId: string;
  modelDir: string;
  say: (line?: string) => void;
  table: (headers: string[], rows: (string | number)[][]) => void;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const f1 = (x: number) => x.toFixed(1);

/** Counts model time and HNSW insert time inside one sync (the rest: classifier, keyword index, saving). */
class Stopwatch {
  modelS = 0;
  addS = 0;

  factory(inner: VectorIndexFactory): VectorIndexFactory {
    const wrap = (index: VectorIndex): VectorIndex => {
      const add = index.add.bind(index);
      index.add = (label, vector, searchable) => {
        const t = performance.now();
        add(label, vector, searchable);
        this.addS += (performance.now() - t) / 1000;
      };
      return index;
    };
    return { create: (dimension) => wrap(inner.create(dimension)), load: async (file, dimension) => wrap(await inner.load(file, dimension)) };
  }

  /** Wall time with at least one embed call running (calls overlap when a pool embeds ahead). */
  embedder(inner: Embedder): Embedder {
    let running = 0;
    let since = 0;
    return {
      modelId: inner.modelId,
      dimension: inner.dimension,
      fingerprint: inner.fingerprint,
      embed: async (texts, role) => {
        if (running++ === 0) since = performance.now();
        try {
          return await inner.embed(texts, role);
        } finally {
          if (--running === 0) this.modelS += (performance.now() - since) / 1000;
        }
      },
    };
  }
}

/** The part of `--reload-child`'s answer the parent reads. */
interface ReloadResult {
  loadModelS: number;
  syncS: number;
  embedded: number;
  rssMb: number;
  heapMb: number;
}

/**
 * Loads the model as the server does (serving session options) and syncs the saved index with
 * nothing changed, in a fresh process: its RSS is what a server holds for model + index.
 */
async function reloadInChild(modelId: string, modelDir: string, indexDir: string, count: number, bodyVectors: BodyVectors): Promise<ReloadResult> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(import.meta.dirname, 'ten-k.ts'), '--reload-child', indexDir, '--10k-count', String(count), '--body-vectors', bodyVectors], {
    env: { ...process.env, MODEL_ID: modelId, MODEL_DIR: modelDir, MALLOC_TRIM_THRESHOLD_: '33554432' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`reload child exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as ReloadResult;
}

async function reloadChild(): Promise<void> {
  const indexDir = option('--reload-child')!;
  const count = Number(option('--10k-count') ?? 10_000);
  const articles = Array.from({ length: count }, (_, n) => {
    const article = generatedArticle(n, n % Math.floor(count / 10) === 3 ? 1 : 0);
    return n % Math.floor(count / 10) === Math.floor(count / 20) ? { ...article, body: `${article.body} Revised.` } : article;
  });
  let t = performance.now();
  const embedder = await TransformersEmbedder.create({ modelId: process.env.MODEL_ID ?? 'intfloat/multilingual-e5-small', modelDir: process.env.MODEL_DIR, sessionOptions: DEFAULT_SESSION_OPTIONS });
  const loadModelS = (performance.now() - t) / 1000;
  t = performance.now();
  const { index, report } = await KnowledgeIndex.sync({ articles, embedder, indexFactory: hnswIndexFactory, indexDir, bodyVectors: (option('--body-vectors') ?? 'all') as BodyVectors });
  const syncS = (performance.now() - t) / 1000;
  // A few searches, as the first turns would do.
  const [q] = await embedder.embed(['how do I reset my password'], 'query');
  index.search(q!, 10);
  globalThis.gc?.();
  const memory = process.memoryUsage();
  const result: ReloadResult = { loadModelS, syncS, embedded: report.embeddedArticles.length, rssMb: memory.rss / 1048576, heapMb: memory.heapUsed / 1048576 };
  process.stdout.write(JSON.stringify(result) + '\n');
}

export async function buildTenK({ modelId, modelDir, say, table }: Reporter): Promise<void> {
  const count = Number(option('--10k-count') ?? 10_000);
  const threads = option('--threads') === undefined ? undefined : Number(option('--threads'));
  const workers = threads === undefined ? Number(option('--workers') ?? indexingWorkers()) : 0;
  const bodyVectors = (option('--body-vectors') ?? 'all') as BodyVectors;
  const articles = Array.from({ length: count }, (_, n) => generatedArticle(n));
  const model = await TransformersEmbedder.create({ modelId, modelDir, sessionOptions: { ...INDEXING_SESSION_OPTIONS, intraOpNumThreads: threads ?? 1 } });
  const pool = workers > 0 ? await EmbeddingWorkerPool.create({ model: { modelId, modelDir }, workers }) : undefined;
  const how = pool !== undefined ? `${workers} embedding worker(s), 1 onnxruntime thread each` : `one session, ${threads} intra-op thread(s)`;
  const watch = new Stopwatch();
  const embedder = watch.embedder(pool ?? model);
  const indexFactory = watch.factory(hnswIndexFactory);
  const indexDir = mkdtempSync(path.join(tmpdir(), 'tierdesk-10k-'));
  const load = loadavg();

  // Tokens per kind of passage (a sample of 300 articles; the model's cost is about linear in tokens).
  const kinds = new Map<string, { passages: number; tokens: number }>();
  const sample = evenlySpaced(articles, 300);
  for (const article of sample) {
    for (const passage of articlePassages(article)) {
      const k = kinds.get(passage.kind) ?? { passages: 0, tokens: 0 };
      k.passages++;
      k.tokens += model.tokenIds(model.fingerprint.passagePrefix + passage.text).length;
      kinds.set(passage.kind, k);
    }
  }
  // Passages per second per kind, on the sample's passages (one embed call per kind).
  const speed = new Map<string, number>();
  for (const kind of kinds.keys()) {
    const texts = sample.slice(0, 40).flatMap((a) => articlePassages(a).filter((p) => p.kind === kind).map((p) => p.text));
    const t = performance.now();
    await model.embed(texts, 'passage');
    speed.set(kind, texts.length / ((performance.now() - t) / 1000));
  }

  const bar = new cliProgress.SingleBar(
    // noTTYOutput: a line every 10 s when the output is a log file, not a terminal.
    { format: 'Embedding {bar} {value}/{total} articles | {percentage}% | elapsed {duration_formatted} | ETA {eta_formatted}', etaBuffer: 200, hideCursor: true, noTTYOutput: true, notTTYSchedule: 10_000 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(count, 0);
  let t = performance.now();
  const cpu0 = process.cpuUsage();
  const built = await KnowledgeIndex.sync({ articles, embedder, indexFactory, indexDir, bodyVectors, onProgress: (done) => bar.update(done) });
  bar.stop();
  const buildS = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const build = { modelS: watch.modelS, addS: watch.addS };
  const changed = articles.map((a, n) => (n % Math.floor(count / 10) === 3 ? generatedArticle(n, 1) : a));
  t = performance.now();
  const updated = await KnowledgeIndex.sync({ articles: changed, embedder, indexFactory, indexDir, bodyVectors });
  const updateS = (performance.now() - t) / 1000;
  // The same with only bodies edited: the article classifier (titles and questions) is not retrained.
  const bodiesEdited = changed.map((a, n) => (n % Math.floor(count / 10) === Math.floor(count / 20) ? { ...a, body: `${a.body} Revised.` } : a));
  t = performance.now();
  const bodyUpdated = await KnowledgeIndex.sync({ articles: bodiesEdited, embedder, indexFactory, indexDir, bodyVectors });
  const bodyUpdateS = (performance.now() - t) / 1000;
  t = performance.now();
  const reloaded = await KnowledgeIndex.sync({ articles: bodiesEdited, embedder, indexFactory, indexDir, bodyVectors });
  const reloadS = (performance.now() - t) / 1000;
  const child = await reloadInChild(modelId, modelDir, indexDir, count, bodyVectors);

  say(`### ${count} generated articles (title, 4 questions, 150–250-word body), ${modelId}, ${how}, body vectors: ${bodyVectors}`);
  say();
  say(`${cpus().length} cores, load average before the build ${load.map(f1).join(' ')}, after ${loadavg().map(f1).join(' ')} (other work shares these cores).`);
  say();
  const totalTokens = [...kinds.values()].reduce((sum, k) => sum + k.tokens, 0);
  table(
    ['passage kind', 'passages per article', 'tokens per passage', 'share of tokens', 'passages/s (40 articles, one call)'],
    [...kinds].map(([kind, k]) => [kind, (k.passages / sample.length).toFixed(2), (k.tokens / k.passages).toFixed(1), `${((k.tokens / totalTokens) * 100).toFixed(0)}%`, f1(speed.get(kind) ?? 0)]),
  );
  say();
  table(
    ['step', 'seconds', 'notes'],
    [
      [
        'index from scratch',
        f1(buildS),
        `${built.report.passages} vectors, ${f1(built.report.passages / buildS)} vectors/s; ${
          pool !== undefined
            ? `embedding in flight ${f1(build.modelS)} s (the workers embed while this thread inserts: HNSW inserts ${f1(build.addS)} s overlap it), after it (classifier, keyword index, saving) ${f1(Math.max(0, buildS - build.modelS))} s`
            : `model ${f1(build.modelS)} s, HNSW inserts ${f1(build.addS)} s, the rest (classifier, keyword index, saving) ${f1(buildS - build.modelS - build.addS)} s`
        }; process CPU ${f1((cpu.user + cpu.system) / 1e6)} s${count < 10_000 ? `; 10,000 articles ≈ ${((buildS * 10_000) / count / 60).toFixed(0)} min at this rate` : ''}`,
      ],
      ['10 articles changed (titles), re-index', f1(updateS), `${updated.report.embeddedArticles.length} re-embedded; classifier ${updated.report.classifierTrained ? 'retrained' : 'kept'}`],
      ['10 other articles changed (bodies only), re-index', f1(bodyUpdateS), `${bodyUpdated.report.embeddedArticles.length} re-embedded; classifier ${bodyUpdated.report.classifierTrained ? 'retrained' : 'kept'}`],
      ['reload, nothing changed (same process)', f1(reloadS), `${reloaded.report.embeddedArticles.length} re-embedded`],
      ['reload in a fresh process (serving options)', f1(child.syncS), `${child.embedded} re-embedded; model load ${f1(child.loadModelS)} s; RSS after ${f1(child.rssMb)} MB (JS heap ${f1(child.heapMb)} MB)`],
    ],
  );
  say();
  const targets = (recall: string) => {
    say(`### Targets of issue 15 at ${count} articles (${how}; load average ${loadavg().map(f1).join(' ')} at the end)`);
    say();
    table(
      ['target', 'limit', 'measured', 'notes'],
      [
        ['index from scratch, default settings', '≤ 600 s', f1(buildS), `process CPU ${f1((cpu.user + cpu.system) / 1e6)} s (workers included)${count < 10_000 ? `; ×${f1(10_000 / count)} for 10,000 articles ≈ ${f1((buildS * 10_000) / count)} s` : ''}`],
        ['10 changed articles (titles), re-index', '≤ 10 s', f1(updateS), `classifier ${updated.report.classifierTrained ? 'retrained' : 'kept'}`],
        ['10 changed articles (bodies only), re-index', '≤ 10 s', f1(bodyUpdateS), `classifier ${bodyUpdated.report.classifierTrained ? 'retrained' : 'kept'}`],
        ['RSS with the index loaded (fresh process, model + index)', '≤ 450 MB', f1(child.rssMb), `JS heap ${f1(child.heapMb)} MB; tsx process, not the built server`],
        [`HNSW recall@10 of the index's search (M ${SHIPPED_M}; efSearch ${EF_SEARCH}, ${PROJECTED_EF_SEARCH} for a graph of projections)`, '≥ 0.98', recall, 'real vectors, exact search over the searchable vectors as truth'],
      ],
    );
    say();
  };
  if (process.argv.includes('--no-recall')) {
    targets('not measured (--no-recall)');
    await pool?.close();
    rmSync(indexDir, { recursive: true, force: true });
    return;
  }

  // HNSW recall@10 on the real vectors of the search graph.
  const recall = await graphRecall(reloaded.index, embedder, paraphrasedQuestions(count));
  say(`### HNSW recall@10 on real ${modelId} vectors of the search graph (${recall.passages} titles and questions, 200 paraphrased queries; exact search = truth)`);
  say();
  say(`The index's own search (a graph of ${recall.shippedSearch.projection}, efSearch ${recall.shippedSearch.efSearch}, hits scored on the full vectors): recall@10 ${recall.shippedSearch.recall}, exact best found ${recall.shippedSearch.best}. Graphs of the full vectors:`);
  say();
  table(GRAPH_RECALL_HEADERS, recall.rows);
  say();
  targets(`${recall.shippedSearch.recall} (the index's search; a graph of full vectors: ${recall.shipped})`);
  await pool?.close();
  rmSync(indexDir, { recursive: true, force: true });
}

/** `npx tsx bench/ten-k.ts …` on its own: prints the tables and writes them to bench/results. */
async function main(): Promise<void> {
  if (option('--reload-child') !== undefined) return reloadChild();
  const out: string[] = [];
  const say = (line = '') => {
    out.push(line);
    process.stdout.write(line + '\n');
  };
  const table = (headers: string[], rows: (string | number)[][]) => say(markdownTable(headers, rows));
  const modelDir = path.resolve(import.meta.dirname, '..', process.env.MODEL_DIR ?? '../shared/models');
  await buildTenK({ modelId: process.env.EMBEDDING_MODEL ?? 'intfloat/multilingual-e5-small', modelDir, say, table });
  const name = `${new Date().toISOString().slice(0, 10)}-10k-${option('--10k-count') ?? 10_000}-${option('--threads') !== undefined ? `t${option('--threads')}` : `w${option('--workers') ?? 'default'}`}-${option('--body-vectors') ?? 'all'}`;
  const file = writeResults(path.resolve(import.meta.dirname, '..'), name, out.join('\n') + '\n');
  process.stdout.write(`\nWritten to ${path.relative(process.cwd(), file)}\n`);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.dirname, 'ten-k.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
