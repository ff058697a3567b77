/**
 * `npm run bench [-- options]`: tierdesk's speed and memory on the REAL default model
 * (intfloat/multilingual-e5-small via MODEL_DIR, default ../shared/models), printed as tables
 * and written to bench/results/<date>.md.
 *
 *   --model e5|minilm|stand-in   which embedder (stand-in = hashing plumbing embedder, in-process)
 *   --turns N                    turns per load level (default 300; 100-concurrency runs 2×N)
 *   --cold                       also measure a cold start that builds the index from scratch
 *   --10k                        also build an index of 10,000 generated articles (takes long)
 *   --quick                      fewer turns and no memory probes (smoke run)
 *   --no-trim                    run the server without MALLOC_TRIM_THRESHOLD_=33554432 (see README, Speed and memory)
 *   --starts N                   cold starts per model for the start/memory table (default 3; --quick 1)
 *   --start-only                 only the start/memory table (e5 and MiniLM), no load runs
 *   --memory-variants            also the per-configuration memory probes (tokenizer trie vs lean, int8 vs float, trim)
 *   --profile                    the server writes a CPU profile (bench/.cache/profiles; see bench/profile-summary.ts)
 *   --split-only                 only the one-conversation-at-a-time in-process split (with `node --cpu-prof` to profile it)
 *   --split-profile              the split also profiles the server thread during the cache-hit rerun (a repeated
 *                                question's own work: no model, no retrieval) and prints its summary (bench/profile-summary.ts); the profile is kept in bench/.cache/profiles
 *   --ceiling-only               only the model's own throughput ceiling (batch sizes 1..32, 1 and 2 intra-op threads)
 *   --postgres                   also the PostgreSQL section (bench/postgres.ts: SQLite vs DATABASE_URL turns, NOTIFY vs polling)
 *   --steady N                   after the load runs, N more rounds of 2 × turns distinct questions at 100 concurrent,
 *                                RSS 1 s after each: does memory level off under steady load? (12 rounds: ~3 min)
 *
 * The bench builds once (`npm run build`) and runs the server under test as `npm start` does
 * (package.json "start": `node <its options> dist/bundle/index.js`, bench/start-memory.ts) in its own
 * process, so its RSS is its own; the load generator (this process) shares the 2 cores with it, as does the bare
 * botbuilder echo bot measured in the same run for the ratio. Every question is distinct: dev-set
 * questions combined with 6 greetings × 6 closings × 4 endings (a new combination per turn: ~33,000;
 * the runs take the first ~5,000, `--steady` rounds theirs from the 10,000th on),
 * each turn in a new conversation (a first question: state read miss + write, transcript append).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Session } from 'node:inspector/promises';
import YAML from 'yaml';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { projectRoot } from '../src/project-root.js';
import { startServingModel } from '../src/search/create-embedder.js';
import type { EmbeddingWorkerPool } from '../src/search/embedding-workers.js';
import { EmbeddingBatcher } from '../src/search/embedding-batcher.js';
import { EmbeddingCache } from '../src/search/embedding-cache.js';
import { StoredEmbeddings } from '../src/search/stored-embeddings.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';
import type { Embedder, EmbeddingRole } from '../src/search/embedder.js';
import { HashingTestEmbedder } from '../src/search/hashing-test-embedder.js';
import { benchTurn } from './bench-turn.js';
import { concurrentLoad, quantile } from './concurrent-load.js';
import { createEchoServer } from './echo-bot.js';
import { summarizeProfile, type CpuProfile } from './profile-summary.js';
import { buildTenK } from './ten-k.js';
import { breakdown, breakdownTable, buildOnce, ingestBuilt, productLaunch, startEchoBot as startBuiltEchoBot, startServer as startBuiltServer } from './start-memory.js';
import { writeResults } from './results-file.js';
import { markdownTable } from '../src/markdown-table.js';

const root = projectRoot();
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const quick = flag('quick');
const modelChoice = option('model', 'e5');
const MODEL_IDS: Record<string, string> = { e5: 'intfloat/multilingual-e5-small', minilm: 'Xenova/all-MiniLM-L6-v2' };
const modelId = MODEL_IDS[modelChoice];
const modelDir = path.resolve(root, process.env.MODEL_DIR ?? '../shared/models');
const turns = Number(option('turns', quick ? '60' : '300'));

const out: string[] = [];
const say = (line = '') => {
  out.push(line);
  process.stdout.write(line + '\n');
};
function table(headers: string[], rows: (string | number)[][]): void {
  say(markdownTable(headers, rows));
}
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');

// ---------------------------------------------------------------- distinct questions

/** `start`: how many questions to skip (the steady-load rounds draw from their own source, past the others'). */
function questionSource(start = 0): () => string {
  const dev = YAML.parse(readFileSync(path.join(root, 'knowledge', 'eval', 'en', 'dev-set.yaml'), 'utf8')) as { items: { question: string; article: string }[] };
  const questions = dev.items.filter((i) => i.article !== 'none').map((i) => i.question);
  const greetings = ['', 'Hi, ', 'Hello! ', 'Quick question: ', 'Good morning, ', 'Please help: '];
  const closings = ['', ' Thanks.', ' Thank you!', ' Cheers', ' Regards', ' Thanks a lot'];
  // Only once every greeting and closing has been used (after ~8,000 questions): the steady-load rounds.
  const endings = ['', ' (asking again)', ' - urgent', ' Best wishes, Sam'];
  let n = start;
  return () => {
    const q = questions[n % questions.length]!;
    const k = Math.floor(n / questions.length);
    n++;
    const ending = endings[Math.floor(k / (greetings.length * closings.length)) % endings.length];
    return `${greetings[k % greetings.length]}${q}${closings[Math.floor(k / greetings.length) % closings.length]}${ending}`;
  };
}

