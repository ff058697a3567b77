import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../src/storage/database.js';
import { SqliteFeedbackStore } from '../src/storage/feedback-store.js';
import { PersonalDataRegistry } from '../src/privacy/personal-data.js';
import { sqlitePersonalDataStores } from '../src/privacy/sqlite-personal-data.js';
import { DirectLineTestClient } from './support/directline-client.js';
import { repoRoot, startTestApp, tempDir, type RunningApp } from './support/test-app.js';

// Monday 23 Nov 2026, 15:10 in Berlin: inside business hours, so a callback can be booked.
const NOW = new Date('2026-11-23T14:10:00Z');
const API_TOKEN = 'privacy-test-token-0123456789';
const SITE_SECRET = 'privacy-test-site-secret-0123456789abcdef';

/** One customer as a channel sees them, talking over /api/messages ("test" channel, expectReplies). */
function channelCustomer(baseUrl: string, user: { id: string; name: string }) {
  const conversationId = `conv-${randomUUID()}`;
  return {
    conversationId,
    /** Presses a card button: what a channel sends for a messageBack (its title as text, its value). */
    press(title: string, value: Record<string, unknown>): Promise<string> {
      return this.say(title, value);
    },
    async say(text: string, value?: Record<string, unknown>): Promise<string> {
      const response = await fetch(`${baseUrl}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          id: randomUUID(),
          channelId: 'test',
          serviceUrl: 'http://127.0.0.1:9/unused',
          deliveryMode: 'expectReplies',
          from: user,
          recipient: { id: 'tierdesk-bot', name: 'tierdesk' },
          conversation: { id: conversationId },
          locale: 'en-US',
          text,
          ...(value === undefined ? {} : { value }),
        }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { activities?: { text?: string; attachments?: { content?: { text?: string } }[] }[] };
      return (body.activities ?? []).map((a) => [a.text, ...(a.attachments ?? []).map((x) => x.content?.text)].filter(Boolean).join('\n')).join('\n');
    },
  };
}

/** Files a ticket through the real dialogs; answers its reference. */
async function fileTicket(customer: ReturnType<typeof channelCustomer>, question: string, email: string): Promise<string> {
  await customer.say(question);
  await customer.say('A question for the support team');
  await customer.say(email);
  const filed = await customer.say('File the ticket');
  const reference = /\*\*(TD-\d+)\*\*/.exec(filed)?.[1];
  expect(reference).toBeDefined();
  return reference!;
}

/** Every text value of every table, as "table.column: value" lines. */
function everyTextCell(db: SqliteDatabase): string[] {
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all();
  const cells: string[] = [];
  for (const { name } of tables) {
    for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
      for (const [column, value] of Object.entries(row)) {
        if (typeof value === 'string') cells.push(`${name}.${column}: ${value}`);
      }
    }
  }
  return cells;
}

describe('erasing one customer everywhere (DELETE /api/customers/:userId, real SQLite)', () => {
  let running: RunningApp;
  const ann = { id: `user-${randomUUID()}`, name: 'Annelise Wrzosek-Qvist', email: 'annelise.qvist@example.org', phone: '+44 20 7946 0958' };
  const bob = { id: `user-${randomUUID()}`, name: 'Bartholomew Ingersoll', email: 'bart.ingersoll@example.net' };

  beforeAll(async () => {
    running = await startTestApp({
      API_TOKENS: API_TOKEN,
      DIRECTLINE_SECRET: SITE_SECRET,
      // Deliveries to a closed port stay queued in the outbox, as they would while a receiver is down.
      WEBHOOK_URLS: 'http://127.0.0.1:9/hook',
      WEBHOOK_SECRET: 'privacy-test-webhook-secret',
      TIME_ZONE: 'Europe/Berlin',
      BUSINESS_HOURS: 'Mon-Fri 09:00-17:00',
    }, { now: () => NOW });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('leaves no name, email, phone or user id of the customer in any table, keeps other customers, and says what it touched', async () => {
    // Ann: a ticket through the dialogs (email), her phone typed into a second message.
    const annOnChannel = channelCustomer(running.baseUrl, { id: ann.id, name: ann.name });
    const reference = await fileTicket(annOnChannel, 'zebra quantum lasagna', ann.email);
    // …and a callback, which is how the desk learns her phone number.
    expect(await annOnChannel.say('Can someone call me back please?')).toMatch(/What number should our technician call/);
    await annOnChannel.say(ann.phone);
    expect(await annOnChannel.say('2026-11-24 10:00')).toMatch(/Booked/);
    // She presses "None of these" on a did-you-mean card (the button's value carries her question);
    // the gap report keeps the question, and the bot goes on to offer the support team.
    const pressed = await annOnChannel.press('None of these', { action: 'none-of-these', question: `${ann.name} here: how do I export zebra reports?` });
    expect(pressed).toMatch(/what kind of help do you need/);
    await annOnChannel.say(`or write to me, my number again is ${ann.phone.replace(/ /g, '')}`);
    await new SqliteFeedbackStore(running.app.db).record({
      conversationId: annOnChannel.conversationId,
      channelId: 'test',
      articleId: 'password-reset',
      question: `I am ${ann.name}, how do I reset my password?`,
      helpful: false,
    });
    // A staff comment quoting her contact details.
    const comment = await fetch(`${running.baseUrl}/api/tickets/${reference}/comments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ author: 'agent.kim', text: `Called ${ann.name} at ${ann.phone}, will email ${ann.email}.` }),
    });
    expect(comment.status).toBe(201);

    // Ann again, on the self-hosted Direct Line (web chat), introducing herself.
    const directLine = new DirectLineTestClient(running.baseUrl);
    const { token } = await directLine.generateToken(SITE_SECRET, { id: ann.id, name: ann.name });
    const started = await directLine.start(token);
    await directLine.say(started.conversationId, started.token, `Hi, this is ${ann.name} (${ann.email})`);
    await running.app.directLine.channel.drain();

    // A live chat with her, resolved and marked worth an article: the draft keeps her phrasing.
    const chatTicket = await running.app.tickets.create({
      kind: 'handoff',
      tier: 'L1',
      subject: 'live chat',
      customer: { userId: ann.id, name: ann.name },
      channel: { channelId: 'test', conversationId: annOnChannel.conversationId },
    });
    const { handoff } = await running.app.handoffs.request({
      ticketReference: chatTicket.reference,
      tier: 'L1',
      question: `I am ${ann.name}, how do I export zebra reports?`,
      language: 'en',
      channelId: 'test',
      conversationId: annOnChannel.conversationId,
      customer: { userId: ann.id, name: ann.name },
      conversationReference: { channelId: 'test', conversation: { id: annOnChannel.conversationId }, serviceUrl: 'http://127.0.0.1:9' },
      classification: { tier: 'L1', source: 'customer', score: 1, margin: 1, scores: {} },
      articlesTried: [],
    });
    const staff = { kind: 'external', name: 'privacy-test' } as const;
    await running.app.handoffs.accept(handoff.id, staff);
    await running.app.handoffs.resolve(handoff.id, staff, { worthArticle: true });
    await expect.poll(() => running.app.stores.articleDrafts.findByHandoff(handoff.id)).toBeDefined();

    // Bob: someone else, who must be untouched.
    const bobOnChannel = channelCustomer(running.baseUrl, { id: bob.id, name: bob.name });
    const bobsReference = await fileTicket(bobOnChannel, 'zebra quantum lasagna', bob.email);

    const annValues = [ann.name, ann.email, ann.phone, ann.phone.replace(/ /g, ''), ann.id];
    const before = everyTextCell(running.app.db).join('\n');
    for (const value of annValues) expect(before).toContain(value);
    const cellsOf = (table: string) => everyTextCell(running.app.db).filter((cell) => cell.startsWith(`${table}.`)).join('\n');
    for (const table of ['unmatched_questions', 'article_drafts']) expect(cellsOf(table), table).toContain(ann.name);

    const erased = await fetch(`${running.baseUrl}/api/customers/${encodeURIComponent(ann.id)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(erased.status).toBe(200);
    const report = (await erased.json()) as { userId: string; conversations: number; touched: Record<string, number> };
    expect(report.conversations).toBe(2);
    expect(report.touched).toMatchObject({ tickets: 3, directline_conversations: 1, feedback: 1, unmatched_questions: 1, article_drafts: 1, handoffs: 1 });
    for (const table of ['ticket_comments', 'transcript', 'directline_activities', 'bot_state', 'webhook_outbox', 'customer_conversations']) {
      expect(report.touched[table], table).toBeGreaterThan(0);
    }

    const after = everyTextCell(running.app.db);
    for (const value of annValues) {
      expect(after.filter((cell) => cell.toLowerCase().includes(value.toLowerCase())), value).toEqual([]);
    }
    // Her ticket still counts (status, tier, SLA) but says nothing about her.
    const ticket = await running.app.tickets.get(reference);
    expect(ticket).toMatchObject({ status: 'new', tier: 'L1', subject: '[erased]', transcript: [] });
    expect(ticket!.customer.email).toBeUndefined();
    // Bob keeps everything.
    const bobsTicket = await running.app.tickets.get(bobsReference);
    expect(bobsTicket!.customer).toMatchObject({ userId: bob.id, name: bob.name, email: bob.email });
    expect(after.join('\n')).toContain(bob.email);

    // Erasing again finds nothing.
    const again = await fetch(`${running.baseUrl}/api/customers/${encodeURIComponent(ann.id)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    const second = (await again.json()) as { touched: Record<string, number> };
    expect(Object.values(second.touched).every((rows) => rows === 0)).toBe(true);
  });

  it('needs the API bearer token and is documented in the OpenAPI document', async () => {
    const anonymous = await fetch(`${running.baseUrl}/api/customers/someone`, { method: 'DELETE' });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const wrong = await fetch(`${running.baseUrl}/api/customers/someone`, { method: 'DELETE', headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    const openapi = (await (await fetch(`${running.baseUrl}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(openapi.paths['/api/customers/{userId}']?.delete).toMatchObject({ operationId: 'eraseCustomer' });
  });
});

describe('retention (RETENTION_DAYS)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startTestApp({ API_TOKENS: API_TOKEN, DIRECTLINE_SECRET: SITE_SECRET });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('deletes transcripts, Direct Line logs, feedback and state older than the cutoff, and closed tickets only after it', async () => {
    const { db } = running.app;
    const old = channelCustomer(running.baseUrl, { id: `user-${randomUUID()}`, name: 'Olde Customer' });
    const openReference = await fileTicket(old, 'zebra quantum lasagna', 'olde@example.com');
    const closedReference = await fileTicket(old, 'zebra quantum lasagna', 'olde@example.com');
    await running.app.tickets.changeStatus(closedReference, 'closed');
    const directLine = new DirectLineTestClient(running.baseUrl);
    const started = await directLine.start((await directLine.generateToken(SITE_SECRET)).token);
    await directLine.say(started.conversationId, started.token, 'an old question');
    await running.app.directLine.channel.drain();
    await new SqliteFeedbackStore(db).record({ conversationId: old.conversationId, channelId: 'test', articleId: 'a', question: 'q', helpful: true });

    // Age everything by 100 days, then talk once more (recent data that must stay).
    const past = (column: string) => `${column} = strftime('%Y-%m-%dT%H:%M:%fZ', ${column}, '-100 days')`;
    db.exec(`UPDATE transcript SET ${past('at')}; UPDATE feedback SET ${past('created_at')};
      UPDATE directline_activities SET ${past('created_at')}; UPDATE directline_conversations SET ${past('created_at')};
      UPDATE bot_state SET ${past('updated_at')}; UPDATE tickets SET ${past('updated_at')}, ${past('created_at')};
      UPDATE customer_conversations SET ${past('last_seen_at')}, ${past('first_seen_at')};`);
    const recent = channelCustomer(running.baseUrl, { id: `user-${randomUUID()}`, name: 'New Customer' });
    await recent.say('how do I reset my password?');
    const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    const transcriptsBefore = count('transcript');

    const registry = new PersonalDataRegistry(sqlitePersonalDataStores(db));
    const dryRun = await registry.purge(90, new Date(), true);
    expect(dryRun.deleted).toMatchObject({ tickets: 1, feedback: 1, directline_conversations: 1 });
    expect(dryRun.deleted.transcript).toBeGreaterThan(0);
    expect(count('transcript')).toBe(transcriptsBefore); // a dry run deletes nothing

    const done = await registry.purge(90, new Date(), false);
    expect(done.deleted).toEqual(dryRun.deleted);
    expect(await running.app.tickets.get(closedReference)).toBeUndefined();
    expect((await running.app.tickets.get(openReference))?.customer.email).toBe('olde@example.com');
    expect(count('feedback')).toBe(0);
    expect(count('directline_activities')).toBe(0);
    // Only the recent conversation is left in the transcript.
    const left = db.prepare<[], { conversation_id: string }>('SELECT DISTINCT conversation_id FROM transcript').all();
    expect(left.map((row) => row.conversation_id)).toEqual([recent.conversationId]);
  });
});

describe('npm run retention / npm run erase (the CLI on a data folder)', () => {
  const run = (dataDir: string, ...args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src', 'privacy', 'privacy-cli.ts'), ...args], {
        cwd: repoRoot,
        env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, RETENTION_DAYS: '30' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('exit', (code) => resolve({ code, out }));
    });

  it('prints what a dry run would delete, deletes it for real, and erases a customer by user id', async () => {
    const dataDir = tempDir('tierdesk-privacy-cli-');
    try {
      const db = openDatabase(path.join(dataDir, 'tierdesk.db'));
      const insert = db.prepare('INSERT INTO transcript (channel_id, conversation_id, role, text, at) VALUES (?, ?, ?, ?, ?)');
      insert.run('test', 'old-conversation', 'customer', 'an old question', '2020-01-01T00:00:00.000Z');
      insert.run('test', 'new-conversation', 'customer', 'a new question', new Date().toISOString());
      db.prepare('INSERT INTO customer_conversations (channel_id, conversation_id, user_id, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)').run(
        'test', 'new-conversation', 'cli-user', new Date().toISOString(), new Date().toISOString(),
      );
      db.close();

      const dry = await run(dataDir, 'retention', '--dry-run');
      expect(dry.code).toBe(0);
      expect(dry.out).toMatch(/Would delete data older than 30 days/);
      expect(dry.out).toMatch(/transcript\s+1\n/);
      const real = await run(dataDir, 'retention');
      expect(real.out).toMatch(/Deleted data older than 30 days[\s\S]*transcript\s+1\n/);
      const erased = await run(dataDir, 'erase', 'cli-user');
      expect(erased.code).toBe(0);
      expect(erased.out).toMatch(/Erased customer cli-user \(1 conversations found\)[\s\S]*transcript\s+1\n/);

      const after = openDatabase(path.join(dataDir, 'tierdesk.db'));
      expect(after.prepare('SELECT COUNT(*) AS n FROM transcript').get()).toEqual({ n: 0 });
      after.close();
      expect((await run(dataDir, 'erase')).code).toBe(1);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
