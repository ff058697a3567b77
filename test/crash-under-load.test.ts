import { once } from 'node:events';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/storage/database.js';
import { ticketSchema } from '../src/tickets/ticket.js';
import { ExpectRepliesClient, heroCard, type ReplyActivity } from './support/bot-client.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { repoRoot, tempDir } from './support/test-app.js';

/**
 * 50 customers talk to a real server process at once, filing tickets and sending messages; the
 * process is SIGKILLed mid-run and restarted on the same data. Whatever a customer was told (a
 * ticket reference) or had acknowledged (a 200 for their message) must be there, whole.
 * The process runs the real entry point without a model (MODEL_DIR is empty), so every question
 * escalates and the run exercises the ticket path, not answer quality.
 */

const CONVERSATIONS = 50;
/** Kill once customers have been told about this many tickets. */
const KILL_AFTER_TICKETS = 70;
const API_TOKEN = 'crash-under-load-api-token-0123456789';

function startServer(dataDir: string, modelDir: string): Promise<ServerProcess> {
  return startServerProcess(['--import', 'tsx', path.join(repoRoot, 'src', 'index.ts')], {
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    MODEL_DIR: modelDir,
    API_TOKENS: API_TOKEN,
    LOG_LEVEL: 'info',
    RATE_LIMIT_MESSAGES_PER_MINUTE: '0',
    RATE_LIMIT_API_PER_MINUTE: '0',
  }, 60_000);
}

const said = (replies: ReplyActivity[]) => replies.map((r) => [r.text, heroCard(r)?.text].filter(Boolean).join('\n')).join('\n');

/** What one customer was told and had acknowledged before the crash. */
interface CustomerRecord {
  client: ExpectRepliesClient;
  email: string;
  /** Ticket references the bot gave this customer. */
  told: string[];
  /** Messages the server answered 200 to, in order. */
  acknowledged: string[];
  unexpected?: string;
}

/** One customer's loop: file a ticket, send a note, repeat — until the server goes away. */
async function customerLoop(record: CustomerRecord, onTicket: () => void): Promise<void> {
  const say = async (text: string): Promise<string> => {
    const replies = await record.client.send({ type: 'message', text });
    record.acknowledged.push(text);
    return said(replies);
  };
  try {
    for (let round = 0; round < 1000; round += 1) {
      await say('zebra quantum lasagna');
      // The e-mail is asked for once; from the second ticket on the bot remembers it.
      const next = await say('A question for the support team');
      if (/Which email address/.test(next)) await say(record.email);
      const filed = await say('File the ticket');
      const reference = /\*\*(TD-\d+)\*\*/.exec(filed)?.[1];
      if (reference === undefined) throw new Error(`no reference in: ${filed}`);
      record.told.push(reference);
      onTicket();
      await say(`thanks, noted ${reference} (round ${round})`);
    }
  } catch (error) {
    // The server was killed: requests in flight fail (fetch throws a TypeError). What matters is
    // what was acknowledged. Anything else (a 5xx, a filing without a reference) is a finding.
    if (!(error instanceof TypeError)) record.unexpected = String(error);
  }
}

describe('crash safety under load (50 concurrent conversations, SIGKILL, restart)', () => {
  const dataDir = tempDir('tierdesk-load-');
  const modelDir = tempDir('tierdesk-load-no-model-');
  let server: ServerProcess | undefined;
  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(modelDir, { recursive: true, force: true });
  });

  it('keeps every ticket a customer was told about, whole, and every acknowledged message in its transcript', async () => {
    server = await startServer(dataDir, modelDir);
    const first = server;
    const customers: CustomerRecord[] = Array.from({ length: CONVERSATIONS }, (_, i) => ({
      client: new ExpectRepliesClient(first.url),
      email: `load-customer-${i}@example.com`,
      told: [],
      acknowledged: [],
    }));
    let ticketsTold = 0;
    let killed = false;
    const killed$ = new Promise<void>((resolve) => {
      const onTicket = () => {
        ticketsTold += 1;
        if (ticketsTold >= KILL_AFTER_TICKETS && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
          resolve();
        }
      };
      void Promise.all(customers.map((customer) => customerLoop(customer, onTicket))).then(() => {
        if (!killed) resolve();
      });
    });
    await killed$;
    expect(killed).toBe(true);
    await once(first.child, 'exit').catch(() => undefined);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(customers.flatMap((customer) => customer.unexpected ?? [])).toEqual([]);
    if (process.env.LOAD_REPORT) {
      console.log(`told ${customers.reduce((n, c) => n + c.told.length, 0)} tickets, acknowledged ${customers.reduce((n, c) => n + c.acknowledged.length, 0)} messages before SIGKILL`);
    }

    // The database file survived the kill.
    const db = openDatabase(path.join(dataDir, 'tierdesk.db'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      // Every acknowledged customer message is in its conversation's transcript, in order.
      const transcriptOf = db.prepare<[string], { text: string }>("SELECT text FROM transcript WHERE conversation_id = ? AND role = 'customer' ORDER BY id");
      for (const customer of customers) {
        const stored = transcriptOf.all(customer.client.conversationId).map((row) => row.text);
        expect(stored.slice(0, customer.acknowledged.length), customer.email).toEqual(customer.acknowledged);
      }
    } finally {
      db.close();
    }

    // Restarted on the same data: every ticket a customer was told about is there, whole, and theirs.
    server = await startServer(dataDir, modelDir);
    const told = customers.flatMap((customer) => customer.told.map((reference) => ({ customer, reference })));
    expect(told.length).toBeGreaterThanOrEqual(KILL_AFTER_TICKETS);
    for (const { customer, reference } of told) {
      const response = await fetch(`${server.url}/api/tickets/${reference}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(response.status, reference).toBe(200);
      const ticket = ticketSchema.parse(await response.json());
      expect(ticket.customer).toMatchObject({ userId: customer.client.userId, email: customer.email });
      expect(ticket.subject).toBe('zebra quantum lasagna');
      expect(ticket.transcript.some((entry) => entry.from === 'customer' && entry.text === 'zebra quantum lasagna')).toBe(true);
    }
    // And the restarted server carries on: one more customer files a ticket.
    const after = new ExpectRepliesClient(server.url);
    await after.say('zebra quantum lasagna');
    await after.say('A question for the support team');
    await after.say('after-restart@example.com');
    expect(said(await after.say('File the ticket'))).toMatch(/\*\*TD-\d+\*\*/);
  }, 180_000);
});
