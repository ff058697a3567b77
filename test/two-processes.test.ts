import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectLineTestClient, StreamRecorder, type DirectLineActivity } from './support/directline-client.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { repoRoot, sampleKnowledgeDir, tempDir } from './support/test-app.js';
import { startHookReceiver } from './support/webhook-receiver.js';

const SECRET = 'two-process-directline-secret-0123456789';
const API_TOKEN = 'two-process-api-token-0123456789';

interface Desk {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

/** Spawns one tierdesk process (test/support/tierdesk-process.ts) on the shared database. */
async function startDesk(env: Record<string, string>): Promise<Desk> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test', 'support', 'tierdesk-process.ts')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      KNOWLEDGE_DIR: sampleKnowledgeDir,
      DATA_DIR: tempDir('tierdesk-instance-'),
      EMBEDDING_MODEL: 'test/hashing-stand-in',
      // A plumbing test: one language, so language detection never re-routes a scripted dialog.
      LANGUAGES: 'en',
      DEFAULT_LANGUAGE: 'en',
      ANSWER_THRESHOLD: '0.55',
      SUGGEST_THRESHOLD: '0.45',
      CLOSE_MARGIN: '0.03',
      RATE_LIMIT_SESSIONS_PER_MINUTE: '0',
      RATE_LIMIT_MESSAGES_PER_MINUTE: '0',
      RATE_LIMIT_API_PER_MINUTE: '0',
      DIRECTLINE_SECRET: SECRET,
      API_TOKENS: API_TOKEN,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tierdesk did not start: ${stderr}`)), 60_000);
    const check = () => {
      const match = /"ready":"(http:\/\/[^"]+)"/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`tierdesk exited (${code}): ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A web-chat customer on one process: start, say things, read the whole log. */
async function customer(desk: Desk) {
  const client = new DirectLineTestClient(desk.url);
  const { token, conversationId } = await client.generateToken(SECRET);
  await client.start(token);
  let watermark = '';
  const texts: string[] = [];
  return {
    conversationId,
    token,
    /** Says `text` through this process and returns the bot's replies to it. */
    say: async (text: string, via: Desk = desk): Promise<string> => {
      const through = new DirectLineTestClient(via.url);
      await through.say(conversationId, token, text);
      const pages = await through.allPages(conversationId, token, watermark);
      watermark = pages.at(-1)?.watermark ?? watermark;
      const said = pages.flatMap((p) => p.activities).filter((a) => a.from.role === 'bot').map((a) => a.text ?? '');
      texts.push(...said);
      return said.join('\n');
    },
  };
}

/** Files a ticket through the real dialog (the same steps as test/ticket-conversation.test.ts); returns its reference. */
async function fileTicket(desk: Desk, n: number): Promise<string> {
  const c = await customer(desk);
  await c.say('zebra quantum lasagna');
  await c.say('A question for the support team');
  await c.say(`customer${n}@example.com`);
  const filed = await c.say('File the ticket');
  const reference = /\*\*(TD-\d+)\*\*/.exec(filed)?.[1];
  if (reference === undefined) throw new Error(`no reference in: ${filed}`);
  return reference;
}

const numbers = (references: string[]) => references.map((r) => Number(r.slice(3))).sort((a, b) => a - b);

describe('two tierdesk processes on one PostgreSQL', () => {
  let cluster: TestPostgres;
  let hook: Awaited<ReturnType<typeof startHookReceiver>>;
  let a: Desk;
  let b: Desk;

  beforeAll(async () => {
    cluster = await startPostgres();
    hook = await startHookReceiver(50);
    const env = { DATABASE_URL: await cluster.createDatabase(), WEBHOOK_URLS: hook.url, WEBHOOK_SECRET: 'two-process-webhook-secret' };
    // Started together: migrations run once under the advisory lock.
    [a, b] = await Promise.all([startDesk(env), startDesk(env)]);
  }, 120_000);

  afterAll(async () => {
    for (const desk of [a, b]) {
      if (desk !== undefined && desk.child.exitCode === null && desk.child.signalCode === null) {
        desk.child.kill('SIGTERM');
        await once(desk.child, 'exit');
      }
    }
    await hook?.close();
    await cluster?.stop();
  });

  it('streams on process A every activity of a conversation whose messages go through process B, once and in order', async () => {
    const c = await customer(a);
    const stream = await StreamRecorder.open(`${a.url.replace('http', 'ws')}/v3/directline/conversations/${c.conversationId}/stream?t=${c.token}`);
    try {
      for (const text of ['hello', 'zebra quantum lasagna', 'A question for the support team']) await c.say(text, b);
      const log = (await new DirectLineTestClient(b.url).allPages(c.conversationId, c.token)).flatMap((p) => p.activities);
      expect(log.length).toBeGreaterThanOrEqual(6);
      await until(() => (stream.activities.length >= log.length ? true : undefined), `${log.length} activities on A's stream`);
      const ids = (activities: DirectLineActivity[]) => activities.map((activity) => activity.id);
      expect(ids(stream.activities)).toEqual(ids(log));
      expect(stream.activities.filter((x) => x.from.role === 'user').map((x) => x.text)).toEqual(['hello', 'zebra quantum lasagna', 'A question for the support team']);
    } finally {
      await stream.close();
    }
  });

  it('gives 50 tickets filed concurrently through both processes 50 distinct, gap-free references, each announced once', async () => {
    const references = await Promise.all(Array.from({ length: 50 }, (_, i) => fileTicket(i % 2 === 0 ? a : b, i)));
    expect(new Set(references).size).toBe(50);
    const sorted = numbers(references);
    expect(sorted).toEqual(Array.from({ length: 50 }, (_, i) => sorted[0]! + i));

    // Both processes run the webhook outbox; every ticket.created event reaches the receiver once.
    const created = () => hook.received.map((r) => JSON.parse(r.body) as { id: string; event: string; ticket: { reference: string } }).filter((p) => p.event === 'ticket.created');
    await until(() => (created().length >= 50 ? true : undefined), '50 ticket.created webhooks');
    const events = created();
    expect(events).toHaveLength(50);
    expect(new Set(events.map((e) => e.id)).size).toBe(50);
    expect(events.map((e) => e.ticket.reference).sort()).toEqual([...references].sort());
  });

  it('loses nothing when process A is killed with SIGKILL mid-run: B files the rest and delivers every webhook', async () => {
    const before = hook.received.length;
    // A burst through both; A dies while its share is in flight.
    const attempts = Array.from({ length: 20 }, (_, i) => fileTicket(i % 2 === 0 ? a : b, 100 + i).then((reference) => ({ reference }), (error: unknown) => ({ error })));
    await until(() => (hook.received.length > before + 4 ? true : undefined), 'the burst to be under way');
    a.child.kill('SIGKILL');
    await once(a.child, 'exit');
    const settled = await Promise.all(attempts);
    const filed = settled.flatMap((s) => ('reference' in s ? [s.reference] : []));
    // Customers whose process died file again through B.
    const retried = await Promise.all(settled.filter((s) => 'error' in s).map((_, i) => fileTicket(b, 200 + i)));
    const all = [...filed, ...retried];
    expect(all).toHaveLength(20);

    const api = async (reference: string) =>
      fetch(`${b.url}/api/tickets/${reference}`, { headers: { authorization: `Bearer ${API_TOKEN}` } }).then((r) => r.status);
    for (const reference of all) expect(await api(reference)).toBe(200);
    // A ticket A committed just before dying, whose answer never reached the customer, is kept too
    // (the customer filed again through B): at least 70, and every acknowledged one is there.
    const every = (await (await fetch(`${b.url}/api/tickets?limit=100`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json()) as {
      items: { reference: string }[];
      total: number;
    };
    expect(every.total).toBeGreaterThanOrEqual(70);
    expect(every.items).toHaveLength(every.total);
    // References stay gap-free: a creation A never committed gave its number back.
    const sorted = numbers(every.items.map((t) => t.reference));
    expect(sorted).toEqual(Array.from({ length: every.total }, (_, i) => sorted[0]! + i));

    // Every ticket a customer was told about is announced, also those whose delivery A had claimed
    // when it died (B takes the lease over). A ticket A committed in the instant before it died,
    // never acknowledged, may go unannounced: its event is written right after the ticket, not in
    // the same transaction (README, known limits).
    const announced = () => new Set(hook.received.map((r) => JSON.parse(r.body) as { event: string; ticket: { reference: string } }).filter((p) => p.event === 'ticket.created').map((p) => p.ticket.reference));
    const missing = () => all.filter((reference) => !announced().has(reference));
    await until(() => (missing().length === 0 ? true : undefined), 'every acknowledged ticket announced', 45_000).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; missing ${missing().join(', ')} of ${every.items.length} tickets`);
    });
  }, 90_000);
});
