/**
 * `npm run bench`: latency, throughput and memory of the hot paths, printed as tables.
 * Medians and p95 over repeated runs (these machines have 2 shared cores: compare ratios, not
 * absolute numbers). Options: --vectors N (default 20000), --turns N (default 200).
 *
 * The HTTP turn benchmark uses the hashing stand-in embedder so it measures tierdesk's own
 * overhead (HTTP, adapter, dialogs, SQLite state, index search), not the model's speed.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { normalize, dot } from '../src/search/embedder.js';
import { HashingTestEmbedder } from '../src/search/hashing-test-embedder.js';
import { HnswVectorIndex } from '../src/search/hnsw-index.js';
import { openDatabase } from '../src/storage/database.js';
import { SqliteTicketStore } from '../src/tickets/sqlite-ticket-store.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const ms = (x: number) => x.toFixed(3);
const rows: string[][] = [];
function report(name: string, samplesMs: number[], extra = '') {
  rows.push([name, String(samplesMs.length), ms(quantile(samplesMs, 0.5)), ms(quantile(samplesMs, 0.95)), extra]);
}

function randomUnitVector(dimension: number, seed: { x: number }): Float32Array {
  const v = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) {
    seed.x = (seed.x * 1103515245 + 12345) % 2147483648;
    v[i] = seed.x / 2147483648 - 0.5;
  }
  return normalize(v);
}

async function benchVectorIndex(count: number, dimension = 384) {
  const seed = { x: 42 };
  const vectors = Array.from({ length: count }, () => randomUnitVector(dimension, seed));
  const heapBefore = process.memoryUsage().rss;
  const index = HnswVectorIndex.create(dimension);
  const buildStart = performance.now();
  vectors.forEach((v, i) => index.add(i, v));
  const buildMs = performance.now() - buildStart;
  const rssMb = (process.memoryUsage().rss - heapBefore) / 1024 / 1024;
  const queries = Array.from({ length: 200 }, () => randomUnitVector(dimension, seed));
  const hnsw: number[] = [];
  const brute: number[] = [];
  let recall = 0;
  for (const query of queries) {
    let t = performance.now();
    const hits = index.search(query, 10);
    hnsw.push(performance.now() - t);
    t = performance.now();
    const exact = vectors.map((v, i) => ({ i, s: dot(query, v) })).sort((a, b) => b.s - a.s).slice(0, 10);
    brute.push(performance.now() - t);
    const truth = new Set(exact.map((e) => e.i));
    recall += hits.filter((h) => truth.has(h.label)).length / 10;
  }
  report(`HNSW search k=10, ${count} × ${dimension}d`, hnsw, `recall@10 ${(recall / queries.length).toFixed(3)}`);
  report(`exact scan k=10, ${count} × ${dimension}d`, brute, `HNSW is ${(quantile(brute, 0.5) / quantile(hnsw, 0.5)).toFixed(0)}× faster (median)`);
  rows.push([`HNSW build, ${count} vectors`, '1', ms(buildMs), '', `${Math.round(count / (buildMs / 1000))} vectors/s, +${rssMb.toFixed(0)} MB RSS`]);
}

async function benchTurns(turns: number) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tierdesk-bench-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir });
  const app = createApp(config, { createEmbedder: async () => new HashingTestEmbedder(), logger: silentLogger });
  const { port } = await app.listen();
  await app.knowledge.ready;
  const questions = ['How do I request a new password?', 'Which databases are supported?', 'How do I create a new user?'];
  const send = (text: string, conversation: string) =>
    fetch(`http://127.0.0.1:${port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message', text, id: randomUUID(), channelId: 'bench', serviceUrl: 'http://127.0.0.1:9', deliveryMode: 'expectReplies',
        from: { id: `u-${conversation}` }, recipient: { id: 'bot' }, conversation: { id: conversation },
      }),
    }).then((r) => r.json());
  for (let i = 0; i < 20; i++) await send(questions[i % 3]!, 'warmup');
  const latencies: number[] = [];
  for (let i = 0; i < turns; i++) {
    const t = performance.now();
    await send(questions[i % 3]!, `c${i % 10}`);
    latencies.push(performance.now() - t);
  }
  report('HTTP turn /api/messages (level-0 answer, sequential)', latencies, `${(1000 / quantile(latencies, 0.5)).toFixed(0)} turns/s at the median`);
  const concurrency = 8;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let i = 0; i < turns / concurrency; i++) await send(questions[i % 3]!, `p${w}`);
  }));
  const elapsed = performance.now() - start;
  rows.push([`HTTP turns, ${concurrency} concurrent conversations`, String(turns), '', '', `${(turns / (elapsed / 1000)).toFixed(0)} turns/s`]);
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}

async function benchTickets(count: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tierdesk-bench-'));
  const db = openDatabase(path.join(dir, 'bench.db'));
  const store = new SqliteTicketStore(db, { L1: 24, L2: 8, L3: 4, L4: 8 });
  const transcript = Array.from({ length: 20 }, (_, i) => ({ from: i % 2 ? ('bot' as const) : ('customer' as const), text: `message ${i} `.repeat(10), at: new Date().toISOString() }));
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await store.create({
      kind: 'ticket', tier: 'L1', subject: `Bench ticket ${i}`, customer: { userId: 'u1', email: 'a@example.com' },
      channel: { channelId: 'bench', conversationId: `c${i}` }, transcript,
    });
    samples.push(performance.now() - t);
  }
  report('ticket create (SQLite, WAL, 20-message transcript)', samples, `${(1000 / quantile(samples, 0.5)).toFixed(0)} tickets/s at the median`);
  const listSamples: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await store.list({ text: 'ticket 4', limit: 20, offset: 0 });
    listSamples.push(performance.now() - t);
  }
  report(`ticket list with text filter (${count} tickets)`, listSamples);
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

async function main() {
  await benchVectorIndex(arg('vectors', 20_000));
  await benchTurns(arg('turns', 200));
  await benchTickets(arg('tickets', 1000));
  const headers = ['benchmark', 'n', 'median ms', 'p95 ms', 'notes'];
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
  console.log(`\nNode ${process.version}, ${process.platform}/${process.arch}; peak RSS ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
}

await main();
