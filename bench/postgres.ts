/**
 * `npm run bench:postgres` (or `npm run bench -- --postgres`): what PostgreSQL costs and what it
 * buys. Two tables:
 *   1. HTTP turns through the in-process app (POST /api/messages, expectReplies, a new conversation
 *      per turn: state miss + write, transcript append) with the hashing stand-in embedder, so the
 *      storage difference is not drowned by model time: SQLite file vs DATABASE_URL.
 *   2. How fast another instance hears of a Direct Line append: LISTEN/NOTIFY vs polling the
 *      conversation's counter every 100 ms / 500 ms (the choice the websocket fan-out is built on).
 * Uses DATABASE_URL when set (a database it may write to), else a throwaway cluster
 * (test/support/postgres.ts: Debian's postgresql binaries).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/logger.js';
import { projectRoot } from '../src/project-root.js';
import { HashingTestEmbedder } from '../src/search/hashing-test-embedder.js';
import { PgConversationSignals } from '../src/storage/postgres/pg-directline-store.js';
import { openStores } from '../src/storage/stores.js';
import { startPostgres } from '../test/support/postgres.js';
import { concurrentLoad, quantile, type LoadRun } from './concurrent-load.js';
import { markdownTable } from '../src/markdown-table.js';

type Say = (line?: string) => void;
type Table = (headers: string[], rows: (string | number)[][]) => void;

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');

type TurnResult = LoadRun;

async function turns(port: number, concurrency: number, total: number): Promise<TurnResult> {
  return concurrentLoad(concurrency, total, async (worker, n) => {
    const response = await fetch(`http://127.0.0.1:${port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        text: `how do I reset my password ${n + 1}`,
        id: randomUUID(),
        channelId: 'bench',
        serviceUrl: 'http://127.0.0.1:9',
        deliveryMode: 'expectReplies',
        from: { id: `customer-${worker}` },
        recipient: { id: 'bot' },
        conversation: { id: `bench-${randomUUID()}` },
        locale: 'en-US',
      }),
    });
    if (response.status !== 200) throw new Error(`turn failed with HTTP ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  });
}

async function deskTurns(databaseUrl: string | undefined, levels: readonly number[], total: number): Promise<TurnResult[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tierdesk-bench-pg-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    KNOWLEDGE_DIR: path.join(projectRoot(), 'knowledge'),
    EMBEDDING_MODEL: 'test/hashing-stand-in',
    ANSWER_THRESHOLD: '0.55',
    SUGGEST_THRESHOLD: '0.45',
    CLOSE_MARGIN: '0.03',
    RATE_LIMIT_SESSIONS_PER_MINUTE: '0',
    RATE_LIMIT_MESSAGES_PER_MINUTE: '0',
    RATE_LIMIT_API_PER_MINUTE: '0',
    ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
  });
  const app = createApp(config, { createEmbedder: async () => new HashingTestEmbedder(), logger: silentLogger });
  const { port } = await app.listen();
  await app.knowledge.ready;
  try {
    await turns(port, 4, 40); // warm-up
    const results: TurnResult[] = [];
    for (const level of levels) results.push(await turns(port, level, total));
    return results;
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Milliseconds from an append's commit on one connection until another instance knows. */
async function signalLatency(url: string, samples: number): Promise<{ notify: number[]; poll100: number[]; poll500: number[] }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tierdesk-bench-sig-'));
  const stores = openStores({ databaseUrl: url, dataDir, slaHours: { L1: 1, L2: 1, L3: 1, L4: 1 } });
  await stores.ready();
  const id = `bench-${randomUUID()}`;
  await stores.directLine.createConversation({ id, userId: 'u', locale: undefined, createdAt: new Date().toISOString() });
  const waiters = new Map<string, () => void>();
  const stop = await new PgConversationSignals(url).listen((conversationId) => {
    if (conversationId !== undefined) waiters.get(conversationId)?.();
  });
  const notify: number[] = [];
  for (let i = 0; i < samples; i++) {
    const heard = new Promise<void>((resolve) => waiters.set(id, resolve));
    await stores.directLine.append(id, { type: 'message', text: `n${i}` });
    const committed = performance.now();
    await heard;
    notify.push(performance.now() - committed);
  }
  await stop();

  const poller = new pg.Client({ connectionString: url });
  await poller.connect();
  /** A poller on its own fixed cadence; appends land at random moments between polls, as in real traffic. */
  const poll = async (intervalMs: number, count: number): Promise<number[]> => {
    const lastSeq = async () => Number((await poller.query<{ s: number }>('SELECT last_seq AS s FROM directline_conversations WHERE id = $1', [id])).rows[0]?.s);
    const committedAt = new Map<number, number>();
    const seenAt = new Map<number, number>();
    let known = await lastSeq();
    let polling = true;
    const polled = (async () => {
      while (polling) {
        const s = await lastSeq();
        const now = performance.now();
        for (let seq = known + 1; seq <= s; seq++) seenAt.set(seq, now);
        known = Math.max(known, s);
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    })();
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs * (1 + Math.random())));
      const { seq } = await stores.directLine.append(id, { type: 'message', text: `p${i}` });
      committedAt.set(seq, performance.now());
    }
    while (![...committedAt.keys()].every((seq) => seenAt.has(seq))) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    polling = false;
    await polled;
    return [...committedAt].map(([seq, at]) => Math.max(0, seenAt.get(seq)! - at));
  };
  const poll100 = await poll(100, Math.min(samples, 60));
  const poll500 = await poll(500, Math.min(samples, 20));
  await poller.end();
  await stores.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { notify, poll100, poll500 };
}