// ---------------------------------------------------------------- processes

interface Server {
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return process.memoryUsage().rss / 1048576;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/** How `npm start` runs the server (node options, entry file): the bench runs it the same way. */
const launch = productLaunch(root);

/** Starts the built server as `npm start` does (bench/start-memory.ts); resolves when /ready answers 200. */
async function startServer(dataDir: string, extraEnv: Record<string, string> = {}): Promise<Server & { readyMs: number }> {
  return startBuiltServer({
    root,
    launch,
    dataDir,
    modelId: modelId ?? MODEL_IDS.e5!,
    modelDir,
    // As the README recommends for Linux (glibc keeps the float model's load-time buffers otherwise); --no-trim to compare.
    trim: !flag('no-trim'),
    // --profile: the server writes a V8 CPU profile to bench/.cache/profiles when it stops.
    nodeArgs: flag('profile') ? ['--cpu-prof', '--cpu-prof-dir', path.join(root, 'bench', '.cache', 'profiles')] : [],
    env: {
      // To compare micro-batch sizes: EMBEDDING_BATCH_SIZE=4 npm run bench (the server's default otherwise).
      ...(process.env.EMBEDDING_BATCH_SIZE === undefined ? {} : { EMBEDDING_BATCH_SIZE: process.env.EMBEDDING_BATCH_SIZE }),
      ...extraEnv,
    },
  });
}

/** The bare botbuilder echo bot, built, run with the same node options as the server. */
async function startEchoBot(): Promise<Server> {
  return startBuiltEchoBot(root, launch);
}

// ---------------------------------------------------------------- load generator

const turn = benchTurn;

interface LoadResult {
  concurrency: number;
  turns: number;
  perSecond: number;
  p50: number;
  p99: number;
}

async function load(port: number, concurrency: number, total: number, next: () => string): Promise<LoadResult> {
  const run = await concurrentLoad(concurrency, total, (worker) => turn(port, next(), `customer-${worker}`));
  return { concurrency, turns: total, ...run };
}

// ---------------------------------------------------------------- in-process split

/**
 * A data dir for the in-process split with what a restarted server finds: the index AND the kept
 * tier-example vectors (without them the tier examples are embedded during the measured turns and
 * their batches counted as the turns' model time). The caller removes it (~100 MB with the model cache).
 */
function splitCopy(indexed: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tierdesk-bench-'));
  for (const kept of ['knowledge-index', 'embeddings']) {
    if (existsSync(path.join(indexed, kept))) cpSync(path.join(indexed, kept), path.join(dir, kept), { recursive: true });
  }
  return dir;
}

/** Sums the time spent in the model per turn (the split "model call vs tierdesk's own work"). */
class TimingEmbedder implements Embedder {
  spentMs = 0;
  /** CPU inside the embedder (the model's, with its onnxruntime threads; see processCpuMs). */
  cpuMs = 0;
  constructor(private readonly inner: Embedder) {}
  get modelId() {
    return this.inner.modelId;
  }
  get dimension() {
    return this.inner.dimension;
  }
  get fingerprint() {
    return this.inner.fingerprint;
  }
  async embed(texts: readonly string[], role: EmbeddingRole): Promise<Float32Array[]> {
    const t = performance.now();
    const cpu = processCpuMs();
    try {
      return await this.inner.embed(texts, role);
    } finally {
      this.spentMs += performance.now() - t;
      this.cpuMs += processCpuMs() - cpu;
    }
  }
}

/**
 * CPU time this process has used, all threads, ms (getrusage: exact to the microsecond, unlike
 * /proc's per-thread schedstat, which the kernel only brings up to date at scheduler ticks).
 * Within a turn's server-side window the load generator's thread is idle, waiting for the
 * response, so the window's CPU is the server's (its event loop, and V8's GC helper threads).
 * Unlike wall time it does not count time spent waiting for a core other processes held.
 */
function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

interface ClientRun {
  /** Client-side latency per turn (the worker's fetch), ms. */
  latencies: number[];
  /** Server-side wall and CPU time per turn, total and in the model, recorded in the server's thread. */
  server: ServerTurn[];
}

interface ServerTurn {
  wall: number;
  model: number;
  cpu: number;
  /** CPU from the request's arrival to the response's write (excludes the write and the client waking up). */
  cpuToWrite: number;
  modelCpu: number;
}

let serverTurnLog: ServerTurn[] = [];

/** Runs `texts` one turn at a time from a worker thread (bench/turn-client.ts). */
async function clientThread(port: number, texts: string[]): Promise<ClientRun> {
  const from = serverTurnLog.length;
  const client = new URL('./turn-client.ts', import.meta.url).href;
  // A worker does not get tsx's loader for its entry file; tsImport loads the TypeScript entry.
  const worker = new Worker(`import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(client)}, ${JSON.stringify(import.meta.url)}))`, {
    eval: true,
    workerData: { port, texts, user: 'split' },
  });
  const { latencies } = await new Promise<{ latencies: number[] }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  const server = serverTurnLog.slice(from);
  return { latencies, server };
}

async function inProcess(dataDir: string, next: () => string): Promise<void> {
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, MODEL_DIR: modelDir, EMBEDDING_MODEL: modelId ?? 'test/hashing-stand-in',
    RATE_LIMIT_SESSIONS_PER_MINUTE: '0', RATE_LIMIT_MESSAGES_PER_MINUTE: '0', RATE_LIMIT_API_PER_MINUTE: '0', LOG_LEVEL: 'error',
  });
  let timing: TimingEmbedder | undefined;
  let serving: Embedder | undefined;
  let modelThread: EmbeddingWorkerPool | undefined;
  const app = createApp(config, {
    logger: silentLogger,
    createEmbedder: async () => {
      // The model call as the serving path makes it: below the cache, above the batcher.
      // The serving chain of createServingEmbedder (src/search/create-embedder.ts) with the timer right above the model:
      // a cache hit never reaches it, so the bench's own clock reads (getrusage) stay out of the cache-hit turns.
      // The model in its own thread, as the server runs it (startServingModel); the timer sees each call's wall time, hop included.
      const model = modelId === undefined ? new HashingTestEmbedder() : (modelThread = await startServingModel(config));
      timing = new TimingEmbedder(model);
      serving = new StoredEmbeddings(new EmbeddingCache(new EmbeddingBatcher(timing, { maxBatch: config.embedding.queryBatchSize, offThread: modelThread !== undefined })), path.join(dataDir, 'embeddings'));
      return serving;
    },
  });
  const { port } = await app.listen();
  const status = await app.knowledge.ready;
  if (status.state !== 'ready') throw new Error(`knowledge not ready: ${JSON.stringify(status)}`);
  serverTurnLog = [];
  recordServerTurns(app.server.server as HttpServer, timing!);
  for (let i = 0; i < 60; i++) await turn(port, next(), 'warmup');
  const distinctTexts = Array.from({ length: Math.min(turns, 200) }, next);
  const distinct = await clientThread(port, distinctTexts);
  // The same questions again: every embedding is now a cache hit, the dialog path is the same.
  const rerun = await clientThread(port, distinctTexts);
  // --split-profile: the same rerun three more times under V8's profiler (not the measured one: sampling slows every function).
  // And 200 new distinct questions under the profiler: the server thread's share of a new question
  // (the model computes in its own thread, so its call shows as idle here).
  let profileSummary: string | undefined;
  let distinctProfileSummary: string | undefined;
  if (flag('split-profile')) {
    const profiler = await startProfiler('split-cache-hits');
    for (let i = 0; i < 3; i++) await clientThread(port, distinctTexts);
    profileSummary = await profiler.stop(3 * distinctTexts.length);
    const fresh = Array.from({ length: distinctTexts.length }, next);
    const distinctProfiler = await startProfiler('split-distinct');
    await clientThread(port, fresh);
    distinctProfileSummary = await distinctProfiler.stop(fresh.length);
  }
  // The bare echo bot in this process, same client, same window: the floor any botbuilder turn costs here.
  const echo = await echoTurns(distinctTexts);
  const same = 'How do I request a new password?';
  await turn(port, same, 'cache');
  const repeated = await clientThread(port, Array.from({ length: 100 }, () => same));
  const total = distinct.latencies;
  const server = distinct.server.map((s) => s.wall);
  const model = distinct.server.map((s) => s.model);
  const own = distinct.server.map((s) => s.wall - s.model);
  const hitServer = repeated.server.map((s) => s.wall);
  const ownCpu = distinct.server.map((s) => s.cpu - s.modelCpu);
  const modelCpu = distinct.server.map((s) => s.modelCpu);
  const hitCpu = repeated.server.map((s) => s.cpu);
  const search = status.search;
  // Retrieval alone on the same questions (embeddings given; the ranking cache bypassed): the part
  // of a new question's own work that the cache-hit rerun, whose rankings are remembered, skips.
  const rankCpu: number[] = [];
  const distinctVectors = await search.embedQuestions(distinctTexts);
  distinctTexts.forEach((text, i) => {
    const cpu = processCpuMs();
    search.rankVector({ text, vector: distinctVectors[i]!, language: 'en' });
    rankCpu.push(processCpuMs() - cpu);
  });
  // One query's embed + search, in-process, no HTTP (cache bypassed: each text new).
  const embedOnly: number[] = [];
  const searchOnly: number[] = [];
  for (let i = 0; i < 50; i++) {
    const text = `${next()} #${i}`;
    let t = performance.now();
    const [vector] = await serving!.embed([text], 'query');
    embedOnly.push(performance.now() - t);
    t = performance.now();
    await search.rank(text);
    searchOnly.push(performance.now() - t);
  }
  say(`### One conversation at a time, in-process (${total.length} distinct turns, then 100 repeats of one question)`);
  say();
  say('The load generator runs in a worker thread (bench/turn-client.ts): its fetch and JSON use their own thread and heap.');
  say('"Server side" = from the request\'s arrival at the HTTP server to the response handed to the socket, measured in the');
  say('server\'s thread; "model call" = time inside the embedder (below the cache, above the batcher) within that window;');
  say('"own work" = server side − model call. CPU = the process\'s CPU time (all threads, getrusage) in the same windows;');
  say('the load generator\'s thread is idle then, waiting for the response. Unlike wall time, CPU time does not count the time');
  say('the server waited for a core that other processes held (this machine is shared).');
  say();
  table(
    ['measure', 'p50 ms', 'p99 ms'],
    [
      ['turn end to end, client side (HTTP, distinct questions)', f2(quantile(total, 0.5)), f2(quantile(total, 0.99))],
      ['turn, server side', f2(quantile(server, 0.5)), f2(quantile(server, 0.99))],
      ['  of which model call', f2(quantile(model, 0.5)), f2(quantile(model, 0.99))],
      ["  of which tierdesk's own work (server side − model)", f2(quantile(own, 0.5)), f2(quantile(own, 0.99))],
      ['  model call, CPU', f2(quantile(modelCpu, 0.5)), f2(quantile(modelCpu, 0.99))],
      ["  tierdesk's own work, CPU (turn CPU − model CPU)", f2(quantile(ownCpu, 0.5)), f2(quantile(ownCpu, 0.99))],
      ['the same distinct questions again (embedding and ranking remembered), server side', f2(quantile(rerun.server.map((s) => s.wall), 0.5)), f2(quantile(rerun.server.map((s) => s.wall), 0.99))],
      ['  CPU', f2(quantile(rerun.server.map((s) => s.cpu), 0.5)), f2(quantile(rerun.server.map((s) => s.cpu), 0.99))],
      ['  CPU up to the response write', f2(quantile(rerun.server.map((s) => s.cpuToWrite), 0.5)), f2(quantile(rerun.server.map((s) => s.cpuToWrite), 0.99))],
      ['retrieval alone on the same questions (rankVector, no HTTP, no cache), CPU', f2(quantile(rankCpu, 0.5)), f2(quantile(rankCpu, 0.99))],
      ["  rerun + retrieval (p50 + p50) = a new question's own work, CPU", f2(quantile(rerun.server.map((s) => s.cpu), 0.5) + quantile(rankCpu, 0.5)), ''],
      ['bare echo bot, same client and window, server side', f2(quantile(echo.map((s) => s.wall), 0.5)), f2(quantile(echo.map((s) => s.wall), 0.99))],
      ['  CPU', f2(quantile(echo.map((s) => s.cpu), 0.5)), f2(quantile(echo.map((s) => s.cpu), 0.99))],
      ['  CPU up to the response write', f2(quantile(echo.map((s) => s.cpuToWrite), 0.5)), f2(quantile(echo.map((s) => s.cpuToWrite), 0.99))],
      ['cache-hit rerun CPU / echo bot CPU (p50s)', `${f2(quantile(rerun.server.map((s) => s.cpu), 0.5) / quantile(echo.map((s) => s.cpu), 0.5))}×`, ''],
      ['  up to the response write', `${f2(quantile(rerun.server.map((s) => s.cpuToWrite), 0.5) / quantile(echo.map((s) => s.cpuToWrite), 0.5))}×`, ''],
      ['repeated question (cache hit), end to end (client side)', f2(quantile(repeated.latencies, 0.5)), f2(quantile(repeated.latencies, 0.99))],
      ['repeated question (cache hit), server side', f2(quantile(hitServer, 0.5)), f2(quantile(hitServer, 0.99))],
      ['repeated question (cache hit), CPU', f2(quantile(hitCpu, 0.5)), f2(quantile(hitCpu, 0.99))],
      ['one query: embed only (model, no cache)', f2(quantile(embedOnly, 0.5)), f2(quantile(embedOnly, 0.99))],
      ['one query: search.rank (embed via cache hit + hybrid search)', f2(quantile(searchOnly, 0.5)), f2(quantile(searchOnly, 0.99))],
    ],
  );
  say();
  say('Reading it: on distinct turns the own-work CPU also holds what the model leaves running after its call returns (a second');
  say('thread of the process stays busy during and after onnxruntime\'s calls). The same questions again run the same dialog');
  say('path with neither the model nor retrieval (both remembered); that plus retrieval alone is tierdesk\'s own work for a');
  say('new question, and the rerun alone is the own work of a repeated one.');
  say();
  if (profileSummary !== undefined) {
    say('### Where the cache-hit rerun\'s server-thread time goes (CPU profile of the rerun only, per turn)');
    say();
    say(profileSummary);
    say();
  }
  if (distinctProfileSummary !== undefined) {
    say('### Where a new question\'s server-thread time goes (CPU profile of 200 new distinct turns, per turn; the model call is idle time here)');
    say();
    say(distinctProfileSummary);
    say();
  }
  say();
  await app.close();
  await modelThread?.close();
}

