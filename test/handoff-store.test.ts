import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PgAgentStore } from '../src/agents/pg-agent-store.js';
import { PgHandoffStore } from '../src/handoff/pg-handoff-store.js';
import { migratePostgres } from '../src/storage/postgres/migrate.js';
import { createPool } from '../src/storage/postgres/pool.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import type { AgentStore } from '../src/agents/agent-store.js';
import { DuplicateAgentError } from '../src/agents/agent-store.js';
import { SqliteAgentStore } from '../src/agents/sqlite-agent-store.js';
import type { NewHandoff } from '../src/handoff/handoff.js';
import type { HandoffStore } from '../src/handoff/handoff-store.js';
import { SqliteHandoffStore } from '../src/handoff/sqlite-handoff-store.js';
import { SqliteHandoffPersonalData } from '../src/handoff/sqlite-handoff-personal-data.js';
import { openDatabase } from '../src/storage/database.js';
import { tempDir } from './support/test-app.js';

/** Two handles on the same data (two connections: like two bot processes), and cleanup. */
interface StoreFixture {
  store: HandoffStore;
  other: HandoffStore;
  agents: AgentStore;
  close(): Promise<void>;
}

const T0 = new Date('2026-11-23T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function newHandoff(overrides: Partial<NewHandoff> = {}): NewHandoff {
  return {
    ticketReference: 'TD-1001',
    tier: 'L3',
    question: 'sync server crashes',
    language: 'en',
    channelId: 'test',
    conversationId: `conv-${Math.random()}`,
    customer: { userId: 'u1', name: 'Customer' },
    conversationReference: { channelId: 'test', conversation: { id: 'c' }, serviceUrl: 'http://127.0.0.1:9' },
    classification: { tier: 'L3', source: 'model', score: 0.7, margin: 0.1, scores: { L3: 0.7 } },
    articlesTried: [{ articleId: 'sync', title: 'Sync', score: 0.4 }],
    ...overrides,
  };
}

/**
 * The HandoffStore / AgentStore contract. Every implementation (SQLite today, PostgreSQL next)
 * runs this same suite through its factory.
 */