/** The PostgreSQL section of the bench: prints its tables through `say`/`table`. */
export async function postgresSection(say: Say, table: Table, options: { turns?: number } = {}): Promise<void> {
  const cluster = process.env.DATABASE_URL === undefined ? await startPostgres() : undefined;
  try {
    const makeUrl = async () => (cluster === undefined ? process.env.DATABASE_URL! : cluster.createDatabase());
    const total = options.turns ?? 300;
    const levels = [1, 10] as const;
    const sqlite = await deskTurns(undefined, levels, total);
    const postgres = await deskTurns(await makeUrl(), levels, total);
    say(`### Storage backends: HTTP turns, hashing stand-in embedder (${total} turns per level, a new conversation each)`);
    say();
    table(
      ['backend', 'concurrent', 'turns/s', 'p50 ms', 'p99 ms', 'turns/s vs SQLite'],
      levels.flatMap((level, i) => [
        ['SQLite (DATA_DIR)', level, f1(sqlite[i]!.perSecond), f1(sqlite[i]!.p50), f1(sqlite[i]!.p99), '100%'],
        ['PostgreSQL (DATABASE_URL, local)', level, f1(postgres[i]!.perSecond), f1(postgres[i]!.p50), f1(postgres[i]!.p99), `${((postgres[i]!.perSecond / sqlite[i]!.perSecond) * 100).toFixed(0)}%`],
      ]),
    );
    say();
    const { notify, poll100, poll500 } = await signalLatency(await makeUrl(), 200);
    say('### Another instance hears of a Direct Line append (ms from commit to knowing)');
    say();
    table(
      ['mechanism', 'samples', 'p50 ms', 'p99 ms', 'idle cost'],
      [
        ['LISTEN/NOTIFY (chosen)', notify.length, f1(quantile(notify, 0.5)), f1(quantile(notify, 0.99)), 'one idle connection per instance'],
        ['polling every 100 ms', poll100.length, f1(quantile(poll100, 0.5)), f1(quantile(poll100, 0.99)), '10 queries/s per instance'],
        ['polling every 500 ms', poll500.length, f1(quantile(poll500, 0.5)), f1(quantile(poll500, 0.99)), '2 queries/s per instance'],
      ],
    );
    say();
  } finally {
    await cluster?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const say: Say = (line = '') => process.stdout.write(`${line}\n`);
  const table: Table = (headers, rows) => say(markdownTable(headers, rows));
  const turnsArg = process.argv.indexOf('--turns');
  await postgresSection(say, table, turnsArg >= 0 ? { turns: Number(process.argv[turnsArg + 1]) } : {});
  process.exit(0);
}