/**
 * Server side of each turn: from the HTTP request's arrival (first listener) to the response's
 * last byte handed to the socket, and the model time inside that window (serverTurnLog).
 */
function recordServerTurns(server: HttpServer, timing: TimingEmbedder | undefined): void {
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/api/messages') return;
    const t = performance.now();
    const cpu = processCpuMs();
    const m = timing?.spentMs ?? 0;
    const mCpu = timing?.cpuMs ?? 0;
    // Also the CPU up to the moment the response is written: the write wakes the client thread, whose
    // reading of the response then runs (and is counted) in the rest of the window, on either core.
    let cpuToWrite = NaN;
    const end = res.end;
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      cpuToWrite = processCpuMs() - cpu;
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['end'];
    res.once('finish', () =>
      serverTurnLog.push({ wall: performance.now() - t, model: (timing?.spentMs ?? 0) - m, cpu: processCpuMs() - cpu, cpuToWrite, modelCpu: (timing?.cpuMs ?? 0) - mCpu }),
    );
  });
}

/** The bare echo bot (bench/echo-bot.ts) in this process, measured with the same client and window as tierdesk's turns. */
async function echoTurns(texts: string[]): Promise<ServerTurn[]> {
  const echo = createEchoServer();
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const port = (echo.address() as { port: number }).port;
  recordServerTurns(echo.server as HttpServer, undefined);
  for (let i = 0; i < 60; i++) await turn(port, texts[i % texts.length]!, 'warmup');
  const { server } = await clientThread(port, texts);
  await new Promise<void>((resolve) => echo.close(() => resolve()));
  return server;
}

