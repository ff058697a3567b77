import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgEventHub } from '../src/handoff/pg-event-hub.js';
import { silentLogger } from '../src/logger.js';
import { addAgent, CapturingChannel, ConsoleClient } from './support/agent-console-client.js';
import { ExpectRepliesClient, heroCard, type OutgoingActivity, type ReplyActivity } from './support/bot-client.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

const said = (replies: ReplyActivity[]) => replies.map((r) => [r.text, heroCard(r)?.text].filter(Boolean).join('\n')).join('\n');

interface HandoffView {
  id: string;
  state: string;
  tier: string;
}

// Two app instances on one throwaway PostgreSQL: console presence and live events are shared, so an
// agent whose console is open on instance B is available on A and sees what customers say through A.
describe('agent console across two instances on one PostgreSQL', () => {
  let cluster: TestPostgres;
  let a: RunningApp;
  let b: RunningApp;
  let channel: CapturingChannel;
  const consoles: ConsoleClient[] = [];
  const stopped = new Set<RunningApp>();

  beforeAll(async () => {
    cluster = await startPostgres();
    const env = {
      DATABASE_URL: await cluster.createDatabase(),
      BUSINESS_HOURS: 'Mon-Sun 00:00-24:00',
      TIME_ZONE: 'UTC',
      LANGUAGES: 'en',
      DEFAULT_LANGUAGE: 'en',
      DIRECTLINE_SECRET: 'agent-events-directline-secret-0123456789',
    };
    channel = new CapturingChannel();
    await channel.start();
    a = await startTestApp(env);
    b = await startTestApp(env);
  });
  afterAll(async () => {
    for (const c of consoles.splice(0)) c.disconnect();
    for (const app of [a, b]) if (app !== undefined && !stopped.has(app)) await app.stop();
    await channel?.stop();
    await cluster?.stop();
  });

  it("an agent connected to B is available on A, and gets A's customer lines, typing and queue live", async () => {
    await addAgent(a.app.agents, { name: 'Ana', email: 'ana@example.com', tiers: 'L3' });
    const ana = await ConsoleClient.signIn(b.baseUrl, 'ana@example.com');
    consoles.push(ana);
    await ana.json('PUT', '/agent/api/me', { status: 'online' });
    // Online but no console open anywhere: nobody to chat with.
    expect(await a.app.handoffs.availability('L3')).toEqual({ available: false, reason: 'nobody_available' });

    await ana.connect(); // the console's stream is held by instance B
    await expect.poll(() => a.app.handoffs.availability('L3')).toEqual({ available: true });

    const client = new ExpectRepliesClient(a.baseUrl, 'test');
    const say = async (text: string) => said(await client.send({ type: 'message', text, serviceUrl: channel.url } as OutgoingActivity));
    const first = await say('I want to speak to someone');
    const offer = /what kind of help/.test(first) ? await say('An expert for a technical problem') : first;
    expect(offer).toMatch(/Someone from our expert team can chat with you live right now/);
    expect(await say('Chat with a person now')).toMatch(/You're number 1 in the queue/);

    // The queue changed on A; B's console gets its new queue view.
    const queueEvent = await ana.waitForEvent((e) => e.event === 'queue' && (e.data as { queued: unknown[] }).queued.length === 1);
    const waiting = (queueEvent.data as { queued: HandoffView[] }).queued[0]!;
    expect(waiting).toMatchObject({ tier: 'L3', state: 'queued' });

    const accepted = await ana.json<{ handoff: HandoffView }>('POST', `/agent/api/handoffs/${waiting.id}/accept`);
    expect(accepted.handoff.state).toBe('active');
    await channel.waitForText(client.conversationId, /Ana from our expert team has joined the chat/);

    // A customer line posted through A reaches the stream on B within a second.
    expect(await say('My sync server crashes at night')).toBe('');
    const relayed = await ana.waitForEvent((e) => e.event === 'message' && (e.data as { message: { text: string } }).message.text === 'My sync server crashes at night', 1000);
    expect(relayed.data).toMatchObject({ message: { from: 'customer', handoffId: waiting.id } });
    expect(ana.events.filter((e) => e.event === 'message' && (e.data as { message: { text: string } }).message.text === 'My sync server crashes at night')).toHaveLength(1);

    await client.send({ type: 'typing', serviceUrl: channel.url } as OutgoingActivity);
    await ana.waitForEvent((e) => e.event === 'typing' && (e.data as { handoffId: string }).handoffId === waiting.id);

    // The agent answers through B; the customer gets it.
    await ana.json('POST', `/agent/api/handoffs/${waiting.id}/messages`, { text: 'Please send me the error log.' });
    await channel.waitForText(client.conversationId, /^Please send me the error log\.$/);

    // Both instances lose their LISTEN connection (database restart, network): they reconnect by themselves.
    const pool = a.app.stores.pool!;
    const listening = async () =>
      (await pool.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN tierdesk_agent_events'")).rows.map((row) => row.pid);
    const before = await listening();
    expect(before).toHaveLength(2);
    await pool.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
    await expect.poll(async () => {
      const now = await listening();
      return now.length === 2 && now.every((pid) => !before.includes(pid));
    }, { timeout: 5000 }).toBe(true);
    expect(await say('Still there after the reconnect?')).toBe('');
    await ana.waitForEvent((e) => e.event === 'message' && (e.data as { message: { text: string } }).message.text === 'Still there after the reconnect?');
  });

  it("an agent whose last console closed stays connected for the grace period only, also when the instance never says so", async () => {
    await addAgent(a.app.agents, { name: 'Cy', email: 'cy@example.com', tiers: 'L2' });
    const cy = (await a.app.agents.findByEmail('cy@example.com'))!.agent;
    const options = { pool: a.app.stores.pool!, url: a.config.databaseUrl!, logger: silentLogger };
    const holder = new PgEventHub({ ...options, graceMs: 300 });
    const other = new PgEventHub(options);
    try {
      const detach = holder.attach(cy.id, { send: () => undefined, close: () => undefined });
      await expect.poll(async () => (await other.connected([cy.id, 'nobody'])).has(cy.id)).toBe(true);
      expect(await other.connected(['nobody'])).toEqual(new Set());
      detach();
      // The row expires on the database clock; nothing deletes it (holder stays open).
      await expect.poll(async () => (await other.connected([cy.id])).has(cy.id), { timeout: 5000 }).toBe(false);
    } finally {
      await other.close();
      await holder.close();
    }
  });

  it('an instance that stops takes its agents offline at once', async () => {
    await addAgent(a.app.agents, { name: 'Bo', email: 'bo@example.com', tiers: 'L4' });
    const bo = await ConsoleClient.signIn(b.baseUrl, 'bo@example.com');
    await bo.json('PUT', '/agent/api/me', { status: 'online' });
    await bo.connect();
    await expect.poll(() => a.app.handoffs.availability('L4')).toEqual({ available: true });
    await b.stop();
    stopped.add(b);
    expect(await a.app.handoffs.availability('L4')).toEqual({ available: false, reason: 'nobody_available' });
  });
});