export function handoffStoreContract(name: string, factory: () => Promise<StoreFixture>): void {
  describe(`${name}: HandoffStore contract`, () => {
    let fixture: StoreFixture;
    afterEach(async () => {
      await fixture?.close();
    });

    it('queues per tier, oldest first; finds the open handoff of a conversation', async () => {
      fixture = await factory();
      const { store } = fixture;
      const b = await store.create(newHandoff({ conversationId: 'b' }), at(2));
      const a = await store.create(newHandoff({ conversationId: 'a' }), at(1));
      await store.create(newHandoff({ conversationId: 'x', tier: 'L1' }), at(0));
      expect((await store.listQueued(['L3'])).map((h) => h.id)).toEqual([a.id, b.id]);
      expect((await store.listQueued(['L1', 'L3'])).length).toBe(3);
      expect((await store.findOpen('test', 'a'))?.id).toBe(a.id);
      expect(await store.findOpen('test', 'nobody')).toBeUndefined();
      expect(a).toMatchObject({ state: 'queued', tier: 'L3', articlesTried: [{ articleId: 'sync', title: 'Sync', score: 0.4 }], awaitingSatisfaction: false });
    });

    it('accept is exactly-once: of two concurrent accepts (two connections) exactly one wins, 50 times over', async () => {
      fixture = await factory();
      const { store, other } = fixture;
      for (let round = 0; round < 50; round++) {
        const handoff = await store.create(newHandoff(), at(round));
        const results = await Promise.all([
          store.accept(handoff.id, { id: 'ana', name: 'Ana' }, 100, at(round + 1)),
          other.accept(handoff.id, { id: 'bob', name: 'Bob' }, 100, at(round + 1)),
        ]);
        const winners = results.filter((r) => typeof r !== 'string');
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => r === 'taken')).toHaveLength(1);
        const stored = await store.get(handoff.id);
        expect(stored!.agent!.id).toBe(typeof results[0] === 'string' ? 'bob' : 'ana');
      }
    });

    it('capacity holds when one agent accepts two chats at once from two connections (20 rounds)', async () => {
      fixture = await factory();
      const { store, other } = fixture;
      for (let round = 0; round < 20; round++) {
        const agent = { id: `agent-${round}`, name: 'Ana' };
        const one = await store.create(newHandoff(), at(round));
        const two = await store.create(newHandoff(), at(round));
        const results = await Promise.all([store.accept(one.id, agent, 1, at(round + 1)), other.accept(two.id, agent, 1, at(round + 1))]);
        expect(results.filter((r) => typeof r !== 'string'), `round ${round}`).toHaveLength(1);
        expect(results.filter((r) => r === 'capacity_full')).toHaveLength(1);
      }
    });

    it('enforces capacity in the same transaction, and refuses finished handoffs', async () => {
      fixture = await factory();
      const { store } = fixture;
      const first = await store.create(newHandoff(), at(0));
      const second = await store.create(newHandoff(), at(1));
      expect(typeof (await store.accept(first.id, { id: 'ana', name: 'Ana' }, 1, at(2)))).toBe('object');
      expect(await store.accept(second.id, { id: 'ana', name: 'Ana' }, 1, at(3))).toBe('capacity_full');
      expect((await store.activeCounts()).get('ana')).toBe(1);
      expect(await store.finish(second.id, ['queued'], 'cancelled', at(4))).toMatchObject({ state: 'cancelled' });
      expect(await store.accept(second.id, { id: 'bob', name: 'Bob' }, 5, at(5))).toBe('not_queued');
      expect(await store.accept('h_missing', { id: 'bob', name: 'Bob' }, 5, at(5))).toBe('not_found');
      expect(await store.finish(second.id, ['queued'], 'timed_out', at(6))).toBeUndefined();
    });

    it('requeue keeps the queue time; reassign checks the target capacity; waits feed the estimate', async () => {
      fixture = await factory();
      const { store } = fixture;
      const old = await store.create(newHandoff(), at(0));
      const young = await store.create(newHandoff(), at(100));
      await store.accept(old.id, { id: 'ana', name: 'Ana' }, 3, at(60));
      expect(await store.recentWaits('L3', 5)).toEqual([60]);
      expect((await store.requeue(old.id, 'L3', at(70)))?.state).toBe('queued');
      expect((await store.listQueued(['L3'])).map((h) => h.id)).toEqual([old.id, young.id]);
      await store.accept(old.id, { id: 'ana', name: 'Ana' }, 3, at(80));
      await store.accept(young.id, { id: 'bob', name: 'Bob' }, 3, at(120));
      expect(await store.reassign(old.id, 'ana', { id: 'bob', name: 'Bob' }, 1, at(130))).toBe('capacity_full');
      expect(await store.reassign(old.id, 'ana', { id: 'cy', name: 'Cy' }, 1, at(130))).toMatchObject({ agent: { id: 'cy' } });
      expect(await store.reassign(old.id, 'ana', { id: 'dee', name: 'Dee' }, 1, at(131))).toBe('taken');
      expect(await store.listActiveFor('cy')).toHaveLength(1);
    });

    it('keeps every message in order and is the delivery outbox: due, deferred, delivered', async () => {
      fixture = await factory();
      const { store, other } = fixture;
      const handoff = await store.create(newHandoff(), at(0));
      await store.appendMessage({ handoffId: handoff.id, from: 'customer', text: 'hello', needsDelivery: false }, at(1));
      const reply = await store.appendMessage({ handoffId: handoff.id, from: 'agent', text: 'hi!', agent: { id: 'ana', name: 'Ana' }, needsDelivery: true }, at(2));
      await store.appendMessage({ handoffId: handoff.id, from: 'note', text: 'internal', agent: { id: 'ana', name: 'Ana' }, needsDelivery: false }, at(3));
      expect(reply).toMatchObject({ from: 'agent', delivered: false, agent: { name: 'Ana' } });
      expect((await other.listMessages(handoff.id)).map((m) => `${m.from}:${m.text}`)).toEqual(['customer:hello', 'agent:hi!', 'note:internal']);

      expect((await store.dueDeliveries(at(2), 10)).map((d) => d.message.id)).toEqual([reply.id]);
      await store.deferDelivery(reply.id, at(30), 'channel down');
      expect(await store.dueDeliveries(at(10), 10)).toEqual([]);
      const due = await other.dueDeliveries(at(30), 10);
      expect(due).toMatchObject([{ message: { id: reply.id }, attempts: 1 }]);
      expect((await store.markDelivered(reply.id))?.delivered).toBe(true);
      expect(await store.dueDeliveries(at(60), 10)).toEqual([]);
    });

    it('asks for satisfaction once after resolve and stores the answer', async () => {
      fixture = await factory();
      const { store } = fixture;
      const handoff = await store.create(newHandoff({ conversationId: 'rate' }), at(0));
      await store.accept(handoff.id, { id: 'ana', name: 'Ana' }, 3, at(1));
      const resolved = await store.finish(handoff.id, ['active'], 'resolved', at(2), { awaitingSatisfaction: true, worthArticle: true });
      expect(resolved).toMatchObject({ state: 'resolved', awaitingSatisfaction: true, worthArticle: true, resolvedAt: at(2).toISOString() });
      expect(await store.findOpen('test', 'rate')).toBeUndefined();
      expect((await store.findLatest('test', 'rate'))?.id).toBe(handoff.id);
      expect(await store.recordSatisfaction(handoff.id, 5)).toMatchObject({ satisfaction: 5, awaitingSatisfaction: false });
      expect(await store.recordSatisfaction(handoff.id, 1)).toBeUndefined();
      expect((await store.get(handoff.id))?.satisfaction).toBe(5);
    });
  });

  describe(`${name}: AgentStore contract`, () => {
    let fixture: StoreFixture;
    afterEach(async () => {
      await fixture?.close();
    });

    it('creates agents with unique emails, sessions that expire, and disabling ends sessions', async () => {
      fixture = await factory();
      const { agents } = fixture;
      const ana = await agents.create({ name: 'Ana', email: 'Ana@Example.com', tiers: ['L1', 'L3'], capacity: 2, admin: false, language: 'pt', passwordHash: 'h' }, T0);
      expect(ana).toMatchObject({ email: 'ana@example.com', tiers: ['L1', 'L3'], status: 'away', disabled: false, language: 'pt' });
      await expect(agents.create({ name: 'Other', email: 'ana@example.com', tiers: ['L1'], capacity: 1, admin: false, language: 'en', passwordHash: 'h' }, T0)).rejects.toBeInstanceOf(DuplicateAgentError);
      expect((await agents.findByEmail(' ANA@example.com '))?.agent.id).toBe(ana.id);

      await agents.createSession('digest-1', { agentId: ana.id, csrfToken: 'c1', expiresAt: at(3600).toISOString() }, T0);
      expect(await agents.findSession('digest-1', at(10))).toMatchObject({ agentId: ana.id, csrfToken: 'c1' });
      expect(await agents.findSession('digest-1', at(3600))).toBeUndefined();
      await agents.createSession('digest-2', { agentId: ana.id, csrfToken: 'c2', expiresAt: at(7200).toISOString() }, T0);
      expect((await agents.update(ana.id, { status: 'online' }))?.status).toBe('online');
      expect(await agents.setDisabled(ana.id, true, at(5))).toMatchObject({ disabled: true, status: 'away' });
      expect(await agents.findSession('digest-2', at(10))).toBeUndefined();
    });
  });
}