/** V8's sampling profiler on this (the server's) thread; `stop` writes the profile and returns its summary. */
async function startProfiler(name: string): Promise<{ stop(turns: number): Promise<string> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return {
    stop: async (count) => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      const dir = path.join(root, 'bench', '.cache', 'profiles');
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${name}-${Date.now()}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return `Profile: ${path.relative(root, file)}\n\n${summarizeProfile(profile as unknown as CpuProfile, { turns: count, top: 40 })}`;
    },
  };
}

// ---------------------------------------------------------------- model ceiling

/**
 * The model's own throughput on this machine, no HTTP and no tierdesk: distinct short questions
 * (the load generator's), `query` role, through TransformersEmbedder directly in batches of 1..32,
 * with 1 and 2 onnxruntime intra-op threads. Whatever the server does, its distinct-question
 * turns/s cannot exceed the best row (the server's own work and the load generator share the cores).
 */
async function modelCeiling(next: () => string): Promise<{ best: number; rows: { threads: number; batch: number; perSecond: number; msPerCall: number }[] }> {
  if (modelId === undefined) return { best: NaN, rows: [] };
  const rows: { threads: number; batch: number; perSecond: number; msPerCall: number }[] = [];
  const perSize = quick ? 64 : 192;
  for (const threads of [1, 2]) {
    const model = await TransformersEmbedder.create({
      modelId,
      modelDir,
      batchSize: 32,
      sessionOptions: { intraOpNumThreads: threads, interOpNumThreads: 1, enableCpuMemArena: false },
    });
    await model.embed(Array.from({ length: 8 }, next), 'query');
    // Sizes interleaved over rounds, so a burst of load from other processes spreads over all of them.
    const sizes = [1, 2, 4, 8, 16, 32];
    const spent = sizes.map(() => ({ ms: 0, calls: 0 }));
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      for (const [i, batch] of sizes.entries()) {
        const calls = Math.max(1, Math.ceil(perSize / rounds / batch));
        const started = performance.now();
        for (let c = 0; c < calls; c++) await model.embed(Array.from({ length: batch }, next), 'query');
        spent[i]!.ms += performance.now() - started;
        spent[i]!.calls += calls;
      }
    }
    sizes.forEach((batch, i) => {
      const { ms, calls } = spent[i]!;
      rows.push({ threads, batch, perSecond: (calls * batch) / (ms / 1000), msPerCall: ms / calls });
    });
  }
  const best = Math.max(...rows.map((r) => r.perSecond));
  say('### The model\'s own ceiling (in-process, no HTTP: distinct short questions embedded in batches, no cache)');
  say();
  table(
    ['intra-op threads', ...rows.filter((r) => r.threads === 1).map((r) => `batch ${r.batch}`)],
    [1, 2].map((threads) => [
      threads,
      ...rows.filter((r) => r.threads === threads).map((r) => `${f1(r.perSecond)}/s (${f1(r.msPerCall)} ms)`),
    ]),
  );
  say();
  return { best, rows };
}

// ---------------------------------------------------------------- memory breakdown

function probe(args: string[], env: Record<string, string> = {}): Record<string, number | string> {
  const result = spawnSyncJson(['--expose-gc', '--import', 'tsx', path.join(root, 'bench', 'memory-probe.ts'), ...args], env);
  return result;
}

function spawnSyncJson(args: string[], env: Record<string, string>): Record<string, number | string> {
  const run = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, MODEL_DIR: modelDir, ...env }, encoding: 'utf8' });
  const line = run.stdout.trim().split('\n').pop() ?? '{}';
  try {
    return JSON.parse(line) as Record<string, number | string>;
  } catch {
    return { error: run.stderr.slice(-300) };
  }
}

async function memoryBreakdown(): Promise<void> {
  const rows: (string | number)[][] = [];
  const configs: [string, string, string, Record<string, string>][] = [
    ['e5 float (model.onnx), lean tokenizer', 'intfloat/multilingual-e5-small', 'false', {}],
    ['e5 float, lean tokenizer, MALLOC_TRIM_THRESHOLD_=33554432 (shipped advice)', 'intfloat/multilingual-e5-small', 'false', { MALLOC_TRIM_THRESHOLD_: '33554432' }],
    ['e5 int8, lean tokenizer, MALLOC_TRIM_THRESHOLD_=33554432', 'intfloat/multilingual-e5-small', 'true', { MALLOC_TRIM_THRESHOLD_: '33554432' }],
    ['e5 int8 (model_quantized.onnx), lean tokenizer', 'intfloat/multilingual-e5-small', 'true', {}],
    ['MiniLM int8', 'Xenova/all-MiniLM-L6-v2', 'true', {}],
  ];
  const tokenizerTrie = probe(['tokenizer', 'intfloat/multilingual-e5-small', 'false', 'false']);
  const tokenizerLean = probe(['tokenizer', 'intfloat/multilingual-e5-small', 'false', 'true']);
  rows.push(['e5 tokenizer, transformers.js trie', f1(Number(tokenizerTrie.afterGc) - Number(tokenizerTrie.before)), f1(Number(tokenizerTrie.heapUsed)), '—', f1(Number(tokenizerTrie.loadMs))]);
  rows.push(['e5 tokenizer, lean lookup (shipped)', f1(Number(tokenizerLean.afterGc) - Number(tokenizerLean.before)), f1(Number(tokenizerLean.heapUsed)), '—', f1(Number(tokenizerLean.loadMs))]);
  for (const [label, id, quantized, env] of configs) {
    const r = probe(['pipeline', id, quantized, 'true'], env);
    const queries = (r.queryMs as unknown as number[] | undefined) ?? [];
    rows.push([label, f1(Number(r.afterGc) - Number(r.before)), f1(Number(r.heapUsed)), f1(quantile(queries, 0.5)), f1(Number(r.loadMs))]);
  }
  say('### Memory added by the model (separate process per row: RSS after load + 10 queries + GC, minus RSS before)');
  say();
  table(['what', '+RSS MB', 'JS heap MB', 'one query p50 ms', 'load ms'], rows);
  say();
}