handoffStoreContract('SQLite', async () => {
  const dir = tempDir('tierdesk-handoff-store-');
  const file = path.join(dir, 'tierdesk.db');
  const db = openDatabase(file);
  const second = openDatabase(file);
  return {
    store: new SqliteHandoffStore(db),
    other: new SqliteHandoffStore(second),
    agents: new SqliteAgentStore(db),
    close: async () => {
      db.close();
      second.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('PostgreSQL', () => {
  let cluster: TestPostgres | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  // Two pools on one database: two bot instances.
  handoffStoreContract('PostgreSQL', async () => {
    const url = await cluster!.createDatabase();
    const first = createPool(url);
    const second = createPool(url);
    await migratePostgres(first);
    return {
      store: new PgHandoffStore(first),
      other: new PgHandoffStore(second),
      agents: new PgAgentStore(first),
      close: async () => {
        await first.end();
        await second.end();
      },
    };
  });
});

describe('live chats in the erasure registry (SQLite)', () => {
  it('finds a customer\'s chats, erases them with their messages, and purges finished ones by age', async () => {
    const dir = tempDir('tierdesk-handoff-privacy-');
    const db = openDatabase(path.join(dir, 'tierdesk.db'));
    try {
      const store = new SqliteHandoffStore(db);
      const privacy = new SqliteHandoffPersonalData(db);
      const mine = await store.create(newHandoff({ conversationId: 'mine', customer: { userId: 'erase-me', name: 'Zoë Q' } }), T0);
      await store.appendMessage({ handoffId: mine.id, from: 'customer', text: 'my phone is +48 600 000 000', needsDelivery: false }, at(1));
      const other = await store.create(newHandoff({ conversationId: 'other', customer: { userId: 'keep-me' } }), T0);
      await store.finish(other.id, ['queued'], 'cancelled', at(5));

      const traces = await privacy.findCustomer('erase-me');
      expect(traces).toMatchObject({ conversations: [{ channelId: 'test', conversationId: 'mine' }], ticketReferences: ['TD-1001'], identifiers: ['Zoë Q'] });
      const touched = await privacy.eraseCustomer({ userId: 'erase-me', pseudonym: 'p', conversations: traces.conversations!, identifiers: [], ticketReferences: [] });
      expect(touched).toEqual({ handoffs: 1, handoff_messages: 1 });
      expect(await store.get(mine.id)).toBeUndefined();
      expect(await store.get(other.id)).toBeDefined();

      expect(await privacy.purgeOlderThan(at(3).toISOString(), false)).toEqual({ handoffs: 0, handoff_messages: 0 });
      expect(await privacy.purgeOlderThan(at(10).toISOString(), true)).toEqual({ handoffs: 1, handoff_messages: 0 });
      expect(await privacy.purgeOlderThan(at(10).toISOString(), false)).toEqual({ handoffs: 1, handoff_messages: 0 });
      expect(await store.get(other.id)).toBeUndefined();
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