// ---------------------------------------------------------------- start and memory, per model

/**
 * Cold start to /ready with a persisted index (median of --starts runs, each a new process and a
 * fresh copy of the index) and the server's RSS split into model session, tokenizer and the rest,
 * for the default e5 and for MiniLM (bench/start-memory.ts). Each model's index is kept in
 * bench/.cache/data-<model> and brought up to date first (not measured).
 */
async function startAndMemory(cacheDir: string): Promise<void> {
  const runs = Number(option('starts', quick ? '1' : '3'));
  const rows = [];
  for (const [choice, id] of Object.entries(MODEL_IDS)) {
    const indexed = path.join(cacheDir, `data-${choice}`);
    await ingestBuilt({ root, dataDir: indexed, modelId: id, modelDir });
    const refresh = await startBuiltServer({ root, launch, dataDir: indexed, modelId: id, modelDir, trim: !flag('no-trim') });
    await refresh.stop();
    rows.push(await breakdown({ root, launch, modelId: id, modelDir, trim: !flag('no-trim'), label: id, indexed, runs }));
  }
  say(`### Start and memory: cold start to /ready with a persisted index, RSS split (${runs} start${runs === 1 ? '' : 's'} per model)`);
  say();
  say('RSS at /ready is sampled when /ready first answers 200; "+ 3 s" after the post-load GC and glibc have returned the load-time');
  say('buffers. Model session and tokenizer: what each adds to a separate process (bench/memory-probe.ts, built, same node options');
  say('and environment: RSS after loading, 10 queries and two GCs, minus RSS before; median of as many probes as starts); app + knowledge');
  say('= the server\'s RSS at /ready + 3 s');
  say('minus both (node itself, the modules, stores, index, classifiers, JS heap). CPU s = CPU time the server process had used');
  say('(all threads) when /ready answered: on a loaded machine the wall time grows with the load, the CPU time hardly.');
  say('Targets: ≤ 3 s and ≤ 350 MB on the default model.');
  say();
  const { headers, cells } = breakdownTable(rows, f1);
  table(headers, cells);
  say();
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  say(`# tierdesk bench — ${date} — model ${modelId ?? 'hashing stand-in (plumbing only)'}`);
  say();
  say(`Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average at start ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} (other work shares these cores: compare ratios).`);
  say();

  const build = buildOnce(root);
  say(`Built once with \`npm run build\` (tsc -p tsconfig.build.json, ${f1(build.seconds)} s${build.ok ? '' : `; tsc reported errors, its emitted JS is used: ${build.errors}`}). Server under test: \`${[...Object.entries(launch.env).map(([k, v]) => `${k}=${v}`), 'node', ...launch.nodeArgs, launch.entry].join(' ')}\` as package.json "start" runs it${flag('no-trim') ? '' : ', with MALLOC_TRIM_THRESHOLD_=33554432 (README, Speed and memory)'}; echo bot: \`node ${[...launch.nodeArgs, 'dist/bench/echo-bot.js'].join(' ')}\`.`);
  say();
  const cacheDir = path.join(root, 'bench', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(path.join(cacheDir, '.gitignore'), '*\n');
  const next = questionSource();

  if (modelId === undefined) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tierdesk-bench-'));
    await inProcess(dataDir, next);
    rmSync(dataDir, { recursive: true, force: true });
  } else {
    // A persisted index for this model, kept between bench runs (bench/.cache is not committed).
    const indexed = path.join(cacheDir, `data-${modelChoice}`);
    const rows: (string | number)[][] = [];
    if (flag('cold') || !existsSync(path.join(indexed, 'knowledge-index', 'manifest.json'))) {
      rmSync(indexed, { recursive: true, force: true });
      const cold = await startServer(indexed);
      rows.push(['cold start to /ready, no index (builds the sample index)', f1(cold.readyMs / 1000), f1(rssMb(cold.pid))]);
      await cold.stop();
    }
    else {
      // Bring the kept index and calibration up to date with the knowledge as it is now (not part of the measurement).
      await ingestBuilt({ root, dataDir: indexed, modelId: modelId ?? MODEL_IDS.e5!, modelDir });
      const refresh = await startServer(indexed);
      await refresh.stop();
    }
    if (flag('ceiling-only')) {
      await modelCeiling(next);
      return;
    }
    if (flag('split-only')) {
      const splitDir = splitCopy(indexed);
      await inProcess(splitDir, next);
      rmSync(splitDir, { recursive: true, force: true });
      return;
    }
    await startAndMemory(cacheDir);
    if (flag('start-only')) return finish(date);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tierdesk-bench-'));
    // What a restarted server finds on disk: the index and the stored tier-example vectors.
    for (const kept of ['knowledge-index', 'embeddings']) {
      if (existsSync(path.join(indexed, kept))) cpSync(path.join(indexed, kept), path.join(dataDir, kept), { recursive: true });
    }
    const server = await startServer(dataDir);
    const afterStart = rssMb(server.pid);
    rows.push(['cold start to /ready, persisted index (the server of the runs above, one start)', f1(server.readyMs / 1000), f1(afterStart)]);

    const echo = await startEchoBot();
    const levels = [1, 10, 100];
    const results: { level: number; desk: LoadResult; echo: LoadResult }[] = [];
    for (let i = 0; i < 30; i++) await turn(server.port, next(), 'warmup');
    for (let i = 0; i < 30; i++) await turn(echo.port, next(), 'warmup');
    const rssDuring: number[] = [];
    for (const level of levels) {
      const count = level === 100 ? turns * 2 : level === 1 ? Math.min(turns, 150) : turns;
      const sampler = setInterval(() => rssDuring.push(rssMb(server.pid)), 500);
      const desk = await load(server.port, level, count, next);
      clearInterval(sampler);
      const echoResult = await load(echo.port, level, count, next);
      results.push({ level, desk, echo: echoResult });
    }
    const afterLoad = rssMb(server.pid);
    // A second 100-conversation run: does RSS keep growing under steady load?
    const again = await load(server.port, 100, turns * 2, next);
    const afterSecond = rssMb(server.pid);
    // Their own questions, so the ceiling and the split below get the same ones with or without --steady.
    const steady = await steadyLoad(server, turns * 2, Number(option('steady', '0')), questionSource(10_000));
    await echo.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });

    say('### HTTP turns through the real server (POST /api/messages, expectReplies, level-0 FAQ questions, all distinct)');
    say();
    table(
      ['concurrent conversations', 'turns', 'tierdesk turns/s', 'p50 ms', 'p99 ms', 'echo bot turns/s', 'echo p50 ms', 'tierdesk / echo'],
      results.map((r) => [r.level, r.desk.turns, f1(r.desk.perSecond), f1(r.desk.p50), f1(r.desk.p99), f1(r.echo.perSecond), f1(r.echo.p50), `${((r.desk.perSecond / r.echo.perSecond) * 100).toFixed(1)}%`]),
    );
    say();
    say(`Second 100-conversation run: ${f1(again.perSecond)} turns/s, p50 ${f1(again.p50)} ms, p99 ${f1(again.p99)} ms.`);
    say();
    // The physics next to those rows: what the model alone computes on this machine.
    const ceiling = await modelCeiling(next);
    const best100 = Math.max(results.find((r) => r.level === 100)?.desk.perSecond ?? NaN, again.perSecond);
    say(`Best 100-conversation rate ${f1(best100)} turns/s = ${((best100 / ceiling.best) * 100).toFixed(0)}% of the model's best ceiling above (${f1(ceiling.best)} embeddings/s).`);
    say();
    rows.push(['RSS after the 1/10/100 runs', '', f1(afterLoad)]);
    rows.push(['RSS after a second 100-conversation run', '', f1(afterSecond)]);
    rows.push(['RSS peak sampled during the runs', '', f1(Math.max(...rssDuring))]);
    say('### Start and memory of the server process');
    say();
    table(['measure', 'seconds', 'RSS MB'], rows);
    say();
    if (steady.length > 0) reportSteadyLoad(steady, turns * 2, afterSecond);
    const splitDir = splitCopy(indexed);
    await inProcess(splitDir, next);
    rmSync(splitDir, { recursive: true, force: true });
    if (flag('memory-variants')) await memoryBreakdown();
  }

  if (flag('10k') && modelId !== undefined) await buildTenK({ modelId, modelDir, say, table });

  // ---- PostgreSQL (issue 11; bench/postgres.ts owns this section)
  if (flag('postgres')) {
    const { postgresSection } = await import('./postgres.js');
    await postgresSection(say, table, { turns });
  }

  finish(date);
}

interface SteadyRound {
  perSecond: number;
  rss: number;
}

/** `rounds` more runs of `perRound` distinct questions at 100 concurrent (`--steady N`), RSS 1 s after each. */
async function steadyLoad(server: Server, perRound: number, rounds: number, next: () => string): Promise<SteadyRound[]> {
  const done: SteadyRound[] = [];
  for (let i = 0; i < rounds; i++) {
    const run = await load(server.port, 100, perRound, next);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    done.push({ perSecond: run.perSecond, rss: rssMb(server.pid) });
  }
  return done;
}

/** The steady-load table, and how much RSS still rose over the second half of the rounds. */
function reportSteadyLoad(rounds: SteadyRound[], perRound: number, before: number): void {
  say(`### RSS under steady load: ${rounds.length} more rounds of ${perRound} distinct questions at 100 concurrent (after the runs above)`);
  say();
  table(
    ['round', 'turns/s', 'RSS 1 s after, MB'],
    rounds.map((r, i) => [i + 1, f1(r.perSecond), f1(r.rss)]),
  );
  say();
  const rss = rounds.slice(Math.floor(rounds.length / 2)).map((r) => r.rss);
  const [first, last] = [rss[0]!, rss.at(-1)!];
  say(
    `Before these rounds ${f1(before)} MB; over the last ${rss.length} rounds ${f1(Math.min(...rss))}–${f1(Math.max(...rss))} MB, ` +
      `from ${f1(first)} to ${f1(last)} MB (${last >= first ? '+' : ''}${f1(last - first)} MB). Target: flat, ≤ 350 MB.`,
  );
  say();
}

/** Writes what was printed to bench/results/<date>-<model>[-10k|-start].md (-2, -3… for a later run that day). */
function finish(date: string): void {
  const file = writeResults(root, `${date}-${modelChoice}${flag('10k') ? '-10k' : ''}${flag('start-only') ? '-start' : ''}`, out.join('\n') + '\n');
  process.stdout.write(`\nwritten to ${path.relative(root, file)}\n`);
}

await main();
process.exit(0);
